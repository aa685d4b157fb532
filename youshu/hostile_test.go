package youshu_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

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

// hostileCase marks a case that calls rmToken (a GET with secrets in the
// query) instead of genToken.
const rmTokenSuffix = " (rmToken)"

func youshuCases() []hostiletest.Case {
	fixed := func(h http.HandlerFunc) func(string) http.HandlerFunc {
		return func(string) http.HandlerFunc { return h }
	}
	ok := func(name, body string, want error) hostiletest.Case {
		return hostiletest.Case{Name: name, Err: want, Answer: fixed(hostiletest.JSON(200, body))}
	}
	result := func(name, raw string, want error) hostiletest.Case {
		return ok(name, `{"code":200,"result":`+raw+`}`, want)
	}
	cases := []hostiletest.Case{
		ok("code is a string", `{"code":"200","result":"tok"}`, youshu.ErrMalformedResponse),
		ok("code is a fraction", `{"code":200.5,"result":"tok"}`, youshu.ErrMalformedResponse),
		ok("code null", `{"code":null,"result":"tok"}`, youshu.ErrMalformedResponse),
		ok("code missing", `{"result":"tok"}`, youshu.ErrMalformedResponse),
		ok("code out of range", `{"code":1e40,"result":"tok"}`, youshu.ErrMalformedResponse),
		result("result is a number", `12345`, youshu.ErrMalformedResponse),
		result("result is an object", `{"token":"tok"}`, youshu.ErrMalformedResponse),
		result("result empty", `""`, youshu.ErrEmptyResult),
		result("result null", `null`, youshu.ErrEmptyResult),
		result("result all whitespace", `" \t\r\n "`, youshu.ErrMalformedResponse),
		result("result with CR/LF", `"tok\r\nSet-Cookie: a=b"`, youshu.ErrMalformedResponse),
		result("result with NUL", `"tok\u0000en"`, youshu.ErrMalformedResponse),
		result("result not ASCII", `"tök\u202een"`, youshu.ErrMalformedResponse),
		result("result 900 KB", `"`+strings.Repeat("t", 900<<10)+`"`, youshu.ErrMalformedResponse),
		ok("code 500", envelopeWith("500", "message", "boom"), youshu.ErrServer),
		ok("code 743", envelopeWith("743", "message", "bad filters"), youshu.ErrReportDataFilters),
		ok("code 401", envelopeWith("401", "msg", "who are you"), youshu.ErrUnauthorized),
		ok("message with CR/LF and escapes", envelopeWith("500", "message", "line\r\nforged\x1b[2J\u202e\u2028"), youshu.ErrServer),
		ok("msg with NUL", envelopeWith("500", "msg", "a\x00b"), youshu.ErrServer),
		ok("message of 200 KB", envelopeWith("500", "message", strings.Repeat("界", 70<<10)), youshu.ErrServer),
		{Name: "401 HTML page", Err: youshu.ErrUnauthorized, Answer: fixed(hostiletest.Body(401, "text/html", "<html>login</html>"))},
		{Name: "valid answer labelled text/html", Err: youshu.ErrMalformedResponse, Answer: fixed(hostiletest.Body(200, "text/html", youshuOK))},
		{Name: "204 no content", Err: youshu.ErrMalformedResponse, Answer: fixed(hostiletest.Body(204, "", ""))},
	}
	for i, form := range youshuForms(hostilePassword) {
		cases = append(cases, ok(fmt.Sprintf("password echoed, form %d", i),
			envelopeWith("401", "message", `Cannot deserialize {"password":"`+form+`"}`), youshu.ErrUnauthorized))
	}
	for i, form := range append(youshuForms(hostileHelper), youshuForms(hostileTarget)...) {
		cases = append(cases, ok(fmt.Sprintf("tokens echoed, form %d%s", i, rmTokenSuffix),
			envelopeWith("401", "message", "bad token="+form), youshu.ErrUnauthorized))
	}
	return cases
}

// TestHostileServer runs every hostile answer against GenToken (and the
// rmToken cases against RemoveTokenWith): each gets its exact sentinel, no
// panic, no goroutine left, no request sent anywhere else, no secret in the
// error or the debug log, no control character or unbounded server text.
func TestHostileServer(t *testing.T) {
	cases := append(hostiletest.Common(youshuOK), youshuCases()...)
	if len(cases) < 50 {
		t.Fatalf("only %d hostile answers", len(cases))
	}
	hostiletest.Run(t, cases, callYoushuHostile, checkYoushuHostile)
}

func callYoushuHostile(t *testing.T, c hostiletest.Case, srv *hostiletest.Server) error {
	secrets := append(youshuForms(hostilePassword), youshuForms(hostileHelper)...)
	rec := secrettest.New(t, append(secrets, youshuForms(hostileTarget)...)...)
	opts := []youshu.Option{
		youshu.WithInsecureHTTP(), youshu.WithCredential(youshu.Password("admin@example.com", hostilePassword)),
		youshu.WithLogger(rec.Logger()), youshu.WithRetries(0),
	}
	if c.TLS {
		opts = append(opts, youshu.WithTransport(srv.Client().Transport))
	}
	client, err := youshu.NewClient(srv.URL, opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer client.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a hang fails, not blocks
	if c.Want == hostiletest.Deadline {
		cancel()
		ctx, cancel = hostiletest.StalledDeadline(srv)
	}
	defer cancel()
	if strings.HasSuffix(c.Name, rmTokenSuffix) {
		return rec.Err(client.RemoveTokenWith(ctx, hostileHelper, hostileTarget))
	}
	tok, err := client.GenToken(ctx, &youshu.GenTokenRequest{})
	if tok != nil {
		rec.AddSecret(tok.Value.Reveal())
	}
	return rec.Err(err)
}

func checkYoushuHostile(t *testing.T, c hostiletest.Case, err error) {
	t.Helper()
	var e *youshu.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v (%T), want a *youshu.Error", err, err)
	}
	want := c.Err
	switch {
	case want != nil:
	case c.Want == hostiletest.HTTPStatus:
		want = youshu.ErrHTTPStatus
	case c.Want == hostiletest.Malformed:
		want = youshu.ErrMalformedResponse
	case c.Want == hostiletest.TooLarge:
		want = youshu.ErrResponseTooLarge
	case c.Want == hostiletest.Deadline:
		want = context.DeadlineExceeded
	case c.Want == hostiletest.Network:
		if e.HTTPStatus != 0 || errors.Unwrap(err) == nil {
			t.Errorf("want a transport error without a response, got %v", err)
		}
	}
	if want != nil && !errors.Is(err, want) {
		t.Errorf("error %v does not match %v", err, want)
	}
	text := err.Error() + fmt.Sprintf("%#v", err)
	if strings.ContainsFunc(text, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\u202e' || r == '\u2028' }) {
		t.Errorf("control characters in the error: %q", text)
	}
	if len(err.Error()) > 2048 {
		t.Errorf("error text of %d bytes", len(err.Error()))
	}
}

// TestRedirectRefusedWithCallersHTTPClient: a WithHTTPClient client whose
// CheckRedirect follows everything still never follows: the 3xx is an
// ErrHTTPStatus and the Location gets nothing (issue 9 item 1).
func TestRedirectRefusedWithCallersHTTPClient(t *testing.T) {
	t.Parallel()
	for _, status := range []int{301, 302, 303, 307, 308} {
		sink := hostiletest.New(t, hostiletest.JSON(200, youshuOK))
		srv := hostiletest.New(t, hostiletest.Redirect(status, sink.URL+"/steal", youshuOK))
		follow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return nil }}
		c, err := youshu.NewClient(srv.URL, youshu.WithInsecureHTTP(), youshu.WithHTTPClient(follow),
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
		c.CloseIdleConnections()
	}
}

// TestUntrustedCertificateIsRefused: the client verifies TLS certificates;
// a server whose certificate no trusted authority signed gets nothing.
func TestUntrustedCertificateIsRefused(t *testing.T) {
	t.Parallel()
	srv := hostiletest.NewTLS(t, hostiletest.JSON(200, youshuOK))
	// A transport without a handshake timeout: under -race on a loaded
	// machine the default 10 s can pass before verification fails.
	c, err := youshu.NewClient(srv.URL, youshu.WithCredential(youshu.Password("a@b.c", hostilePassword)), youshu.WithTransport(&http.Transport{}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdleConnections()
	_, err = c.GenToken(context.Background(), &youshu.GenTokenRequest{})
	var certErr *tls.CertificateVerificationError
	if !errors.As(err, &certErr) {
		t.Fatalf("got %v, want a certificate verification error", err)
	}
	if srv.Hits() != 0 {
		t.Errorf("the server got %d requests", srv.Hits())
	}
}
