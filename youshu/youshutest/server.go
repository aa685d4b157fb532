package youshutest

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/biembed/biembed-go/internal/fakestate"
)

// Server is the fake Youshu host. Its methods are safe for concurrent use.
type Server struct {
	srv           *httptest.Server
	now           func() time.Time
	defaultExpiry time.Duration
	tls           bool
	requestLog    int
	tokenLimit    int

	mu       sync.Mutex
	accounts []Account
	models   map[int64]bool // nil: every data model exists
	tokens   *fakestate.Tokens[*issued]
	faults   []*activeFault
	log      *fakestate.Log[Request]
}

// Default bounds of a Server's memory.
const (
	// DefaultRequestLog is how many requests Requests keeps (WithRequestLog).
	DefaultRequestLog = 1000
	// DefaultTokenLimit is about how many tokens the fake keeps (WithTokenLimit).
	DefaultTokenLimit = 10000
)

// WithRequestLog sets how many of the latest requests Requests returns
// (DefaultRequestLog); older ones are dropped. Count counts every request
// whatever n is. Values below 1 mean 1.
func WithRequestLog(n int) Option {
	return func(s *Server) { s.requestLog = n }
}

// WithTokenLimit bounds the token table (DefaultTokenLimit). When it has
// grown enough, minting first drops expired and removed tokens, then the
// oldest ones until at most n remain; it never holds more than max(1024,
// n*5/4). A dropped token is unknown to Lookup, the endpoints and the pages.
func WithTokenLimit(n int) Option {
	return func(s *Server) { s.tokenLimit = n }
}

// Option configures a Server.
type Option func(*Server)

// DefaultExpiry is the lifetime of tokens minted without expiryTime.
const DefaultExpiry = 24 * time.Hour

// maxBody bounds the genToken body the fake reads.
const maxBody = 1 << 20

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

// WithClock sets the clock that decides expiry (time.Now by default):
// share one manual clock's Now (biembedtest.Clock) with youshu.WithClock
// and the cache's tokencache.Options.Now. A nil clock is ignored.
func WithClock(now func() time.Time) Option {
	return func(s *Server) {
		if now != nil {
			s.now = now
		}
	}
}

// WithDefaultExpiry sets the lifetime of tokens minted without expiryTime
// (DefaultExpiry). Non-positive values are ignored.
func WithDefaultExpiry(d time.Duration) Option {
	return func(s *Server) {
		if d > 0 {
			s.defaultExpiry = d
		}
	}
}

// WithTLS serves https with a test certificate; give
// HTTPClient().Transport to youshu.WithTransport so the client trusts it.
func WithTLS() Option {
	return func(s *Server) { s.tls = true }
}

// NewServer starts a fake with the default accounts (AdminAccount,
// UserAccount) and opts. Call Close when done.
func NewServer(opts ...Option) *Server {
	s := newFake(opts...)
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serveHTTP))
	s.srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are expected in tests
	if s.tls {
		s.srv.StartTLS()
	} else {
		s.srv.Start()
	}
	return s
}

// URL returns the base URL to give youshu.NewClient (with
// youshu.WithInsecureHTTP unless WithTLS was used); tokens minted through
// that client build integration page URLs on it, which the fake serves.
func (s *Server) URL() string { return s.srv.URL }

func newFake(opts ...Option) *Server {
	s := &Server{
		now:           time.Now,
		defaultExpiry: DefaultExpiry,
		accounts:      []Account{AdminAccount(), UserAccount()},
		requestLog:    DefaultRequestLog,
		tokenLimit:    DefaultTokenLimit,
	}
	for _, opt := range opts {
		if opt != nil {
			opt(s)
		}
	}
	s.log = fakestate.NewLog[Request](s.requestLog)
	s.tokens = fakestate.NewTokens(s.tokenLimit, func(t *issued, now time.Time) bool {
		return t.Removed || !now.Before(t.ExpiresAt)
	})
	return s
}

// NewTestServer is NewServer with Close registered on t.Cleanup.
func NewTestServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := NewServer(opts...)
	t.Cleanup(s.Close)
	return s
}

// Close shuts the server down and closes its connections.
func (s *Server) Close() {
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// HTTPClient returns an *http.Client that trusts the server's certificate
// (for WithTLS) and closes with the server.
func (s *Server) HTTPClient() *http.Client { return s.srv.Client() }
