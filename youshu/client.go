package youshu

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-resty/resty/v2"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/internal/pipeline"
	"github.com/biembed/biembed-go/internal/validate"
	"github.com/biembed/biembed-go/internal/warn"
)

// Client calls one Youshu host. It is safe for concurrent use; create one
// per host and reuse it (it holds one resty client and its connections).
type Client struct {
	base     *url.URL // scheme, host and path prefix, without a trailing slash
	cfg      config
	rc       *resty.Client
	slowWait warn.Condition

	mu       sync.Mutex
	helpers  map[UseType]*helper                                // reusable rmToken/renewToken helper tokens
	onRemove []func(ctx context.Context, tokens []string) error // caches to tell of removed tokens
}

// Option configures a Client. Options check their input; NewClient returns
// the first error, a *biembed.ValidationError naming the option.
type Option func(*config) error

type config struct {
	credential  Credential
	transport   http.RoundTripper
	timeout     time.Duration
	retries     int
	backoffBase time.Duration
	backoffMax  time.Duration
	logger      *slog.Logger
	limiter     biembed.RateLimiter
	now         func() time.Time
	insecure    bool
}

// NewClient returns a client for the Youshu host at baseURL, such as
// "https://bi.example.com" or "https://example.com/youshu" (a path prefix
// is kept). baseURL must be https (http only with WithInsecureHTTP) with no
// user info, query or fragment.
func NewClient(baseURL string, opts ...Option) (*Client, error) {
	cfg := config{timeout: 30 * time.Second, retries: 2, backoffBase: 200 * time.Millisecond,
		backoffMax: 5 * time.Second, logger: slog.New(slog.DiscardHandler), now: time.Now}
	for _, opt := range opts {
		if opt == nil {
			return nil, validate.Fieldf("Option", "must not be nil")
		}
		if err := opt(&cfg); err != nil {
			return nil, err
		}
	}
	base, err := parseBaseURL(baseURL, cfg.insecure)
	if err != nil {
		return nil, err
	}
	hc := &http.Client{Transport: pipeline.NewTransport(cfg.transport),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	rc := resty.NewWithClient(hc).SetLogger(silent{}).SetDebug(false).SetDisableWarn(true).SetRetryCount(0).
		SetResponseBodyLimit(pipeline.MaxBodyBytes).SetHeader("Accept", "application/json").
		SetHeader("User-Agent", "biembed-go/youshu")
	return &Client{base: base, cfg: cfg, rc: rc, helpers: map[UseType]*helper{},
		slowWait: warn.Condition{Msg: "youshu: the rate limiter holds calls for more than a second"}}, nil
}

func parseBaseURL(raw string, insecure bool) (*url.URL, error) {
	u, err := url.Parse(raw)
	switch {
	case len(raw) > 2048:
		return nil, validate.Fieldf("baseURL", "must be at most 2048 bytes")
	case err != nil || !strings.Contains(raw, "://") || u.Opaque != "":
		return nil, validate.Fieldf("baseURL", "must be an absolute URL with a scheme, such as https://bi.example.com")
	case u.Scheme != "https" && !(u.Scheme == "http" && insecure):
		return nil, validate.Fieldf("baseURL", "must use https (http only with WithInsecureHTTP)")
	case u.Host == "" || u.Opaque != "":
		return nil, validate.Fieldf("baseURL", "must name a host")
	case u.User != nil:
		return nil, validate.Fieldf("baseURL", "must not contain user info")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return nil, validate.Fieldf("baseURL", "must not contain a query or fragment")
	}
	return &url.URL{Scheme: u.Scheme, Host: u.Host, Path: strings.TrimRight(u.Path, "/")}, nil
}

// silent keeps resty quiet: its messages can hold URLs with tokens.
type silent struct{}

func (silent) Errorf(string, ...any) {}
func (silent) Warnf(string, ...any)  {}
func (silent) Debugf(string, ...any) {}

// Format prints the client by its base URL and credential kind and
// account, whatever the verb: its fields lead to the credential's secret
// and to helper tokens.
func (c *Client) Format(f fmt.State, _ rune) {
	if c == nil || c.base == nil {
		fmt.Fprint(f, "youshu.Client{}")
		return
	}
	fmt.Fprintf(f, "youshu.Client{%s, credential: %s %q}", c.base, c.cfg.credential.Type, c.cfg.credential.Account)
}

// ready refuses a client not made by NewClient and a nil context.
func (c *Client) ready(ctx context.Context) error {
	if c == nil || c.rc == nil {
		return validate.Fieldf("Client", "must be made by NewClient")
	}
	if ctx == nil {
		return validate.Fieldf("ctx", "must not be nil")
	}
	return nil
}

// WithCredential sets the default credential: the one GenToken uses when a
// request has none, and the one that mints the helper tokens RemoveToken
// and RenewToken need (a super admin's).
func WithCredential(cred Credential) Option {
	return func(c *config) error {
		if err := cred.Validate(); err != nil {
			return validate.Within("WithCredential", err)
		}
		c.credential = cred
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
// safe (default 2; 0 turns retries off, at most 10). genToken
// mints, so it is retried only when the server cannot have acted on it:
// the connection failed before sending, HTTP 429 or 503. rmToken and
// renewToken are also retried after timeouts, cut connections and HTTP
// 500, 502 and 504.
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
// time in [0, min(maxDelay, base·2^(n-1))). Default: 200ms, 5s.
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
// only (endpoint, attempt, HTTP status, code, duration), and a WARN line
// when the rate limiter starts and stops holding calls for more than a
// second. Default: nothing is logged.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return validate.Fieldf("WithLogger", "must not be nil")
		}
		c.logger = l
		return nil
	}
}

// WithRateLimiter makes the client wait on l before every attempt. Youshu
// documents no limit, so by default there is none; replicas that must
// share a budget on one host use redisstore's limiter.
func WithRateLimiter(l biembed.RateLimiter) Option {
	return func(c *config) error {
		if validate.IsNil(l) {
			return validate.Fieldf("WithRateLimiter", "must not be nil")
		}
		c.limiter = l
		return nil
	}
}

// WithClock sets the clock that stamps Token.IssuedAt and ExpiresAt
// (default time.Now). Tests share one manual clock between the client, its
// cache (tokencache.Options.Now) and youshutest.WithClock.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return validate.Fieldf("WithClock", "must not be nil")
		}
		c.now = now
		return nil
	}
}

// WithInsecureHTTP allows an http:// base URL. Passwords and keys then
// cross the network in the clear: use it only for tests and loopback.
func WithInsecureHTTP() Option {
	return func(c *config) error {
		c.insecure = true
		return nil
	}
}
