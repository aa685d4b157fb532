package hostiletest

import (
	"fmt"
	"net/http"
	"runtime/debug"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

// Class is the kind of failure a hostile answer must produce; each client
// maps it to its own sentinel.
type Class int

// The failure classes.
const (
	HTTPStatus Class = iota + 1 // a non-2xx status (every 3xx included): ErrHTTPStatus
	Malformed                   // not the vendor's JSON, or cut short: ErrMalformedResponse
	TooLarge                    // body or headers over the limit: ErrResponseTooLarge
	Deadline                    // the server stalls until the ctx deadline (use StalledDeadline): context.DeadlineExceeded
	Network                     // the connection dies before a response: a transport error
)

// String names the class, such as "Malformed".
func (c Class) String() string {
	names := [...]string{"?", "HTTPStatus", "Malformed", "TooLarge", "Deadline", "Network"}
	if int(c) < 0 || int(c) >= len(names) {
		return "?"
	}
	return names[c]
}

// Case is one hostile answer.
type Case struct {
	Name string
	// TLS serves the answer over HTTPS (the client must trust Server.Client()).
	TLS bool
	// Answer builds the handler; sink is the URL of a server that must never
	// be reached (redirects point there).
	Answer func(sink string) http.HandlerFunc
	Want   Class
	// Err, when set, is the exact sentinel the error must match instead of
	// the client's sentinel for Want (for vendor-specific answers).
	Err error
	// Hits is how many requests the hostile server itself may get (1 unless
	// the client retries); 0 means 1.
	Hits int
}

// Common returns the hostile answers every client must refuse the same way;
// ok is a body the client would accept, so a client that follows a redirect
// or ignores a status would succeed and be caught.
func Common(ok string) []Case {
	var cases []Case
	for _, status := range []int{301, 302, 303, 307, 308} {
		cases = append(cases,
			Case{Name: fmt.Sprintf("redirect %d elsewhere", status), Want: HTTPStatus,
				Answer: func(sink string) http.HandlerFunc { return Redirect(status, sink+"/steal", ok) }},
			Case{Name: fmt.Sprintf("redirect %d https to http", status), TLS: true, Want: HTTPStatus,
				Answer: func(sink string) http.HandlerFunc { return Redirect(status, sink+"/steal", ok) }},
			Case{Name: fmt.Sprintf("redirect %d same host", status), Want: HTTPStatus,
				Answer: func(string) http.HandlerFunc { return Redirect(status, "/again", ok) }},
		)
	}
	fixed := func(h http.HandlerFunc) func(string) http.HandlerFunc {
		return func(string) http.HandlerFunc { return h }
	}
	bomb := GzipBomb(8 << 20)
	nested := strings.Repeat("[", 20000) + strings.Repeat("]", 20000)
	cases = append(cases,
		Case{Name: "300 with Location", Want: HTTPStatus, Answer: func(sink string) http.HandlerFunc { return Redirect(300, sink, ok) }},
		Case{Name: "304 without body", Want: HTTPStatus, Answer: fixed(Body(304, "", ""))},
		Case{Name: "3xx without Location", Want: HTTPStatus, Answer: fixed(JSON(307, ok))},
		Case{Name: "HTML login page 200", Want: Malformed, Answer: fixed(Body(200, "text/html", "<html><body>Please log in</body></html>"))},
		Case{Name: "HTML error page 502", Want: HTTPStatus, Answer: fixed(Body(502, "text/html", "<html>Bad Gateway</html>"))},
		Case{Name: "HTML labelled JSON", Want: Malformed, Answer: fixed(JSON(200, "<!DOCTYPE html><html></html>"))},
		Case{Name: "plain text 200", Want: Malformed, Answer: fixed(Body(200, "text/plain", "OK"))},
		Case{Name: "accepted body with status 500", Want: HTTPStatus, Answer: fixed(JSON(500, ok))},
		Case{Name: "accepted body with status 404", Want: HTTPStatus, Answer: fixed(JSON(404, ok))},
		Case{Name: "invalid UTF-8", Want: Malformed, Answer: fixed(JSON(200, "\xff\xfe{\xc3\x28}"))},
		Case{Name: "empty body", Want: Malformed, Answer: fixed(JSON(200, ""))},
		Case{Name: "null", Want: Malformed, Answer: fixed(JSON(200, "null"))},
		Case{Name: "array", Want: Malformed, Answer: fixed(JSON(200, "[]"))},
		Case{Name: "bare string", Want: Malformed, Answer: fixed(JSON(200, `"token"`))},
		Case{Name: "bare number", Want: Malformed, Answer: fixed(JSON(200, "12345"))},
		Case{Name: "truncated JSON", Want: Malformed, Answer: fixed(JSON(200, ok[:len(ok)/2]))},
		Case{Name: "NUL bytes", Want: Malformed, Answer: fixed(JSON(200, "\x00\x00\x00\x00"))},
		Case{Name: "byte order mark", Want: Malformed, Answer: fixed(JSON(200, "\uFEFF"+ok))},
		Case{Name: "nesting bomb", Want: Malformed, Answer: fixed(JSON(200, nested))},
		Case{Name: "2 MiB body", Want: TooLarge, Answer: fixed(Huge(2 << 20))},
		Case{Name: "endless body", Want: TooLarge, Answer: fixed(Endless())},
		Case{Name: "gzip bomb", Want: TooLarge, Answer: func(string) http.HandlerFunc { return bomb }},
		Case{Name: "slow headers", Want: Deadline, Answer: fixed(SlowHeaders())},
		Case{Name: "slow body", Want: Deadline, Answer: fixed(SlowBody(ok[:len(ok)/2]))},
		Case{Name: "reset before headers", Want: Network, Answer: fixed(Reset(""))},
		Case{Name: "reset after status line", Want: Network, Answer: fixed(Reset("HTTP/1.1 200 OK\r\n"))},
		Case{Name: "reset mid-body", Want: Malformed, Answer: fixed(ResetMidBody(ok[:len(ok)/2]))},
		Case{Name: "header bomb, many headers", Want: TooLarge, Answer: fixed(HeaderBomb(2000, 1000, ok))},
		Case{Name: "header bomb, one 200 KiB header", Want: TooLarge, Answer: fixed(HeaderBomb(1, 200<<10, ok))},
	)
	return cases
}

// Run runs each case as a subtest, one after another: it starts the hostile
// server (HTTPS when the case says so) and a sink, calls call, and then
// checks that call did not panic, that the sink got nothing, that the server
// got the expected number of requests and that no goroutine outlived the
// case. check judges the error. Run must not be called from a parallel test
// (goleak cannot tell goroutines of parallel tests apart).
func Run(t *testing.T, cases []Case, call func(t *testing.T, c Case, srv *Server) error, check func(t *testing.T, c Case, err error)) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
			sink := New(t, JSON(200, "{}"))
			defer sink.Close()
			var srv *Server
			if c.TLS {
				srv = NewTLS(t, c.Answer(sink.URL))
			} else {
				srv = New(t, c.Answer(sink.URL))
			}
			defer srv.Close()
			err := callSafely(t, c, srv, call)
			check(t, c, err)
			want := c.Hits
			if want == 0 {
				want = 1
			}
			if got := srv.Hits(); got != want {
				t.Errorf("the hostile server got %d requests, want %d", got, want)
			}
			if sink.Hits() != 0 {
				t.Errorf("%d requests went to the redirect target", sink.Hits())
			}
		})
	}
}

func callSafely(t *testing.T, c Case, srv *Server, call func(*testing.T, Case, *Server) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			t.Fatalf("panic: %v\n%s", p, debug.Stack())
		}
	}()
	return call(t, c, srv)
}
