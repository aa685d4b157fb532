package youshu_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/youshu"
	"github.com/biembed/biembed-go/youshu/youshutest"
)

var sentinels = map[string]error{
	"ErrUnauthorized":      youshu.ErrUnauthorized,
	"ErrReportDataFilters": youshu.ErrReportDataFilters,
	"ErrHTTPStatus":        youshu.ErrHTTPStatus,
	"ErrServer":            youshu.ErrServer,
	"ErrMalformedResponse": youshu.ErrMalformedResponse,
	"ErrEmptyResult":       youshu.ErrEmptyResult,
	"ErrResponseTooLarge":  youshu.ErrResponseTooLarge,
}

// TestFaultMatrix runs every fault against genToken (POST) and rmToken (GET):
// the exact sentinels, the *Error fields, and how many requests were sent
// (retries only for the GET, and only for transient failures).
func TestFaultMatrix(t *testing.T) {
	t.Parallel()
	html := []byte("<!doctype html><html><body>Please log in: secret-portal</body></html>")
	oversized := append([]byte(`{"code":200,"result":"`), bytes.Repeat([]byte("a"), 2<<20)...)
	oversized = append(oversized, `"}`...)
	tests := []struct {
		name     string
		fault    youshutest.Fault
		want     []string // sentinels that must match; every other one must not
		cause    error    // must match through Unwrap, when set
		status   int      // Error.HTTPStatus
		code     int      // Error.Code
		message  string   // Error.Message
		postSent int      // genToken requests
		getSent  int      // rmToken requests
		deadline bool     // the call gets a short deadline
		ok       bool     // the call succeeds
	}{
		{name: "HTTP 500", fault: youshutest.Fault{HTTPStatus: 500}, want: []string{"ErrHTTPStatus", "ErrServer"},
			status: 500, code: 500, message: "Internal Server Error", postSent: 1, getSent: 3},
		{name: "HTTP 502", fault: youshutest.Fault{HTTPStatus: 502, Body: []byte("bad gateway"), ContentType: "text/plain"},
			want: []string{"ErrHTTPStatus", "ErrServer"}, status: 502, postSent: 1, getSent: 3},
		{name: "HTTP 503", fault: youshutest.Fault{HTTPStatus: 503}, want: []string{"ErrHTTPStatus", "ErrServer"},
			status: 503, code: 503, message: "Service Unavailable", postSent: 1, getSent: 3},
		{name: "HTTP 401", fault: youshutest.Fault{HTTPStatus: 401, Body: []byte("nope")}, want: []string{"ErrHTTPStatus", "ErrUnauthorized"},
			status: 401, postSent: 1, getSent: 1},
		{name: "closed mid-body", fault: youshutest.Fault{CloseMidBody: true}, cause: io.ErrUnexpectedEOF, want: []string{"ErrMalformedResponse"},
			status: 200, postSent: 1, getSent: 3},
		{name: "slower than the deadline", fault: youshutest.Fault{Delay: time.Hour}, cause: context.DeadlineExceeded,
			deadline: true, postSent: 1, getSent: 1},
		{name: "malformed JSON", fault: youshutest.Fault{Body: []byte(`{"code":200,"result":`)}, want: []string{"ErrMalformedResponse"},
			status: 200, postSent: 1, getSent: 1},
		{name: "HTML login page", fault: youshutest.Fault{Body: html, ContentType: "text/html"}, want: []string{"ErrMalformedResponse"},
			status: 200, postSent: 1, getSent: 1},
		{name: "JSON without code", fault: youshutest.Fault{Body: []byte(`{"result":"x"}`)}, want: []string{"ErrMalformedResponse"},
			status: 200, postSent: 1, getSent: 1},
		{name: "oversized body", fault: youshutest.Fault{Body: oversized}, want: []string{"ErrResponseTooLarge"},
			status: 200, postSent: 1, getSent: 1},
		{name: "wrong content type is accepted", fault: youshutest.Fault{ContentType: "text/plain"}, ok: true, postSent: 1, getSent: 1},
		{name: "code 743", fault: youshutest.Fault{Code: 743, Message: "reportDataFilters 中对应的模型不存在 dataModelId = 1"},
			want: []string{"ErrReportDataFilters"}, status: 200, code: 743, message: "reportDataFilters 中对应的模型不存在 dataModelId = 1", postSent: 1, getSent: 1},
		{name: "code 401", fault: youshutest.Fault{Code: 401, Message: "bad password"}, want: []string{"ErrUnauthorized"},
			status: 200, code: 401, message: "bad password", postSent: 1, getSent: 1},
		{name: "code 403", fault: youshutest.Fault{Code: 403, Message: "not admin"}, want: []string{"ErrUnauthorized"},
			status: 200, code: 403, message: "not admin", postSent: 1, getSent: 1},
		{name: "code 500 under HTTP 200", fault: youshutest.Fault{Code: 500, Message: "oops"}, want: []string{"ErrServer"},
			status: 200, code: 500, message: "oops", postSent: 1, getSent: 1},
		{name: "other code with msg", fault: youshutest.Fault{Code: 1001, Message: "quota exceeded", UseMsgKey: true},
			status: 200, code: 1001, message: "quota exceeded", postSent: 1, getSent: 1},
		{name: "empty result", fault: youshutest.Fault{EmptyResult: true}, want: []string{"ErrEmptyResult"},
			status: 200, postSent: 1, getSent: 1},
		{name: "result null", fault: youshutest.Fault{Body: []byte(`{"code":200,"result":null}`)}, want: []string{"ErrEmptyResult"},
			status: 200, postSent: 1, getSent: 1},
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
				helper, err := c.NewHelperToken(ctx, youshu.UseDeleteToken)
				require.NoError(t, err)
				srv.ResetRequests()

				endpoint, sent := youshu.EndpointGenToken, tc.postSent
				if method == http.MethodGet {
					endpoint, sent = youshu.EndpointRmToken, tc.getSent
				}
				fault := tc.fault
				fault.Endpoint = endpoint
				srv.Inject(fault)
				if tc.deadline {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, 50*time.Millisecond)
					defer cancel()
				}
				if method == http.MethodPost {
					_, err = c.GenToken(ctx, &youshu.GenTokenRequest{})
				} else {
					err = c.RemoveTokenWith(ctx, helper.Value.Reveal(), victim.Value.Reveal())
				}
				assert.Equal(t, sent, srv.Count(endpoint), "requests sent")
				if tc.ok {
					require.NoError(t, err)
					return
				}
				checkError(t, err, endpoint, tc.want)
				if tc.cause != nil {
					assert.ErrorIs(t, err, tc.cause)
				}
				var e *youshu.Error
				require.ErrorAs(t, err, &e)
				assert.Equal(t, tc.status, e.HTTPStatus, "HTTPStatus")
				assert.Equal(t, tc.code, e.Code, "Code")
				assert.Equal(t, tc.message, e.Message, "Message")
				assert.NotContains(t, err.Error(), "secret-portal", "no body dump")
				assert.NotContains(t, err.Error(), victim.Value.Reveal())
				assert.NotContains(t, err.Error(), helper.Value.Reveal())
			})
		}
	}
}

// checkError asserts err is an *Error for endpoint matching exactly the
// sentinels named in want.
func checkError(t *testing.T, err error, endpoint string, want []string) {
	t.Helper()
	var e *youshu.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, endpoint, e.Endpoint)
	for name, sentinel := range sentinels {
		wanted := false
		for _, w := range want {
			wanted = wanted || w == name
		}
		assert.Equal(t, wanted, errors.Is(err, sentinel), "errors.Is(err, %s) for %v", name, err)
	}
	assert.False(t, errors.Is(err, youshu.ErrInvalid))
	assert.True(t, strings.HasPrefix(err.Error(), "youshu "+endpoint+": "), err.Error())
	assert.Equal(t, "&youshu.Error{"+`"`+strings.ReplaceAll(err.Error(), `"`, `\"`)+`"}`, fmt.Sprintf("%#v", e))
}

func TestErrorText(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	c := newClient(t, srv)
	srv.Inject(youshutest.Fault{Code: 743, Message: "line one\nline two " + youshutest.AdminPassword, Times: 1})
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
