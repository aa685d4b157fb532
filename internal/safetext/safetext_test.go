package safetext_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/biembed/biembed-go/internal/safetext"
)

const secret = `p<w>&"é/ 😀\x+Key-7d1f`

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// everyRuneEscaped writes each rune of s as a JSON \u escape in the given case.
func everyRuneEscaped(s, format string) string {
	var b strings.Builder
	for _, c := range s {
		if c > 0xFFFF {
			c -= 0x10000
			fmt.Fprintf(&b, format+format, 0xD800+(c>>10)&0x3FF, 0xDC00+c&0x3FF)
			continue
		}
		fmt.Fprintf(&b, format, c)
	}
	return b.String()
}

func TestCleanMasksEveryEncodedForm(t *testing.T) {
	t.Parallel()
	forms := map[string]string{
		"raw":                       secret,
		"json (html-safe escapes)":  jsonString(secret),
		"json twice":                jsonString(jsonString(secret)),
		"every rune \\u, lowercase": everyRuneEscaped(secret, `\u%04x`),
		"every rune \\u, uppercase": everyRuneEscaped(secret, `\u%04X`),
		"url query":                 url.QueryEscape(secret),
		"url path":                  url.PathEscape(secret),
		"url query, lowercase hex":  regexp.MustCompile(`%[0-9A-F]{2}`).ReplaceAllStringFunc(url.QueryEscape(secret), strings.ToLower),
		"html":                      html.EscapeString(secret),
		"mixed":                     `p\u003cw%3E&amp;"é/ 😀\x+Key-7d1f`,
	}
	s := safetext.NewScrubber([]string{secret})
	for name, form := range forms {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got := s.Clean(t.Context(), `Cannot parse {"password":"`+form+`"} at line 1`, 1000)
			if want := `Cannot parse {"password":"***"} at line 1`; got != want {
				t.Errorf("form %q:\n got %q\nwant %q", form, got, want)
			}
		})
	}
}

func TestCleanEscapesControlsAndCaps(t *testing.T) {
	t.Parallel()
	got := safetext.Clean("a\r\nb\x1b[31mc\x00d\u202ee\u2028f\xffg", 100)
	if want := `a\u000d\u000ab\u001b[31mc\u0000d\u202ee\u2028f` + "\uFFFDg"; got != want {
		t.Errorf("got %q want %q", got, want)
	}
	long := safetext.Clean(strings.Repeat("界", 200_000), safetext.MaxMessageBytes)
	if len(long) > safetext.MaxMessageBytes+len("…") || !strings.HasSuffix(long, "…") {
		t.Errorf("not capped: %d bytes", len(long))
	}
	if got := safetext.Clean("short", 100); got != "short" {
		t.Errorf("changed clean text: %q", got)
	}
}

func TestCleanExtraPatternsAndNil(t *testing.T) {
	t.Parallel()
	s := safetext.NewScrubber([]string{"", "k"}, regexp.MustCompile(`[0-9a-f]{8,}`))
	if got := s.Clean(t.Context(), "id 0123456789abcdef, k", 100); got != "id ***, ***" {
		t.Errorf("got %q", got)
	}
	var none *safetext.Scrubber
	if got := none.Clean(t.Context(), "x\ny", 100); got != `x\u000ay` {
		t.Errorf("got %q", got)
	}
}

func TestCheckToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		token string
		want  error
	}{
		{"a1b2-c3_d4.e5", nil},
		{strings.Repeat("x", safetext.MaxTokenBytes), nil},
		{"", safetext.ErrTokenBlank},
		{" \t\r\n ", safetext.ErrTokenBlank},
		{strings.Repeat("x", safetext.MaxTokenBytes+1), safetext.ErrTokenTooLong},
		{strings.Repeat("x", 900<<10), safetext.ErrTokenTooLong},
		{"abc\r\nSet-Cookie: x", safetext.ErrTokenBadBytes},
		{"abc\x00def", safetext.ErrTokenBadBytes},
		{"abc def", safetext.ErrTokenBadBytes},
		{" abc", safetext.ErrTokenBadBytes},
		{"tökén", safetext.ErrTokenBadBytes},
		{"abc\x7f", safetext.ErrTokenBadBytes},
	}
	for _, tc := range tests {
		if err := safetext.CheckToken(tc.token); !errors.Is(err, tc.want) {
			t.Errorf("CheckToken(%.20q) = %v, want %v", tc.token, err, tc.want)
		}
	}
}
