package tencent_test

import (
	"context"
	"errors"
	"io"
	"math"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/internal/testkit/secrettest"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
)

// recorders holds the secret-leak recorder of each test that called setup,
// so that every debug log line and every error a test inspects (asError)
// is checked for the secret key and the tokens it minted (mint).
var recorders sync.Map // testing.TB -> *secrettest.Recorder

func recorderOf(t testing.TB) *secrettest.Recorder {
	if r, ok := recorders.Load(t); ok {
		return r.(*secrettest.Recorder)
	}
	return nil
}

// unlimited is a rate limiter that lets every request through.
func unlimited() biembed.RateLimiter {
	l, err := biembed.NewRateLimiter(math.Inf(1), 1)
	if err != nil {
		panic(err)
	}
	return l
}

// setup starts a fake and a client pointed at it with fast backoff, no
// client-side rate limit and debug logging into a secret-leak recorder; opts
// come last so tests can override them.
func setup(t *testing.T, fakeOpts []tencenttest.Option, opts ...tencent.Option) (*tencent.Client, *tencenttest.Server) {
	t.Helper()
	srv := tencenttest.NewTestServer(t, fakeOpts...)
	return clientFor(t, srv, opts...), srv
}

// clientFor is setup's client for srv.
func clientFor(t *testing.T, srv *tencenttest.Server, opts ...tencent.Option) *tencent.Client {
	t.Helper()
	rec := recorderOf(t)
	if rec == nil {
		rec = secrettest.New(t, tencenttest.SecretKey)
		recorders.Store(t, rec)
		t.Cleanup(func() { recorders.Delete(t) })
	}
	base := []tencent.Option{
		tencent.WithLogger(rec.Logger()),
		tencent.WithSecret(tencenttest.SecretID, tencenttest.SecretKey),
		tencent.WithEndpoint(srv.URL()),
		tencent.WithEmbedHost(srv.URL()),
		tencent.WithBackoff(time.Millisecond, 2*time.Millisecond),
		tencent.WithRateLimiter(unlimited()),
	}
	client, err := tencent.NewClient(append(base, opts...)...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return client
}

// asError returns err as *tencent.Error or fails the test. Every error it
// sees is checked for secrets, and must name the vendor and the action.
func asError(t *testing.T, err error) *tencent.Error {
	t.Helper()
	if rec := recorderOf(t); rec != nil {
		_ = rec.Err(err)
	}
	var e *tencent.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *tencent.Error", err, err)
	}
	if prefix := "tencent " + e.Action + ": "; e.Action == "" || !strings.HasPrefix(err.Error(), prefix) {
		t.Errorf("error %q does not start with %q", err, prefix)
	}
	return e
}

// mint creates a token or fails the test; the token becomes a secret the
// recorder watches for.
func mint(t *testing.T, client *tencent.Client, req *tencent.CreateEmbedTokenRequest) *tencent.EmbedToken {
	t.Helper()
	tok, err := client.CreateEmbedToken(context.Background(), req)
	if err != nil {
		t.Fatalf("CreateEmbedToken: %v", err)
	}
	watch(t, tok)
	return tok
}

// watch makes tok's value a secret the test's recorder watches for.
func watch(t *testing.T, tok *tencent.EmbedToken) {
	if rec := recorderOf(t); rec != nil && tok != nil {
		rec.AddSecret(tok.Value.Reveal())
	}
}

// allSentinels are every sentinel of the package.
var allSentinels = []error{
	tencent.ErrRateLimited, tencent.ErrUnauthorized, tencent.ErrNotFound,
	tencent.ErrInvalidParameter, tencent.ErrFailedOperation, tencent.ErrServer, tencent.ErrNetwork,
	tencent.ErrTimeout, tencent.ErrHTTPStatus, tencent.ErrMalformedResponse, tencent.ErrResponseTooLarge,
}

// checkSentinels fails t unless err matches exactly the sentinels in want.
func checkSentinels(t *testing.T, err error, want ...error) {
	t.Helper()
	for _, s := range allSentinels {
		wanted := false
		for _, w := range want {
			wanted = wanted || w == s
		}
		if errors.Is(err, s) != wanted {
			t.Errorf("errors.Is(%v, %v) = %v, want %v", err, s, !wanted, wanted)
		}
	}
}

// requireValidation checks that err is a *biembed.ValidationError whose Field
// starts with field, and that its text is short.
func requireValidation(t *testing.T, err error, field string) {
	t.Helper()
	var ve *biembed.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %v (%T), want a *biembed.ValidationError", err, err)
	}
	if !strings.HasPrefix(ve.Field, field) {
		t.Errorf("field %q, want %q", ve.Field, field)
	}
	if !errors.Is(err, biembed.ErrInvalid) {
		t.Errorf("%v does not match biembed.ErrInvalid", err)
	}
	if len(err.Error()) > 512 {
		t.Errorf("error text of %d bytes", len(err.Error()))
	}
}

func callWithoutPanic(t *testing.T, call func() error) (err error) {
	t.Helper()
	defer func() {
		if p := recover(); p != nil {
			t.Fatalf("panic: %v", p)
		}
	}()
	return call()
}

// testDeadline is a context whose deadline the test decides: Err is nil
// until expire is called, then context.DeadlineExceeded. No clock is
// involved, so the moment it passes is the same on any machine.
type testDeadline struct {
	context.Context
	done chan struct{}
	once sync.Once
}

func newTestDeadline() *testDeadline {
	return &testDeadline{Context: context.Background(), done: make(chan struct{})}
}

func (d *testDeadline) Done() <-chan struct{} { return d.done }

func (d *testDeadline) Err() error {
	select {
	case <-d.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}

// expire passes the deadline; calling it again does nothing.
func (d *testDeadline) expire() { d.once.Do(func() { close(d.done) }) }

// verbs are the fmt directives printers are checked with (the module leak
// test's list).
var verbs = []string{
	"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%t", "%o", "%O", "%b",
	"%c", "%U", "%e", "%E", "%f", "%F", "%g", "%G", "%10.3v", "%-8s", "% x", "%#x",
}

// pageRequest is a ten-minute page token request.
// clearFor returns the request that clears tok's UserCorpID for its page.
func clearFor(tok *tencent.EmbedToken) *tencent.ClearEmbedTokenRequest {
	return &tencent.ClearEmbedTokenRequest{ProjectID: tok.ProjectID, UserCorpID: tok.UserCorpID, Scope: tok.Scope, PageID: tok.PageID}
}

func pageRequest() *tencent.CreateEmbedTokenRequest {
	req := tencent.NewPageRequest(7, 8)
	req.Expiry = 10 * time.Minute
	return req
}

// userRequest is pageRequest for user alice of corp.
func userRequest(corp string) *tencent.CreateEmbedTokenRequest {
	req := pageRequest()
	req.TokenType, req.UserCorpID, req.UserID = tencent.TokenTypeSingleUser, corp, "alice"
	return req
}

// fetch GETs link and returns the status and body.
func fetch(t *testing.T, link string) (int, string) {
	t.Helper()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Get(link)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}
