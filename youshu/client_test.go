package youshu_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/internal/testkit/hostiletest"
	"github.com/biembed/biembed-go/tokencache"
	"github.com/biembed/biembed-go/youshu"
	"github.com/biembed/biembed-go/youshu/youshutest"
)

// TestNewClientBaseURL: the base URL is kept without its trailing slash
// (a path prefix included); anything but an absolute https URL (http with
// WithInsecureHTTP) of a host, without user info, query or fragment, is a
// *biembed.ValidationError naming baseURL.
func TestNewClientBaseURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url      string
		insecure bool
		ok       bool
		want     string
	}{
		{"https://bi.example.com", false, true, "https://bi.example.com"},
		{"https://bi.example.com/youshu/", false, true, "https://bi.example.com/youshu"},
		{"https://bi.example.com:8443", false, true, "https://bi.example.com:8443"},
		{"http://bi.example.com", false, false, ""},
		{"http://127.0.0.1:8080", true, true, "http://127.0.0.1:8080"},
		{"ftp://bi.example.com", true, false, ""},
		{"https://user:pw@bi.example.com", false, false, ""},
		{"https://bi.example.com?x=1", false, false, ""},
		{"https://bi.example.com?", false, false, ""},
		{"https://bi.example.com#frag", false, false, ""},
		{"https:///path", false, false, ""},
		{"bi.example.com", false, false, ""},
		{"bi.example.com:8443", false, false, ""},
		{"//bi.example.com", false, false, ""},
		{"", false, false, ""},
		{"https://bi.example.com/%zz", false, false, ""},
	}
	for _, tc := range tests {
		var opts []youshu.Option
		if tc.insecure {
			opts = append(opts, youshu.WithInsecureHTTP())
		}
		c, err := youshu.NewClient(tc.url, append(opts, youshu.WithCredential(youshu.TokenKey("k")))...)
		if !tc.ok {
			var ve *biembed.ValidationError
			if assert.ErrorAs(t, err, &ve, tc.url) {
				assert.Equal(t, "baseURL", ve.Field, tc.url)
			}
			assert.Nil(t, c, tc.url)
			continue
		}
		require.NoError(t, err, tc.url)
		assert.Equal(t, "youshu.Client{"+tc.want+`, credential: tokenKey ""}`, fmt.Sprint(c), tc.url)
	}
}

// TestBaseURLWithoutSchemeHasItsOwnError: a host without a scheme, the
// commonest slip, is told so, not "must use https" (which would send the
// caller to add https:// to a URL that already seems to have none).
func TestBaseURLWithoutSchemeHasItsOwnError(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{"bi.example.com", "bi.example.com:8443", "bi.corp.test", "bi.corp.test:8443", "localhost:8080", "bi.corp.test/youshu", "//bi.corp.test"} {
		for _, insecure := range []bool{false, true} {
			opts := []youshu.Option{}
			if insecure {
				opts = append(opts, youshu.WithInsecureHTTP())
			}
			_, err := youshu.NewClient(raw, opts...)
			var ve *biembed.ValidationError
			require.ErrorAs(t, err, &ve, raw)
			assert.Equal(t, "baseURL", ve.Field, raw)
			assert.Contains(t, ve.Rule, "absolute URL with a scheme", raw)
			assert.NotContains(t, ve.Rule, "must use https", raw)
			assert.NotContains(t, err.Error(), "corp.test", "the error names the rule, not the value")
		}
	}
	_, err := youshu.NewClient("http://bi.example.com")
	var ve *biembed.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Contains(t, ve.Rule, "must use https", "a scheme that is not https still says so")
}

func TestNewClientOptionValidation(t *testing.T) {
	t.Parallel()
	for name, opt := range map[string]youshu.Option{
		"nil option":        nil,
		"zero credential":   youshu.WithCredential(youshu.Credential{}),
		"bad credential":    youshu.WithCredential(youshu.Password("a", "")),
		"nil transport":     youshu.WithTransport(nil),
		"zero timeout":      youshu.WithTimeout(0),
		"negative retries":  youshu.WithRetries(-1),
		"too many retries":  youshu.WithRetries(11),
		"zero backoff":      youshu.WithBackoff(0, time.Second),
		"max below base":    youshu.WithBackoff(time.Second, time.Millisecond),
		"nil logger":        youshu.WithLogger(nil),
		"nil rate limiter":  youshu.WithRateLimiter(nil),
		"nil clock":         youshu.WithClock(nil),
		"nil clock, second": youshu.WithClock((func() time.Time)(nil)),
	} {
		c, err := youshu.NewClient("https://bi.example.com", opt)
		assert.ErrorIs(t, err, biembed.ErrInvalid, name)
		assert.Nil(t, c, name)
	}
	for name, opt := range map[string]youshu.Option{
		"no retries":   youshu.WithRetries(0),
		"ten retries":  youshu.WithRetries(10),
		"equal bounds": youshu.WithBackoff(time.Second, time.Second),
		"insecure":     youshu.WithInsecureHTTP(),
	} {
		_, err := youshu.NewClient("https://bi.example.com", opt)
		assert.NoError(t, err, name)
	}
}

// TestHTTPSEndToEnd: over https with the fake's certificate trusted through
// WithTransport, genToken, rmToken (and its helper) work; a client that
// does not trust the certificate reaches no handler.
func TestHTTPSEndToEnd(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t, youshutest.WithTLS())
	c, err := youshu.NewClient(srv.URL(), youshu.WithTransport(srv.HTTPClient().Transport), youshu.WithCredential(youshutest.AdminCredential()))
	require.NoError(t, err)
	tok, err := c.GenToken(context.Background(), &youshu.GenTokenRequest{})
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(tok.BaseURL, "https://"))
	require.NoError(t, c.RemoveToken(context.Background(), tok.Value.Reveal()))

	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	untrusting, err := youshu.NewClient(srv.URL(), youshu.WithCredential(youshutest.AdminCredential()), youshu.WithTransport(tr))
	require.NoError(t, err)
	_, err = untrusting.GenToken(context.Background(), &youshu.GenTokenRequest{})
	assert.Error(t, err, "the test certificate is not trusted by default")
	assert.Equal(t, 2, srv.Count("genToken"), "token and helper; the untrusting client got nowhere")
	assert.Equal(t, 1, srv.Count("rmToken"))
}

// TestRedirectsAreNotFollowed: a redirect to the real host (the fake) is an
// ErrHTTPStatus, for genToken (the password in the body) and rmToken (the
// helper token and t in the query), and the fake gets nothing.
func TestRedirectsAreNotFollowed(t *testing.T) {
	t.Parallel()
	target := youshutest.NewTestServer(t)
	for _, status := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		redirector := hostiletest.New(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, target.URL()+r.URL.RequestURI(), status)
		}))
		c, err := youshu.NewClient(redirector.URL, youshu.WithInsecureHTTP(), youshu.WithCredential(youshutest.AdminCredential()))
		require.NoError(t, err)
		_, err = c.GenToken(context.Background(), &youshu.GenTokenRequest{})
		checkSentinels(t, err, "genToken", "ErrHTTPStatus")
		var e *youshu.Error
		require.ErrorAs(t, err, &e)
		assert.Equal(t, status, e.HTTPStatus)
		assert.Equal(t, 1, redirector.Hits(), "%d: a redirect is not retried", status)
	}
	// rmToken: the helper comes from a host that answers, the rmToken
	// answer is a redirect to the fake.
	helperHost := hostiletest.New(t, helperThen(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL()+r.URL.RequestURI(), http.StatusTemporaryRedirect)
	}))
	c, err := youshu.NewClient(helperHost.URL, youshu.WithInsecureHTTP(), youshu.WithCredential(youshutest.AdminCredential()), youshu.WithRetries(0))
	require.NoError(t, err)
	checkSentinels(t, c.RemoveToken(context.Background(), hostileTarget), "rmToken", "ErrHTTPStatus")
	assert.Zero(t, target.Count(""), "neither the password nor a token followed a redirect")
}

// TestRequestHeadersAndPathPrefix: requests go under the base URL's path
// prefix, with the SDK's User-Agent and JSON headers, and the genToken body
// is the request's JSON with the credential in front.
func TestRequestHeadersAndPathPrefix(t *testing.T) {
	t.Parallel()
	var got *http.Request
	var body []byte
	prefixed := hostiletest.New(t, http.StripPrefix("/bi", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Clone(context.Background())
		body, _ = io.ReadAll(r.Body)
		hostiletest.JSON(200, youshuOK)(w, r)
	})))
	c, err := youshu.NewClient(prefixed.URL+"/bi/", youshu.WithInsecureHTTP(), youshu.WithCredential(youshu.TokenKey(youshutest.Admin().TokenKey)))
	require.NoError(t, err)
	tok, err := c.GenToken(context.Background(), &youshu.GenTokenRequest{AuthUniqueID: "user", Expiry: time.Hour})
	require.NoError(t, err)
	require.NotNil(t, got)
	assert.Equal(t, http.MethodPost, got.Method)
	assert.Equal(t, "/api/dash/util/genToken", got.URL.Path)
	assert.Equal(t, "biembed-go/youshu", got.UserAgent())
	assert.Equal(t, "application/json", got.Header.Get("Content-Type"))
	assert.Equal(t, "application/json", got.Header.Get("Accept"))
	assert.Equal(t, `{"authUniqueId":"user","expiryTime":3600,"tokenType":"tokenKey","key":"`+youshutest.Admin().TokenKey+`"}`, string(body))
	assert.Equal(t, prefixed.URL+"/bi", tok.BaseURL)
}

// TestBodyLimitIsExact: an answer of exactly 1 MiB is read; one byte more
// is ErrResponseTooLarge, whether the server declares the length or
// streams it.
func TestBodyLimitIsExact(t *testing.T) {
	t.Parallel()
	const limit = 1 << 20
	answer := func(size int) []byte {
		head, tail := `{"code":200,"result":"tok","pad":"`, `"}`
		return []byte(head + strings.Repeat("x", size-len(head)-len(tail)) + tail)
	}
	for name, write := range map[string]func(w http.ResponseWriter, b []byte){
		"content-length": func(w http.ResponseWriter, b []byte) {
			w.Header().Set("Content-Length", strconv.Itoa(len(b)))
			_, _ = w.Write(b)
		},
		"chunked": func(w http.ResponseWriter, b []byte) {
			_, _ = w.Write(b[:10])
			w.(http.Flusher).Flush()
			_, _ = w.Write(b[10:])
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			for _, size := range []int{limit - 1, limit, limit + 1, 2 * limit} {
				srv := hostiletest.New(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
					w.Header().Set("Content-Type", "application/json")
					write(w, answer(size))
				}))
				c, err := youshu.NewClient(srv.URL, youshu.WithInsecureHTTP(), youshu.WithCredential(youshu.TokenKey("k")))
				require.NoError(t, err)
				tok, err := c.GenToken(context.Background(), &youshu.GenTokenRequest{})
				if size > limit {
					checkSentinels(t, err, "genToken", "ErrResponseTooLarge")
					continue
				}
				require.NoError(t, err, "size %d", size)
				assert.Equal(t, "tok", tok.Value.Reveal())
			}
		})
	}
}

// TestGzipTheTransportAskedForIsRead: Go's transport asks for gzip itself
// and undoes it; such an answer is read (a Content-Encoding Go did not
// undo is refused: see TestHostileServer's encoding rows).
func TestGzipTheTransportAskedForIsRead(t *testing.T) {
	t.Parallel()
	var zipped bytes.Buffer
	zw := gzip.NewWriter(&zipped)
	_, _ = zw.Write([]byte(`{"code":200,"result":"zipped-token"}`))
	require.NoError(t, zw.Close())
	var asked string
	srv := hostiletest.New(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked = r.Header.Get("Accept-Encoding")
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write(zipped.Bytes())
	}))
	c, err := youshu.NewClient(srv.URL, youshu.WithInsecureHTTP(), youshu.WithCredential(youshu.TokenKey("k")))
	require.NoError(t, err)
	tok, err := c.GenToken(context.Background(), &youshu.GenTokenRequest{})
	require.NoError(t, err)
	assert.Equal(t, "gzip", asked)
	assert.Equal(t, "zipped-token", tok.Value.Reveal())
}

// TestAcceptedContentTypes: a 2xx envelope labelled application/json,
// text/json or text/plain (any parameters, any case) or not at all is read.
func TestAcceptedContentTypes(t *testing.T) {
	t.Parallel()
	for _, ct := range []string{"", "application/json", "application/json;charset=UTF-8", "Application/JSON; charset=utf-8", "text/json", "text/plain; charset=gbk"} {
		srv := hostiletest.New(t, hostiletest.Body(200, ct, " \r\n"+youshuOK))
		c, err := youshu.NewClient(srv.URL, youshu.WithInsecureHTTP(), youshu.WithCredential(youshu.TokenKey("k")))
		require.NoError(t, err)
		_, err = c.GenToken(context.Background(), &youshu.GenTokenRequest{})
		assert.NoError(t, err, "%q", ct)
	}
}

// TestStringsHideSecrets: credentials, clients, requests and tokens print
// no secret with any verb, in slog or in JSON; a request's JSON leaves its
// credential out altogether.
func TestStringsHideSecrets(t *testing.T) {
	t.Parallel()
	cred := youshu.Password("a@b.c", youshutest.Admin().Password)
	c, err := youshu.NewClient("https://bi.example.com", youshu.WithCredential(cred))
	require.NoError(t, err)
	req := youshu.GenTokenRequest{Credential: youshu.SSO("u", youshutest.Admin().IntegrateToken), AuthUniqueID: "user"}
	const value = "1503575355359c4fdea8ec1683ed10edd91ae"
	tok := &youshu.EmbedToken{Value: biembed.NewSecret(value), BaseURL: "https://bi.example.com", IssuedAt: time.Unix(0, 0).UTC()}
	secrets := []string{youshutest.Admin().Password, youshutest.Admin().TokenKey, youshutest.Admin().IntegrateToken, value}
	values := []any{cred, &cred, youshu.TokenKey(youshutest.Admin().TokenKey), c, req, &req, tok, *tok}
	for _, v := range values {
		for _, format := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T"} {
			s := fmt.Sprintf(format, v)
			for _, secret := range secrets {
				assert.NotContains(t, s, secret, format)
				assert.NotContains(t, s, fmt.Sprintf("%x", secret), format)
			}
		}
		var logs strings.Builder
		slog.New(slog.NewJSONHandler(&logs, nil)).Info("v", "v", v)
		slog.New(slog.NewTextHandler(&logs, nil)).Info("v", "v", v)
		b, _ := json.Marshal(v)
		for _, secret := range secrets {
			assert.NotContains(t, logs.String(), secret)
			assert.NotContains(t, string(b), secret)
		}
	}
	assert.Equal(t, `youshu.Client{https://bi.example.com, credential: userPassword "a@b.c"}`, fmt.Sprintf("%#v", c))
	assert.True(t, strings.HasPrefix(fmt.Sprint(tok.Value), "***#"), "a Secret prints as its mask")
	out, err := json.Marshal(req)
	require.NoError(t, err)
	assert.JSONEq(t, `{"authUniqueId":"user"}`, string(out), "the credential is left out of the JSON")
}

// TestZeroAndNilClientNeverPanic: a Client not made by NewClient (the zero
// value, or nil) is refused with a *biembed.ValidationError by every call,
// and nothing panics, printing included.
func TestZeroAndNilClientNeverPanic(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const tok = "token-0123456789"
	for name, c := range map[string]*youshu.Client{"zero": {}, "nil": nil} {
		calls := map[string]func() error{
			"GenToken": func() error {
				_, err := c.GenToken(ctx, &youshu.GenTokenRequest{})
				return err
			},
			"RemoveToken": func() error { return c.RemoveToken(ctx, tok) },
			"RenewToken":  func() error { return c.RenewToken(ctx, tok) },
			"NewCache": func() error {
				_, err := youshu.NewCache(c, tokencache.Options{})
				return err
			},
		}
		for call, fn := range calls {
			var ve *biembed.ValidationError
			if err := callWithoutPanic(t, fn); !errors.As(err, &ve) {
				t.Errorf("%s client: %s = %v, want a *biembed.ValidationError", name, call, err)
			}
		}
		_ = callWithoutPanic(t, func() error {
			slog.New(slog.NewJSONHandler(io.Discard, nil)).Info("client", "c", c)
			s := fmt.Sprintf("%v %s %d %#v", c, c, c, c)
			assert.Contains(t, s, "youshu.Client{}")
			return nil
		})
	}
}

// TestConnectionsAreReused: a client keeps its connections alive between
// calls (one connection for many sequential calls), with the default
// transport and with the caller's.
func TestConnectionsAreReused(t *testing.T) {
	t.Parallel()
	for name, custom := range map[string]bool{"default transport": false, "WithTransport": true} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var conns atomic.Int32
			srv := httptest.NewUnstartedServer(hostiletest.JSON(200, youshuOK))
			srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
				if s == http.StateNew {
					conns.Add(1)
				}
			}
			srv.Start()
			t.Cleanup(srv.Close)
			opts := []youshu.Option{youshu.WithInsecureHTTP(), youshu.WithCredential(youshu.TokenKey("k"))}
			if custom {
				tr := &http.Transport{}
				t.Cleanup(tr.CloseIdleConnections)
				opts = append(opts, youshu.WithTransport(tr))
			}
			c, err := youshu.NewClient(srv.URL, opts...)
			require.NoError(t, err)
			for range 20 {
				_, err := c.GenToken(context.Background(), &youshu.GenTokenRequest{})
				require.NoError(t, err)
			}
			assert.Equal(t, int32(1), conns.Load(), "20 sequential calls, one connection")
		})
	}
}
