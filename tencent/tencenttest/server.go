package tencenttest

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/biembed/biembed-go/internal/fakestate"
	"github.com/biembed/biembed-go/tencent"
)

// The credential pair the fake accepts when no WithSecret option is given.
// They are test values and open nothing.
const (
	SecretID  = "AKIDtencenttestFAKE0000000000000000"
	SecretKey = "tencenttest-FAKE-secret-key-00000000"
)

// EmbedPage (page visits) and EmbedStatus (status polls) name requests in
// Request.Action, Count and Fault.Action, beside the action names such as
// "CreateEmbedToken".
const (
	EmbedPage   = "EmbedPage"
	EmbedStatus = "EmbedStatus"
)

const version = "2022-01-05" // the X-TC-Version the fake speaks

// Server is the fake Tencent Cloud BI host, safe for concurrent use.
type Server struct {
	core                   *fakestate.Core[Request]
	now                    func() time.Time
	secrets                map[string]string
	rate                   float64
	requestLog, tokenLimit int // Requests keeps requestLog; the table about tokenLimit

	// guarded by core.Mu
	tokens   *fakestate.Tokens[*IssuedToken]
	limiters map[string]*rate.Limiter
	seq      uint64
}

// Option configures a Server.
type Option func(*Server)

// WithSecret makes the fake accept the pair (id, key). Give it several times
// for several pairs; without it the fake accepts SecretID/SecretKey.
func WithSecret(id, key string) Option {
	return func(s *Server) { s.secrets[id] = key }
}

// WithClock sets the clock of token lifetimes and the rate limit
// (time.Now by default).
func WithClock(now func() time.Time) Option {
	return func(s *Server) { s.now = now }
}

// WithRateLimit answers RequestLimitExceeded when one action gets more than
// perSecond requests a second of the fake's clock; the default is no limit.
func WithRateLimit(perSecond float64) Option {
	return func(s *Server) { s.rate = perSecond }
}

// NewServer starts a fake on a loopback port. Call Close when done.
func NewServer(opts ...Option) *Server {
	s := newFake(opts...)
	s.core.Start(s, false)
	return s
}

// NewTestServer is NewServer with Close registered on t.Cleanup.
func NewTestServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := NewServer(opts...)
	t.Cleanup(s.Close)
	return s
}

func newFake(opts ...Option) *Server {
	s := &Server{secrets: map[string]string{},
		limiters: map[string]*rate.Limiter{}, requestLog: 1000, tokenLimit: 10000}
	for _, opt := range opts {
		if opt != nil {
			opt(s)
		}
	}
	if len(s.secrets) == 0 {
		s.secrets[SecretID] = SecretKey
	}
	s.core = fakestate.NewCore[Request](s.now, s.requestLog)
	s.now = s.core.Now
	s.tokens = fakestate.NewTokens(s.tokenLimit, func(t *IssuedToken, now time.Time) bool { return !now.Before(t.ExpiresAt) })
	return s
}

// URL returns the fake's base URL: give it to tencent.WithEndpoint, and to
// tencent.WithEmbedHost so that EmbedToken.URL opens the fake's pages.
func (s *Server) URL() string { return s.core.URL() }

// Close ends held-back answers and shuts the fake down.
func (s *Server) Close() { s.core.Close() }

// Requests returns the last 1,000 requests, oldest first.
func (s *Server) Requests() []Request { return s.core.Requests() }

// Count counts the requests named action since the start or ResetRequests,
// whatever their outcome; "" counts every request.
func (s *Server) Count(action string) int { return s.core.Count(action) }

// ResetRequests forgets the recorded requests and sets every Count to 0.
func (s *Server) ResetRequests() { s.core.ResetRequests() }

// Fault changes how the fake answers matching requests, before any check.
// Faults apply in the order injected, one per request. Code, HTTPStatus,
// Body or CloseMidBody replace the answer; Delay or ContentType alone
// hold back or relabel the normal one.
type Fault struct {
	Action       string // "CreateEmbedToken", "ApplyEmbedInterval", "ClearEmbedToken", EmbedPage or EmbedStatus; "" for all
	Code         string // answer {"Response":{"Error":{"Code","Message"}}}
	Message      string
	HTTPStatus   int    // the status (200 when 0); alone, a text/plain status page
	Body         []byte // sent as it is instead of a JSON answer
	ContentType  string // of Body (default application/json), or of the normal answer
	Delay        time.Duration
	Stalled      chan<- struct{} // told (without blocking) when Delay starts, so a test needs no clock
	CloseMidBody bool            // send half the answer, then close the connection
	Times        int             // 0: every matching request until ClearFaults
}

// Inject adds f. Delay holds the answer until it passes, the client gives
// up or the fake closes.
func (s *Server) Inject(f Fault) {
	body := f.Body
	switch {
	case body == nil && f.Code != "":
		body = envelope(map[string]any{"Error": map[string]string{"Code": f.Code, "Message": f.Message}})
	case body == nil && f.CloseMidBody:
		body = envelope(map[string]any{"Msg": "success", "Data": map[string]string{"BIToken": "cut-off"}})
	case body == nil && f.HTTPStatus != 0:
		body, f.ContentType = []byte(http.StatusText(f.HTTPStatus)), "text/plain; charset=utf-8"
	}
	s.core.Inject(fakestate.Fault{Name: f.Action, Status: f.HTTPStatus, Body: body, ContentType: f.ContentType,
		Delay: f.Delay, Stalled: f.Stalled, CloseMidBody: f.CloseMidBody, Times: f.Times})
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() { s.core.ClearFaults() }

// Request is one request the fake received, recorded before any check;
// printed or logged, it shows only its method, path and action.
type Request struct {
	Action string // X-TC-Action, EmbedPage or EmbedStatus
	Method string
	Path   string
	Query  url.Values
	Header http.Header // without Authorization
	Body   []byte
	// Params is Body decoded with UseNumber; nil when Body is no JSON object.
	Params map[string]any
	// CreateEmbedToken is a CreateEmbedToken body decoded; nil for other actions.
	CreateEmbedToken *tencent.CreateEmbedTokenRequest
}

// Format prints r as "POST / (CreateEmbedToken, 15-byte body)" whatever the verb.
func (r Request) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "%s %s (%s, %d-byte body)", r.Method, r.Path, r.Action, len(r.Body))
}

// LogValue logs the action, method and path only.
func (r Request) LogValue() slog.Value {
	return slog.GroupValue(slog.String("action", r.Action), slog.String("method", r.Method), slog.String("path", r.Path))
}

// ServeHTTP answers one request as the fake does on its port.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone()}
	rec.Header.Del("Authorization")
	switch r.URL.Path {
	case pathStatus:
		rec.Action = EmbedStatus
	case pathEmbed, pathChatBI:
		rec.Action = EmbedPage
	}
	if rec.Action != "" {
		s.core.Record(rec.Action, rec)
		if !s.core.Fault(w, r, rec.Action) {
			s.core.ServePage(w, r, "tencent", pathStatus, s.grant, s.status)
		}
		return
	}
	body, readErr := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	rec.Action, rec.Body, rec.Params = r.Header.Get("X-TC-Action"), body, decodeParams(body)
	if rec.Action == "CreateEmbedToken" && rec.Params != nil {
		rec.CreateEmbedToken = decodeCreate(body)
	}
	s.core.Record(rec.Action, rec)
	if s.core.Fault(w, r, rec.Action) {
		return
	}
	data, apiErr := s.handle(r, rec.Action, body, rec.Params, readErr)
	if apiErr != nil {
		fakestate.WriteJSON(w, http.StatusOK, envelope(map[string]any{"Error": apiErr}))
		return
	}
	fakestate.WriteJSON(w, http.StatusOK, envelope(map[string]any{"Msg": "success", "Extra": "", "Data": data}))
}

func (s *Server) handle(r *http.Request, action string, body []byte, params map[string]any, readErr error) (any, *apiError) {
	switch {
	case readErr != nil:
		return nil, newAPIError(codeInvalidParameter, "the request body could not be read")
	case r.Method != http.MethodPost:
		return nil, newAPIError("UnsupportedOperation", "the fake only supports POST")
	}
	if err := verifyTC3(r, body, s.secrets, time.Now()); err != nil {
		return nil, err
	}
	switch {
	case r.Header.Get("X-TC-Version") != version:
		return nil, newAPIError("NoSuchVersion", "the X-TC-Version must be "+version)
	case !s.allow(action):
		return nil, newAPIError("RequestLimitExceeded", "too many requests for "+action)
	case params == nil:
		return nil, newAPIError(codeInvalidParameter, "the request body must be a JSON object")
	}
	switch action {
	case "CreateEmbedToken":
		return s.createEmbedToken(body)
	case "ApplyEmbedInterval":
		return s.applyEmbedInterval(body)
	case "ClearEmbedToken":
		return s.clearEmbedToken(body)
	}
	return nil, newAPIError("InvalidAction", "the action is not supported by the fake")
}

func (s *Server) allow(action string) bool {
	if s.rate <= 0 {
		return true
	}
	s.core.Mu.Lock()
	defer s.core.Mu.Unlock()
	lim := s.limiters[action]
	if lim == nil {
		lim = rate.NewLimiter(rate.Limit(s.rate), max(1, int(s.rate)))
		s.limiters[action] = lim
	}
	return lim.AllowN(s.now(), 1)
}

// decodeParams decodes a JSON object with UseNumber, or returns nil.
func decodeParams(body []byte) map[string]any {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var params map[string]any
	if err := dec.Decode(&params); err != nil || dec.More() {
		return nil
	}
	return params
}

// envelope wraps resp as {"Response":{...,"RequestId":"<uuid>"}}.
func envelope(resp map[string]any) []byte {
	resp["RequestId"] = newID()
	b, _ := json.Marshal(map[string]any{"Response": resp})
	return b
}

// newID returns a random version 4 UUID.
func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
