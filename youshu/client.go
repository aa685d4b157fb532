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
	base *url.URL // scheme, host and path prefix, without a trailing slash
	cfg  config
	rc   *resty.Client

	mu       sync.Mutex
	helpers  map[UseType]*EmbedToken                            // reusable rmToken/renewToken helper tokens
	onRemove []func(ctx context.Context, tokens []string) error // caches to tell of removed tokens
}

// Option configures a Client. Options check their input; NewClient returns
// the first error, a *biembed.ValidationError naming the option.
type Option func(*config) error

type config struct {
	pipeline.Policy // Limiter, Timeout, Retries, Base, Max, Logger, SlowWait
	credential      Credential
	transport       http.RoundTripper
	now             func() time.Time
	insecure        bool
}

// NewClient returns a client for the Youshu host at baseURL, such as
// "https://bi.example.com" or "https://example.com/youshu" (a path prefix
// is kept). baseURL must be https (http only with WithInsecureHTTP) with no
// user info, query or fragment.
func NewClient(baseURL string, opts ...Option) (*Client, error) {
	cfg := config{Policy: pipeline.Policy{Timeout: 30 * time.Second, Retries: 2, Base: 200 * time.Millisecond,
		Max: 5 * time.Second, Logger: slog.New(slog.DiscardHandler),
		SlowWait: &warn.Condition{Msg: "youshu: the rate limiter holds calls for more than a second"}}, now: time.Now}
	if err := validate.Apply(&cfg, opts); err != nil {
		return nil, err
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
	return &Client{base: base, cfg: cfg, rc: rc, helpers: map[UseType]*EmbedToken{}}, nil
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
	case u.Host == "":
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
	return validate.Ready(c != nil && c.rc != nil, ctx)
}

// WithCredential sets the default credential: the one GenToken uses when a
// request has none, and the one that mints the helper tokens RemoveToken
// and RenewToken need (a super admin's).
func WithCredential(cred Credential) Option {
	err := validate.Within("WithCredential", cred.validate())
	return func(c *config) error {
		if err == nil {
			c.credential = cred
		}
		return err
	}
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
// full-jitter backoff (default 2, at most 10). genToken mints, so it is
// retried only where the server cannot have acted on it (no connection,
// HTTP 429 or 503); rmToken and renewToken also after timeouts, cut
// connections and HTTP 500, 502 and 504.
func WithRetries(n int) Option {
	return validate.Option("WithRetries", n >= 0 && n <= 10, "must be from 0 to 10", func(c *config) { c.Retries = n })
}

// WithBackoff sets the backoff between retries: retry n waits a random
// time in [0, min(maxDelay, base·2^(n-1))). Default: 200ms, 5s.
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

// WithRateLimiter makes the client wait on l before every attempt. Youshu
// documents no limit, so by default there is none; replicas that must
// share a budget on one host use redisstore's limiter.
func WithRateLimiter(l biembed.RateLimiter) Option {
	return validate.Option("WithRateLimiter", !validate.IsNil(l), "must not be nil", func(c *config) { c.Limiter = l })
}

// WithClock sets the clock that stamps EmbedToken.IssuedAt and ExpiresAt
// (default time.Now), such as the manual clock a test shares with the
// cache and youshutest.
func WithClock(now func() time.Time) Option {
	return validate.Option("WithClock", now != nil, "must not be nil", func(c *config) { c.now = now })
}

// WithInsecureHTTP allows an http:// base URL. Passwords and keys then
// cross the network in the clear: use it only for tests and loopback.
func WithInsecureHTTP() Option {
	return validate.Option("WithInsecureHTTP", true, "", func(c *config) { c.insecure = true })
}
