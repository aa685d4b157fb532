package youshu

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/biembed/biembed-go/internal/safetext"
	"github.com/biembed/biembed-go/internal/validate"
)

// Option configures a Client. Each option checks its input; NewClient
// returns the first error.
type Option func(*config) error

type config struct {
	credential    Credential
	httpClient    *http.Client
	transport     http.RoundTripper
	timeout       time.Duration
	retries       int
	backoffBase   time.Duration
	backoffMax    time.Duration
	retryGenToken bool
	logger        *slog.Logger
	userAgent     string
	maxBytes      int64
	now           func() time.Time
	insecureHTTP  bool
	limiter       RateLimiter // nil: no limit
}

// Defaults of a Client.
const (
	DefaultTimeout          = 30 * time.Second // per attempt
	DefaultRetries          = 2                // retries after the first attempt, where safe
	DefaultBackoffBase      = 200 * time.Millisecond
	DefaultBackoffMax       = 5 * time.Second
	DefaultMaxResponseBytes = 1 << 20 // 1 MiB
	DefaultUserAgent        = "biembed-go/youshu"
	// MaxRetries bounds WithRetries.
	MaxRetries = 10
)

func defaultConfig() config {
	return config{
		retries:     DefaultRetries,
		backoffBase: DefaultBackoffBase,
		backoffMax:  DefaultBackoffMax,
		logger:      slog.New(slog.DiscardHandler),
		userAgent:   DefaultUserAgent,
		maxBytes:    DefaultMaxResponseBytes,
		now:         time.Now,
	}
}

// WithCredential sets the default credential: the one GenToken uses when a
// request has none, and the one that mints the helper tokens of RemoveToken
// and RenewToken (which needs a super admin).
func WithCredential(c Credential) Option {
	return func(cfg *config) error {
		if err := c.Validate(); err != nil {
			return validate.Within("WithCredential", err)
		}
		cfg.credential = c
		return nil
	}
}

// WithHTTPClient sends through a copy of hc: its Transport and Jar, and its
// Timeout as the per-attempt timeout unless WithTimeout is given. Redirects
// are never followed (a redirect is an ErrHTTPStatus, whatever hc's
// CheckRedirect says), headers over 64 KiB are ErrResponseTooLarge, and hc
// itself is not changed. WithTransport overrides the copy's Transport.
func WithHTTPClient(hc *http.Client) Option {
	return func(cfg *config) error {
		if hc == nil {
			return validate.Fieldf("WithHTTPClient", "must not be nil")
		}
		cfg.httpClient = hc
		return nil
	}
}

// WithTransport sends through rt, wrapped so that headers over 64 KiB are
// ErrResponseTooLarge. Without it (or WithHTTPClient) the client uses its own
// clone of http.DefaultTransport that stops reading headers past 64 KiB.
func WithTransport(rt http.RoundTripper) Option {
	return func(cfg *config) error {
		if rt == nil {
			return validate.Fieldf("WithTransport", "must not be nil")
		}
		cfg.transport = rt
		return nil
	}
}

// WithTimeout bounds each attempt: DefaultTimeout, or the Timeout of the
// WithHTTPClient client when it has one. The context bounds the whole call,
// retries included.
func WithTimeout(d time.Duration) Option {
	return func(cfg *config) error {
		if d <= 0 {
			return validate.Fieldf("WithTimeout", "must be positive")
		}
		cfg.timeout = d
		return nil
	}
}

// WithRetries sets how many times a failed call is retried where that is safe
// (DefaultRetries); 0 turns retries off. At most MaxRetries.
func WithRetries(n int) Option {
	return func(cfg *config) error {
		if n < 0 || n > MaxRetries {
			return validate.Fieldf("WithRetries", "must be between 0 and %d", MaxRetries)
		}
		cfg.retries = n
		return nil
	}
}

// WithBackoff sets the backoff between retries: before retry n (from 1) the
// client waits a random time up to min(maxWait, base * 2^(n-1)) ("full jitter").
func WithBackoff(base, maxWait time.Duration) Option {
	return func(cfg *config) error {
		if base <= 0 || maxWait < base {
			return validate.Fieldf("WithBackoff", "needs 0 < base <= maxWait")
		}
		cfg.backoffBase, cfg.backoffMax = base, maxWait
		return nil
	}
}

// WithRetryGenToken retries genToken (POST) like the GET endpoints, on
// transport errors and HTTP 5xx. Off by default because a request that
// reached the server may have minted a token already; a retry then mints a
// second one (harmless for most uses, but not for once tokens you count).
func WithRetryGenToken() Option {
	return func(cfg *config) error {
		cfg.retryGenToken = true
		return nil
	}
}

// WithLogger logs debug lines (endpoint, attempt, status, code, duration,
// masked token) to l. The default discards them.
func WithLogger(l *slog.Logger) Option {
	return func(cfg *config) error {
		if l == nil {
			return validate.Fieldf("WithLogger", "must not be nil")
		}
		cfg.logger = l
		return nil
	}
}

// WithUserAgent sets the User-Agent header (DefaultUserAgent): printable
// ASCII, at most safetext.MaxHeaderValueBytes (512) bytes, no control
// characters, no leading or trailing blanks.
func WithUserAgent(ua string) Option {
	return func(cfg *config) error {
		if rule := safetext.CheckHeaderValue(ua, safetext.MaxHeaderValueBytes); rule != "" {
			return validate.Fieldf("WithUserAgent", "%s", rule)
		}
		cfg.userAgent = ua
		return nil
	}
}

// WithMaxResponseBytes bounds the response body the client reads
// (DefaultMaxResponseBytes); a longer one fails with ErrResponseTooLarge.
func WithMaxResponseBytes(n int64) Option {
	return func(cfg *config) error {
		if n <= 0 || n > 1<<30 {
			return validate.Fieldf("WithMaxResponseBytes", "must be between 1 and 1 GiB")
		}
		cfg.maxBytes = n
		return nil
	}
}

// WithInsecureHTTP allows an http:// base URL. Passwords and keys then cross
// the network in the clear: use it only for tests and loopback.
func WithInsecureHTTP() Option {
	return func(cfg *config) error {
		cfg.insecureHTTP = true
		return nil
	}
}
