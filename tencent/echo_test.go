package tencent_test

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/internal/testkit/hostiletest"
	"github.com/biembed/biembed-go/internal/testkit/secrettest"
	"github.com/biembed/biembed-go/tencent"
)

// The hostile echo: a server that minted a token of one repeated character
// (4 KiB, the most a token may be) answers ApplyEmbedInterval for it with
// an error whose Message is 64 KiB of near-copies of the token, each one
// character short of a match. Every offset of such a text shares a long
// prefix with the token: the worst case for a sanitiser that matches a
// pattern of the token at every offset (work of text × token, seconds to
// minutes), and nothing for a linear one.
var (
	echoToken   = strings.Repeat("a", 4096)
	echoMessage = strings.Repeat(echoToken[:len(echoToken)-1]+"b", 64<<10/len(echoToken))
)

// hangLimit is how long the echo tests wait for a call that should return
// within milliseconds before they report it held: a bound on a hang, about
// a thousand times what a linear sanitiser takes, not a speed requirement.
const hangLimit = 10 * time.Second

// echoChild names, in a child process's environment, the echo test it runs.
const echoChild = "BIEMBED_TENCENT_ECHO_TEST"

// inChild runs body in a child process (this test binary, running only
// t's test) and fails t if the child fails or is still running hangLimit
// after it started, when it is killed: a sanitiser that does work of text
// x token can hold a call for minutes of CPU, which a goroutine left behind
// would spend slowing every other test.
func inChild(t *testing.T, body func(t *testing.T)) {
	t.Helper()
	if os.Getenv(echoChild) == t.Name() {
		body(t)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), hangLimit+5*time.Second) // the child's own bound, and its start
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^"+t.Name()+"$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), echoChild+"="+t.Name())
	cmd.WaitDelay = time.Second
	out, err := cmd.CombinedOutput()
	if len(out) > 4096 {
		out = out[len(out)-4096:]
	}
	switch {
	case ctx.Err() != nil:
		t.Errorf("the child still ran after %v and was killed (is internal/safetext's sanitiser linear yet?):\n%s", hangLimit, out)
	case err != nil:
		t.Errorf("the child failed (%v):\n%s", err, out)
	default:
		t.Logf("child:\n%s", out)
	}
}

// echoServer answers every request with the hostile echo.
func echoServer(t *testing.T) *hostiletest.Server {
	return hostiletest.New(t, hostiletest.JSON(200, errorAnswer("InvalidParameter.Embed", echoMessage, "rid-echo")))
}

func echoRequest() *tencent.ApplyEmbedIntervalRequest {
	return &tencent.ApplyEmbedIntervalRequest{ProjectID: 1, PageID: 2, BIToken: biembed.NewSecret(echoToken),
		Intention: tencent.IntentionEmbed, Scope: tencent.ScopePage}
}

// checkEchoError checks what the hostile echo made of the call: an error
// naming vendor and action that holds no 16-byte piece of the token.
func checkEchoError(t *testing.T, err error) {
	t.Helper()
	text := fmtErr(err)
	if !strings.HasPrefix(text, "tencent ApplyEmbedInterval: ") {
		t.Errorf("error %.200q does not name vendor and action", text)
	}
	if strings.Contains(text, echoToken[:16]) {
		t.Errorf("the error holds a piece of the token: %.200q", text)
	}
	if len(text) > 2048 {
		t.Errorf("error text of %d bytes", len(text))
	}
}

// awaitCall waits for a call's error on done, at most hangLimit.
func awaitCall(t *testing.T, done <-chan error, what string) (error, bool) {
	t.Helper()
	start := time.Now()
	select {
	case err := <-done:
		t.Logf("%s: returned %v later", what, time.Since(start))
		return err, true
	case <-time.After(hangLimit):
		t.Errorf("%s: the call is still running %v later (is internal/safetext's sanitiser linear yet?)", what, hangLimit)
		return nil, false
	}
}

// armedCredential is a credential that passes the test's deadline the first
// time its secret key is read once armed: the client reads it to build the
// sanitiser for a server's error text (signing reads GetCredential), so an
// armed credential passes the deadline exactly when sanitising starts.
type armedCredential struct {
	armed    atomic.Bool
	deadline *testDeadline
	fired    chan struct{}
}

func (c *armedCredential) GetSecretId() string { return "AKIDecho" }
func (c *armedCredential) GetToken() string    { return "" }
func (c *armedCredential) GetSecretKey() string {
	if c.armed.Load() {
		c.deadline.expire()
		select {
		case <-c.fired:
		default:
			close(c.fired)
		}
	}
	return hostileKey
}
func (c *armedCredential) GetCredential() (string, string, string) {
	return c.GetSecretId(), hostileKey, c.GetToken()
}

// armOnAnswer arms cred once an answer has arrived.
type armOnAnswer struct {
	base http.RoundTripper
	cred *armedCredential
}

func (rt armOnAnswer) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := rt.base.RoundTrip(r)
	rt.cred.armed.Store(true)
	return resp, err
}

// TestHostileEchoDoesNotHoldTheCallPastItsDeadline: the caller's deadline
// passes the moment the client starts sanitising the hostile echo (the
// test decides when, no clock involved); the call returns at once with an
// error that holds no piece of the token.
func TestHostileEchoDoesNotHoldTheCallPastItsDeadline(t *testing.T) {
	t.Parallel()
	inChild(t, hostileEchoAtTheDeadline)
}

func hostileEchoAtTheDeadline(t *testing.T) {
	srv := echoServer(t)
	rec := secrettest.New(t, echoToken[:16], hostileKey)
	ctx := newTestDeadline()
	cred := &armedCredential{deadline: ctx, fired: make(chan struct{})}
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	client, err := tencent.NewClient(tencent.WithCredential(cred), tencent.WithEndpoint(srv.URL), tencent.WithRetries(0),
		tencent.WithTransport(armOnAnswer{base: tr, cred: cred}), tencent.WithLogger(rec.Logger()))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- client.ApplyEmbedInterval(ctx, echoRequest()) }()
	select {
	case <-cred.fired:
	case err := <-done:
		t.Fatalf("the call returned before it sanitised anything: %v", err)
	}
	err, ok := awaitCall(t, done, "after the deadline")
	if !ok {
		return
	}
	checkEchoError(t, rec.Err(err))
	if srv.Hits() != 1 {
		t.Errorf("the server got %d requests, want 1", srv.Hits())
	}
}

// TestHostileEchoIsSanitisedInBoundedWork: with no deadline at all, the
// hostile echo is sanitised in time linear in its 64 KiB (milliseconds):
// the call returns ErrInvalidParameter with a capped message that holds no
// piece of the token.
func TestHostileEchoIsSanitisedInBoundedWork(t *testing.T) {
	t.Parallel()
	inChild(t, hostileEchoWithoutDeadline)
}

func hostileEchoWithoutDeadline(t *testing.T) {
	srv := echoServer(t)
	rec := secrettest.New(t, echoToken[:16], hostileKey)
	client, err := tencent.NewClient(tencent.WithSecret("AKIDecho", hostileKey), tencent.WithEndpoint(srv.URL),
		tencent.WithRetries(0), tencent.WithLogger(rec.Logger()))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- client.ApplyEmbedInterval(context.Background(), echoRequest()) }()
	err, ok := awaitCall(t, done, "without a deadline")
	if !ok {
		return
	}
	checkEchoError(t, rec.Err(err))
	e := asError(t, err)
	checkSentinels(t, err, tencent.ErrInvalidParameter)
	if len(e.Message) > 600 {
		t.Errorf("Message of %d bytes, want it capped", len(e.Message))
	}
}
