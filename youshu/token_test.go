package youshu_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/clientsetting"
	"github.com/biembed/biembed-go/youshu"
	"github.com/biembed/biembed-go/youshu/youshutest"
)

func TestTokenURLs(t *testing.T) {
	t.Parallel()
	tok := &youshu.EmbedToken{Value: biembed.NewSecret("abc+/&=?#def"), BaseURL: "https://bi.example.com/youshu"}
	const escaped = "token=abc%2B%2F%26%3D%3F%23def"
	for want, opts := range map[string][]youshu.URLOption{
		"https://bi.example.com/youshu/dash/integration/7?pageId=3&" + escaped:                               {youshu.Report(7), youshu.WithQuery(url.Values{"pageId": {"3"}})},
		"https://bi.example.com/youshu/dash/screenIntegration/7?sid=42&" + escaped:                           {youshu.Screen(7, 42)},
		"https://bi.example.com/youshu/dash/newScreen/integration/view/a1-b_2.c~?" + escaped:                 {youshu.NewScreen("a1-b_2.c~")},
		"https://bi.example.com/youshu/dash/cockpitIntegration?" + escaped:                                   {youshu.WithPath("dash/cockpitIntegration")},
		"https://bi.example.com/youshu/chatbi/dialogIntegration?" + escaped:                                  {youshu.WithPath("chatbi/dialogIntegration")},
		"https://bi.example.com/youshu/dash/chatbi/integration?q=a%26b&" + escaped:                           {youshu.WithPath("/dash/chatbi/integration"), youshu.WithQuery(url.Values{"q": {"a&b"}})},
		"https://bi.example.com/youshu/dash/integration/7?a=1&b=2&" + escaped:                                {youshu.WithQuery(url.Values{"b": {"2"}}), youshu.Report(7), youshu.WithQuery(url.Values{"a": {"1"}})},
		"https://bi.example.com/youshu/dash/screenIntegration/7?sid=42&sid=43&" + escaped:                    {youshu.Screen(7, 42), youshu.WithQuery(url.Values{"sid": {"43"}})},
		"https://bi.example.com/youshu/dash/integration/7?" + escaped:                                        {youshu.Report(7), nil},
		"https://bi.example.com/youshu/dash/newScreen/integration/view/x?empty=&" + escaped:                  {youshu.NewScreen("x"), youshu.WithQuery(url.Values{"empty": {""}})},
		"https://bi.example.com/youshu/dash/integration/9223372036854775807?" + escaped:                      {youshu.Report(1<<63 - 1)},
		"https://bi.example.com/youshu/dash/cockpitIntegration?" + escaped + "&%E5%9C%B0%E5%8C%BA=%E4%B8%9C": {youshu.WithPath("dash/cockpitIntegration"), youshu.WithQuery(url.Values{"地区": {"东"}})},
	} {
		link, err := tok.URL(opts...)
		require.NoError(t, err, want)
		assert.Equal(t, want, link)
	}

	for name, opts := range map[string][]youshu.URLOption{
		"no page":             nil,
		"only a query":        {youshu.WithQuery(url.Values{"a": {"1"}})},
		"two pages":           {youshu.Report(1), youshu.WithPath("dash/cockpitIntegration")},
		"zero project":        {youshu.Report(0)},
		"negative project":    {youshu.Report(-1)},
		"query sets token":    {youshu.Report(1), youshu.WithQuery(url.Values{"token": {"x"}})},
		"zero screen":         {youshu.Screen(1, 0)},
		"zero screen project": {youshu.Screen(0, 1)},
		"empty sid":           {youshu.NewScreen("")},
		"dot-dot sid":         {youshu.NewScreen("..")},
		"sid with a slash":    {youshu.NewScreen("a/b")},
		"sid with a query":    {youshu.NewScreen("a?token=x")},
		"empty path":          {youshu.WithPath("")},
		"dot-dot path":        {youshu.WithPath("dash/../api")},
		"absolute URL":        {youshu.WithPath("https://evil.example/x")},
		"host-relative":       {youshu.WithPath("//evil.example/x")},
		"query in path":       {youshu.WithPath("dash?token=x")},
		"escaped path":        {youshu.WithPath("dash/%2e%2e/api")},
		"empty segment":       {youshu.WithPath("dash//x")},
	} {
		link, err := tok.URL(opts...)
		assert.ErrorIs(t, err, biembed.ErrInvalid, name)
		assert.Empty(t, link, name)
		if err != nil {
			assert.NotContains(t, err.Error(), "abc", "%s: the error holds no token", name)
		}
	}
	for name, bad := range map[string]*youshu.EmbedToken{
		"nil token":     nil,
		"no value":      {BaseURL: "https://bi.example.com"},
		"no base":       {Value: biembed.NewSecret("v")},
		"relative base": {Value: biembed.NewSecret("v"), BaseURL: "bi.example.com"},
		"ftp base":      {Value: biembed.NewSecret("v"), BaseURL: "ftp://bi.example.com"},
	} {
		_, err := bad.URL(youshu.WithPath("chatbi/dialogIntegration"))
		assert.ErrorIs(t, err, biembed.ErrInvalid, name)
	}
}

// TestChatBIURLOpensTheFakesDialogPage: the fake serves the route ChatBI
// picks and shows the token's dialog settings there.
func TestChatBIURLOpensTheFakesDialogPage(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	c := newClient(t, srv)
	tok, err := c.GenToken(context.Background(), &youshu.GenTokenRequest{
		ClientSetting: &clientsetting.ClientSetting{ChatBI: &clientsetting.ChatBI{DataModelIDs: clientsetting.IDList{7}}},
	})
	require.NoError(t, err)
	link, err := tok.URL(youshu.WithPath("chatbi/dialogIntegration"))
	require.NoError(t, err)

	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Get(link)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, resp.Body.Close())
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	assert.Contains(t, string(body), `<section id="grant"`)
	assert.Contains(t, string(body), "dataModelIds")
}

func TestTokenJSONAndLog(t *testing.T) {
	t.Parallel()
	const value = "1503575355359c4fdea8ec1683ed10edd91ae"
	tok := youshu.EmbedToken{Value: biembed.NewSecret(value), BaseURL: "https://b",
		IssuedAt: time.Unix(100, 0).UTC(), SingleUse: true}
	out, err := json.Marshal(tok)
	require.NoError(t, err)
	mask := tok.Value.String()
	assert.True(t, strings.HasPrefix(mask, "***#"))
	assert.JSONEq(t, `{"value":"`+mask+`","baseURL":"https://b","issuedAt":"1970-01-01T00:01:40Z","singleUse":true}`, string(out),
		"JSON masks the value: a store encodes Value.Reveal() itself")
	var back youshu.EmbedToken
	stored := strings.Replace(string(out), mask, value, 1)
	require.NoError(t, json.Unmarshal([]byte(stored), &back))
	assert.Equal(t, tok, back, "json.Unmarshal takes the raw value")

	var buf strings.Builder
	slog.New(slog.NewTextHandler(&buf, nil)).Info("minted", "token", tok)
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("minted", "token", &tok)
	assert.NotContains(t, buf.String(), value)
	assert.Contains(t, buf.String(), mask)
}

// FuzzTokenURLs: whatever the token, ids and path, a built URL points at the
// base host, keeps its path under the base, and has exactly the query keys
// asked for, with token holding the token.
func FuzzTokenURLs(f *testing.F) {
	f.Add("abc", int64(1), int64(2), "s1", "dash/chatbi")
	f.Add("a&t=x#frag", int64(7), int64(-1), "../..", "/dash/../x")
	f.Add("?token=evil", int64(1), int64(1), "a/b?c#d", "dash/x?y")
	f.Add("%2e%2e", int64(9), int64(9), "%2e%2e", "//evil.example")
	f.Fuzz(func(t *testing.T, value string, project, screen int64, sid, path string) {
		tok := &youshu.EmbedToken{Value: biembed.NewSecret(value), BaseURL: "https://bi.example.com/base"}
		checkURL := func(link string, err error, keys ...string) {
			if err != nil {
				if link != "" {
					t.Fatalf("a link came back with %v", err)
				}
				return
			}
			u, perr := url.Parse(link)
			if perr != nil {
				t.Fatalf("unparsable %q: %v", link, perr)
			}
			if u.Host != "bi.example.com" || u.Scheme != "https" || u.Fragment != "" {
				t.Fatalf("escaped the base: %q", link)
			}
			if !strings.HasPrefix(u.EscapedPath(), "/base/") || strings.Contains(u.Path, "/../") || strings.HasSuffix(u.Path, "/..") {
				t.Fatalf("path left the base: %q", link)
			}
			q := u.Query()
			if q.Get("token") != value || len(q["token"]) != 1 {
				t.Fatalf("token changed in %q", link)
			}
			if len(q) != len(keys)+1 {
				t.Fatalf("injected query keys in %q", link)
			}
		}
		link, err := tok.URL(youshu.Report(project))
		checkURL(link, err)
		link, err = tok.URL(youshu.Screen(project, screen))
		checkURL(link, err, "sid")
		link, err = tok.URL(youshu.NewScreen(sid))
		checkURL(link, err)
		if err == nil && strings.Count(strings.TrimPrefix(link, "https://bi.example.com/base/dash/newScreen/integration/view/"), "/") != 0 {
			t.Fatalf("sid added a path segment: %q", link)
		}
		link, err = tok.URL(youshu.WithPath("dash/cockpitIntegration"))
		checkURL(link, err)
		link, err = tok.URL(youshu.WithPath(path), youshu.WithQuery(url.Values{"k": {sid}}))
		checkURL(link, err, "k")
	})
}
