// Package hostiletest is a hostile HTTP server for the clients' tests,
// separate from the vendor fakes (which behave): it answers with wrong
// envelopes, HTML, lying content types, huge and endless bodies, slow
// headers and bodies, connections cut mid-body, redirects of every kind and
// header bombs, and counts every request it gets, so a test can prove that
// nothing was sent anywhere else.
//
// Common returns the hostile answers both clients must refuse, each with the
// class of failure it must produce; Run runs a table of them one by one with
// a redirect sink and goleak.
package hostiletest

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// Server is an httptest server that answers every request with one handler
// and counts requests. Handlers that wait (slow headers, slow bodies) stop
// when the client goes away or the server closes.
type Server struct {
	*httptest.Server
	hits    atomic.Int64
	ctx     context.Context
	stop    context.CancelFunc
	mu      sync.Mutex
	headers []http.Header

	stalled   chan struct{} // closed when a handler starts stalling
	stallOnce sync.Once
}

type serverKey struct{}

// Stalled is closed once a slow handler (SlowHeaders, SlowBody) has started
// holding its answer back.
func (s *Server) Stalled() <-chan struct{} { return s.stalled }

// markStalled tells r's server that its handler now holds the answer back.
func markStalled(r *http.Request) {
	if s, ok := r.Context().Value(serverKey{}).(*Server); ok {
		s.stallOnce.Do(func() { close(s.stalled) })
	}
}

// StalledDeadline returns a context that passes its deadline (Err is
// context.DeadlineExceeded) as soon as s stalls: a deadline that expires
// while the server holds its answer back, on any machine, however loaded,
// with no wall clock involved. cancel ends it early (context.Canceled).
func StalledDeadline(s *Server) (context.Context, context.CancelFunc) {
	c := &stallContext{Context: context.Background(), done: make(chan struct{})}
	stop := make(chan struct{})
	var once sync.Once
	go func() {
		select {
		case <-s.stalled:
			c.end(context.DeadlineExceeded)
		case <-stop:
			c.end(context.Canceled)
		}
	}()
	return c, func() { once.Do(func() { close(stop) }) }
}

// stallContext is the context of StalledDeadline.
type stallContext struct {
	context.Context
	done chan struct{}
	mu   sync.Mutex
	err  error
}

func (c *stallContext) end(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		c.err = err
		close(c.done)
	}
}

func (c *stallContext) Done() <-chan struct{} { return c.done }

func (c *stallContext) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// New starts a plain HTTP server answering with h; it closes when t ends.
func New(t testing.TB, h http.Handler) *Server { return start(t, h, false) }

// NewTLS starts an HTTPS server answering with h; its Client().Transport
// trusts its certificate.
func NewTLS(t testing.TB, h http.Handler) *Server { return start(t, h, true) }

func start(t testing.TB, h http.Handler, tls bool) *Server {
	t.Helper()
	s := &Server{stalled: make(chan struct{})}
	s.ctx, s.stop = context.WithCancel(context.Background())
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		s.mu.Lock()
		s.headers = append(s.headers, r.Header.Clone())
		s.mu.Unlock()
		ctx, cancel := context.WithCancel(context.WithValue(r.Context(), serverKey{}, s))
		defer cancel()
		defer context.AfterFunc(s.ctx, cancel)()
		h.ServeHTTP(w, r.WithContext(ctx))
	})
	if tls {
		s.Server = httptest.NewTLSServer(handler)
	} else {
		s.Server = httptest.NewServer(handler)
	}
	t.Cleanup(s.Close)
	return s
}

// Close ends waiting handlers and shuts the server down. It is safe to call
// more than once.
func (s *Server) Close() {
	s.stop()
	s.Server.Close()
}

// Hits returns how many requests the server got.
func (s *Server) Hits() int { return int(s.hits.Load()) }

// Headers returns the request headers the server got, in order.
func (s *Server) Headers() []http.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]http.Header(nil), s.headers...)
}

// Host returns the server's host:port.
func (s *Server) Host() string { return s.Listener.Addr().String() }

// Body answers status with body labelled contentType ("" sends no
// Content-Type at all, not even a sniffed one).
func Body(status int, contentType, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		if contentType == "" {
			w.Header()["Content-Type"] = nil
		} else {
			w.Header().Set("Content-Type", contentType)
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}
}

// JSON answers status with body labelled application/json.
func JSON(status int, body string) http.HandlerFunc {
	return Body(status, "application/json", body)
}

// Redirect answers status with a Location header and a JSON body that would
// be a plausible answer, so a client that reads it instead of refusing the
// status is caught too.
func Redirect(status int, location string, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Location", location)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}
}

// Huge answers 200 with a JSON-looking body of n bytes.
func Huge(n int) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"x":"` + strings.Repeat("a", max(n-8, 0)) + `"}`))
	}
}

// Endless answers 200 with a JSON body that never ends; it stops when the
// client stops reading.
func Endless() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		chunk := []byte(strings.Repeat(`"aaaaaaaaaaaaaaa",`, 512))
		_, _ = w.Write([]byte(`[`))
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}
}

// GzipBomb answers with a gzip-encoded JSON body that inflates to n bytes
// (compressed once, here, not per request).
func GzipBomb(n int) http.HandlerFunc {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	_, _ = zw.Write([]byte(`{"x":"`))
	chunk := []byte(strings.Repeat("a", 64<<10))
	for written := 0; written < n; written += len(chunk) {
		_, _ = zw.Write(chunk)
	}
	_ = zw.Close()
	compressed := buf.Bytes()
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write(compressed)
	}
}

// SlowHeaders sends nothing until the client gives up.
func SlowHeaders() http.HandlerFunc {
	return func(_ http.ResponseWriter, r *http.Request) {
		markStalled(r)
		<-r.Context().Done()
	}
}

// SlowBody sends the headers and the start of a body, then nothing until
// the client gives up.
func SlowBody(prefix string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", fmt.Sprint(len(prefix)+100))
		_, _ = w.Write([]byte(prefix))
		w.(http.Flusher).Flush()
		markStalled(r)
		<-r.Context().Done()
	}
}

// Reset takes over the connection, writes raw (which may be nothing, a
// status line, or headers and part of a body) and closes it.
func Reset(raw string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		_, _ = buf.WriteString(raw)
		_ = buf.Flush()
	}
}

// ResetMidBody promises a JSON body of 4096 bytes, sends prefix and closes
// the connection.
func ResetMidBody(prefix string) http.HandlerFunc {
	return Reset("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4096\r\n\r\n" + prefix)
}

// HeaderBomb answers with n headers of size bytes each, then body.
func HeaderBomb(n, size int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		value := strings.Repeat("b", size)
		for i := range n {
			w.Header().Set(fmt.Sprintf("X-Bomb-%d", i), value)
		}
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(body))
	}
}

// RawHeaders writes a response whose header block is raw (for header lines
// http.ResponseWriter refuses to write), then body.
func RawHeaders(headers, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\n%sContent-Length: %d\r\nConnection: close\r\n\r\n%s", headers, len(body), body)
		_ = buf.Flush()
	}
}
