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

const defaultEmbedHost = "https://tcbi.qq.com"

// Client calls the Tencent Cloud BI embed actions. It is safe for concurrent
// use; its rate limit is shared by every goroutine using it.
type Client struct {
	api *common.Client
	cfg config

	mu      sync.Mutex
	onClear []func(ctx context.Context, tags []string) error // caches to tell, before and after a clear
}

// Option configures a Client. Options check their input; NewClient returns
// the first error, a *biembed.ValidationError naming the option.
type Option func(*config) error

type config struct {
	pipeline.Policy // Limiter, Timeout, Retries, Base, Max, Logger, SlowWait
	cred            common.CredentialIface
	scheme          string // "https" or "http"
	endpoint        string // host[:port]
	transport       http.RoundTripper
	embedHost       string
	now             func() time.Time
}

// NewClient returns a client configured by opts. Without WithSecret or
// WithCredential it resolves credentials once, here, from
// common.DefaultProviderChain (the TENCENTCLOUD_SECRET_ID/KEY environment
// variables, ~/.tencentcloud/credentials, the CVM role). common's own
// retries, region breaker and debug dumps are off.
func NewClient(opts ...Option) (*Client, error) {
	limiter, _ := biembed.NewRateLimiter(20, 1) // the documented limit, per action
	cfg := config{Policy: pipeline.Policy{Limiter: limiter, Timeout: 30 * time.Second, Retries: 3,
		Base: 100 * time.Millisecond, Max: 2 * time.Second, Logger: slog.New(slog.DiscardHandler),
		SlowWait: &warn.Condition{Msg: "tencent: the rate limiter holds calls for more than a second"}},
		scheme: "https", endpoint: "bi.tencentcloudapi.com", embedHost: defaultEmbedHost, now: time.Now}
	if err := validate.Apply(&cfg, opts); err != nil {
		return nil, err
	}
	if cfg.cred == nil {
		var err error
		if cfg.cred, err = common.DefaultProviderChain().GetCredential(); err != nil {
			return nil, validate.Fieldf("WithSecret", "no credentials: use WithSecret, WithCredential or TENCENTCLOUD_SECRET_ID/TENCENTCLOUD_SECRET_KEY")
		}
	}
	cp := profile.NewClientProfile()
	cp.HttpProfile.Endpoint = cfg.endpoint
	cp.HttpProfile.Scheme = strings.ToUpper(cfg.scheme)
	cp.HttpProfile.ReqMethod = http.MethodPost
	cp.HttpProfile.ReqTimeout = 0 // each attempt runs under a context deadline instead
	cp.RateLimitExceededMaxRetries = 0
	cp.NetworkFailureMaxRetries = 0
	cp.DisableRegionBreaker = true // it may switch to a backup domain silently
	cp.Debug = false               // common's dumps print bodies and headers
	api := common.NewCommonClient(cfg.cred, "", cp)
	api.WithHttpTransport(pipeline.NewTransport(cfg.transport))
	api.WithLogger(log.New(io.Discard, "", 0))
	return &Client{api: api, cfg: cfg}, nil
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
	return validate.Ready(c != nil && c.api != nil, ctx)
}

// WithSecret signs requests with a permanent SecretId/SecretKey pair.
func WithSecret(id, key string) Option {
	ok := len(id) <= 1024 && len(key) <= 1024 && safetext.CheckToken(id) == nil && safetext.CheckToken(key) == nil
	return validate.Option("WithSecret", ok, "id and key must be 1 to 1024 bytes of visible ASCII",
		func(c *config) { c.cred = common.NewCredential(id, key) })
}

// WithCredential signs requests with cred, such as a temporary credential
// or a role provider's (tencentcloud/common).
func WithCredential(cred common.CredentialIface) Option {
	return validate.Option("WithCredential", !validate.IsNil(cred), "must not be nil", func(c *config) { c.cred = cred })
}

// WithEndpoint sets the API host: a host name such as
// bi.intl.tencentcloudapi.com (HTTPS), or a URL such as
// http://127.0.0.1:8080 for tests and proxies. Default:
// bi.tencentcloudapi.com (China).
func WithEndpoint(endpoint string) Option {
	if !strings.Contains(endpoint, "://") {
		endpoint = "https://" + endpoint
	}
	u, ok := httpURL(endpoint)
	ok = ok && (u.Path == "" || u.Path == "/")
	return validate.Option("WithEndpoint", ok, "must be a host name or an http(s) URL without path, query or fragment",
		func(c *config) { c.scheme, c.endpoint = u.Scheme, u.Host })
}

// WithEmbedHost sets the host of embed URLs for private deployments: an
// http(s) URL that may carry a path prefix. Default: https://tcbi.qq.com.
func WithEmbedHost(host string) Option {
	u, err := parseEmbedHost("WithEmbedHost", host)
	return validate.Option("WithEmbedHost", err == nil, "must be an http(s) URL without query or fragment",
		func(c *config) { c.embedHost = u.String() })
}

// WithTransport sends through rt (default: a clone of
// http.DefaultTransport), wrapped: redirects are refused, headers over 64
// KiB and bodies over 1 MiB are ErrResponseTooLarge.
func WithTransport(rt http.RoundTripper) Option {
	return validate.Option("WithTransport", !validate.IsNil(rt), "must not be nil", func(c *config) { c.transport = rt })
}

// WithTimeout bounds each attempt (default 30s); ctx bounds the whole call.
func WithTimeout(d time.Duration) Option {
	return validate.Option("WithTimeout", d > 0, "must be positive", func(c *config) { c.Timeout = d })
}

// WithRetries sets how many times a failed call is retried, with
// full-jitter backoff (default 3, at most 10). CreateEmbedToken is retried
// only where the service cannot have acted on it (no connection,
// RequestLimitExceeded, HTTP 503, InternalError); the other actions also
// after timeouts, cut connections and HTTP 500, 502 and 504.
func WithRetries(n int) Option {
	return validate.Option("WithRetries", n >= 0 && n <= 10, "must be from 0 to 10", func(c *config) { c.Retries = n })
}

// WithBackoff sets the backoff between retries: retry n waits a random
// time in [0, min(maxDelay, base·2^(n-1))). Default: 100ms, 2s.
func WithBackoff(base, maxDelay time.Duration) Option {
	return validate.Option("WithBackoff", base > 0 && maxDelay >= base, "base must be positive and max at least base",
		func(c *config) { c.Base, c.Max = base, maxDelay })
}

// WithLogger logs to l (default: nowhere) a DEBUG line per attempt with
// allow-listed metadata only, and a WARN line when the rate limiter starts
// and stops holding calls for more than a second.
func WithLogger(l *slog.Logger) Option {
	return validate.Option("WithLogger", l != nil, "must not be nil", func(c *config) { c.Logger = l })
}

// WithRateLimiter makes the client wait on l before every attempt.
// Default: 20 requests a second per action (the documented limit) in this
// process alone; replicas of one account share redisstore's limiter.
func WithRateLimiter(l biembed.RateLimiter) Option {
	return validate.Option("WithRateLimiter", !validate.IsNil(l), "must not be nil", func(c *config) { c.Limiter = l })
}

// WithClock sets the clock that stamps EmbedToken.ExpiresAt (default
// time.Now). Signatures use the system clock, as the service checks them.
func WithClock(now func() time.Time) Option {
	return validate.Option("WithClock", now != nil, "must not be nil", func(c *config) { c.now = now })
}

// httpURL parses raw as an absolute http(s) URL of at most 2048 bytes with
// a host and no user info, query or fragment.
func httpURL(raw string) (*url.URL, bool) {
	u, err := url.Parse(raw)
	return u, len(raw) <= 2048 && err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" &&
		u.User == nil && u.RawQuery == "" && u.Fragment == ""
}

// parseEmbedHost checks an embed host URL and returns it without a
// trailing slash; field names the setting in the error.
func parseEmbedHost(field, host string) (*url.URL, error) {
	u, ok := httpURL(host)
	if !ok || u.ForceQuery {
		return nil, validate.Fieldf(field, "must be an http(s) URL without query or fragment")
	}
	u.Path, u.RawPath = strings.TrimRight(u.Path, "/"), ""
	return u, nil
}
