package youshu

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/go-resty/resty/v2"

	"github.com/biembed/biembed-go/internal/httplimit"
	"github.com/biembed/biembed-go/internal/redact"
	"github.com/biembed/biembed-go/internal/validate"
)

// Client calls one Youshu host. It is safe for concurrent use; create one per
// host and reuse it (it holds one resty client and its connection pool).
type Client struct {
	base *url.URL // scheme and host, Path without a trailing slash
	cfg  config
	rc   *resty.Client

	mintURL string // computed once: every GenToken posts to it

	mu       sync.Mutex
	onRevoke []func(token string)
}

// NewClient returns a client for the Youshu host at baseURL, for example
// "https://bi.example.com" or "https://example.com/youshu" (a path prefix is
// kept). baseURL must be https (http only with WithInsecureHTTP) and carry no
// user info, query or fragment.
func NewClient(baseURL string, opts ...Option) (*Client, error) {
	cfg := defaultConfig()
	for _, opt := range opts {
		if opt == nil {
			return nil, validate.Fieldf("option", "must not be nil")
		}
		if err := opt(&cfg); err != nil {
			return nil, err
		}
	}
	base, err := parseBaseURL(baseURL, cfg.insecureHTTP)
	if err != nil {
		return nil, err
	}
	c := &Client{base: base, cfg: cfg, rc: newResty(&cfg)}
	c.mintURL = c.endpointURL(EndpointGenToken, nil)
	return c, nil
}

// maxBaseURLBytes bounds the base URL.
const maxBaseURLBytes = 2048

func parseBaseURL(raw string, insecure bool) (*url.URL, error) {
	u, err := url.Parse(raw)
	switch {
	case len(raw) > maxBaseURLBytes:
		return nil, validate.Fieldf("baseURL", "must be at most %d bytes", maxBaseURLBytes)
	case err != nil || raw == "":
		return nil, validate.Fieldf("baseURL", "must be an absolute URL")
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

// newResty builds the one resty client: no retries of its own (the client
// runs its own loop), debug and logging off, a body limit, and an
// http.Client that never follows a redirect (CheckRedirect) and refuses
// header bombs (httplimit.Transport), which every request inherits, whether
// it goes through resty or straight through GetClient().
func newResty(cfg *config) *resty.Client {
	hc := &http.Client{}
	if cfg.httpClient != nil {
		copied := *cfg.httpClient
		hc = &copied
	}
	if cfg.transport != nil {
		hc.Transport = cfg.transport
	}
	if hc.Transport == nil {
		hc.Transport = httplimit.DefaultTransport()
	}
	hc.Transport = &httplimit.Transport{Base: hc.Transport}
	// The per-attempt timeout runs as a context deadline in attempt: an
	// http.Client.Timeout costs a goroutine per request.
	if cfg.timeout == 0 {
		cfg.timeout = hc.Timeout
	}
	if cfg.timeout == 0 {
		cfg.timeout = DefaultTimeout
	}
	hc.Timeout = 0
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return resty.NewWithClient(hc).
		SetLogger(silentLogger{}).
		SetDebug(false).
		SetDisableWarn(true).
		SetRetryCount(0).
		SetResponseBodyLimit(int(cfg.maxBytes)).
		SetHeader("User-Agent", cfg.userAgent).
		SetHeader("Accept", "application/json")
}

// silentLogger keeps resty quiet: its messages can hold URLs with tokens.
type silentLogger struct{}

func (silentLogger) Errorf(string, ...any) {}
func (silentLogger) Warnf(string, ...any)  {}
func (silentLogger) Debugf(string, ...any) {}

// OnRevoke registers f to be called with each token RemoveToken or
// RemoveTokenWith removed, after the server confirmed it, so a cache can
// evict it. Listeners run in order on the caller's goroutine and must not
// block; nil is ignored.
func (c *Client) OnRevoke(f func(token string)) {
	if f == nil || c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.onRevoke = append(c.onRevoke, f)
}

func (c *Client) revoked(token string) {
	c.mu.Lock()
	listeners := append([]func(string){}, c.onRevoke...)
	c.mu.Unlock()
	for _, f := range listeners {
		f(token)
	}
}

// CloseIdleConnections closes the client's idle keep-alive connections.
func (c *Client) CloseIdleConnections() {
	if c != nil && c.rc != nil {
		c.rc.GetClient().CloseIdleConnections()
	}
}

// BaseURL returns the base URL the client was created with, normalised.
// It is empty for a client not made by NewClient.
func (c *Client) BaseURL() string {
	if c == nil || c.base == nil {
		return ""
	}
	return c.base.String()
}

// String describes the client without its credential's secret.
func (c *Client) String() string {
	if c == nil || c.base == nil {
		return "youshu.Client{}" // not made by NewClient
	}
	return "youshu.Client{" + c.BaseURL() + ", credential: " + c.cfg.credential.String() + "}"
}

// GoString is String, so %#v does not reveal the credential either.
func (c *Client) GoString() string { return c.String() }

// Format writes String for every verb, so no verb reveals the credential
// or reads the client's changing state.
func (c *Client) Format(f fmt.State, verb rune) { redact.FormatString(f, verb, c) }

// LogValue logs the base URL and the credential's kind and account.
func (c *Client) LogValue() slog.Value {
	if c == nil || c.base == nil {
		return slog.GroupValue()
	}
	return slog.GroupValue(slog.String("baseURL", c.BaseURL()), slog.Any("credential", c.cfg.credential))
}

// endpointURL returns the URL of one /api/dash/util endpoint.
func (c *Client) endpointURL(endpoint string, query url.Values) string {
	u := *c.base
	u.Path += apiPrefix + endpoint
	u.RawQuery = query.Encode()
	return u.String()
}

// jitter returns a random duration in [0, n).
func jitter(n int64) int64 {
	if n <= 0 {
		return 0
	}
	return rand.Int64N(n)
}
