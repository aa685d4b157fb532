package youshutest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/biembed/biembed-go/internal/fakestate"
	"github.com/biembed/biembed-go/youshu"
)

// EndpointIntegration (page visits) and EndpointStatus (status polls) name
// requests in Request.Endpoint, Count and Fault.Endpoint, beside "genToken",
// "rmToken" and "renewToken".
const (
	EndpointIntegration = "integration"
	EndpointStatus      = "status"
)

const defaultExpiry = 24 * time.Hour // of tokens minted without expiryTime

// Server is the fake Youshu host, safe for concurrent use.
type Server struct {
	core                   *fakestate.Core[Request]
	now                    func() time.Time
	tls                    bool
	requestLog, tokenLimit int // Requests keeps requestLog; the table about tokenLimit

	// guarded by core.Mu
	accounts []Account
	models   map[int64]bool // nil: every data model exists
	tokens   *fakestate.Tokens[*IssuedToken]
}

// Option configures a Server.
type Option func(*Server)

// WithAccount adds an account, replacing a default or earlier one with the
// same UniqueID (or Email when UniqueID is empty).
func WithAccount(a Account) Option {
	return func(s *Server) {
		for i, old := range s.accounts {
			if (a.UniqueID != "" && old.UniqueID == a.UniqueID) || (a.UniqueID == "" && a.Email != "" && old.Email == a.Email) {
				s.accounts[i] = a
				return
			}
		}
		s.accounts = append(s.accounts, a)
	}
}

// WithDataModels lists the data models that exist; a reportDataFilters entry
// naming any other answers code 743. Without this option every model exists.
func WithDataModels(ids ...int64) Option {
	return func(s *Server) {
		if s.models == nil {
			s.models = map[int64]bool{}
		}
		for _, id := range ids {
			s.models[id] = true
		}
	}
}

// WithClock sets the clock of token lifetimes (time.Now by default).
func WithClock(now func() time.Time) Option {
	return func(s *Server) { s.now = now }
}

// WithTLS serves https with a test certificate; give HTTPClient().Transport
// to youshu.WithTransport so the client trusts it.
func WithTLS() Option {
	return func(s *Server) { s.tls = true }
}

// NewServer starts a fake with accounts Admin and User. Call Close when done.
func NewServer(opts ...Option) *Server {
	s := newFake(opts...)
	s.core.Start(http.HandlerFunc(s.serveHTTP), s.tls)
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
	s := &Server{accounts: []Account{Admin(), User()}, requestLog: 1000, tokenLimit: 10000}
	for _, opt := range opts {
		if opt != nil {
			opt(s)
		}
	}
	s.core = fakestate.NewCore[Request](s.now, s.requestLog)
	s.now = s.core.Now
	s.tokens = fakestate.NewTokens(s.tokenLimit, func(t *IssuedToken, now time.Time) bool {
		return t.Removed || !now.Before(t.ExpiresAt)
	})
	return s
}

// URL returns the base URL to give youshu.NewClient (with
// youshu.WithInsecureHTTP unless WithTLS was used).
func (s *Server) URL() string { return s.core.URL() }

// HTTPClient returns an *http.Client that trusts the WithTLS certificate.
func (s *Server) HTTPClient() *http.Client { return s.core.Client() }

// Close ends held-back answers and shuts the fake down.
func (s *Server) Close() { s.core.Close() }

// Requests returns the last 1,000 requests, oldest first.
func (s *Server) Requests() []Request { return s.core.Requests() }

// Count counts the requests to endpoint since the start or ResetRequests,
// whatever their outcome; "" counts every request, other paths included.
func (s *Server) Count(endpoint string) int { return s.core.Count(endpoint) }

// ResetRequests forgets the recorded requests and sets every Count to 0.
func (s *Server) ResetRequests() { s.core.ResetRequests() }

// Fault changes how the fake answers matching requests, as in
// tencenttest; a faulted request changes nothing on the server.
type Fault struct {
	Endpoint     string // "genToken", "rmToken", "renewToken", EndpointIntegration or EndpointStatus; "" for all
	Code         int    // answer {"code":Code,"message":Message}; HTTPStatus when 0
	Message      string // default: the HTTP status text
	HTTPStatus   int    // the status (200 when 0)
	Body         []byte // sent as it is instead of a JSON answer
	ContentType  string // of Body (default application/json), or of the normal answer
	Delay        time.Duration
	Stalled      chan<- struct{} // told (without blocking) when Delay starts, so a test needs no clock
	CloseMidBody bool            // send half the answer, then close the connection
	Times        int             // 0: every matching request until ClearFaults
}

// Inject adds f, as tencenttest's Inject does.
func (s *Server) Inject(f Fault) {
	body := f.Body
	switch {
	case body == nil && f.CloseMidBody:
		body = []byte(`{"code":200,"result":"` + strings.Repeat("0", 64) + `"}`)
	case body == nil && (f.Code != 0 || f.HTTPStatus != 0):
		body, _ = json.Marshal(map[string]any{"code": cmp.Or(f.Code, f.HTTPStatus), "message": cmp.Or(f.Message, http.StatusText(max(f.HTTPStatus, http.StatusOK)))})
	}
	s.core.Inject(fakestate.Fault{Name: f.Endpoint, Status: f.HTTPStatus, Body: body, ContentType: f.ContentType,
		Delay: f.Delay, Stalled: f.Stalled, CloseMidBody: f.CloseMidBody, Times: f.Times})
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() { s.core.ClearFaults() }

// Request is one request the fake received, secrets in the clear; printed
// or logged, it shows only its method, path and endpoint.
type Request struct {
	Endpoint string // "genToken", "rmToken", "renewToken", EndpointIntegration, EndpointStatus, or "" for other paths
	Method   string
	Path     string
	Query    url.Values
	Header   http.Header
	Body     []byte
	// GenToken is the decoded genToken body, or nil.
	GenToken *youshu.GenTokenRequest
}

// Format prints r as "POST /api/dash/util/genToken (genToken, 115-byte body)".
func (r Request) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "%s %s (%s, %d-byte body)", r.Method, r.Path, r.Endpoint, len(r.Body))
}

// LogValue logs the endpoint, method and path only.
func (r Request) LogValue() slog.Value {
	return slog.GroupValue(slog.String("endpoint", r.Endpoint), slog.String("method", r.Method), slog.String("path", r.Path))
}

func endpointOf(path string) string {
	name, api := strings.CutPrefix(path, "/api/dash/util/")
	switch {
	case path == statusPath:
		return EndpointStatus
	case api && (name == "genToken" || name == "rmToken" || name == "renewToken"):
		return name
	case strings.HasPrefix(path, "/dash/") || strings.HasSuffix(path, chatBIRoute):
		return EndpointIntegration
	}
	return ""
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	rec := Request{Endpoint: endpointOf(r.URL.Path), Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone()}
	if rec.Endpoint == EndpointStatus || rec.Endpoint == EndpointIntegration {
		s.core.Record(rec.Endpoint, rec)
		if !s.core.Fault(w, r, rec.Endpoint) {
			s.core.ServePage(w, r, "youshu", statusPath, s.grant, s.status)
		}
		return
	}
	body, readErr := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	rec.Body = body
	if rec.Endpoint == "genToken" && readErr == nil {
		var gen youshu.GenTokenRequest
		if readErr = json.Unmarshal(body, &gen); readErr == nil {
			rec.GenToken = &gen
		}
	}
	s.core.Record(rec.Endpoint, rec)
	if !s.core.Fault(w, r, rec.Endpoint) {
		status, code, result := s.answer(r, rec.Endpoint, rec.GenToken, readErr)
		b, _ := json.Marshal(map[string]any{"code": code, "result": result})
		if code != http.StatusOK {
			b, _ = json.Marshal(map[string]any{"code": code, "message": result})
		}
		fakestate.WriteJSON(w, status, b)
	}
}
