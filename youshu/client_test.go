package youshu_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/youshu"
	"github.com/biembed/biembed-go/youshu/youshutest"
)

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
		{"http://bi.example.com", false, false, ""},
		{"http://127.0.0.1:8080", true, true, "http://127.0.0.1:8080"},
		{"ftp://bi.example.com", true, false, ""},
		{"https://user:pw@bi.example.com", false, false, ""},
		{"https://bi.example.com?x=1", false, false, ""},
		{"https://bi.example.com?", false, false, ""},
		{"https://bi.example.com#frag", false, false, ""},
		{"https:///path", false, false, ""},
		{"bi.example.com", false, false, ""},
		{"", false, false, ""},
		{"https://bi.example.com/%zz", false, false, ""},
	}
	for _, tc := range tests {
		var opts []youshu.Option
		if tc.insecure {
			opts = append(opts, youshu.WithInsecureHTTP())
		}
		c, err := youshu.NewClient(tc.url, opts...)
		if !tc.ok {
			assert.ErrorIs(t, err, youshu.ErrInvalid, tc.url)
			continue
		}
		require.NoError(t, err, tc.url)
		assert.Equal(t, tc.want, c.BaseURL())
	}
}

func TestNewClientOptionValidation(t *testing.T) {
	t.Parallel()
	for name, opt := range map[string]youshu.Option{
		"nil option":       nil,
		"zero credential":  youshu.WithCredential(youshu.Credential{}),
		"bad credential":   youshu.WithCredential(youshu.Password("a", "")),
		"nil http client":  youshu.WithHTTPClient(nil),
		"nil transport":    youshu.WithTransport(nil),
		"zero timeout":     youshu.WithTimeout(0),
		"negative retries": youshu.WithRetries(-1),
		"too many retries": youshu.WithRetries(youshu.MaxRetries + 1),
		"zero backoff":     youshu.WithBackoff(0, time.Second),
		"max below base":   youshu.WithBackoff(time.Second, time.Millisecond),
		"nil logger":       youshu.WithLogger(nil),
		"empty user agent": youshu.WithUserAgent(""),
		"header injection": youshu.WithUserAgent("x\r\nX-Evil: 1"),
		"zero max bytes":   youshu.WithMaxResponseBytes(0),
		"huge max bytes":   youshu.WithMaxResponseBytes(2 << 30),
		"nil clock":        youshu.WithClock(nil),
	} {
		_, err := youshu.NewClient("https://bi.example.com", opt)
		assert.ErrorIs(t, err, youshu.ErrInvalid, name)
	}
}

func TestHTTPSEndToEnd(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t, youshutest.WithTLS())
	hc := srv.HTTPClient()
	c, err := youshu.NewClient(srv.URL(), youshu.WithHTTPClient(hc), youshu.WithCredential(youshutest.AdminCredential()))
	require.NoError(t, err)
	tok, err := c.GenToken(context.Background(), &youshu.GenTokenRequest{})
	require.NoError(t, err)
	require.NoError(t, c.RemoveToken(context.Background(), tok.Value.Reveal()))
	assert.Nil(t, hc.CheckRedirect, "the caller's client is copied, not changed")

	_, err = youshu.NewClient(srv.URL(), youshu.WithCredential(youshutest.AdminCredential()))
	require.NoError(t, err)
	untrusting, _ := youshu.NewClient(srv.URL(), youshu.WithCredential(youshutest.AdminCredential()), youshu.WithRetries(0))
	_, err = untrusting.GenToken(context.Background(), &youshu.GenTokenRequest{})
	assert.Error(t, err, "the test certificate is not trusted by default")
	assert.Equal(t, 2, srv.Count(youshu.EndpointGenToken), "token and helper; the untrusting client got nowhere")
}

func TestRedirectsAreNotFollowed(t *testing.T) {
	t.Parallel()
	target := youshutest.NewTestServer(t)
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL()+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	t.Cleanup(redirector.Close)
	c, err := youshu.NewClient(redirector.URL, youshu.WithInsecureHTTP(), youshu.WithCredential(youshutest.AdminCredential()))
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)
	_, err = c.GenToken(context.Background(), &youshu.GenTokenRequest{})
	assert.ErrorIs(t, err, youshu.ErrHTTPStatus)
	assert.Zero(t, target.Count(""), "the password never followed the redirect")
}

func TestRequestHeadersAndPathPrefix(t *testing.T) {
	t.Parallel()
	var got *http.Request
	srv := youshutest.NewTestServer(t)
	prefixed := httptest.NewServer(http.StripPrefix("/bi", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Clone(context.Background())
		http.Redirect(w, r, srv.URL(), http.StatusFound)
	})))
	t.Cleanup(prefixed.Close)
	c, err := youshu.NewClient(prefixed.URL+"/bi/", youshu.WithInsecureHTTP(), youshu.WithUserAgent("test-agent/1"),
		youshu.WithCredential(youshutest.AdminCredential()))
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)
	_, _ = c.GenToken(context.Background(), &youshu.GenTokenRequest{})
	require.NotNil(t, got)
	assert.Equal(t, "/api/dash/util/genToken", got.URL.Path)
	assert.Equal(t, "test-agent/1", got.UserAgent())
	assert.Equal(t, "application/json", got.Header.Get("Content-Type"))
}

func TestStringsHideSecrets(t *testing.T) {
	t.Parallel()
	cred := youshu.Password("a@b.c", youshutest.AdminPassword)
	c, err := youshu.NewClient("https://bi.example.com", youshu.WithCredential(cred))
	require.NoError(t, err)
	req := youshu.GenTokenRequest{Credential: youshu.SSO("u", youshutest.AdminIntegrateToken)}
	tok := &youshu.Token{Value: "1503575355359c4fdea8ec1683ed10edd91ae", IssuedAt: time.Unix(0, 0).UTC()}
	for _, v := range []any{cred, youshu.TokenKey(youshutest.AdminTokenKey), c, req, &req, tok, *tok} {
		for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
			s := fmt.Sprintf(format, v)
			for _, secret := range []string{youshutest.AdminPassword, youshutest.AdminTokenKey, youshutest.AdminIntegrateToken, tok.Value.Reveal()} {
				assert.NotContains(t, s, secret, format)
			}
		}
	}
	assert.Equal(t, `youshu.Credential{tokenKey(key=***)}`, fmt.Sprintf("%#v", youshu.TokenKey("k")))
	assert.Equal(t, "none", youshu.Credential{}.String())
	var logs strings.Builder
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("cred", "c", cred, "client", c)
	assert.NotContains(t, logs.String(), youshutest.AdminPassword)
	assert.Contains(t, logs.String(), `"tokenType":"userPassword"`)
	assert.Contains(t, tok.String(), "1503…(37 chars)")
}
