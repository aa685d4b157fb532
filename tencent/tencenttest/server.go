package tencenttest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/biembed/biembed-go/internal/fakestate"
)

// The well-known credential pair the fake accepts when no WithSecret option
// is given. They are test values and open nothing.
const (
	SecretID  = "AKIDtencenttestFAKE0000000000000000"
	SecretKey = "tencenttest-FAKE-secret-key-00000000"
)

// Version is the API version the fake speaks; requests with another
// X-TC-Version are rejected.
const Version = "2022-01-05"

// The actions the fake implements.
const (
	ActionCreateEmbedToken   = "CreateEmbedToken"
	ActionApplyEmbedInterval = "ApplyEmbedInterval"
	ActionClearEmbedToken    = "ClearEmbedToken"
)

// maxRequestBytes bounds the request bodies the fake reads.
const maxRequestBytes = 1 << 20

// Default bounds of a Server's memory.
const (
	// DefaultRequestLog is how many requests Requests keeps (WithRequestLog).
	DefaultRequestLog = 1000
	// DefaultTokenLimit is about how many tokens the fake keeps (WithTokenLimit).
	DefaultTokenLimit = 10000
)

// Server is an in-process fake of the Tencent Cloud BI embed API on a
// loopback httptest server. It verifies TC3 signatures, checks parameters the
// way the documentation describes, mints and stores tokens, serves the embed
// pages, enforces an optional rate limit, records requests and injects
// faults. It is safe for concurrent use.
type Server struct {
	srv           *httptest.Server
	secrets       map[string]string
	now           func() time.Time
	ratePerSecond float64
	deterministic bool
	requestLog    int
	tokenLimit    int
	done          chan struct{}
	closeOnce     sync.Once

	mu       sync.Mutex
	log      *fakestate.Log[Request]
	faults   []*activeFault
	tokens   *fakestate.Tokens[*IssuedToken]
	limiters map[string]*rate.Limiter
	seq      uint64            // last token Id
	idSeq    map[string]uint64 // last deterministic id per prefix
}

// Option configures a Server.
type Option func(*Server)

// WithSecret makes the fake accept the pair (id, key). Give it several times
// for several pairs; without it the fake accepts SecretID/SecretKey.
func WithSecret(id, key string) Option {
	return func(s *Server) { s.secrets[id] = key }
}

// WithClock sets the fake's clock (time.Now by default), used for token
// expiry, CreatedAt and the rate limit: share one manual clock's Now
// (biembedtest.Clock) with tencent.WithClock and the cache's
// tokencache.Options.Now. Signatures are checked against the system clock,
// as the client signs with it, so a test may move its clock through hours
// of token life. A nil clock is ignored.
func WithClock(now func() time.Time) Option {
	return func(s *Server) {
		if now != nil {
			s.now = now
		}
	}
}

// WithRateLimit makes the fake answer RequestLimitExceeded when one action
// gets more than perSecond requests a second. The default is no limit.
func WithRateLimit(perSecond float64) Option {
	return func(s *Server) { s.ratePerSecond = perSecond }
}

// WithDeterministicTokens makes minted tokens and request ids count up
// (00000000-0000-4000-8000-000000000001, ...) instead of being random, so
// examples can print stable output.
func WithDeterministicTokens() Option {
	return func(s *Server) { s.deterministic = true }
}

// WithRequestLog sets how many of the latest requests Requests returns
// (DefaultRequestLog); older ones are dropped. Count counts every request
// whatever n is. Values below 1 mean 1.
func WithRequestLog(n int) Option {
	return func(s *Server) { s.requestLog = n }
}

// WithTokenLimit bounds the token table (DefaultTokenLimit). When it has
// grown enough, minting first drops expired tokens, then the oldest ones
// until at most n remain; it never holds more than max(1024, n*5/4). A
// dropped token is unknown to Lookup, the actions and the embed pages.
func WithTokenLimit(n int) Option {
	return func(s *Server) { s.tokenLimit = n }
}

// NewServer starts a fake on a loopback port. Call Close when done.
func NewServer(opts ...Option) *Server {
	s := newFake(opts...)
	s.srv = httptest.NewServer(s)
	return s
}

// NewTestServer starts a fake and closes it when t ends.
func NewTestServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := NewServer(opts...)
	t.Cleanup(s.Close)
	return s
}

func newFake(opts ...Option) *Server {
	s := &Server{
		secrets:    map[string]string{},
		now:        time.Now,
		done:       make(chan struct{}),
		limiters:   map[string]*rate.Limiter{},
		idSeq:      map[string]uint64{},
		requestLog: DefaultRequestLog,
		tokenLimit: DefaultTokenLimit,
	}
	for _, opt := range opts {
		if opt != nil {
			opt(s)
		}
	}
	if len(s.secrets) == 0 {
		s.secrets[SecretID] = SecretKey
	}
	s.log = fakestate.NewLog[Request](s.requestLog)
	s.tokens = fakestate.NewTokens(s.tokenLimit, func(t *IssuedToken, now time.Time) bool { return !now.Before(t.ExpiresAt) })
	return s
}

// URL returns the fake's base URL, http://127.0.0.1:PORT: give it to
// tencent.WithEndpoint, and to tencent.WithEmbedHost so that EmbedToken.URL
// points at the fake's embed pages.
func (s *Server) URL() string { return s.srv.URL }

// Endpoint returns the fake's host:port, the form of common's
// profile.HttpProfile.Endpoint (with Scheme "HTTP").
func (s *Server) Endpoint() string { return strings.TrimPrefix(s.srv.URL, "http://") }

// Close ends pending delays and shuts the fake down.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		if s.srv != nil {
			s.srv.Close()
		}
	})
}

// Requests returns a copy of the latest requests (at most WithRequestLog),
// oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.Entries()
}

// Count returns how many requests named action (an Action* constant or
// EmbedPage) the fake received since it started or since ResetRequests,
// whatever their outcome; "" counts every request.
func (s *Server) Count(action string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.Count(action)
}

// ResetRequests forgets the recorded requests and sets every Count to 0.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log.Reset()
}

// ServeHTTP handles one request: an embed page (GET /page/embed or
// /page/chat-bi-embed, see the package documentation), the status its
// script polls (GET /page/status) or an API request,
// POST / with a JSON body and the TC3 headers. API answers are HTTP 200 with
// {"Response":{...}} as the real service sends them, unless an injected
// fault says otherwise.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == pathStatus {
		s.record(Request{Action: EmbedStatus, Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: header(r)})
		s.serveStatus(w, r)
		return
	}
	if isPage(r.URL.Path) {
		s.record(Request{Action: EmbedPage, Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: header(r)})
		if f := s.takeFault(EmbedPage); f != nil && s.applyFault(w, r, f) {
			return
		}
		s.servePage(w, r)
		return
	}
	body, readErr := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBytes))
	action := r.Header.Get("X-TC-Action")
	params := decodeParams(body)
	rec := Request{Action: action, Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: header(r), Body: body, Params: params}
	if action == ActionCreateEmbedToken && params != nil {
		rec.CreateEmbedToken = decodeCreate(params)
	}
	s.record(rec)
	if f := s.takeFault(action); f != nil && s.applyFault(w, r, f) {
		return
	}
	requestID := s.newID(requestIDPrefix)
	data, apiErr := s.handle(r, action, body, params, readErr)
	if apiErr != nil {
		writeJSON(w, http.StatusOK, errorEnvelope(apiErr, requestID))
		return
	}
	writeJSON(w, http.StatusOK, successEnvelope(data, requestID))
}

func (s *Server) handle(r *http.Request, action string, body []byte, params map[string]any, readErr error) (any, *apiError) {
	switch {
	case readErr != nil:
		return nil, newAPIError(codeInvalidParameter, "the request body could not be read")
	case r.Method != http.MethodPost:
		return nil, newAPIError(codeUnsupportedOperation, "the fake only supports POST")
	}
	if err := VerifyTC3(r, body, s.secrets, time.Now()); err != nil {
		ae := &AuthError{Code: CodeSignatureFailure, Message: "the signature could not be verified"}
		errors.As(err, &ae)
		return nil, newAPIError(ae.Code, ae.Message)
	}
	if v := r.Header.Get("X-TC-Version"); v != Version {
		return nil, newAPIError(codeNoSuchVersion, "the X-TC-Version must be "+Version)
	}
	if !s.allow(action) {
		return nil, newAPIError(codeRequestLimitExceeded, "too many requests for "+action)
	}
	if params == nil {
		return nil, newAPIError(codeInvalidParameter, "the request body must be a JSON object")
	}
	switch action {
	case ActionCreateEmbedToken:
		return s.createEmbedToken(params)
	case ActionApplyEmbedInterval:
		return s.applyEmbedInterval(params)
	case ActionClearEmbedToken:
		return s.clearEmbedToken(params)
	}
	return nil, newAPIError(codeInvalidAction, "the action is not supported by the fake")
}

func (s *Server) record(r Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log.Add(r.Action, r)
}

// header returns r's headers without Authorization.
func header(r *http.Request) http.Header {
	h := r.Header.Clone()
	h.Del("Authorization")
	return h
}

func (s *Server) allow(action string) bool {
	if s.ratePerSecond <= 0 {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	lim := s.limiters[action]
	if lim == nil {
		lim = rate.NewLimiter(rate.Limit(s.ratePerSecond), max(1, int(s.ratePerSecond)))
		s.limiters[action] = lim
	}
	return lim.AllowN(s.now(), 1)
}

// decodeParams decodes body as a JSON object keeping numbers as json.Number;
// it returns nil for anything else.
func decodeParams(body []byte) map[string]any {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var params map[string]any
	if err := dec.Decode(&params); err != nil || dec.More() {
		return nil
	}
	if params == nil {
		return nil
	}
	return params
}

func successEnvelope(data any, requestID string) any {
	return map[string]any{"Response": map[string]any{
		"Msg": "success", "Extra": "", "Data": data, "RequestId": requestID,
	}}
}

func errorEnvelope(e *apiError, requestID string) any {
	return map[string]any{"Response": map[string]any{
		"Error":     map[string]string{"Code": e.Code, "Message": e.Message},
		"RequestId": requestID,
	}}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encode response", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
