package otelbiembed_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/biembed/biembed-go/biembed"
	otelbiembed "github.com/biembed/biembed-go/otel"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
	"github.com/biembed/biembed-go/youshu"
	"github.com/biembed/biembed-go/youshu/youshutest"
)

// The attributes a span may have, and no other: no header, no body.
var allowedKeys = map[attribute.Key]bool{
	"http.request.method": true, "server.address": true, "server.port": true,
	"url.full": true, "http.response.status_code": true, "error.type": true, "biembed.action": true,
}

func checkKeys(t *testing.T, attrs map[attribute.Key]attribute.Value) {
	t.Helper()
	for k := range attrs {
		if !allowedKeys[k] {
			t.Errorf("unexpected attribute %s", k)
		}
	}
}

// A mint that meets HTTP 503 is retried, against either fake: two
// attempts, two waits on the limiter, two client spans, children of the
// caller's span, the first failed with error.type 503.
func TestSpanPerAttemptWithRetry(t *testing.T) {
	for _, vendor := range []string{"tencent", "youshu"} {
		t.Run(vendor, func(t *testing.T) {
			t.Parallel()
			k := newKit(t)
			l, err := biembed.NewRateLimiter(1e6, 2)
			if err != nil {
				t.Fatal(err)
			}
			rt, limiter := otelbiembed.Transport(k.base, k.tp), otelbiembed.Limiter(l, k.mp)
			ctx, parent := k.tp.Tracer("test").Start(context.Background(), "embed")
			var base, name, action, path string
			var secrets []string
			if vendor == "tencent" {
				srv := tencenttest.NewTestServer(t)
				srv.Inject(tencenttest.Fault{Action: "CreateEmbedToken", HTTPStatus: http.StatusServiceUnavailable, Times: 1})
				client, err := tencent.NewClient(tencent.WithSecret(tencenttest.SecretID, tencenttest.SecretKey),
					tencent.WithEndpoint(srv.URL()), tencent.WithTransport(rt), tencent.WithRateLimiter(limiter),
					tencent.WithBackoff(time.Millisecond, time.Millisecond))
				if err != nil {
					t.Fatal(err)
				}
				tok, err := client.CreateEmbedToken(ctx, tencent.NewPageRequest(117, 11520))
				if err != nil {
					t.Fatal(err)
				}
				base, action, path = srv.URL(), "CreateEmbedToken", "/"
				secrets = []string{tok.Value.Reveal(), tencenttest.SecretID, tencenttest.SecretKey}
			} else {
				srv := youshutest.NewTestServer(t)
				srv.Inject(youshutest.Fault{Endpoint: "genToken", HTTPStatus: http.StatusServiceUnavailable, Times: 1})
				client, err := youshu.NewClient(srv.URL(), youshu.WithInsecureHTTP(), youshu.WithCredential(youshutest.AdminCredential()),
					youshu.WithTransport(rt), youshu.WithRateLimiter(limiter), youshu.WithBackoff(time.Millisecond, time.Millisecond))
				if err != nil {
					t.Fatal(err)
				}
				tok, err := client.GenToken(ctx, &youshu.GenTokenRequest{Expiry: time.Hour})
				if err != nil {
					t.Fatal(err)
				}
				base, action, path = srv.URL(), "genToken", "/api/dash/util/genToken"
				secrets = append(youshutest.Secrets(), tok.Value.Reveal())
			}
			parent.End()
			name = "POST " + action

			spans := k.spans.GetSpans()
			if len(spans) != 3 { // two attempts and the parent
				t.Fatalf("got %d spans, want 3: %v", len(spans), spans)
			}
			u, _ := url.Parse(base)
			port, _ := strconv.Atoi(u.Port())
			for i, s := range spans[:2] {
				a := spanAttrs(s)
				checkKeys(t, a)
				if s.Name != name || s.SpanKind != trace.SpanKindClient {
					t.Errorf("span %d: %q kind %v", i, s.Name, s.SpanKind)
				}
				if s.Parent.SpanID() != parent.SpanContext().SpanID() {
					t.Errorf("span %d is not a child of the caller's span", i)
				}
				if a["http.request.method"].AsString() != "POST" || a["server.address"].AsString() != "127.0.0.1" ||
					a["server.port"].AsInt64() != int64(port) || a["url.full"].AsString() != base+path ||
					a["biembed.action"].AsString() != action {
					t.Errorf("span %d attributes: %v", i, s.Attributes)
				}
			}
			first, second := spanAttrs(spans[0]), spanAttrs(spans[1])
			if first["http.response.status_code"].AsInt64() != 503 || first["error.type"].AsString() != "503" ||
				spans[0].Status.Code != codes.Error || spans[0].Status.Description != "503" {
				t.Errorf("first attempt: %v, status %v", spans[0].Attributes, spans[0].Status)
			}
			if _, failed := second["error.type"]; failed || second["http.response.status_code"].AsInt64() != 200 ||
				spans[1].Status.Code != codes.Unset {
				t.Errorf("second attempt: %v, status %v", spans[1].Attributes, spans[1].Status)
			}
			noSecretIn(t, spans, secrets)

			points := histogram(t, k.collect(t))
			if len(points) != 1 || points[0].Count != 2 || !has(points[0].Attributes, attribute.String("biembed.action", action)) {
				t.Errorf("wait points %+v, want one of two waits for %s", points, action)
			}
		})
	}
}

// Youshu sends tokens in the query (rmToken and renewToken: token= the
// helper token, t= the token): url.full keeps the keys, never the values.
func TestYoushuURLFullHoldsNoToken(t *testing.T) {
	k := newKit(t)
	srv := youshutest.NewTestServer(t)
	client, err := youshu.NewClient(srv.URL(), youshu.WithInsecureHTTP(),
		youshu.WithCredential(youshu.TokenKey(youshutest.Admin().TokenKey)),
		youshu.WithTransport(otelbiembed.Transport(k.base, k.tp)))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	kept, err := client.GenToken(ctx, &youshu.GenTokenRequest{Expiry: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	removed, err := client.GenToken(ctx, &youshu.GenTokenRequest{Expiry: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if err := client.RenewToken(ctx, kept.Value.Reveal()); err != nil {
		t.Fatal(err)
	}
	if err := client.RemoveToken(ctx, removed.Value.Reveal()); err != nil {
		t.Fatal(err)
	}

	// Every value the client sent in a query, and every secret it holds.
	secrets := append(youshutest.Secrets(), kept.Value.Reveal(), removed.Value.Reveal())
	helpers := 0
	for _, r := range srv.Requests() {
		for _, vs := range r.Query {
			secrets = append(secrets, vs...)
		}
		if r.Endpoint == "rmToken" || r.Endpoint == "renewToken" {
			helpers++
			if r.Query.Get("token") == "" || r.Query.Get("t") == "" {
				t.Fatalf("%s sent no token in its query: the test proves nothing", r.Endpoint)
			}
		}
	}
	if helpers != 2 {
		t.Fatalf("%d helper calls, want 2", helpers)
	}
	spans := k.spans.GetSpans()
	noSecretIn(t, spans, secrets)

	var got []string
	for _, s := range spans {
		a := spanAttrs(s)
		checkKeys(t, a)
		got = append(got, s.Name+" "+strings.TrimPrefix(a["url.full"].AsString(), srv.URL()))
		if a["biembed.action"].AsString() != s.Name[strings.IndexByte(s.Name, ' ')+1:] {
			t.Errorf("%s: biembed.action %v", s.Name, a["biembed.action"])
		}
	}
	want := []string{
		"POST genToken /api/dash/util/genToken",
		"POST genToken /api/dash/util/genToken",
		"POST genToken /api/dash/util/genToken", // the updateToken helper
		"GET renewToken /api/dash/util/renewToken?t=REDACTED&token=REDACTED",
		"POST genToken /api/dash/util/genToken", // the deleteToken helper
		"GET rmToken /api/dash/util/rmToken?t=REDACTED&token=REDACTED",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("spans:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// url.full is scrubbed of user info, query values and fragment; default
// ports are filled in; an action that is not an identifier is left out; no
// header is recorded.
func TestTransportAttributes(t *testing.T) {
	ok := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 404, ProtoMajor: 1, ProtoMinor: 1, Body: io.NopCloser(strings.NewReader("{}")), Request: r}, nil
	})
	for _, c := range []struct {
		method, url, name string
		want              map[attribute.Key]any
	}{
		{"GET", "https://alice:s3cret@bi.example.com/youshu/api/dash/util/rmToken?token=HELPER&t=TOKEN&t=TOKEN2#frag", "GET rmToken",
			map[attribute.Key]any{"url.full": "https://REDACTED:REDACTED@bi.example.com/youshu/api/dash/util/rmToken?t=REDACTED&token=REDACTED",
				"server.address": "bi.example.com", "server.port": int64(443), "biembed.action": "rmToken", "http.request.method": "GET"}},
		{"POST", "http://bi.example.com/api/dash/util/genToken", "POST genToken",
			map[attribute.Key]any{"url.full": "http://bi.example.com/api/dash/util/genToken", "server.port": int64(80)}},
		{"", "http://[::1]:8080/?", "GET",
			map[attribute.Key]any{"url.full": "http://[::1]:8080/", "server.address": "::1", "server.port": int64(8080), "http.request.method": "GET"}},
		{"POST", "https://bi.example.com/api/dash/util/a%20b", "POST",
			map[attribute.Key]any{"http.request.method": "POST", "biembed.action": nil}},
	} {
		k := newKit(t)
		req, err := http.NewRequest(c.method, c.url, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer HEADER-SECRET")
		resp, err := otelbiembed.Transport(ok, k.tp).RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		spans := k.spans.GetSpans()
		if len(spans) != 1 {
			t.Fatalf("%s %s: %d spans", c.method, c.url, len(spans))
		}
		s, a := spans[0], spanAttrs(spans[0])
		checkKeys(t, a)
		if s.Name != c.name {
			t.Errorf("%s %s: name %q, want %q", c.method, c.url, s.Name, c.name)
		}
		for key, v := range c.want {
			if a[key].AsInterface() != v {
				t.Errorf("%s %s: %s = %v, want %v", c.method, c.url, key, a[key].AsInterface(), v)
			}
		}
		if a["http.response.status_code"].AsInt64() != 404 || a["error.type"].AsString() != "404" || s.Status.Code != codes.Error {
			t.Errorf("%s %s: a 404 is a failure: %v %v", c.method, c.url, s.Attributes, s.Status)
		}
		noSecretIn(t, spans, []string{"alice", "s3cret", "HELPER", "TOKEN", "frag", "HEADER-SECRET", "Bearer"})
	}
}

// A failed round trip ends its span with error.type and no message; a
// span ends as the response headers arrive, before the body is read.
func TestTransportFailures(t *testing.T) {
	secretErr := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("refused SECRET-IN-MESSAGE")}
	for _, c := range []struct {
		name    string
		rt      roundTripFunc
		errType string
	}{
		{"dial", func(*http.Request) (*http.Response, error) { return nil, secretErr }, "*net.OpError"},
		{"deadline", func(*http.Request) (*http.Response, error) { return nil, context.DeadlineExceeded }, "timeout"},
		{"canceled", func(*http.Request) (*http.Response, error) {
			return nil, fmt.Errorf("%w: SECRET-IN-MESSAGE", context.Canceled)
		}, "canceled"},
		{"ok", func(r *http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("{}"))}, nil
		}, ""},
	} {
		k := newKit(t)
		req, _ := http.NewRequest("POST", "https://bi.tencentcloudapi.com/", nil)
		req.Header.Set("X-TC-Action", "ClearEmbedToken")
		resp, err := otelbiembed.Transport(c.rt, k.tp).RoundTrip(req)
		if (err == nil) != (c.errType == "") {
			t.Fatalf("%s: the round trip's error is not passed on: %v", c.name, err)
		}
		spans := k.spans.GetSpans()
		if len(spans) != 1 {
			t.Fatalf("%s: %d spans ended with the round trip, want 1", c.name, len(spans))
		}
		if resp != nil {
			_ = resp.Body.Close()
		}
		s, a := spans[0], spanAttrs(spans[0])
		if s.Name != "POST ClearEmbedToken" || a["error.type"].AsString() != c.errType {
			t.Errorf("%s: %q error.type %q, want %q", c.name, s.Name, a["error.type"].AsString(), c.errType)
		}
		if wantCode := map[bool]codes.Code{true: codes.Unset, false: codes.Error}[c.errType == ""]; s.Status.Code != wantCode {
			t.Errorf("%s: status %v", c.name, s.Status)
		}
		noSecretIn(t, spans, []string{"SECRET-IN-MESSAGE"})
		if len(s.Events) != 0 {
			t.Errorf("%s: events %v: an exception event would carry the message", c.name, s.Events)
		}
	}
}

// A nil base is a transport of its own, a nil provider the global one: a
// mint goes through both.
func TestTransportDefaults(t *testing.T) {
	srv := tencenttest.NewTestServer(t)
	client, err := tencent.NewClient(tencent.WithSecret(tencenttest.SecretID, tencenttest.SecretKey),
		tencent.WithEndpoint(srv.URL()), tencent.WithTransport(otelbiembed.Transport(nil, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.CreateEmbedToken(context.Background(), tencent.NewPageRequest(1, 2)); err != nil {
		t.Fatal(err)
	}
}
