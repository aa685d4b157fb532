package tencent

import (
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"

	"github.com/biembed/biembed-go/internal/httplimit"
	"github.com/biembed/biembed-go/internal/redact"
	"github.com/biembed/biembed-go/internal/validate"
)

// The service, version and actions this package calls.
const (
	Service                  = "bi"
	APIVersion               = "2022-01-05"
	ActionCreateEmbedToken   = "CreateEmbedToken"
	ActionApplyEmbedInterval = "ApplyEmbedInterval"
	ActionClearEmbedToken    = "ClearEmbedToken"
)

// Client calls the Tencent Cloud BI embed actions. It is safe for concurrent
// use; its rate limit is shared by every goroutine using it.
type Client struct {
	api         *common.Client
	cred        common.CredentialIface
	transport   *limitedTransport
	limiter     RateLimiter
	logger      *slog.Logger
	timeout     time.Duration
	maxRetries  int
	backoffBase time.Duration
	backoffMax  time.Duration
	embedHost   string
	now         func() time.Time

	clearMu           sync.Mutex
	clearListeners    []func(ClearEmbedTokenRequest)
	clearingListeners []func(ClearEmbedTokenRequest) // called before a clear is sent (Cache)
}

// NewClient returns a client configured by opts. Without WithSecret or
// WithCredential it takes credentials from common.DefaultProviderChain
// (environment, profile file, CVM role), resolved once, here.
//
// The client is built on tencentcloud/common, which signs requests (TC3).
// common's own retries, region breaker and debug dumps are off; the client
// retries RequestLimitExceeded itself. Note that common shares
// common.DefaultHttpClient between clients when a program sets it; leave it
// nil so every Client keeps its own transport.
func NewClient(opts ...Option) (*Client, error) {
	cfg := defaultConfig()
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&cfg); err != nil {
			return nil, err
		}
	}
	cred := cfg.cred
	if cred == nil {
		var err error
		if cred, err = common.DefaultProviderChain().GetCredential(); err != nil {
			return nil, fmt.Errorf("tencent: no credentials (use WithSecret, WithCredential or TENCENTCLOUD_SECRET_ID/TENCENTCLOUD_SECRET_KEY): %w", err)
		}
	}
	base := cfg.transport
	if base == nil {
		base = defaultTransport()
	}
	lt := &limitedTransport{base: withClockSigning(base, cfg.signClock, cred)}
	api := common.NewCommonClient(cred, cfg.region, clientProfile(cfg))
	api.WithHttpTransport(lt)
	api.WithLogger(log.New(io.Discard, "", 0))
	limiter := cfg.rateLimiter
	if limiter == nil {
		limiter = newLocalLimiter(cfg.rateLimit, cfg.rateBurst)
	}
	return &Client{
		api: api, cred: cred, transport: lt, limiter: limiter, logger: cfg.logger, timeout: cfg.timeout,
		maxRetries: cfg.maxRetries, backoffBase: cfg.backoffBase, backoffMax: cfg.backoffMax,
		embedHost: cfg.embedHost, now: cfg.now,
	}, nil
}

// String describes the client by its embed host; it never shows the
// credential (which lives inside tencentcloud/common's client).
func (c *Client) String() string {
	if c == nil {
		return "tencent.Client(nil)"
	}
	return "tencent.Client{embedHost: " + c.embedHost + "}"
}

// ready refuses a client not made by NewClient (nil or the zero value) and a
// nil context, before anything else happens.
func (c *Client) ready(ctx context.Context) error {
	if c == nil || c.api == nil {
		return validate.Fieldf("Client", "must be made by NewClient")
	}
	if ctx == nil {
		return validate.Fieldf("ctx", "must not be nil")
	}
	return nil
}

// Format writes String for every verb: printed raw, the client's fields
// lead to common's client and its credential.
func (c *Client) Format(f fmt.State, verb rune) { redact.FormatString(f, verb, c) }

// LogValue logs the embed host only.
func (c *Client) LogValue() slog.Value {
	if c == nil {
		return slog.GroupValue()
	}
	return slog.GroupValue(slog.String("embedHost", c.embedHost))
}

// CloseIdleConnections closes the idle keep-alive connections of the
// client's transport.
func (c *Client) CloseIdleConnections() {
	if c != nil && c.transport != nil {
		c.transport.CloseIdleConnections()
	}
}

// clientProfile turns the options into common's profile: POST to our
// endpoint, common's retries and region breaker off, debug dumps off.
func clientProfile(cfg config) *profile.ClientProfile {
	cp := profile.NewClientProfile()
	cp.HttpProfile.Endpoint = cfg.endpoint
	cp.HttpProfile.Scheme = strings.ToUpper(cfg.scheme)
	cp.HttpProfile.ReqMethod = http.MethodPost
	// No http.Client timeout: its timer goroutine lives until the body is
	// closed, and common leaves bodies open when a read fails. Each attempt
	// runs under context.WithTimeout(WithTimeout) instead.
	cp.HttpProfile.ReqTimeout = 0
	cp.RateLimitExceededMaxRetries = 0 // common's retry sleeps without ctx; we retry ourselves
	cp.NetworkFailureMaxRetries = 0
	cp.DisableRegionBreaker = true // the breaker may switch to a backup domain silently
	cp.Debug = false               // common's dumps print bodies and headers
	return cp
}

func defaultTransport() http.RoundTripper { return httplimit.DefaultTransport() }
