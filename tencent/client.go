package tencent

import (
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/internal/pipeline"
	"github.com/biembed/biembed-go/internal/safetext"
	"github.com/biembed/biembed-go/internal/validate"
	"github.com/biembed/biembed-go/internal/warn"
)

// The service and version this package calls.
const (
	service    = "bi"
	apiVersion = "2022-01-05"
)

// The actions this package calls, as the rate limiter sees them.
const (
	ActionCreateEmbedToken   = "CreateEmbedToken"
	ActionApplyEmbedInterval = "ApplyEmbedInterval"
	ActionClearEmbedToken    = "ClearEmbedToken"
)

// Defaults of the client settings.
const (
	DefaultEndpoint  = "bi.tencentcloudapi.com" // China; bi.intl.tencentcloudapi.com is international
	DefaultEmbedHost = "https://tcbi.qq.com"
)

// Defaults of the settings without an exported name.
const (
	defaultTimeout   = 30 * time.Second // per attempt
	defaultRateLimit = 20.0             // requests per second per action, the documented limit
	defaultRetries   = 3
)

// Client calls the Tencent Cloud BI embed actions. It is safe for concurrent
// use; its rate limit is shared by every goroutine using it.
type Client struct {
	api       *common.Client
	cred      common.CredentialIface
	transport *pipeline.Transport
	cfg       config
	slowWait  warn.Condition

	mu      sync.Mutex
	onClear []func(ctx context.Context, tags []string) error // caches to tell, before and after a clear
}

// Option configures a Client. Options check their input; NewClient returns
// the first error, a *biembed.ValidationError naming the option.
type Option func(*config) error

type config struct {
	cred        common.CredentialIface
	scheme      string // "https" or "http"
	endpoint    string // host[:port]
	transport   http.RoundTripper
	timeout     time.Duration
	logger      *slog.Logger
	limiter     biembed.RateLimiter
	retries     int
	backoffBase time.Duration
	backoffMax  time.Duration
	embedHost   string
	now         func() time.Time
}

// NewClient returns a client configured by opts. Without WithSecret or
// WithCredential it takes credentials from common.DefaultProviderChain
// (the TENCENTCLOUD_SECRET_ID/TENCENTCLOUD_SECRET_KEY environment
// variables, then ~/.tencentcloud/credentials, then the CVM role), resolved
// once, here.
//
// The client is built on tencentcloud/common, which signs every request
// (TC3-HMAC-SHA256) with the system clock. common's own retries, region
// breaker and debug dumps are off; the client retries itself (WithRetries).
func NewClient(opts ...Option) (*Client, error) {
	limiter, _ := biembed.NewRateLimiter(defaultRateLimit, 1)
	cfg := config{scheme: "https", endpoint: DefaultEndpoint, timeout: defaultTimeout, retries: defaultRetries,
		backoffBase: 100 * time.Millisecond, backoffMax: 2 * time.Second, embedHost: DefaultEmbedHost,
		limiter: limiter, logger: slog.New(slog.DiscardHandler), now: time.Now}
	for _, opt := range opts {
		if opt == nil {
			return nil, validate.Fieldf("Option", "must not be nil")
		}
		if err := opt(&cfg); err != nil {
			return nil, err
		}
	}
	cred := cfg.cred
	if cred == nil {
		var err error
		if cred, err = common.DefaultProviderChain().GetCredential(); err != nil {
			return nil, validate.Fieldf("WithSecret", "no credentials: use WithSecret, WithCredential or TENCENTCLOUD_SECRET_ID/TENCENTCLOUD_SECRET_KEY")
		}
	}
	t := pipeline.NewTransport(cfg.transport)
	cp := profile.NewClientProfile()
	cp.HttpProfile.Endpoint = cfg.endpoint
	cp.HttpProfile.Scheme = strings.ToUpper(cfg.scheme)
	cp.HttpProfile.ReqMethod = http.MethodPost
	cp.HttpProfile.ReqTimeout = 0 // each attempt runs under a context deadline instead
	cp.RateLimitExceededMaxRetries = 0
	cp.NetworkFailureMaxRetries = 0
	cp.DisableRegionBreaker = true // it may switch to a backup domain silently
	cp.Debug = false               // common's dumps print bodies and headers
	api := common.NewCommonClient(cred, "", cp)
	api.WithHttpTransport(t)
	api.WithLogger(log.New(io.Discard, "", 0))
	return &Client{api: api, cred: cred, transport: t, cfg: cfg,
		slowWait: warn.Condition{Msg: "tencent: the rate limiter holds calls for more than a second"}}, nil
}

// Format prints the client by its endpoint and embed host, whatever the
// verb: its fields lead to the credential.
func (c *Client) Format(f fmt.State, _ rune) {
	if c == nil || c.api == nil {
		fmt.Fprint(f, "tencent.Client{}")
		return
	}
	fmt.Fprintf(f, "tencent.Client{endpoint: %s, embedHost: %s}", c.cfg.endpoint, c.cfg.embedHost)
}

// ready refuses a client not made by NewClient and a nil context.
func (c *Client) ready(ctx context.Context) error {
	if c == nil || c.api == nil {
		return validate.Fieldf("Client", "must be made by NewClient")
	}
	if ctx == nil {
		return validate.Fieldf("ctx", "must not be nil")
	}
	return nil
}

// maxURLBytes bounds the endpoint and embed host.
const maxURLBytes = 2048

// WithSecret signs requests with a permanent SecretId/SecretKey pair.
func WithSecret(id, key string) Option {
	return func(c *config) error {
		if len(id) > 1024 || len(key) > 1024 || safetext.CheckToken(id) != nil || safetext.CheckToken(key) != nil {
			return validate.Fieldf("WithSecret", "id and key must be 1 to 1024 bytes of visible ASCII")
		}
		c.cred = common.NewCredential(id, key)
		return nil
	}
}

// WithCredential signs requests with cred, such as a temporary credential
// or a role provider's (tencentcloud/common).
func WithCredential(cred common.CredentialIface) Option {
	return func(c *config) error {
		if validate.IsNil(cred) {
			return validate.Fieldf("WithCredential", "must not be nil")
		}
		c.cred = cred
		return nil
	}
}

// WithEndpoint sets the API host: a host name such as
// bi.intl.tencentcloudapi.com (HTTPS), or a URL such as
// http://127.0.0.1:8080 for tests and proxies. Default: DefaultEndpoint.
func WithEndpoint(endpoint string) Option {
	return func(c *config) error {
		raw := endpoint
		if !strings.Contains(raw, "://") {
			raw = "https://" + raw
		}
		u, err := url.Parse(raw)
		if len(raw) > maxURLBytes || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" ||
			u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
			return validate.Fieldf("WithEndpoint", "must be a host name or an http(s) URL without path, query or fragment")
		}
		c.scheme, c.endpoint = u.Scheme, u.Host
		return nil
	}
}

// WithEmbedHost sets the host of embed URLs for private deployments: an
// http(s) URL that may carry a path prefix. Default: DefaultEmbedHost.
func WithEmbedHost(host string) Option {
	return func(c *config) error {
		u, err := parseEmbedHost("WithEmbedHost", host)
		if err != nil {
			return err
		}
		c.embedHost = u.String()
		return nil
	}
}

// WithTransport sends through rt (default: a clone of
// http.DefaultTransport). The client wraps it: redirects are refused,
// headers over 64 KiB and bodies over 1 MiB are ErrResponseTooLarge.
func WithTransport(rt http.RoundTripper) Option {
	return func(c *config) error {
		if validate.IsNil(rt) {
			return validate.Fieldf("WithTransport", "must not be nil")
		}
		c.transport = rt
		return nil
	}
}

// WithTimeout bounds each attempt (default 30s); ctx bounds the
// whole call.
func WithTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return validate.Fieldf("WithTimeout", "must be positive")
		}
		c.timeout = d
		return nil
	}
}

// WithRetries sets how many times a failed call is retried where that is
// safe (default 3; 0 turns retries off, at most 10). A mint
// (CreateEmbedToken) is retried only when the service cannot have acted on
// it: the connection failed before sending, RequestLimitExceeded, HTTP 503,
// InternalError. ApplyEmbedInterval and ClearEmbedToken are also retried
// after timeouts, cut connections and HTTP 500, 502 and 504.
func WithRetries(n int) Option {
	return func(c *config) error {
		if n < 0 || n > 10 {
			return validate.Fieldf("WithRetries", "must be from 0 to 10")
		}
		c.retries = n
		return nil
	}
}

// WithBackoff sets the backoff between retries: retry n waits a random
// time in [0, min(maxDelay, base·2^(n-1))). Default: 100ms, 2s.
func WithBackoff(base, maxDelay time.Duration) Option {
	return func(c *config) error {
		if base <= 0 || maxDelay < base {
			return validate.Fieldf("WithBackoff", "base must be positive and max at least base")
		}
		c.backoffBase, c.backoffMax = base, maxDelay
		return nil
	}
}

// WithLogger logs to l: a DEBUG line per attempt with allow-listed metadata
// only (action, attempt, HTTP status, error code, request id, duration,
// masked token), and a WARN line when the rate limiter starts and stops
// holding calls for more than a second. Default: nothing is logged.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return validate.Fieldf("WithLogger", "must not be nil")
		}
		c.logger = l
		return nil
	}
}

// WithRateLimiter makes the client wait on l before every attempt.
// Default: 20 requests a second per action (the documented limit) in this
// process alone; replicas of one account share redisstore's limiter.
func WithRateLimiter(l biembed.RateLimiter) Option {
	return func(c *config) error {
		if validate.IsNil(l) {
			return validate.Fieldf("WithRateLimiter", "must not be nil")
		}
		c.limiter = l
		return nil
	}
}

// WithClock sets the clock that stamps EmbedToken.ExpiresAt (default
// time.Now). Signatures always use the system clock, as the service checks
// them against real time; the fake (tencenttest) does the same, so a test
// may move one manual clock through hours of token life.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return validate.Fieldf("WithClock", "must not be nil")
		}
		c.now = now
		return nil
	}
}

// parseEmbedHost checks an embed host URL and returns it without a
// trailing slash; field names the setting in the error.
func parseEmbedHost(field, host string) (*url.URL, error) {
	u, err := url.Parse(host)
	if len(host) > maxURLBytes || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" ||
		u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return nil, validate.Fieldf(field, "must be an http(s) URL without query or fragment")
	}
	u.Path, u.RawPath = strings.TrimRight(u.Path, "/"), ""
	return u, nil
}
