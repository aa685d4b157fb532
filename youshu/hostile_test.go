package youshu_test

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/internal/testkit/hostiletest"
	"github.com/biembed/biembed-go/internal/testkit/secrettest"
	"github.com/biembed/biembed-go/youshu"
)

const (
	hostilePassword = secrettest.Password + `<&>"`
	hostileHelper   = "helper-0123456789abcdef0123456789abcdef"
	hostileTarget   = "target-fedcba9876543210fedcba9876543210"
	youshuOK        = `{"code":200,"result":"0123456789abcdef0123456789abcdef0"}`
)

// youshuForms returns s in every form a server may echo it.
func youshuForms(s string) []string {
	var every strings.Builder
	for _, r := range s {
		fmt.Fprintf(&every, `\u%04X`, r)
	}
	return []string{s, every.String(), url.QueryEscape(s), url.PathEscape(s), strings.NewReplacer("<", `\u003c`, ">", `\u003e`, "&", `\u0026`, `"`, `\"`).Replace(s)}
}

func envelopeWith(code, field, message string) string {
	return `{"code":` + code + `,"` + field + `":` + jsonText(message) + `}`
}

// jsonText quotes s as a JSON string without Go's HTML escaping.
func jsonText(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteString(`\` + string(r))
		case r < 0x20:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String() + `"`
}

// hostileRow is what a row of TestHostileServer needs beyond its
// hostiletest.Case: the sentinels the error must match (exactly), the call
// to make, and the transport to make it with.
type hostileRow struct {
	want      []string                             // the exact sentinels (see checkSentinels)
	rmToken   bool                                 // RemoveToken (a GET with a helper token and t in the query) instead of GenToken
	transport func(t *testing.T) http.RoundTripper // WithTransport, when set
}

// encoded answers 200 with body under Content-Encoding enc.
func encoded(enc string, body []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", enc)
		_, _ = w.Write(body)
	}
}

func gzipped(s string) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	_, _ = zw.Write([]byte(s))
	_ = zw.Close()
	return b.Bytes()
}

func deflated(s string) []byte {
	var b bytes.Buffer
	zw, _ := flate.NewWriter(&b, flate.BestSpeed)
	_, _ = zw.Write([]byte(s))
	_ = zw.Close()
	return b.Bytes()
}

// helperThen answers genToken with the helper token hostileHelper and
// every other endpoint with h: rmToken gets as far as its own answer.
func helperThen(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/"+"genToken") {
			hostiletest.JSON(200, `{"code":200,"result":"`+hostileHelper+`"}`)(w, r)
			return
		}
		h(w, r)
	}
}

// youshuCases returns the Youshu-specific hostile answers, and the rows
// of every case, Common's included.
func youshuCases() ([]hostiletest.Case, map[string]hostileRow) {
	fixed := func(h http.HandlerFunc) func(string) http.HandlerFunc {
		return func(string) http.HandlerFunc { return h }
	}
	rows := map[string]hostileRow{}
	var cases []hostiletest.Case
	add := func(name string, h http.HandlerFunc, want ...string) {
		cases = append(cases, hostiletest.Case{Name: name, Answer: fixed(h)})
		rows[name] = hostileRow{want: want}
	}
	ok := func(name, body string, want ...string) { add(name, hostiletest.JSON(200, body), want...) }
	result := func(name, raw string, want ...string) { ok(name, `{"code":200,"result":`+raw+`}`, want...) }
	const malformed, empty = "ErrMalformedResponse", "ErrMalformedResponse"

	// Envelopes that lie about their shape.
	ok("code is a string", `{"code":"200","result":"tok"}`, malformed)
	ok("code is a fraction", `{"code":200.5,"result":"tok"}`, malformed)
	ok("code null", `{"code":null,"result":"tok"}`, malformed)
	ok("code missing", `{"result":"tok"}`, malformed)
	ok("code out of range", `{"code":1e40,"result":"tok"}`, malformed)
	ok("code 0", `{"code":0,"message":"","result":"tok"}`, malformed)
	ok("code key in capitals, 0", `{"CODE":0}`, malformed)
	result("result is a number", `12345`, malformed)
	result("result is an object", `{"token":"tok"}`, malformed)
	result("result empty", `""`, empty)
	result("result null", `null`, empty)
	result("result empty object", `{}`, empty)
	result("result all whitespace", `" \t\r\n "`, malformed)
	result("result with CR/LF", `"tok\r\nSet-Cookie: a=b"`, malformed)
	result("result with NUL", `"tok\u0000en"`, malformed)
	result("result not ASCII", `"tök\u202een"`, malformed)
	result("result 900 KB", `"`+strings.Repeat("t", 900<<10)+`"`, malformed)

	// Codes the caller branches on.
	ok("code 500", envelopeWith("500", "message", "boom"), "ErrServer")
	ok("code 743", envelopeWith("743", "message", "bad filters"), "ErrReportDataFilters")
	ok("code 401", envelopeWith("401", "msg", "who are you"), "ErrUnauthorized")
	ok("code 403", envelopeWith("403", "message", "not an admin"), "ErrUnauthorized")
	ok("code 404 account not found", `{"code":404,"message":"account not found"}`, "ErrNotFound")
	ok("code 429 under HTTP 200", envelopeWith("429", "message", "slow down"), "ErrRateLimited")
	ok("message with CR/LF and escapes", envelopeWith("500", "message", "line\r\nforged\x1b[2J\u202e\u2028"), "ErrServer")
	ok("msg with NUL", envelopeWith("500", "msg", "a\x00b"), "ErrServer")
	ok("message of 200 KB", envelopeWith("500", "message", strings.Repeat("界", 70<<10)), "ErrServer")

	// Statuses: a non-2xx answer is judged by its status whatever its body
	// (HTML, nothing, an envelope); the client does not retry here
	// (WithRetries(0)), so 429 and 503 are seen once.
	add("HTTP 429 with an envelope", hostiletest.JSON(429, envelopeWith("429", "message", "slow down")), "ErrHTTPStatus", "ErrRateLimited")
	add("HTTP 401 HTML page", hostiletest.Body(401, "text/html", "<html>login</html>"), "ErrHTTPStatus", "ErrUnauthorized")
	add("HTTP 403 HTML page", hostiletest.Body(403, "text/html", "<html>forbidden</html>"), "ErrHTTPStatus", "ErrUnauthorized")
	add("HTTP 503 HTML page", hostiletest.Body(503, "text/html; charset=utf-8", "<html>maintenance</html>"), "ErrHTTPStatus", "ErrServer")
	add("HTTP 504 without body", hostiletest.Body(504, "", ""), "ErrHTTPStatus", "ErrServer")
	add("HTTP 418 plain text", hostiletest.Body(418, "text/plain", "teapot"), "ErrHTTPStatus")

	// A 2xx answer must be a JSON object labelled application/json,
	// text/json, text/plain or not at all; anything else is not the envelope.
	add("valid answer labelled text/html", hostiletest.Body(200, "text/html", youshuOK), malformed)
	add("valid answer labelled application/xml", hostiletest.Body(200, "application/xml", youshuOK), malformed)
	add("valid answer labelled application/problem+json", hostiletest.Body(200, "application/problem+json", youshuOK), malformed)
	add("valid answer labelled text/plain but not an object", hostiletest.Body(200, "text/plain", `"`+youshuOK+`"`), malformed)
	add("204 no content", hostiletest.Body(204, "", ""), malformed)

	// A Content-Encoding Go did not undo is refused, however plausible the
	// body underneath: the client never asked for one.
	add("deflate body nobody asked for", encoded("deflate", deflated(youshuOK)), malformed)
	add("br body nobody asked for", encoded("br", []byte("\x0b\x02\x80"+youshuOK+"\x03")), malformed)
	add("identity Content-Encoding", encoded("identity", []byte(youshuOK)), malformed)
	add("gzip the transport asked for, corrupt", encoded("gzip", []byte("\x1f\x8bnot gzip at all")), malformed)
	const unasked = "gzip nobody asked for (caller's transport without compression)"
	add(unasked, encoded("gzip", gzipped(youshuOK)), malformed)
	row := rows[unasked]
	row.transport = func(t *testing.T) http.RoundTripper {
		tr := &http.Transport{DisableCompression: true}
		t.Cleanup(tr.CloseIdleConnections)
		return tr
	}
	rows[unasked] = row

	// Server text that echoes the call's secrets, in every encoding.
	for i, form := range youshuForms(hostilePassword) {
		ok(fmt.Sprintf("password echoed, form %d", i),
			envelopeWith("401", "message", `Cannot deserialize {"password":"`+form+`"}`), "ErrUnauthorized")
	}
	// rmToken sends a helper token and t in its query; the server echoes
	// both. A 401 makes the client mint a fresh helper once and try again:
	// genToken, rmToken, genToken, rmToken.
	for i, form := range append(youshuForms(hostileHelper), youshuForms(hostileTarget)...) {
		name := fmt.Sprintf("tokens echoed by rmToken, form %d", i)
		cases = append(cases, hostiletest.Case{Name: name, Hits: 4,
			Answer: fixed(helperThen(hostiletest.JSON(200, envelopeWith("401", "message", "bad token="+form))))})
		rows[name] = hostileRow{want: []string{"ErrUnauthorized"}, rmToken: true}
	}
	return cases, rows
}

// commonRow is the row of a case of hostiletest.Common: the sentinel of
// its class, and what its status says besides.
func commonRow(c hostiletest.Case) hostileRow {
	switch c.Want {
	case hostiletest.HTTPStatus:
		switch {
		case strings.Contains(c.Name, "502"), strings.Contains(c.Name, "500"):
			return hostileRow{want: []string{"ErrHTTPStatus", "ErrServer"}}
		case strings.Contains(c.Name, "404"):
			return hostileRow{want: []string{"ErrHTTPStatus", "ErrNotFound"}}
		}
		return hostileRow{want: []string{"ErrHTTPStatus"}} // every 3xx: refused, never followed
	case hostiletest.Malformed:
		return hostileRow{want: []string{"ErrMalformedResponse"}}
	case hostiletest.TooLarge:
		return hostileRow{want: []string{"ErrResponseTooLarge"}}
	case hostiletest.Deadline:
		return hostileRow{want: []string{"ErrTimeout"}} // and context.DeadlineExceeded
	case hostiletest.Network:
		return hostileRow{want: []string{"ErrNetwork"}}
	}
	panic("unknown class " + string(c.Want))
}

// TestHostileServer runs every hostile answer against GenToken (and the
// rmToken rows against RemoveToken): each gets its exact sentinels, no
// panic, no goroutine left, no request sent anywhere else, no secret in the
// error or the debug log, no control character or unbounded server text.
func TestHostileServer(t *testing.T) {
	ours, rows := youshuCases()
	cases := hostiletest.Common(youshuOK)
	for _, c := range cases {
		rows[c.Name] = commonRow(c)
	}
	cases = append(cases, ours...)
	if len(cases) < 50 {
		t.Fatalf("only %d hostile answers", len(cases))
	}
	call := func(t *testing.T, c hostiletest.Case, srv *hostiletest.Server) error {
		return callYoushuHostile(t, c, rows[c.Name], srv)
	}
	check := func(t *testing.T, c hostiletest.Case, err error) {
		checkYoushuHostile(t, c, rows[c.Name], err)
	}
	hostiletest.Run(t, cases, call, check)
}

func callYoushuHostile(t *testing.T, c hostiletest.Case, row hostileRow, srv *hostiletest.Server) error {
	secrets := append(youshuForms(hostilePassword), youshuForms(hostileHelper)...)
	rec := secrettest.New(t, append(secrets, youshuForms(hostileTarget)...)...)
	opts := []youshu.Option{
		youshu.WithInsecureHTTP(), youshu.WithCredential(youshu.Password("admin@example.com", hostilePassword)),
		youshu.WithLogger(rec.Logger()), youshu.WithRetries(0),
	}
	switch {
	case row.transport != nil:
		opts = append(opts, youshu.WithTransport(row.transport(t)))
	case c.TLS:
		opts = append(opts, youshu.WithTransport(srv.Client().Transport))
	}
	client, err := youshu.NewClient(srv.URL, opts...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a hang fails, not blocks
	if c.Want == hostiletest.Deadline {
		cancel()
		ctx, cancel = hostiletest.StalledDeadline(srv)
	}
	defer cancel()
	if row.rmToken {
		return rec.Err(client.RemoveToken(ctx, hostileTarget))
	}
	tok, err := client.GenToken(ctx, &youshu.GenTokenRequest{})
	if tok != nil {
		rec.AddSecret(tok.Value.Reveal())
	}
	return rec.Err(err)
}

func checkYoushuHostile(t *testing.T, c hostiletest.Case, row hostileRow, err error) {
	t.Helper()
	if err == nil {
		t.Fatal("the hostile answer was accepted")
	}
	endpoint := "genToken"
	if row.rmToken {
		endpoint = "rmToken"
	}
	checkSentinels(t, err, endpoint, row.want...)
	var e *youshu.Error
	if !errors.As(err, &e) {
		return
	}
	switch c.Want {
	case hostiletest.Deadline:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%v does not match context.DeadlineExceeded", err)
		}
	case hostiletest.Network:
		if e.HTTPStatus != 0 || errors.Unwrap(err) == nil {
			t.Errorf("want a transport error without a response, got %v", err)
		}
		if !biembed.Retryable(err) {
			t.Errorf("a connection cut before any answer is worth retrying later: %v", err)
		}
	}
	text := err.Error()
	if strings.ContainsFunc(text, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\u202e' || r == '\u2028' }) {
		t.Errorf("control characters in the error: %q", text)
	}
	if len(text) > 2048 {
		t.Errorf("error text of %d bytes", len(text))
	}
}

// TestRedirectRefusedWithCallersTransport: a client given its own
// transport (WithTransport) still never follows a redirect: the 3xx is an
// ErrHTTPStatus and the Location gets nothing (issue 9 item 1).
func TestRedirectRefusedWithCallersTransport(t *testing.T) {
	t.Parallel()
	for _, status := range []int{301, 302, 303, 307, 308} {
		sink := hostiletest.New(t, hostiletest.JSON(200, youshuOK))
		srv := hostiletest.New(t, hostiletest.Body(status, "application/json", youshuOK, "Location", sink.URL+"/steal"))
		tr := &http.Transport{}
		t.Cleanup(tr.CloseIdleConnections)
		c, err := youshu.NewClient(srv.URL, youshu.WithInsecureHTTP(), youshu.WithTransport(tr),
			youshu.WithCredential(youshu.Password("a@b.c", hostilePassword)))
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.GenToken(context.Background(), &youshu.GenTokenRequest{})
		var e *youshu.Error
		if !errors.As(err, &e) || !errors.Is(err, youshu.ErrHTTPStatus) || e.HTTPStatus != status {
			t.Errorf("%d: got %v, want an ErrHTTPStatus with HTTP %d", status, err, status)
		}
		if sink.Hits() != 0 || srv.Hits() != 1 {
			t.Errorf("%d: redirect target got %d requests, server %d", status, sink.Hits(), srv.Hits())
		}
	}
}

// TestUntrustedCertificateIsRefused: the client verifies TLS certificates;
// a server whose certificate no trusted authority signed gets nothing.
func TestUntrustedCertificateIsRefused(t *testing.T) {
	t.Parallel()
	srv := hostiletest.NewTLS(t, hostiletest.JSON(200, youshuOK))
	// A transport without a handshake timeout: under -race on a loaded
	// machine the default 10 s can pass before verification fails.
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	c, err := youshu.NewClient(srv.URL, youshu.WithCredential(youshu.Password("a@b.c", hostilePassword)), youshu.WithTransport(tr))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GenToken(context.Background(), &youshu.GenTokenRequest{})
	var certErr *tls.CertificateVerificationError
	if !errors.As(err, &certErr) {
		t.Fatalf("got %v, want a certificate verification error", err)
	}
	if !errors.Is(err, youshu.ErrNetwork) || !strings.HasPrefix(err.Error(), "youshu genToken: ") {
		t.Errorf("got %v, want a youshu genToken ErrNetwork", err)
	}
	if srv.Hits() != 0 {
		t.Errorf("the server got %d requests", srv.Hits())
	}
}
