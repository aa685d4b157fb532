package youshu_test

import (
	"encoding/json"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/youshu"
)

func TestTokenURLs(t *testing.T) {
	t.Parallel()
	tok := youshu.Token{Value: "abc+/&=?#def", BaseURL: "https://bi.example.com/youshu"}
	check := func(link string, err error, want string) {
		t.Helper()
		require.NoError(t, err)
		assert.Equal(t, want, link)
	}
	link, err := tok.ReportURL(7, url.Values{"pageId": {"3"}})
	check(link, err, "https://bi.example.com/youshu/dash/integration/7?pageId=3&token=abc%2B%2F%26%3D%3F%23def")
	link, err = tok.ScreenURL(7, 42)
	check(link, err, "https://bi.example.com/youshu/dash/screenIntegration/7?sid=42&token=abc%2B%2F%26%3D%3F%23def")
	link, err = tok.NewScreenURL("a1-b_2.c~")
	check(link, err, "https://bi.example.com/youshu/dash/newScreen/integration/view/a1-b_2.c~?token=abc%2B%2F%26%3D%3F%23def")
	link, err = tok.CockpitURL()
	check(link, err, "https://bi.example.com/youshu/dash/cockpitIntegration?token=abc%2B%2F%26%3D%3F%23def")
	link, err = tok.PathURL("/dash/chatbi/integration", url.Values{"q": {"a&b"}})
	check(link, err, "https://bi.example.com/youshu/dash/chatbi/integration?q=a%26b&token=abc%2B%2F%26%3D%3F%23def")

	for name, f := range map[string]func() (string, error){
		"zero project":        func() (string, error) { return tok.ReportURL(0, nil) },
		"query sets token":    func() (string, error) { return tok.ReportURL(1, url.Values{"token": {"x"}}) },
		"zero screen":         func() (string, error) { return tok.ScreenURL(1, 0) },
		"zero screen project": func() (string, error) { return tok.ScreenURL(0, 1) },
		"empty sid":           func() (string, error) { return tok.NewScreenURL("") },
		"dot-dot sid":         func() (string, error) { return tok.NewScreenURL("..") },
		"empty path":          func() (string, error) { return tok.PathURL("", nil) },
		"dot-dot path":        func() (string, error) { return tok.PathURL("dash/../api", nil) },
		"absolute URL":        func() (string, error) { return tok.PathURL("https://evil.example/x", nil) },
		"host-relative":       func() (string, error) { return tok.PathURL("//evil.example/x", nil) },
		"query in path":       func() (string, error) { return tok.PathURL("dash?token=x", nil) },
		"escaped path":        func() (string, error) { return tok.PathURL("dash/%2e%2e/api", nil) },
		"no value":            func() (string, error) { return youshu.Token{BaseURL: "https://b"}.CockpitURL() },
		"no base":             func() (string, error) { return youshu.Token{Value: "v"}.CockpitURL() },
	} {
		_, err := f()
		assert.ErrorIs(t, err, youshu.ErrInvalid, name)
	}
}

func TestTokenJSONAndLog(t *testing.T) {
	t.Parallel()
	tok := youshu.Token{Value: "1503575355359c4fdea8ec1683ed10edd91ae", BaseURL: "https://b",
		IssuedAt: time.Unix(100, 0).UTC(), SingleUse: true}
	out, err := json.Marshal(tok)
	require.NoError(t, err)
	assert.JSONEq(t, `{"value":"1503…(37 chars)","baseURL":"https://b","issuedAt":"1970-01-01T00:01:40Z","singleUse":true}`, string(out),
		"JSON masks the value: a store encodes Value.Reveal() itself")
	var back youshu.Token
	stored := strings.Replace(string(out), "1503…(37 chars)", tok.Value.Reveal(), 1)
	require.NoError(t, json.Unmarshal([]byte(stored), &back))
	assert.Equal(t, tok, back, "json.Unmarshal takes the raw value")

	var buf strings.Builder
	slog.New(slog.NewTextHandler(&buf, nil)).Info("minted", "token", tok)
	assert.NotContains(t, buf.String(), tok.Value.Reveal())
	assert.Contains(t, buf.String(), "1503…")
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
		tok := youshu.Token{Value: youshu.Secret(value), BaseURL: "https://bi.example.com/base"}
		checkURL := func(link string, err error, keys ...string) {
			if err != nil {
				return
			}
			u, perr := url.Parse(link)
			if perr != nil {
				t.Fatalf("unparsable %q: %v", link, perr)
			}
			if u.Host != "bi.example.com" || u.Scheme != "https" || u.Fragment != "" {
				t.Fatalf("escaped the base: %q", link)
			}
			if !strings.HasPrefix(u.EscapedPath(), "/base/dash/") || strings.Contains(u.Path, "/../") || strings.HasSuffix(u.Path, "/..") {
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
		link, err := tok.ReportURL(project, nil)
		checkURL(link, err)
		link, err = tok.ScreenURL(project, screen)
		checkURL(link, err, "sid")
		link, err = tok.NewScreenURL(sid)
		checkURL(link, err)
		if err == nil && strings.Count(strings.TrimPrefix(link, "https://bi.example.com/base/dash/newScreen/integration/view/"), "/") != 0 {
			t.Fatalf("sid added a path segment: %q", link)
		}
		link, err = tok.CockpitURL()
		checkURL(link, err)
		if strings.HasPrefix(strings.TrimPrefix(path, "/"), "dash/") {
			link, err = tok.PathURL(path, url.Values{"k": {sid}})
			checkURL(link, err, "k")
		}
	})
}
