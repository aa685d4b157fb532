package tencent

import (
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"

	"github.com/biembed/biembed-go/internal/safetext"
	"github.com/biembed/biembed-go/internal/validate"
)

// Defaults of the client settings.
const (
	DefaultEndpoint    = "bi.tencentcloudapi.com" // China; bi.intl.tencentcloudapi.com is international
	DefaultEmbedHost   = "https://tcbi.qq.com"
	DefaultTimeout     = 30 * time.Second // per HTTP attempt
	DefaultRateLimit   = 20.0             // requests per second per action, the documented limit
	DefaultMaxRetries  = 3                // retries of RequestLimitExceeded
	DefaultBackoffBase = 100 * time.Millisecond
	DefaultBackoffMax  = 2 * time.Second
)

// Option configures a Client. Options check their input; NewClient returns
// the first error, a *ValidationError whose Field names the option.
type Option func(*config) error

type config struct {
	cred        common.CredentialIface
	region      string
	scheme      string // "https" or "http"
	endpoint    string // host[:port]
	transport   http.RoundTripper
	timeout     time.Duration
	logger      *slog.Logger
	rateLimit   float64
	rateBurst   int
	rateLimiter RateLimiter // nil: newLocalLimiter(rateLimit, rateBurst)
	maxRetries  int
	backoffBase time.Duration
	backoffMax  time.Duration
	embedHost   string
	now         func() time.Time
	signClock   Clock // set by WithClock: re-sign requests with its time
}

func defaultConfig() config {
	return config{
		scheme:      "https",
		endpoint:    DefaultEndpoint,
		timeout:     DefaultTimeout,
		logger:      slog.New(slog.DiscardHandler),
		rateLimit:   DefaultRateLimit,
		rateBurst:   1,
		maxRetries:  DefaultMaxRetries,
		backoffBase: DefaultBackoffBase,
		backoffMax:  DefaultBackoffMax,
		embedHost:   DefaultEmbedHost,
		now:         time.Now,
	}
}

// Limits of option values.
const (
	maxSecretBytes = 1024 // SecretId, SecretKey
	maxURLBytes    = 2048 // endpoint, embed host
)

// isNil reports whether v is nil or an interface holding a nil pointer (a
// typed nil such as (*common.Credential)(nil)), which would panic at the
// first call.
func isNil(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan:
		return rv.IsNil()
	}
	return false
}

// WithSecret signs requests with a permanent SecretId/SecretKey pair.
func WithSecret(id, key string) Option {
	return func(c *config) error {
		if strings.TrimSpace(id) == "" || strings.TrimSpace(key) == "" {
			return validate.Fieldf("WithSecret", "id and key must not be empty")
		}
		if len(id) > maxSecretBytes || len(key) > maxSecretBytes || safetext.CheckToken(id) != nil || safetext.CheckToken(key) != nil {
			return validate.Fieldf("WithSecret", "id and key must be 1 to %d bytes of visible ASCII (no blanks or line breaks)", maxSecretBytes)
		}
		c.cred = common.NewCredential(id, key)
		return nil
	}
}

// WithCredential signs requests with cred, for example a temporary
// credential or one from a role provider of tencentcloud/common. Without
// WithSecret or WithCredential, NewClient asks common.DefaultProviderChain:
// the TENCENTCLOUD_SECRET_ID/TENCENTCLOUD_SECRET_KEY environment variables,
// then ~/.tencentcloud/credentials, then the CVM role (a metadata request).
func WithCredential(cred common.CredentialIface) Option {
	return func(c *config) error {
		if isNil(cred) {
			return validate.Fieldf("WithCredential", "must not be nil")
		}
		c.cred = cred
		return nil
	}
}

// WithRegion sets the X-TC-Region header. BI does not need one; the default
// sends none.
func WithRegion(region string) Option {
	return func(c *config) error {
		if region == "" || len(region) > 64 || strings.Trim(region, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
			return validate.Fieldf("WithRegion", "must be a region name such as ap-guangzhou")
		}
		c.region = region
		return nil
	}
}

// WithEndpoint sets the API host: a host name such as
// bi.intl.tencentcloudapi.com (HTTPS), or a URL such as http://127.0.0.1:8080
// for tests and proxies. It takes no path. The default is DefaultEndpoint.
func WithEndpoint(endpoint string) Option {
	return func(c *config) error {
		raw := endpoint
		if len(raw) > maxURLBytes {
			return validate.Fieldf("WithEndpoint", "must be at most %d bytes", maxURLBytes)
		}
		if !strings.Contains(raw, "://") {
			raw = "https://" + raw
		}
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil ||
			(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
			return validate.Fieldf("WithEndpoint", "must be a host name or an http(s) URL without path, query or fragment")
		}
		c.scheme, c.endpoint = u.Scheme, u.Host
		return nil
	}
}

// WithTransport sets the HTTP transport. The default is a clone of
// http.DefaultTransport that reads at most MaxResponseHeaderBytes of
// headers. The client wraps it: redirects are refused (never followed),
// headers over MaxResponseHeaderBytes and bodies over MaxResponseBytes are
// ErrResponseTooLarge.
func WithTransport(rt http.RoundTripper) Option {
	return func(c *config) error {
		if rt == nil {
			return validate.Fieldf("WithTransport", "must not be nil")
		}
		c.transport = rt
		return nil
	}
}

// WithTimeout bounds each HTTP attempt. The default is DefaultTimeout; ctx
// deadlines apply as well.
func WithTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return validate.Fieldf("WithTimeout", "must be positive")
		}
		c.timeout = d
		return nil
	}
}

// WithLogger sets the logger for debug lines, which carry only the action,
// attempt, HTTP status, error code, request id, duration and masked token:
// never bodies, headers or keys. The default discards everything.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return validate.Fieldf("WithLogger", "must not be nil")
		}
		c.logger = l
		return nil
	}
}

// WithRateLimit sets the client's own budget per action, shared by every
// goroutine using the client. The default is DefaultRateLimit (the
// documented service limit); math.Inf(1) turns the limiter off.
func WithRateLimit(perSecond float64) Option {
	return func(c *config) error {
		if math.IsNaN(perSecond) || perSecond <= 0 {
			return validate.Fieldf("WithRateLimit", "must be positive (math.Inf(1) for no limit)")
		}
		c.rateLimit = perSecond
		return nil
	}
}

// WithRateBurst sets how many requests per action may go at once before the
// rate limit spaces them. The default is 1.
func WithRateBurst(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return validate.Fieldf("WithRateBurst", "must be at least 1")
		}
		c.rateBurst = n
		return nil
	}
}

// WithMaxRetries sets how often a RequestLimitExceeded answer is retried
// (0 turns retries off). No other error is retried: CreateEmbedToken mints.
// The default is DefaultMaxRetries.
func WithMaxRetries(n int) Option {
	return func(c *config) error {
		if n < 0 {
			return validate.Fieldf("WithMaxRetries", "must not be negative")
		}
		c.maxRetries = n
		return nil
	}
}

// WithBackoff sets the exponential backoff between retries: retry n waits a
// random time in [0, min(maxDelay, base*2^(n-1))) (full jitter). The defaults are
// DefaultBackoffBase and DefaultBackoffMax.
func WithBackoff(base, maxDelay time.Duration) Option {
	return func(c *config) error {
		if base <= 0 || maxDelay < base {
			return validate.Fieldf("WithBackoff", "base must be positive and max at least base")
		}
		c.backoffBase, c.backoffMax = base, maxDelay
		return nil
	}
}

// WithEmbedHost sets the host of embed URLs for private deployments, an
// http(s) URL that may carry a path prefix. The default is DefaultEmbedHost.
// Tokens remember it; EmbedToken.URL's WithHost overrides it.
func WithEmbedHost(host string) Option {
	return func(c *config) error {
		u, err := parseEmbedHost(host)
		if err != nil {
			return validate.Fieldf("WithEmbedHost", "%s", err.Rule)
		}
		c.embedHost = u.String()
		return nil
	}
}

// parseEmbedHost checks an embed host URL and returns it without a trailing
// slash.
func parseEmbedHost(host string) (*url.URL, *validate.Error) {
	if len(host) > maxURLBytes {
		return nil, validate.Fieldf("", "must be at most %d bytes", maxURLBytes)
	}
	u, err := url.Parse(host)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil ||
		u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return nil, validate.Fieldf("", "must be an http(s) URL without query or fragment")
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}
