package youshu_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/youshu"
	"github.com/biembed/biembed-go/youshu/youshutest"
)

// signalDeadline returns a context that passes its deadline (Err is
// context.DeadlineExceeded) when a value arrives on signal, such as a
// youshutest.Fault's Stalled: a deadline that falls while the server holds
// its answer back, however loaded the machine, with no wall clock.
func signalDeadline(signal <-chan struct{}) (context.Context, context.CancelFunc) {
	c := &signalContext{Context: context.Background(), done: make(chan struct{})}
	stop := make(chan struct{})
	var once sync.Once
	go func() {
		select {
		case <-signal:
			c.end(context.DeadlineExceeded)
		case <-stop:
			c.end(context.Canceled)
		}
	}()
	return c, func() { once.Do(func() { close(stop) }) }
}

type signalContext struct {
	context.Context
	done chan struct{}
	mu   sync.Mutex
	err  error
}

func (c *signalContext) end(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		c.err = err
		close(c.done)
	}
}

func (c *signalContext) Done() <-chan struct{} { return c.done }

func (c *signalContext) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// TestFaultMatrix runs every fault against genToken (POST) and rmToken (GET,
// with a kept helper token): the exact sentinels, the *Error fields,
// whether biembed.Retryable says to try again, and how many requests were
// sent. WithRetries is the default (2): genToken is retried only after 429
// and 503; rmToken also after 500, 502, 504 and a cut connection; a refused
// helper (401, 403, 404) is replaced once.
func TestFaultMatrix(t *testing.T) {
	t.Parallel()
	html := []byte("<!doctype html><html><body>Please log in: secret-portal</body></html>")
	oversized := append([]byte(`{"code":200,"result":"`), bytes.Repeat([]byte("a"), 2<<20)...)
	oversized = append(oversized, `"}`...)
	tests := []struct {
		name      string
		fault     youshutest.Fault
		want      []string // the exact sentinels
		cause     error    // must match through Unwrap, when set
		status    int      // Error.HTTPStatus
		code      int      // Error.Code
		message   string   // Error.Message, when set
		retryable bool     // biembed.Retryable
		postSent  int      // genToken requests of GenToken
		getSent   int      // rmToken requests of RemoveToken
		getMints  int      // genToken requests of RemoveToken (a refused helper replaced)
		deadline  bool     // the caller's ctx deadline passes while the fake stalls
		ok        bool     // the call succeeds
	}{
		{name: "HTTP 500", fault: youshutest.Fault{HTTPStatus: 500}, want: []string{"ErrHTTPStatus", "ErrServer"},
			status: 500, code: 500, message: "Internal Server Error", retryable: true, postSent: 1, getSent: 3},
		{name: "HTTP 502 plain text", fault: youshutest.Fault{HTTPStatus: 502, Body: []byte("bad gateway"), ContentType: "text/plain"},
			want: []string{"ErrHTTPStatus", "ErrServer"}, status: 502, retryable: true, postSent: 1, getSent: 3},
		{name: "HTTP 503", fault: youshutest.Fault{HTTPStatus: 503}, want: []string{"ErrHTTPStatus", "ErrServer"},
			status: 503, code: 503, message: "Service Unavailable", retryable: true, postSent: 3, getSent: 3},
		{name: "HTTP 504", fault: youshutest.Fault{HTTPStatus: 504}, want: []string{"ErrHTTPStatus", "ErrServer"},
			status: 504, code: 504, message: "Gateway Timeout", retryable: true, postSent: 1, getSent: 3},
		{name: "HTTP 429", fault: youshutest.Fault{HTTPStatus: 429}, want: []string{"ErrHTTPStatus", "ErrRateLimited"},
			status: 429, code: 429, message: "Too Many Requests", retryable: true, postSent: 3, getSent: 3},
		{name: "code 429", fault: youshutest.Fault{Code: 429, Message: "slow down"}, want: []string{"ErrRateLimited"},
			status: 200, code: 429, message: "slow down", retryable: true, postSent: 3, getSent: 3},
		{name: "HTTP 401", fault: youshutest.Fault{HTTPStatus: 401, Body: []byte("nope")}, want: []string{"ErrHTTPStatus", "ErrUnauthorized"},
			status: 401, postSent: 1, getSent: 2, getMints: 1},
		{name: "HTTP 404", fault: youshutest.Fault{HTTPStatus: 404}, want: []string{"ErrHTTPStatus", "ErrNotFound"},
			status: 404, code: 404, message: "Not Found", postSent: 1, getSent: 2, getMints: 1},
		{name: "code 404 account not found", fault: youshutest.Fault{Code: 404, Message: "account not found"}, want: []string{"ErrNotFound"},
			status: 200, code: 404, message: "account not found", postSent: 1, getSent: 2, getMints: 1},
		{name: "closed mid-body", fault: youshutest.Fault{CloseMidBody: true}, cause: io.ErrUnexpectedEOF, want: []string{"ErrMalformedResponse"},
			status: 200, retryable: true, postSent: 1, getSent: 3},
		{name: "ctx deadline while the server stalls", fault: youshutest.Fault{Delay: time.Hour}, cause: context.DeadlineExceeded,
			want: []string{"ErrTimeout"}, deadline: true, postSent: 1, getSent: 1},
		{name: "malformed JSON", fault: youshutest.Fault{Body: []byte(`{"code":200,"result":`)}, want: []string{"ErrMalformedResponse"},
			status: 200, postSent: 1, getSent: 1},
		{name: "HTML login page", fault: youshutest.Fault{Body: html, ContentType: "text/html"}, want: []string{"ErrMalformedResponse"},
			status: 200, postSent: 1, getSent: 1},
		{name: "the answer labelled text/html", fault: youshutest.Fault{ContentType: "text/html; charset=utf-8"}, want: []string{"ErrMalformedResponse"},
			status: 200, postSent: 1, getSent: 1},
		{name: "JSON without code", fault: youshutest.Fault{Body: []byte(`{"result":"x"}`)}, want: []string{"ErrMalformedResponse"},
			status: 200, postSent: 1, getSent: 1},
		{name: "oversized body", fault: youshutest.Fault{Body: oversized}, want: []string{"ErrResponseTooLarge"},
			status: 200, postSent: 1, getSent: 1},
		{name: "text/plain is accepted", fault: youshutest.Fault{ContentType: "text/plain"}, ok: true, postSent: 1, getSent: 1},
		{name: "a charset is accepted", fault: youshutest.Fault{ContentType: "application/json; charset=UTF-8"}, ok: true, postSent: 1, getSent: 1},
		{name: "code 743", fault: youshutest.Fault{Code: 743, Message: "reportDataFilters 中对应的模型不存在 dataModelId = 1"},
			want: []string{"ErrReportDataFilters"}, status: 200, code: 743, message: "reportDataFilters 中对应的模型不存在 dataModelId = 1", postSent: 1, getSent: 1},
		{name: "code 401", fault: youshutest.Fault{Code: 401, Message: "bad password"}, want: []string{"ErrUnauthorized"},
			status: 200, code: 401, message: "bad password", postSent: 1, getSent: 2, getMints: 1},
		{name: "code 403", fault: youshutest.Fault{Code: 403, Message: "not admin"}, want: []string{"ErrUnauthorized"},
			status: 200, code: 403, message: "not admin", postSent: 1, getSent: 2, getMints: 1},
		{name: "code 500 under HTTP 200", fault: youshutest.Fault{Code: 500, Message: "oops"}, want: []string{"ErrServer"},
			status: 200, code: 500, message: "oops", postSent: 1, getSent: 1},
		{name: "other code with msg", fault: youshutest.Fault{Body: []byte(`{"code":1001,"msg":"quota exceeded"}`)},
			status: 200, code: 1001, message: "quota exceeded", postSent: 1, getSent: 1},
		{name: "empty result", fault: youshutest.Fault{Body: []byte(`{"code":200,"result":""}`)}, want: []string{"ErrMalformedResponse"},
			status: 200, code: 200, postSent: 1, getSent: 1},
		{name: "result null", fault: youshutest.Fault{Body: []byte(`{"code":200,"result":null}`)}, want: []string{"ErrMalformedResponse"},
			status: 200, code: 200, postSent: 1, getSent: 1},
		{name: "result of the wrong type", fault: youshutest.Fault{Body: []byte(`{"code":200,"result":17}`)}, want: []string{"ErrMalformedResponse"},
			status: 200, postSent: 1, getSent: 1},
	}
	for _, tc := range tests {
		for _, method := range []string{http.MethodPost, http.MethodGet} {
			t.Run(tc.name+"/"+method, func(t *testing.T) {
				t.Parallel()
				srv := youshutest.NewTestServer(t)
				c := newClient(t, srv)
				ctx := context.Background()
				victim, err := c.GenToken(ctx, &youshu.GenTokenRequest{})
				require.NoError(t, err)
				if method == http.MethodGet { // keep a deleteToken helper
					spare, err := c.GenToken(ctx, &youshu.GenTokenRequest{})
					require.NoError(t, err)
					require.NoError(t, c.RemoveToken(ctx, spare.Value.Reveal()))
				}
				srv.ResetRequests()

				endpoint, sent, mints := "genToken", tc.postSent, tc.postSent
				if method == http.MethodGet {
					endpoint, sent, mints = "rmToken", tc.getSent, tc.getMints
				}
				fault := tc.fault
				fault.Endpoint = endpoint
				if tc.deadline {
					stalled := make(chan struct{}, 1)
					fault.Stalled = stalled
					var cancel context.CancelFunc
					ctx, cancel = signalDeadline(stalled)
					defer cancel()
				}
				srv.Inject(fault)
				if method == http.MethodPost {
					_, err = c.GenToken(ctx, &youshu.GenTokenRequest{})
				} else {
					err = c.RemoveToken(ctx, victim.Value.Reveal())
				}
				assert.Equal(t, sent, srv.Count(endpoint), "requests sent")
				assert.Equal(t, mints, srv.Count("genToken"), "genToken requests")
				if tc.ok {
					require.NoError(t, err)
					return
				}
				checkSentinels(t, err, endpoint, tc.want...)
				if tc.cause != nil {
					assert.ErrorIs(t, err, tc.cause)
				}
				assert.Equal(t, tc.retryable, biembed.Retryable(err), "biembed.Retryable(%v)", err)
				var e *youshu.Error
				require.ErrorAs(t, err, &e)
				assert.Equal(t, tc.status, e.HTTPStatus, "HTTPStatus")
				assert.Equal(t, tc.code, e.Code, "Code")
				if tc.message != "" {
					assert.Equal(t, tc.message, e.Message, "Message")
				}
				assert.NotContains(t, err.Error(), "secret-portal", "no body dump")
				assert.NotContains(t, err.Error(), victim.Value.Reveal())
				for _, r := range srv.Requests() {
					if h := r.Query.Get("token"); h != "" {
						assert.NotContains(t, err.Error(), h, "the helper token")
					}
				}
			})
		}
	}
}

// TestSentinelsToBranchOn: the failures a caller acts on each have their
// own sentinel, from servers of our own that misbehave on purpose.
func TestSentinelsToBranchOn(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("connection refused", func(t *testing.T) {
		t.Parallel()
		c, err := youshu.NewClient("http://"+closedPort(t), youshu.WithInsecureHTTP(), youshu.WithCredential(youshutest.AdminCredential()),
			youshu.WithRetries(0))
		require.NoError(t, err)
		_, err = c.GenToken(ctx, &youshu.GenTokenRequest{})
		checkSentinels(t, err, "genToken", "ErrNetwork")
		assert.True(t, biembed.Retryable(err), "a refused connection is worth trying again")
	})
	for name, tc := range map[string]struct {
		fault youshutest.Fault
		want  []string
	}{
		"HTTP 429":          {youshutest.Fault{HTTPStatus: 429}, []string{"ErrHTTPStatus", "ErrRateLimited"}},
		"code 429":          {youshutest.Fault{Code: 429, Message: "too many requests"}, []string{"ErrRateLimited"}},
		"account not found": {youshutest.Fault{Body: []byte(`{"code":404,"message":"account not found"}`)}, []string{"ErrNotFound"}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := youshutest.NewTestServer(t)
			srv.Inject(tc.fault)
			_, err := newClient(t, srv, youshu.WithRetries(0)).GenToken(ctx, &youshu.GenTokenRequest{})
			checkSentinels(t, err, "genToken", tc.want...)
		})
	}
	t.Run("unknown account at the fake", func(t *testing.T) {
		t.Parallel()
		srv := youshutest.NewTestServer(t)
		_, err := newClient(t, srv).GenToken(ctx, &youshu.GenTokenRequest{AuthUniqueID: "nobody"})
		checkSentinels(t, err, "genToken", "ErrNotFound")
		assert.Equal(t, `youshu genToken: code 404: account not found`, err.Error())
		assert.False(t, biembed.Retryable(err))
	})
}

func TestErrorText(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	c := newClient(t, srv)
	srv.Inject(youshutest.Fault{Code: 743, Message: "line one\nline two " + youshutest.Admin().Password, Times: 1})
	_, err := c.GenToken(context.Background(), &youshu.GenTokenRequest{})
	require.Error(t, err)
	assert.Equal(t, `youshu genToken: code 743: line one\u000aline two ***`, err.Error(),
		"control characters escaped, the call's secret masked")

	srv.Inject(youshutest.Fault{Code: 1, Message: strings.Repeat("界", 400), Times: 1})
	_, err = c.GenToken(context.Background(), &youshu.GenTokenRequest{})
	var e *youshu.Error
	require.ErrorAs(t, err, &e)
	assert.LessOrEqual(t, len(e.Message), 520, "long messages are cut")
	assert.True(t, strings.HasSuffix(e.Message, "…"))

	srv.Inject(youshutest.Fault{HTTPStatus: 503, Times: 3})
	_, err = c.GenToken(context.Background(), &youshu.GenTokenRequest{})
	assert.Equal(t, `youshu genToken: HTTP 503: code 503: Service Unavailable`, err.Error())

	srv.Inject(youshutest.Fault{Endpoint: "genToken", Body: []byte("<html>"), ContentType: "text/html", Times: 1})
	_, err = c.GenToken(context.Background(), &youshu.GenTokenRequest{})
	assert.Equal(t, `youshu genToken: malformed response: HTTP 200: the answer is not the JSON envelope`, err.Error())

	// A token-like run the call did not send is masked too: a server may
	// echo another caller's secret.
	srv.Inject(youshutest.Fault{Code: 500, Message: "cache miss for 0123456789abcdefABCDEF_-xyz", Times: 1})
	_, err = c.GenToken(context.Background(), &youshu.GenTokenRequest{})
	assert.Equal(t, `youshu genToken: code 500: cache miss for ***`, err.Error())
}

// TestErrorTextScrubsEncodedSecrets: a server message that quotes the request
// body (Spring/Jackson parse errors do) carries the password JSON-escaped or
// URL-encoded; every form is masked (issue 9 item 8).
func TestErrorTextScrubsEncodedSecrets(t *testing.T) {
	t.Parallel()
	const password = `p<w>&"Ω/secret 1`
	srv := youshutest.NewTestServer(t, youshutest.WithAccount(youshutest.Account{Email: "e@x.io", UniqueID: "e", Password: password, Admin: true}))
	c := newClient(t, srv, youshu.WithCredential(youshu.Password("e@x.io", password)))
	quoted, _ := json.Marshal(password)
	var everyRune strings.Builder
	for _, r := range password {
		fmt.Fprintf(&everyRune, `\u%04X`, r)
	}
	for name, form := range map[string]string{
		"raw":             password,
		"json":            string(quoted[1 : len(quoted)-1]),
		"every rune \\u":  everyRune.String(),
		"url query":       url.QueryEscape(password),
		"url path":        url.PathEscape(password),
		"json of json":    strings.Trim(mustJSON(string(quoted[1:len(quoted)-1])), `"`),
		"mixed json, url": `p\u003cw%3E&"Ω/secret 1`,
	} {
		srv.Inject(youshutest.Fault{Code: 400, Message: `JSON parse error: {"password":"` + form + `"}`, Times: 1})
		_, err := c.GenToken(context.Background(), &youshu.GenTokenRequest{})
		var e *youshu.Error
		require.ErrorAs(t, err, &e, name)
		assert.Equal(t, `JSON parse error: {"password":"***"}`, e.Message, name)
	}
}

func mustJSON(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestErrorsNameVendorAndEndpoint: every failure after validation, of
// every endpoint, starts "youshu <endpoint>: ".
func TestErrorsNameVendorAndEndpoint(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	c := newClient(t, srv, youshu.WithRetries(0))
	ctx := context.Background()
	tok, err := c.GenToken(ctx, &youshu.GenTokenRequest{})
	require.NoError(t, err)
	for endpoint, call := range map[string]func() error{
		"genToken":   func() error { _, err := c.GenToken(ctx, &youshu.GenTokenRequest{}); return err },
		"rmToken":    func() error { return c.RemoveToken(ctx, tok.Value.Reveal()) },
		"renewToken": func() error { return c.RenewToken(ctx, tok.Value.Reveal()) },
	} {
		srv.ClearFaults()
		srv.Inject(youshutest.Fault{Endpoint: endpoint, HTTPStatus: 502})
		err := call()
		require.Error(t, err, endpoint)
		assert.True(t, strings.HasPrefix(err.Error(), "youshu "+endpoint+": "), err.Error())
		var e *youshu.Error
		require.ErrorAs(t, err, &e)
		assert.Equal(t, endpoint, e.Endpoint)
	}
}
