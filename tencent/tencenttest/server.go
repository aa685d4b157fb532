package tencenttest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"
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

// Server is an in-process fake of the Tencent Cloud BI embed API on a
// loopback httptest server. It verifies TC3 signatures, checks parameters the
// way the documentation describes, mints and stores tokens, enforces an
// optional rate limit, records every request and injects faults. It is safe
// for concurrent use.
type Server struct {
	srv           *httptest.Server
	secrets       map[string]string
	now           func() time.Time
	ratePerSecond float64
	deterministic bool
	done          chan struct{}
	closeOnce     sync.Once

	mu       sync.Mutex
	requests []Request
	faults   []*activeFault
	tokens   map[string]*StoredToken
	limiters map[string]*rate.Limiter
	seq      uint64            // last token Id
	idSeq    map[string]uint64 // last deterministic id per prefix
}

// Request is one request the fake received, recorded before any check.
type Request struct {
	// Action is the X-TC-Action header.
	Action string
	// Params is the JSON body decoded with json.Decoder.UseNumber, so numbers
	// are json.Number and strings are string: tests can tell "30" from 30.
	// It is nil when the body was not a JSON object.
	Params map[string]any
	// Header holds the request headers except Authorization.
	Header http.Header
}

// Option configures a Server.
type Option func(*Server)

// WithSecret makes the fake accept the pair (id, key). Give it several times
// for several pairs; without it the fake accepts SecretID/SecretKey.
func WithSecret(id, key string) Option {
	return func(s *Server) { s.secrets[id] = key }
}

// WithClock sets the fake's clock, used for signature expiry, token expiry,
// CreatedAt and the rate limit. The default is time.Now.
func WithClock(now func() time.Time) Option {
	return func(s *Server) { s.now = now }
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
		secrets:  map[string]string{},
		now:      time.Now,
		done:     make(chan struct{}),
		tokens:   map[string]*StoredToken{},
		limiters: map[string]*rate.Limiter{},
		idSeq:    map[string]uint64{},
	}
	for _, opt := range opts {
		opt(s)
	}
	if len(s.secrets) == 0 {
		s.secrets[SecretID] = SecretKey
	}
	return s
}

// Endpoint returns the fake's base URL (http://127.0.0.1:PORT), the form
// tencent.WithEndpoint takes.
func (s *Server) Endpoint() string { return s.srv.URL }

// Close ends pending delays and shuts the fake down.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		if s.srv != nil {
			s.srv.Close()
		}
	})
}

// Requests returns a copy of every request received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Count returns how many requests for action the fake received, whatever
// their outcome.
func (s *Server) Count(action string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests {
		if r.Action == action {
			n++
		}
	}
	return n
}

// ServeHTTP handles one API request: POST / with a JSON body and the TC3
// headers. Answers are HTTP 200 with {"Response":{...}} as the real service
// sends them, unless an injected fault says otherwise.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, readErr := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBytes))
	action := r.Header.Get("X-TC-Action")
	params := decodeParams(body)
	s.record(action, params, r.Header)
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
	if err := VerifyTC3(r, body, s.secrets, s.now()); err != nil {
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

func (s *Server) record(action string, params map[string]any, h http.Header) {
	header := h.Clone()
	header.Del("Authorization")
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, Request{Action: action, Params: params, Header: header})
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
