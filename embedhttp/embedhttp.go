// Package embedhttp keeps embedded BI reports alive: an http.Handler a Go
// backend mounts in two lines, and a small script any page loads.
//
//	h := embedhttp.Tencent(cache, func(r *http.Request) (*tencent.CreateEmbedTokenRequest, error) {
//		user, ok := sessions.User(r) // the app's own session
//		if !ok {
//			return nil, embedhttp.ErrUnauthorized
//		}
//		return requestFor(user), nil
//	}, embedhttp.Options{})
//	mux.Handle("/embed/", h)
//
// and in the page:
//
//	<iframe data-biembed="/embed"></iframe><script src="/embed/embed.js"></script>
//
// Youshu is the same with youshu.NewCache and the page the handler embeds
// (youshu.Report(p), WithPath("dash/cockpitIntegration"), ...), fixed per handler. Whose token it is
// comes only from the callback (the session), never from what the browser
// sends. Every endpoint is under the mount point, whatever its name:
//
//	POST …/token   {"url","expiresAt","refreshAfter","now","id"}: the live
//	               token from the cache (cache.Get). Times are RFC 3339;
//	               refreshAfter is halfway through the token's life; now is
//	               the handler's clock, so the script schedules in server
//	               time; id is a short hex hash of the token, never the token.
//	POST …/extend  body {"id"} (at most 1 KiB) -> the same and "replaced".
//	               The cache's token for the session's request, if it has
//	               that id: as it is before refreshAfter, extended in place
//	               after (cache.Extend: ApplyEmbedInterval, renewToken; the
//	               page keeps its state). Otherwise (cleared, revoked,
//	               refreshed, permissions changed) the live replacement, with
//	               "replaced": true. Only the cache's token for the session's
//	               request is ever extended.
//	GET  …/embed.js the script, cacheable.
//
// The script fetches …/token, sets the iframe's src, calls …/extend at
// refreshAfter, when the page becomes visible again and when the browser is
// back online; one call at a time per tab and, with Web Locks and
// BroadcastChannel, across the tabs of a base, which share its answer. It
// times calls out, retries with exponential backoff and full jitter, swaps
// the iframe's src only for a replaced token, and dispatches
// biembed:refreshed, biembed:replaced and biembed:failed (detail.status) on
// the iframe. biembed.attach(iframe, base) attaches an iframe by hand.
//
// Cross-site requests are refused: the POST endpoints answer only POST (405
// otherwise), need the header X-Biembed: 1 (a cross-site form cannot send
// it, and a cross-site fetch that sets it needs a CORS preflight this
// handler never grants), refuse a Sec-Fetch-Site other than same-origin and
// an Origin whose host is not the request's (403). Their answers are
// Cache-Control: no-store. Failures answer {"error": code} and nothing more:
// 401 unauthorized (the callback's ErrUnauthorized), 403 forbidden (another
// callback error) or cross_site, 400 bad_request, 405 method_not_allowed,
// 404 not_found, 500 internal (a *biembed.ValidationError: the app built a
// bad request), 429 rate_limited and 503 unavailable with Retry-After (the
// vendor's rate limit; biembed.Retryable, tokencache.ErrClosed), 502
// vendor_error (any other vendor failure). Options.Logger gets one WARN
// line per failure with the endpoint, status and code, never a token.
//
// Content-Security-Policy: the app's page needs frame-src for the vendor's
// embed host (https://tcbi.qq.com, or the Youshu host), and should send
// frame-ancestors 'self' so that no other site frames it.
package embedhttp

import (
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed" // the script
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tokencache"
	"github.com/biembed/biembed-go/youshu"
)

// ErrUnauthorized is what a request callback returns, wrapped or not, when
// the request has no signed-in user: the handler answers 401.
var ErrUnauthorized = errors.New("embedhttp: no signed-in user")

// Options tune a Handler. The zero value uses the system clock and logs
// nothing.
type Options struct {
	// Now tells the time: give it the cache's clock (tokencache.Options.Now).
	Now func() time.Time
	// Logger receives one WARN line per failed request: endpoint, status
	// and code only.
	Logger *slog.Logger
}

// Handler serves a token endpoint, an extend endpoint and the script under
// the path it is mounted at (see the package documentation).
type Handler struct{ serve http.HandlerFunc }

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h == nil || h.serve == nil {
		writeError(w, http.StatusInternalServerError, "internal")
		return
	}
	h.serve(w, r)
}

// Tencent returns the Handler of Tencent Cloud BI tokens from cache, for the
// request req builds from the session; urlOpts go to EmbedToken.URL.
func Tencent(cache *tencent.Cache, req func(*http.Request) (*tencent.CreateEmbedTokenRequest, error), o Options, urlOpts ...tencent.URLOption) *Handler {
	urlOpts = slices.Clone(urlOpts)
	return newHandler(cache, req, o, func(t *tencent.EmbedToken) (string, error) { return t.URL(urlOpts...) },
		func(t *tencent.EmbedToken) (time.Time, time.Time, string) {
			return t.ExpiresAt.Add(-t.Expiry), t.ExpiresAt, t.Value.Reveal()
		})
}

// Youshu returns the Handler of Youshu tokens from cache, for the request
// req builds from the session. page picks the page every token opens
// (youshu.Report(p), Screen, NewScreen, WithPath, WithQuery): it is fixed
// per Handler; mount one Handler per page.
func Youshu(cache *youshu.Cache, req func(*http.Request) (*youshu.GenTokenRequest, error), o Options, page ...youshu.URLOption) *Handler {
	page = slices.Clone(page)
	return newHandler(cache, req, o, func(t *youshu.EmbedToken) (string, error) { return t.URL(page...) },
		func(t *youshu.EmbedToken) (time.Time, time.Time, string) {
			return t.IssuedAt, t.ExpiresAt, t.Value.Reveal()
		})
}

// core is the Handler of both vendors: R is the vendor's request, T its token.
type core[R, T any] struct {
	cache *tokencache.Cache[R, T]
	req   func(*http.Request) (R, error)
	url   func(T) (string, error)
	facts func(T) (issued, expires time.Time, value string)
	now   func() time.Time
	log   *slog.Logger
}

func newHandler[R, T any](cache *tokencache.Cache[R, T], req func(*http.Request) (R, error), o Options,
	url func(T) (string, error), facts func(T) (time.Time, time.Time, string)) *Handler {
	if req == nil {
		return &Handler{}
	}
	c := &core[R, T]{cache: cache, req: req, url: url, facts: facts, now: o.Now, log: o.Logger}
	if c.now == nil {
		c.now = time.Now
	}
	return &Handler{serve: c.serveHTTP}
}

// answer is the JSON of a successful POST.
type answer struct {
	URL          string `json:"url"`
	ExpiresAt    string `json:"expiresAt"`
	RefreshAfter string `json:"refreshAfter"`
	Now          string `json:"now"`
	ID           string `json:"id"`
	Replaced     *bool  `json:"replaced,omitempty"`
}

func (c *core[R, T]) serveHTTP(w http.ResponseWriter, r *http.Request) {
	endpoint := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	if endpoint == "embed.js" {
		serveScript(w, r)
		return
	}
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	fail := func(status int, code string) {
		if c.log != nil {
			c.log.LogAttrs(r.Context(), slog.LevelWarn, "embedhttp: request refused",
				slog.String("endpoint", endpoint), slog.Int("status", status), slog.String("code", code))
		}
		writeError(w, status, code)
	}
	switch {
	case endpoint != "token" && endpoint != "extend":
		fail(http.StatusNotFound, "not_found")
		return
	case r.Method != http.MethodPost:
		h.Set("Allow", http.MethodPost)
		fail(http.StatusMethodNotAllowed, "method_not_allowed")
		return
	case crossSite(r):
		fail(http.StatusForbidden, "cross_site")
		return
	}
	var body struct{ ID string }
	if endpoint == "extend" {
		err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<10)).Decode(&body)
		if _, hexErr := hex.DecodeString(body.ID); err != nil || hexErr != nil || len(body.ID) != 16 {
			fail(http.StatusBadRequest, "bad_request")
			return
		}
	}
	req, err := c.req(r)
	if err != nil {
		if errors.Is(err, ErrUnauthorized) {
			fail(http.StatusUnauthorized, "unauthorized")
		} else {
			fail(http.StatusForbidden, "forbidden")
		}
		return
	}
	var tok T
	var replaced *bool
	if endpoint == "token" {
		tok, err = c.cache.Get(r.Context(), req)
	} else {
		var rep bool
		tok, rep, err = c.extend(r.Context(), req, strings.ToLower(body.ID))
		replaced = &rep
	}
	var link string
	if err == nil {
		link, err = c.url(tok)
	}
	if err != nil {
		status, code := classify(err)
		if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
			h.Set("Retry-After", "1")
		}
		fail(status, code)
		return
	}
	issued, expires, value := c.facts(tok)
	refresh := issued.Add(expires.Sub(issued) / 2)
	a := answer{URL: link, ExpiresAt: stamp(expires), RefreshAfter: stamp(refresh.Add(time.Second - 1)),
		Now: stamp(c.now()), ID: idOf(value), Replaced: replaced}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(a)
	h.Set("Content-Type", "application/json")
	_, _ = w.Write(buf.Bytes())
}

// extend answers /extend: the token the cache holds for req if its id is
// id, as it is before its refreshAfter and extended at the vendor after;
// otherwise the live token for req, replaced.
func (c *core[R, T]) extend(ctx context.Context, req R, id string) (T, bool, error) {
	fresh := false
	tok, replaced, err := c.cache.Extend(ctx, req, func(t T) bool {
		issued, expires, value := c.facts(t)
		if idOf(value) != id {
			return false
		}
		fresh = c.now().Before(issued.Add(expires.Sub(issued) / 2))
		return !fresh
	})
	if err == nil && fresh {
		_, _, value := c.facts(tok)
		replaced = idOf(value) != id
	}
	return tok, replaced, err
}

// classify maps an error of the cache or of URL building to a status and
// a code.
func classify(err error) (int, string) {
	var invalid *biembed.ValidationError
	switch {
	case errors.As(err, &invalid), errors.Is(err, tokencache.ErrPanicked):
		return http.StatusInternalServerError, "internal"
	case errors.Is(err, tencent.ErrRateLimited), errors.Is(err, youshu.ErrRateLimited):
		return http.StatusTooManyRequests, "rate_limited"
	case biembed.Retryable(err), errors.Is(err, tokencache.ErrClosed),
		errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable, "unavailable"
	}
	return http.StatusBadGateway, "vendor_error"
}

// crossSite reports a request another site may have made: without the
// X-Biembed header, or with a Sec-Fetch-Site or Origin the page's own
// origin would not send.
func crossSite(r *http.Request) bool {
	if r.Header.Get("X-Biembed") != "1" {
		return true
	}
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" {
		return true
	}
	if origin := r.Header.Get("Origin"); origin != "" {
		u, err := url.Parse(origin)
		return err != nil || u.Host == "" || !strings.EqualFold(u.Host, r.Host)
	}
	return false
}

func writeError(w http.ResponseWriter, status int, code string) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(`{"error":"` + code + `"}` + "\n"))
}

func stamp(t time.Time) string { return t.UTC().Truncate(time.Second).Format(time.RFC3339) }

// idOf is the id the browser knows a token by: 8 bytes of its SHA-256, in hex.
func idOf(value string) string {
	sum := sha256.Sum256([]byte(value))
	return hex.EncodeToString(sum[:8])
}

//go:embed embed.js
var script []byte

// scriptTag is the script's ETag.
var scriptTag = `"` + idOf(string(script)) + `"`

// serveScript serves embed.js, cacheable for an hour and revalidated by ETag.
func serveScript(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, "method_not_allowed")
		return
	}
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=3600")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("ETag", scriptTag)
	http.ServeContent(w, r, "embed.js", time.Time{}, bytes.NewReader(script))
}
