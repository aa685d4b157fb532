package tencent_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
)

// TestFaultMatrix drives every kind of broken answer the fake can inject
// through CreateEmbedToken and checks the exact sentinels, the HTTP status,
// the request count (a mint is retried only where the service cannot have
// acted on it: RequestLimitExceeded, InternalError, HTTP 503) and, where a
// body can hold a token, that the error text does not.
func TestFaultMatrix(t *testing.T) {
	t.Parallel()
	const retries = 2
	html := []byte("<html><body>502 Bad Gateway</body></html>")
	oversized := append([]byte(`{"Response":{"RequestId":"r","Data":{"BIToken":"`), bytes.Repeat([]byte("x"), 1<<20)...)
	oversized = append(oversized, `"}}}`...)
	cases := []struct {
		name   string
		fault  tencenttest.Fault
		status int
		want   []error
		count  int
	}{
		{name: "HTTP 500 HTML", fault: tencenttest.Fault{HTTPStatus: 500, Body: html, ContentType: "text/html"},
			status: 500, want: []error{tencent.ErrHTTPStatus, tencent.ErrServer}, count: 1},
		{name: "HTTP 502 plain", fault: tencenttest.Fault{HTTPStatus: 502},
			status: 502, want: []error{tencent.ErrHTTPStatus, tencent.ErrServer}, count: 1},
		{name: "HTTP 504 plain", fault: tencenttest.Fault{HTTPStatus: 504},
			status: 504, want: []error{tencent.ErrHTTPStatus, tencent.ErrServer}, count: 1},
		{name: "HTTP 503 JSON-labelled junk", fault: tencenttest.Fault{HTTPStatus: 503, Body: []byte("unavailable")},
			status: 503, want: []error{tencent.ErrHTTPStatus, tencent.ErrServer}, count: retries + 1},
		{name: "HTTP 500 with an error code", fault: tencenttest.Fault{HTTPStatus: 500, Code: "InternalError"},
			status: 500, want: []error{tencent.ErrHTTPStatus, tencent.ErrServer}, count: 1},
		{name: "HTTP 429", fault: tencenttest.Fault{HTTPStatus: 429},
			status: 429, want: []error{tencent.ErrHTTPStatus, tencent.ErrRateLimited}, count: retries + 1},
		{name: "HTTP 404 HTML", fault: tencenttest.Fault{HTTPStatus: 404, Body: html, ContentType: "text/html"},
			status: 404, want: []error{tencent.ErrHTTPStatus}, count: 1},
		{name: "connection closed mid-body", fault: tencenttest.Fault{CloseMidBody: true},
			status: 200, want: []error{tencent.ErrMalformedResponse}, count: 1},
		{name: "malformed JSON", fault: tencenttest.Fault{Body: []byte(`{"Response":{"Data":{"BIToken":"tok-secret`)},
			status: 200, want: []error{tencent.ErrMalformedResponse}, count: 1},
		{name: "JSON of the wrong shape", fault: tencenttest.Fault{Body: []byte(`{"Response":{"Data":{"ProjectId":"abc"}}}`)},
			status: 200, want: []error{tencent.ErrMalformedResponse}, count: 1},
		{name: "no Response object", fault: tencenttest.Fault{Body: []byte(`{}`)},
			status: 200, want: []error{tencent.ErrMalformedResponse}, count: 1},
		{name: "HTML with status 200", fault: tencenttest.Fault{Body: html, ContentType: "text/html; charset=utf-8"},
			status: 200, want: []error{tencent.ErrMalformedResponse}, count: 1},
		{name: "oversized body", fault: tencenttest.Fault{Body: oversized},
			status: 200, want: []error{tencent.ErrResponseTooLarge}, count: 1},
		{name: "wrong content type", fault: tencenttest.Fault{Body: []byte(`{"Response":{"RequestId":"r","Data":{"BIToken":"tok-secret"}}}`), ContentType: "image/png"},
			status: 200, want: []error{tencent.ErrMalformedResponse}, count: 1},
		{name: "empty Data", fault: tencenttest.Fault{Body: []byte(`{"Response":{"RequestId":"r","Data":null}}`)},
			status: 200, want: []error{tencent.ErrMalformedResponse}, count: 1},
		{name: "Data without a token", fault: tencenttest.Fault{Body: []byte(`{"Response":{"RequestId":"r","Data":{"Id":3}}}`)},
			status: 200, want: []error{tencent.ErrMalformedResponse}, count: 1},
		{name: "RequestLimitExceeded", fault: tencenttest.Fault{Code: "RequestLimitExceeded"},
			status: 200, want: []error{tencent.ErrRateLimited}, count: retries + 1},
		{name: "AuthFailure.SignatureExpire", fault: tencenttest.Fault{Code: "AuthFailure.SignatureExpire"},
			status: 200, want: []error{tencent.ErrUnauthorized}, count: 1},
		{name: "InternalError", fault: tencenttest.Fault{Code: "InternalError"},
			status: 200, want: []error{tencent.ErrServer}, count: retries + 1},
		{name: "FailedOperation", fault: tencenttest.Fault{Code: "FailedOperation.Something"},
			status: 200, want: []error{tencent.ErrFailedOperation}, count: 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			client, srv := setup(t, nil, tencent.WithRetries(retries))
			srv.Inject(c.fault)
			tok, err := client.CreateEmbedToken(context.Background(), tencent.NewPageRequest(1, 2))
			if tok != nil {
				t.Fatalf("got a token %v, want an error", tok)
			}
			e := asError(t, err)
			if e.HTTPStatus != c.status {
				t.Errorf("HTTPStatus = %d, want %d (%v)", e.HTTPStatus, c.status, err)
			}
			checkSentinels(t, err, c.want...)
			if n := srv.Count("CreateEmbedToken"); n != c.count {
				t.Errorf("count = %d, want %d", n, c.count)
			}
			if bytes.Contains([]byte(err.Error()), []byte("tok-secret")) || len(err.Error()) > 400 {
				t.Errorf("error text quotes the body: %.200s", err.Error())
			}
		})
	}
}
