package tencent_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
)

// TestFaultMatrix drives every kind of broken answer through the client and
// checks the exact error, the request count (only RequestLimitExceeded is
// retried) and, where a body can hold a token, that the error text does not.
func TestFaultMatrix(t *testing.T) {
	t.Parallel()
	const retries = 2
	html := []byte("<html><body>502 Bad Gateway</body></html>")
	oversized := append([]byte(`{"Response":{"RequestId":"r","Data":{"BIToken":"`), bytes.Repeat([]byte("x"), tencent.MaxResponseBytes)...)
	oversized = append(oversized, `"}}}`...)
	cases := []struct {
		name   string
		fault  tencenttest.Fault
		ctxTTL time.Duration // 0: no deadline
		code   string
		status int
		want   []error
		cause  error // reachable through errors.Is, when set
		count  int
	}{
		{name: "HTTP 500 HTML", fault: tencenttest.Fault{HTTPStatus: 500, Body: html, ContentType: "text/html"},
			code: tencent.CodeHTTPStatus, status: 500, want: []error{tencent.ErrHTTPStatus}, count: 1},
		{name: "HTTP 502 plain", fault: tencenttest.Fault{HTTPStatus: 502},
			code: tencent.CodeHTTPStatus, status: 502, want: []error{tencent.ErrHTTPStatus}, count: 1},
		{name: "HTTP 503 JSON-labelled junk", fault: tencenttest.Fault{HTTPStatus: 503, Body: []byte("unavailable")},
			code: tencent.CodeHTTPStatus, status: 503, want: []error{tencent.ErrHTTPStatus}, count: 1},
		{name: "HTTP 500 with an error code", fault: tencenttest.Fault{HTTPStatus: 500, Code: tencent.CodeInternalError},
			code: tencent.CodeInternalError, status: 500, want: []error{tencent.ErrHTTPStatus, tencent.ErrInternal}, count: 1},
		{name: "connection closed mid-body", fault: tencenttest.Fault{CloseMidBody: true},
			code: tencent.CodeMalformedResponse, status: 200, want: []error{tencent.ErrMalformedResponse},
			cause: io.ErrUnexpectedEOF, count: 1},
		{name: "slower than the deadline", fault: tencenttest.Fault{Delay: time.Hour}, ctxTTL: 300 * time.Millisecond,
			code: tencent.CodeNetworkError, cause: context.DeadlineExceeded, count: 1},
		{name: "malformed JSON", fault: tencenttest.Fault{Body: []byte(`{"Response":{"Data":{"BIToken":"tok-secret`)},
			code: tencent.CodeMalformedResponse, status: 200, want: []error{tencent.ErrMalformedResponse}, count: 1},
		{name: "JSON of the wrong shape", fault: tencenttest.Fault{Body: []byte(`{"Response":{"Data":{"ProjectId":"abc"}}}`)},
			code: tencent.CodeMalformedResponse, status: 200, want: []error{tencent.ErrMalformedResponse}, count: 1},
		{name: "no Response object", fault: tencenttest.Fault{Body: []byte(`{}`)},
			code: tencent.CodeMalformedResponse, status: 200, want: []error{tencent.ErrMalformedResponse}, count: 1},
		{name: "HTML with status 200", fault: tencenttest.Fault{Body: html, ContentType: "text/html; charset=utf-8"},
			code: tencent.CodeMalformedResponse, status: 200, want: []error{tencent.ErrMalformedResponse}, count: 1},
		{name: "oversized body", fault: tencenttest.Fault{Body: oversized},
			code: tencent.CodeResponseTooLarge, status: 200, want: []error{tencent.ErrResponseTooLarge}, count: 1},
		{name: "wrong content type", fault: tencenttest.Fault{Body: []byte(`{"Response":{"RequestId":"r","Data":{"BIToken":"tok-secret"}}}`), ContentType: "text/plain"},
			code: tencent.CodeMalformedResponse, status: 200, want: []error{tencent.ErrMalformedResponse}, count: 1},
		{name: "empty Data", fault: tencenttest.Fault{Body: []byte(`{"Response":{"RequestId":"r","Data":null}}`)},
			code: tencent.CodeEmptyResponse, status: 200, want: []error{tencent.ErrEmptyResponse}, count: 1},
		{name: "Data without a token", fault: tencenttest.Fault{Body: []byte(`{"Response":{"RequestId":"r","Data":{"Id":3}}}`)},
			code: tencent.CodeEmptyResponse, status: 200, want: []error{tencent.ErrEmptyResponse}, count: 1},
		{name: "RequestLimitExceeded", fault: tencenttest.Fault{Code: tencent.CodeRequestLimitExceeded},
			code: tencent.CodeRequestLimitExceeded, status: 200, want: []error{tencent.ErrRateLimited}, count: retries + 1},
		{name: "AuthFailure.SignatureExpire", fault: tencenttest.Fault{Code: tencent.CodeSignatureExpire},
			code: tencent.CodeSignatureExpire, status: 200, want: []error{tencent.ErrAuthFailure, tencent.ErrSignatureExpired}, count: 1},
		{name: "InternalError", fault: tencenttest.Fault{Code: tencent.CodeInternalError},
			code: tencent.CodeInternalError, status: 200, want: []error{tencent.ErrInternal}, count: 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			client, srv := setup(t, nil, tencent.WithMaxRetries(retries))
			srv.Inject(c.fault)
			ctx := context.Background()
			if c.ctxTTL > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, c.ctxTTL)
				defer cancel()
			}
			tok, err := client.CreateEmbedToken(ctx, tencent.NewPageRequest(1, 2))
			if tok != nil {
				t.Fatalf("got a token %v, want an error", tok)
			}
			e := asError(t, err)
			if e.Code != c.code || e.HTTPStatus != c.status {
				t.Errorf("Code, HTTPStatus = %q, %d; want %q, %d (%v)", e.Code, e.HTTPStatus, c.code, c.status, err)
			}
			checkSentinels(t, err, c.want...)
			if c.cause != nil && !errors.Is(err, c.cause) {
				t.Errorf("errors.Is(%v, %v) = false", err, c.cause)
			}
			if n := srv.Count(tencent.ActionCreateEmbedToken); n != c.count {
				t.Errorf("count = %d, want %d", n, c.count)
			}
			if bytes.Contains([]byte(err.Error()), []byte("tok-secret")) || len(err.Error()) > 400 {
				t.Errorf("error text quotes the body: %.200s", err.Error())
			}
		})
	}
}
