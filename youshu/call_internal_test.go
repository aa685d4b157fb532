package youshu

import (
	"errors"
	"mime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/biembed/biembed-go/internal/testkit/seeds"
)

// FuzzDecodeResponse: any status and body decode without panic into either a
// non-empty result or an *Error that never repeats the call's secret.
func FuzzDecodeResponse(f *testing.F) {
	const secret = "FUZZ-SECRET-TOKEN-1234"
	f.Add(200, "application/json", seeds.YoushuGenTokenSuccess)
	f.Add(200, "application/json", seeds.YoushuGenTokenError743)
	f.Add(200, "application/json", seeds.YoushuRmTokenSuccess)
	f.Add(200, "text/html", []byte("<html>login</html>"))
	f.Add(503, "application/json", []byte(`{"code":503,"msg":"busy `+secret+`"}`))
	f.Add(200, "application/json", []byte(`{"code":200,"result":""}`))
	f.Add(200, "", []byte(`{"code":"200"}`))
	f.Add(-1, "\x00", []byte(nil))
	f.Fuzz(func(t *testing.T, status int, contentType string, body []byte) {
		result, e := decodeResponse(EndpointGenToken, status, contentType, body, secrets{secret})
		if e == nil {
			if isEmptyJSON(result) || !is2xx(status) {
				t.Fatalf("accepted %d %q", status, body)
			}
			_, _ = resultString(EndpointGenToken, result)
			return
		}
		text := e.Error() + e.GoString()
		if strings.Contains(text, secret) {
			t.Fatalf("secret in %q", text)
		}
		if e.Endpoint != EndpointGenToken || !strings.HasPrefix(text, "youshu genToken") {
			t.Fatalf("bad error %q", text)
		}
		_ = errors.Is(e, ErrServer)
	})
}

func TestBackoffCeiling(t *testing.T) {
	t.Parallel()
	c := &Client{cfg: defaultConfig()}
	c.cfg.backoffBase, c.cfg.backoffMax = 1, 1 // nanoseconds: the waits end at once
	for n := 1; n < 70; n++ {
		if err := c.wait(t.Context(), n); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRedactURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://h/api/dash/util/rmToken?token=H&t=T": "https://h/api/dash/util/rmToken",
		"https://u:p@h/x#frag":                        "https://h/x",
		"::not a url?token=H":                         "::not a url",
	} {
		if got := redactURL(in); got != want {
			t.Errorf("redactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestIsHTMLAgreesWithParseMediaType: isHTML's shortcut for JSON types
// answers as mime.ParseMediaType does for every content type, and a JSON
// answer (with or without a charset) costs no allocation.
func TestIsHTMLAgreesWithParseMediaType(t *testing.T) { // not parallel: AllocsPerRun
	for _, ct := range []string{"", "application/json", "application/json;charset=UTF-8",
		"application/json; charset=utf-8", "application/jsonx", "application/json-seq", "Application/JSON",
		"text/html", "text/html; charset=utf-8", "TEXT/HTML", " text/html", "text/html;", "text/plain",
		"application/json\r\n", "application/json;\x00", "application/json,text/html"} {
		mediaType, _, _ := mime.ParseMediaType(ct)
		assert.Equal(t, mediaType == "text/html", isHTML(ct), "%q", ct)
	}
	for _, ct := range []string{"application/json", "application/json;charset=UTF-8"} {
		assert.Zero(t, testing.AllocsPerRun(100, func() { _ = isHTML(ct) }), "%q", ct)
	}
}
