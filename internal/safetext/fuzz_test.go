package safetext_test

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/biembed/biembed-go/internal/safetext"
)

// ownEscape matches the \uXXXX escapes Clean writes for control characters.
var ownEscape = regexp.MustCompile(`\\u[0-9a-fA-F]{4}`)

// FuzzClean: whatever the server text and the secret, the result holds no
// control character, stays within the cap, and holds neither the secret nor
// its JSON or URL encodings.
func FuzzClean(f *testing.F) {
	f.Add("error: {\"password\":\"p\\u003cw\\u003e\"}\r\n", "p<w>")
	f.Add("token=abc%2Bdef&x=1", "abc+def")
	f.Add("\x1b[2J\u202e\xff", "k")
	f.Fuzz(func(t *testing.T, text, secret string) {
		if len(secret) < 4 || strings.TrimSpace(secret) != secret {
			return
		}
		quoted, _ := json.Marshal(secret)
		for _, form := range []string{secret, string(quoted[1 : len(quoted)-1]), url.QueryEscape(secret)} {
			got := safetext.NewScrubber([]string{secret}).Clean(t.Context(), text+form+text, 256)
			if strings.ContainsFunc(got, unicode.IsControl) {
				t.Fatalf("control character in %q", got)
			}
			if len(got) > 256+len("…") {
				t.Fatalf("%d bytes", len(got))
			}
			if strings.ContainsAny(text, secret+"%\\+&") {
				continue // the text may spell the secret itself; only the echoed form is ours to mask
			}
			// The escapes Clean writes for control characters (\u0000) are
			// its own text, not an echo: look for the secret between them.
			for _, piece := range ownEscape.Split(got, -1) {
				if strings.Contains(piece, secret) {
					t.Fatalf("secret %q survives in %q", secret, got)
				}
			}
		}
	})
}
