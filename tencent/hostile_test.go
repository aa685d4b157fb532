package tencent_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/internal/testkit/hostiletest"
	"github.com/biembed/biembed-go/internal/testkit/secrettest"
	"github.com/biembed/biembed-go/tencent"
)

const (
	hostileKey     = secrettest.SecretKey
	hostileSession = "SENTINEL-SESSION-TOKEN-<&>-5e0a"
	okAnswer       = `{"Response":{"Data":{"BIToken":"tok-abcdef0123456789","ProjectId":"1","PageId":2,"ExpireTime":240},"RequestId":"rid-1"}}`
)

// encodedForms returns s in every form a server may echo it.
func encodedForms(s string) []string {
	var every strings.Builder
	for _, r := range s {
		fmt.Fprintf(&every, `\u%04x`, r)
	}
	return []string{s, every.String(), url.QueryEscape(s), url.PathEscape(s), strings.NewReplacer("<", `\u003c`, ">", `\u003e`, "&", `\u0026`).Replace(s)}
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

func errorAnswer(code, message, requestID string) string {
	return `{"Response":{"Error":{"Code":` + jsonText(code) + `,"Message":` + jsonText(message) + `},"RequestId":` + jsonText(requestID) + `}}`
}

func dataAnswer(data string) string {
	return `{"Response":{"Data":` + data + `,"RequestId":"rid-2"}}`
}

func tokenAnswer(token string) string {
	return dataAnswer(`{"BIToken":` + token + `,"ProjectId":"1","PageId":2}`)
}

func infoAnswer(tip, message string) string {
	return `{"Response":{"ErrorInfo":{"ErrorTip":` + jsonText(tip) + `,"ErrorMessage":` + jsonText(message) + `,"ErrorLevel":"ERROR"},"Data":null,"RequestId":"rid-3"}}`
}

// Name suffixes of the cases that call ApplyEmbedInterval or ClearEmbedToken
// instead of CreateEmbedToken.
const (
	applySuffix    = " (ApplyEmbedInterval)"
	clearSuffix    = " (ClearEmbedToken)"
	hostileBIToken = "bitoken-<&>-0123456789abcdef"
)

// tencentCases are the Tencent-specific hostile answers.
func tencentCases() []hostiletest.Case {
	fixed := func(h http.HandlerFunc) func(string) http.HandlerFunc {
		return func(string) http.HandlerFunc { return h }
	}
	ok := func(name, body string, want error) hostiletest.Case {
		return hostiletest.Case{Name: name, Err: want, Answer: fixed(hostiletest.JSON(200, body))}
	}
	cases := []hostiletest.Case{
		ok("no Response", `{}`, tencent.ErrMalformedResponse),
		ok("Response is a string", `{"Response":"ok"}`, tencent.ErrMalformedResponse),
		ok("Response is an array", `{"Response":[1,2]}`, tencent.ErrMalformedResponse),
		ok("Data null", dataAnswer("null"), tencent.ErrMalformedResponse),
		ok("Data is a string", dataAnswer(`"tok"`), tencent.ErrMalformedResponse),
		ok("BIToken is a number", tokenAnswer("12345"), tencent.ErrMalformedResponse),
		ok("BIToken empty", tokenAnswer(`""`), tencent.ErrMalformedResponse),
		ok("BIToken all whitespace", tokenAnswer(`" \t\r\n "`), tencent.ErrMalformedResponse),
		ok("BIToken with CR/LF", tokenAnswer(`"tok\r\nSet-Cookie: a=b"`), tencent.ErrMalformedResponse),
		ok("BIToken with NUL", tokenAnswer(`"tok\u0000en"`), tencent.ErrMalformedResponse),
		ok("BIToken with a space", tokenAnswer(`"tok en"`), tencent.ErrMalformedResponse),
		ok("BIToken not ASCII", tokenAnswer(`"tök\u202eén"`), tencent.ErrMalformedResponse),
		ok("BIToken 900 KB", tokenAnswer(`"`+strings.Repeat("t", 900<<10)+`"`), tencent.ErrMalformedResponse),
		ok("ProjectId not a number", dataAnswer(`{"BIToken":"tok-1","ProjectId":"one"}`), tencent.ErrMalformedResponse),
		ok("Error is a string", `{"Response":{"Error":"boom","RequestId":"r"}}`, tencent.ErrMalformedResponse),
		ok("error message with CR/LF and escapes", errorAnswer("InternalError", "line\r\nforged log line\x1b[2J\u202e", "rid"), tencent.ErrServer),
		ok("error message of 200 KB", errorAnswer("InternalError", strings.Repeat("x", 200<<10), "rid"), tencent.ErrServer),
		ok("error code with CR/LF", errorAnswer("InternalError\r\nX-Forged: 1", "m", "rid"), tencent.ErrMalformedResponse),
		ok("error code of 10 KB", errorAnswer("InternalError."+strings.Repeat("A", 10<<10), "m", "rid"), tencent.ErrMalformedResponse),
		ok("request id with CR/LF and 10 KB", errorAnswer("InternalError", "m", "rid\r\n"+strings.Repeat("r", 10<<10)), tencent.ErrServer),
		ok("rate limited", errorAnswer("RequestLimitExceeded", "slow down", "rid"), tencent.ErrRateLimited),
		ok("ErrorInfo with control characters", infoAnswer("tip\r\n\x1b[1m", "msg\x00"), tencent.ErrFailedOperation),
		ok("ErrorInfo of 200 KB", infoAnswer("tip", strings.Repeat("m", 200<<10)), tencent.ErrFailedOperation),
		{Name: "valid answer labelled text/html", Err: tencent.ErrMalformedResponse, Answer: fixed(hostiletest.Body(200, "text/html", okAnswer))},
		{Name: "unrequested content encoding", Err: tencent.ErrMalformedResponse, Answer: fixed(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Encoding", "br")
			hostiletest.JSON(200, okAnswer)(w, nil)
		})},
		{Name: "204 no content", Want: hostiletest.HTTPStatus, Answer: fixed(hostiletest.Body(204, "", ""))},
		{Name: "429 with a valid answer", Err: tencent.ErrRateLimited, Answer: fixed(hostiletest.JSON(429, okAnswer))},
		{Name: "slow headers" + applySuffix, Want: hostiletest.Deadline, Answer: fixed(hostiletest.SlowHeaders())},
		{Name: "slow headers" + clearSuffix, Want: hostiletest.Deadline, Answer: fixed(hostiletest.SlowHeaders())},
		{Name: "reset before headers" + clearSuffix, Want: hostiletest.Network, Answer: fixed(hostiletest.Reset(""))},
		{Name: "redirect 307 elsewhere" + applySuffix, Want: hostiletest.HTTPStatus,
			Answer: func(sink string) http.HandlerFunc {
				return hostiletest.Body(307, "application/json", dataAnswer(`{"Result":true}`), "Location", sink+"/steal")
			}},
	}
	for i, form := range encodedForms(hostileKey) {
		cases = append(cases, ok(fmt.Sprintf("secret key echoed in the message, form %d", i),
			errorAnswer("AuthFailure.SignatureFailure", `bad signature for {"key":"`+form+`"}`, "rid"), tencent.ErrUnauthorized))
	}
	for i, form := range encodedForms(hostileSession) {
		cases = append(cases, ok(fmt.Sprintf("session token echoed, form %d", i),
			errorAnswer("AuthFailure.TokenFailure", "token "+form+" expired", "rid-"+form), tencent.ErrUnauthorized))
	}
	cases = append(cases, ok("secrets echoed in ErrorInfo", infoAnswer(hostileKey, url.QueryEscape(hostileSession)), tencent.ErrFailedOperation))
	for i, form := range encodedForms(hostileBIToken) {
		cases = append(cases, ok(fmt.Sprintf("token to extend echoed, form %d%s", i, applySuffix),
			errorAnswer("InvalidParameter.Embed", "BIToken "+form+" does not exist", "rid"), tencent.ErrInvalidParameter))
	}
	cases = append(cases,
		ok("Result is a string"+applySuffix, dataAnswer(`{"Result":"yes"}`), tencent.ErrMalformedResponse),
		ok("Result false"+applySuffix, dataAnswer(`{"Result":false}`), tencent.ErrFailedOperation),
		ok("Data is a string"+clearSuffix, dataAnswer(`"true"`), tencent.ErrMalformedResponse),
		ok("Data is an object"+clearSuffix, dataAnswer(`{"Result":true}`), tencent.ErrMalformedResponse),
		ok("Data false"+clearSuffix, dataAnswer(`false`), tencent.ErrFailedOperation),
	)
	return cases
}

// TestHostileServer runs every hostile answer against one of the actions
// (CreateEmbedToken unless the name says otherwise): each gets its exact
// sentinel, an error naming vendor and action, no panic, no goroutine left,
// no request sent anywhere else, no secret in the error or the debug log,
// and no control character or unbounded server text in the error.
func TestHostileServer(t *testing.T) {
	cases := append(hostiletest.Common(okAnswer), tencentCases()...)
	if len(cases) < 50 {
		t.Fatalf("only %d hostile answers", len(cases))
	}
	hostiletest.Run(t, cases, callHostile, checkHostile)
}

// hostileAction is the action case c calls.
func hostileAction(c hostiletest.Case) string {
	switch {
	case strings.HasSuffix(c.Name, applySuffix):
		return "ApplyEmbedInterval"
	case strings.HasSuffix(c.Name, clearSuffix):
		return "ClearEmbedToken"
	}
	return "CreateEmbedToken"
}

func callHostile(t *testing.T, c hostiletest.Case, srv *hostiletest.Server) error {
	watch := append(encodedForms(hostileKey), encodedForms(hostileSession)...)
	rec := secrettest.New(t, append(watch, encodedForms(hostileBIToken)...)...)
	opts := []tencent.Option{
		tencent.WithCredential(common.NewTokenCredential("AKIDhostile", hostileKey, hostileSession)),
		tencent.WithEndpoint(srv.URL), tencent.WithLogger(rec.Logger()), tencent.WithRetries(0),
	}
	if c.TLS {
		opts = append(opts, tencent.WithTransport(srv.Client().Transport))
	}
	client, err := tencent.NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if c.Want == hostiletest.Deadline {
		cancel()
		ctx, cancel = hostiletest.StalledDeadline(srv)
	}
	defer cancel()
	switch hostileAction(c) {
	case "ApplyEmbedInterval":
		return rec.Err(client.ApplyEmbedInterval(ctx, &tencent.ApplyEmbedIntervalRequest{ProjectID: 1, PageID: 2,
			BIToken: biembed.NewSecret(hostileBIToken), Intention: tencent.IntentionEmbed, Scope: tencent.ScopePage}))
	case "ClearEmbedToken":
		return rec.Err(client.ClearEmbedToken(ctx, &tencent.ClearEmbedTokenRequest{ProjectID: 1, UserCorpID: "corp", Scope: tencent.ScopePanel}))
	}
	tok, err := client.CreateEmbedToken(ctx, tencent.NewPageRequest(1, 2))
	if tok != nil {
		rec.AddSecret(tok.Value.Reveal())
		t.Errorf("a token came back with error %v", err)
	}
	return rec.Err(err)
}

func checkHostile(t *testing.T, c hostiletest.Case, err error) {
	t.Helper()
	var e *tencent.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v (%T), want a *tencent.Error", err, err)
	}
	want := c.Err
	switch {
	case want != nil:
	case c.Want == hostiletest.HTTPStatus:
		want = tencent.ErrHTTPStatus
		if e.HTTPStatus < 100 || e.HTTPStatus == 200 {
			t.Errorf("HTTPStatus %d, want the answer's", e.HTTPStatus)
		}
	case c.Want == hostiletest.Malformed:
		want = tencent.ErrMalformedResponse
	case c.Want == hostiletest.TooLarge:
		want = tencent.ErrResponseTooLarge
	case c.Want == hostiletest.Deadline:
		want = tencent.ErrTimeout
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("error %v does not match context.DeadlineExceeded", err)
		}
	case c.Want == hostiletest.Network:
		want = tencent.ErrNetwork
	default:
		t.Fatalf("case %q has no expected error", c.Name)
	}
	wants := []error{want}
	if e.HTTPStatus >= 500 && want != tencent.ErrServer {
		wants = append(wants, tencent.ErrServer) // HTTP 5xx is a server error too
	}
	if e.HTTPStatus == http.StatusTooManyRequests {
		wants = append(wants, tencent.ErrHTTPStatus) // and 429 an unexpected status
	}
	if e.HTTPStatus/100 == 2 && e.HTTPStatus != http.StatusOK && want == tencent.ErrHTTPStatus {
		wants = append(wants, tencent.ErrMalformedResponse) // a 2xx but 200 without JSON is both
	}
	checkSentinels(t, err, wants...)
	if e.Action != hostileAction(c) || !strings.HasPrefix(err.Error(), "tencent "+e.Action+": ") {
		t.Errorf("error %q does not name vendor and action %s", err, hostileAction(c))
	}
	text := err.Error() + fmt.Sprintf("%#v", err)
	if strings.ContainsFunc(text, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\u202e' }) {
		t.Errorf("control characters in the error: %q", text)
	}
	if len(err.Error()) > 2048 {
		t.Errorf("error text of %d bytes", len(err.Error()))
	}
}

// TestUntrustedCertificateIsRefused: the client verifies TLS certificates;
// a server whose certificate no trusted authority signed gets nothing.
func TestUntrustedCertificateIsRefused(t *testing.T) {
	t.Parallel()
	srv := hostiletest.NewTLS(t, hostiletest.JSON(200, okAnswer))
	// A transport without a handshake timeout: under -race on a loaded
	// machine the default 10 s can pass before verification fails.
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client, err := tencent.NewClient(tencent.WithSecret("AKID", "key"), tencent.WithEndpoint(srv.URL), tencent.WithRetries(0), tencent.WithTransport(tr))
	if err != nil {
		t.Fatal(err)
	}
	_, err = client.CreateEmbedToken(context.Background(), tencent.NewPageRequest(1, 2))
	var certErr *tls.CertificateVerificationError
	if !errors.As(err, &certErr) {
		t.Fatalf("got %v, want a certificate verification error", err)
	}
	if !errors.Is(err, tencent.ErrNetwork) || !strings.HasPrefix(err.Error(), "tencent CreateEmbedToken: ") {
		t.Errorf("got %v, want a tencent CreateEmbedToken error matching ErrNetwork", err)
	}
	if srv.Hits() != 0 {
		t.Errorf("the server got %d requests", srv.Hits())
	}
}
