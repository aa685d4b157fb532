// Package hostiletest is a hostile HTTP server for the clients' tests (the
// vendor fakes behave), and the table of hostile answers (Common) every
// client must refuse.
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

	"go.uber.org/goleak"
)

// Server is an httptest server that counts requests. The context of each
// request ends when the client goes away or Close runs, so that handlers
// that wait on it (slow headers, slow bodies) stop.
type Server struct {
	*httptest.Server
	hits      atomic.Int64
	stop      context.CancelFunc
	stalled   chan struct{} // closed when a handler starts holding its answer back
	stallOnce sync.Once
}

type serverKey struct{}

// New starts a plain HTTP server answering with h; it closes when t ends.
func New(t testing.TB, h http.Handler) *Server { return start(t, h, httptest.NewServer) }

// NewTLS starts an HTTPS server answering with h; its Client().Transport
// trusts its certificate.
func NewTLS(t testing.TB, h http.Handler) *Server { return start(t, h, httptest.NewTLSServer) }

func start(t testing.TB, h http.Handler, serve func(http.Handler) *httptest.Server) *Server {
	s := &Server{stalled: make(chan struct{})}
	closing, stop := context.WithCancel(context.Background())
	s.stop = stop
	s.Server = serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		ctx, cancel := context.WithCancel(context.WithValue(r.Context(), serverKey{}, s))
		defer cancel()
		defer context.AfterFunc(closing, cancel)()
		h.ServeHTTP(w, r.WithContext(ctx))
	}))
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

// StalledDeadline returns a context that passes its deadline (Err is
// context.DeadlineExceeded) as soon as s stalls: a deadline that expires
// while the server holds its answer back, on any machine, however loaded,
// with no wall clock involved. cancel is a no-op, there for symmetry with
// context.WithTimeout.
func StalledDeadline(s *Server) (context.Context, context.CancelFunc) {
	return stallContext{context.Background(), s.stalled}, func() {}
}

// stallContext is the context of StalledDeadline.
type stallContext struct {
	context.Context
	done chan struct{}
}

func (c stallContext) Done() <-chan struct{} { return c.done }

func (c stallContext) Err() error {
	select {
	case <-c.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}

// stall marks r's Server as holding its answer back and waits for the
// request's end.
func stall(r *http.Request) {
	if s, ok := r.Context().Value(serverKey{}).(*Server); ok {
		s.stallOnce.Do(func() { close(s.stalled) })
	}
	<-r.Context().Done()
}

// Body answers status with body labelled contentType ("" sends no
// Content-Type at all, not even a sniffed one) and headers (name, value,
// name, value...).
func Body(status int, contentType, body string, headers ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header()["Content-Type"] = nil
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}
}

// JSON answers status with body labelled application/json.
func JSON(status int, body string) http.HandlerFunc { return Body(status, "application/json", body) }

// SlowHeaders sends nothing until the client gives up.
func SlowHeaders() http.HandlerFunc {
	return func(_ http.ResponseWriter, r *http.Request) { stall(r) }
}

// Reset takes over the connection, writes raw (which may be nothing, a
// status line, or headers and part of a body) and closes it.
func Reset(raw string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		conn, buf, _ := w.(http.Hijacker).Hijack() // HTTP/1 always can
		_, _ = buf.WriteString(raw)
		_ = buf.Flush()
		_ = conn.Close()
	}
}

// Class is the kind of failure a hostile answer must produce; each client
// maps it to its own sentinel.
type Class string

// The failure classes.
const (
	HTTPStatus Class = "HTTPStatus" // a non-2xx status (every 3xx included): ErrHTTPStatus
	Malformed  Class = "Malformed"  // not the vendor's JSON, or cut short: ErrMalformedResponse
	TooLarge   Class = "TooLarge"   // body or headers over the limit: ErrResponseTooLarge
	Deadline   Class = "Deadline"   // the server stalls until the ctx deadline (use StalledDeadline): context.DeadlineExceeded
	Network    Class = "Network"    // the connection dies before a response: a transport error
)

// Case is one hostile answer.
type Case struct {
	Name   string
	TLS    bool                               // served over HTTPS (the client must trust Server.Client())
	Answer func(sink string) http.HandlerFunc // sink: the URL redirects point to, which must never be reached
	Want   Class
	Err    error // if set, the exact sentinel the error must match instead of the client's one for Want
	Hits   int   // how many requests the server may get (1 unless the client retries); 0 means 1
}

// Common returns the hostile answers every client must refuse the same way;
// ok is a body the client would accept, so a client that follows a redirect
// or ignores a status would succeed and be caught.
func Common(ok string) []Case {
	var cases []Case
	add := func(name string, want Class, h http.HandlerFunc) {
		cases = append(cases, Case{Name: name, Want: want, Answer: func(string) http.HandlerFunc { return h }})
	}
	toSink := func(status int, path string) func(string) http.HandlerFunc {
		return func(sink string) http.HandlerFunc { return Body(status, "application/json", ok, "Location", sink+path) }
	}
	for _, status := range []int{301, 302, 303, 307, 308} {
		cases = append(cases,
			Case{Name: fmt.Sprintf("redirect %d elsewhere", status), Want: HTTPStatus, Answer: toSink(status, "/steal")},
			Case{Name: fmt.Sprintf("redirect %d https to http", status), TLS: true, Want: HTTPStatus, Answer: toSink(status, "/steal")})
		add(fmt.Sprintf("redirect %d same host", status), HTTPStatus, Body(status, "application/json", ok, "Location", "/again"))
	}
	cases = append(cases, Case{Name: "300 with Location", Want: HTTPStatus, Answer: toSink(300, "")})
	add("304 without body", HTTPStatus, Body(304, "", ""))
	add("3xx without Location", HTTPStatus, JSON(307, ok))
	add("HTML login page 200", Malformed, Body(200, "text/html", "<html><body>Please log in</body></html>"))
	add("HTML error page 502", HTTPStatus, Body(502, "text/html", "<html>Bad Gateway</html>"))
	add("HTML labelled JSON", Malformed, JSON(200, "<!DOCTYPE html><html></html>"))
	add("plain text 200", Malformed, Body(200, "text/plain", "OK"))
	add("accepted body with status 500", HTTPStatus, JSON(500, ok))
	add("accepted body with status 404", HTTPStatus, JSON(404, ok))
	for _, row := range [][2]string{{"invalid UTF-8", "\xff\xfe{\xc3\x28}"}, {"empty body", ""}, {"null", "null"},
		{"array", "[]"}, {"bare string", `"token"`}, {"bare number", "12345"}, {"truncated JSON", ok[:len(ok)/2]},
		{"NUL bytes", "\x00\x00\x00\x00"}, {"byte order mark", "\uFEFF" + ok},
		{"nesting bomb", strings.Repeat("[", 20000) + strings.Repeat("]", 20000)}} {
		add(row[0], Malformed, JSON(200, row[1]))
	}
	add("2 MiB body", TooLarge, JSON(200, `{"x":"`+strings.Repeat("a", 2<<20-8)+`"}`))
	add("endless body", TooLarge, func(w http.ResponseWriter, r *http.Request) {
		chunk := []byte(strings.Repeat(`"aaaaaaaaaaaaaaa",`, 512))
		w.Header().Set("Content-Type", "application/json")
		for _, err := w.Write([]byte(`[`)); err == nil && r.Context().Err() == nil; _, err = w.Write(chunk) {
		}
	})
	var gz bytes.Buffer // 8 MiB of JSON, gzipped once here
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestSpeed)
	_, _ = zw.Write([]byte(`{"x":"` + strings.Repeat("a", 8<<20)))
	_ = zw.Close()
	add("gzip bomb", TooLarge, Body(200, "application/json", gz.String(), "Content-Encoding", "gzip"))
	add("slow headers", Deadline, SlowHeaders())
	add("slow body", Deadline, func(w http.ResponseWriter, r *http.Request) {
		Body(200, "application/json", ok[:len(ok)/2], "Content-Length", fmt.Sprint(len(ok)/2+100))(w, r)
		w.(http.Flusher).Flush()
		stall(r)
	})
	add("reset before headers", Network, Reset(""))
	add("reset after status line", Network, Reset("HTTP/1.1 200 OK\r\n"))
	add("reset mid-body", Malformed, Reset("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4096\r\n\r\n"+ok[:len(ok)/2]))
	bomb := func(n, size int) (headers []string) {
		for i := range n {
			headers = append(headers, fmt.Sprintf("X-Bomb-%d", i), strings.Repeat("b", size))
		}
		return headers
	}
	add("header bomb, many headers", TooLarge, Body(200, "application/json", ok, bomb(2000, 1000)...))
	add("header bomb, one 200 KiB header", TooLarge, Body(200, "application/json", ok, bomb(1, 200<<10)...))
	return cases
}

// Run runs each case as a subtest, one after another: it starts the hostile
// server (HTTPS when the case says so) and a sink, calls call, has check
// judge the error, and checks that the sink got nothing, that the server got
// the expected number of requests and that no goroutine outlived the case.
// Not for parallel tests (goleak cannot tell their goroutines apart).
func Run(t *testing.T, cases []Case, call func(t *testing.T, c Case, srv *Server) error, check func(t *testing.T, c Case, err error)) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
			sink := New(t, JSON(200, "{}"))
			defer sink.Close()
			start := New
			if c.TLS {
				start = NewTLS
			}
			srv := start(t, c.Answer(sink.URL))
			defer srv.Close()
			check(t, c, call(t, c, srv)) // a panic fails the test binary
			if got, want := srv.Hits(), max(c.Hits, 1); got != want {
				t.Errorf("the hostile server got %d requests, want %d", got, want)
			}
			if sink.Hits() != 0 {
				t.Errorf("%d requests went to the redirect target", sink.Hits())
			}
		})
	}
}
