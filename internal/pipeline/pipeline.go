// Package pipeline is the HTTP path both vendor clients share: a transport
// that reads every answer whole under fixed bounds and never follows a
// redirect, the Attempt record a client maps its errors from, and Do, the
// retry loop with rate limiting, per-attempt timeouts and jittered backoff.
package pipeline

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/biembed/biembed-go/internal/warn"
)

// Bounds of what the transport accepts from a server.
const (
	MaxBodyBytes   = 1 << 20  // a body, after Go's transparent gzip decoding
	MaxHeaderBytes = 64 << 10 // the response headers
)

var (
	// ErrRetryable is matched (errors.Is) by every vendor error worth
	// retrying; biembed.ErrRetryable asks for it.
	ErrRetryable = errors.New("worth retrying")
	// ErrRefused is the transport's error for an answer it would not hand
	// on; the Attempt says why.
	ErrRefused = errors.New("answer refused")
)

// Attempt is what the transport saw of one HTTP exchange. The client puts
// it in the attempt's context (WithAttempt) and reads it after the round
// trip, whether or not that failed.
type Attempt struct {
	Status   int    // HTTP status; 0 before an answer
	Body     []byte // the whole body, at most MaxBodyBytes
	Redirect bool   // a 3xx answer, refused
	TooLarge bool   // headers or body over their bound
	Encoded  bool   // a Content-Encoding Go did not undo
	NotJSON  bool   // a 2xx answer that is not a JSON object (by type or body)
	ReadErr  error  // the body could not be read whole
}

type attemptKey struct{}

// WithAttempt returns ctx carrying a fresh Attempt for the transport to fill.
func WithAttempt(ctx context.Context) (context.Context, *Attempt) {
	a := &Attempt{}
	return context.WithValue(ctx, attemptKey{}, a), a
}

// NewTransport wraps base, or when it is nil a clone of
// http.DefaultTransport that stops reading response headers past
// MaxHeaderBytes (one per client, so its connections are reused).
func NewTransport(base http.RoundTripper) *Transport {
	if base == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxResponseHeaderBytes = MaxHeaderBytes
		base = t
	}
	return &Transport{base: base}
}

// Transport refuses redirects (an http.Client would follow them, resending
// signed requests and credentials to the Location), headers over
// MaxHeaderBytes, bodies over MaxBodyBytes and content encodings, and
// hands on the body read whole.
type Transport struct {
	base http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	a, _ := req.Context().Value(attemptKey{}).(*Attempt)
	if a == nil {
		a = &Attempt{}
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		if strings.Contains(err.Error(), "server response headers exceeded") {
			a.TooLarge = true
			return nil, ErrRefused
		}
		return nil, err
	}
	defer resp.Body.Close()
	a.Status = resp.StatusCode
	switch {
	case headerBytes(resp.Header) > MaxHeaderBytes:
		a.TooLarge = true
	case resp.StatusCode >= 300 && resp.StatusCode <= 399:
		a.Redirect = true
	case resp.Header.Get("Content-Encoding") != "":
		a.Encoded = true
	default:
		a.Body, a.ReadErr = io.ReadAll(io.LimitReader(resp.Body, MaxBodyBytes+1))
		a.TooLarge = len(a.Body) > MaxBodyBytes
		a.NotJSON = resp.StatusCode/100 == 2 && !isJSONObject(resp.Header.Get("Content-Type"), a.Body)
	}
	if a.TooLarge || a.Redirect || a.Encoded || a.NotJSON || a.ReadErr != nil {
		a.Body = nil
		return nil, ErrRefused
	}
	resp.Body = io.NopCloser(bytes.NewReader(a.Body))
	resp.ContentLength = int64(len(a.Body))
	return resp, nil
}

// CloseIdleConnections closes the idle connections of the wrapped transport.
func (t *Transport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// isJSONObject reports whether an answer of contentType may be JSON (no
// type, application/json, text/json or text/plain, with any parameters)
// and body starts like a JSON object. Vendors answer objects; anything else
// is a proxy's page or a lie (and tencentcloud/common panics on "null").
func isJSONObject(contentType string, body []byte) bool {
	mediaType, _, _ := strings.Cut(contentType, ";")
	switch strings.ToLower(strings.TrimSpace(mediaType)) {
	case "", "application/json", "text/json", "text/plain":
	default:
		return false
	}
	body = bytes.TrimLeft(body, " \t\r\n")
	return len(body) > 0 && body[0] == '{'
}

// headerBytes approximates the wire size of h.
func headerBytes(h http.Header) int {
	n := 0
	for k, vs := range h {
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	return n
}

// NeverSent reports whether err is a failure to connect (dial, DNS): no
// byte of the request reached a server, so even a mint may be retried.
func NeverSent(err error) bool {
	var op *net.OpError
	var dns *net.DNSError
	return errors.As(err, &dns) || (errors.As(err, &op) && op.Op == "dial")
}

// Limiter is biembed.RateLimiter (which this package cannot import).
type Limiter interface {
	Wait(ctx context.Context, action string) error
}

// Policy is how Do runs one call.
type Policy struct {
	Action   string        // for the limiter
	Limiter  Limiter       // waited on before every attempt; nil: none
	Timeout  time.Duration // per attempt
	Retries  int           // retries after the first attempt
	Base     time.Duration // first backoff ceiling
	Max      time.Duration // largest backoff ceiling
	Logger   *slog.Logger  // for the slow-limiter warning
	SlowWait *warn.Condition
	// Stopped builds the error of a call the caller's ctx ended between
	// attempts: cause is ctx's error, last the error of the last attempt
	// (nil before the first).
	Stopped func(cause, last error) error
}

// Do calls attempt until it succeeds, fails for good (retry false, or no
// retries left), or ctx ends; nothing starts once ctx is done. Each attempt
// waits for the limiter first and runs under ctx with Timeout; retry n
// first waits a random time in [0, min(Max, Base·2^(n-1))) (full jitter).
func Do(ctx context.Context, p Policy, attempt func(ctx context.Context, n int) (retry bool, err error)) error {
	var last error
	for n := 1; ; n++ {
		if err := p.wait(ctx); err != nil {
			return p.Stopped(err, last)
		}
		actx, cancel := context.WithTimeout(ctx, p.Timeout)
		retry, err := attempt(actx, n)
		cancel()
		if err == nil || !retry || n > p.Retries || ctx.Err() != nil {
			return err
		}
		last = err
		t := time.NewTimer(backoff(n, p.Base, p.Max))
		select {
		case <-ctx.Done():
			t.Stop()
			return p.Stopped(ctx.Err(), last)
		case <-t.C:
		}
	}
}

// wait checks ctx and waits for the limiter, warning (SlowWait) while waits
// take longer than a second.
func (p *Policy) wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil || p.Limiter == nil {
		return err
	}
	start := time.Now()
	err := p.Limiter.Wait(ctx, p.Action)
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	if waited := time.Since(start); p.SlowWait != nil && err == nil {
		p.SlowWait.Set(ctx, p.Logger, waited > time.Second, slog.String("action", p.Action), slog.Duration("waited", waited))
	}
	return err
}

// backoff returns retry n's wait: random in [0, min(max, base·2^(n-1))).
func backoff(n int, base, max time.Duration) time.Duration {
	ceiling := max
	if n-1 < 30 {
		if d := base << (n - 1); d > 0 && d < max {
			ceiling = d
		}
	}
	if ceiling <= 0 {
		return 0
	}
	return rand.N(ceiling)
}

// Namespace is a vendor cache's tokencache.Config.Namespace for tokens that
// work at hosts: "vendor:" and a short hash of hosts, so that caches of two
// deployments sharing a Store (whose ids overlap) never serve, drop or
// revoke each other's tokens.
func Namespace(vendor, hosts string) string {
	sum := sha256.Sum256([]byte(hosts))
	return vendor + ":" + hex.EncodeToString(sum[:8]) + ":"
}

// stored is how a shared store keeps a token: its JSON, which hides the
// value, and the value apart, in the clear (the store seals the whole).
type stored[T any] struct {
	Token T      `json:"token"`
	Value string `json:"value"`
}

// EncodeToken returns tok, whose secret is value, as a shared store keeps it.
func EncodeToken[T any](tok *T, value string) ([]byte, error) {
	return json.Marshal(stored[*T]{Token: tok, Value: value})
}

// DecodeToken reverses EncodeToken, handing the value to setValue.
func DecodeToken[T any](b []byte, setValue func(tok *T, value string)) (*T, error) {
	var s stored[*T]
	if err := json.Unmarshal(b, &s); err != nil || s.Token == nil {
		return nil, errors.New("a stored token does not decode")
	}
	setValue(s.Token, s.Value)
	return s.Token, nil
}
