package safetext_test

import (
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/biembed/biembed-go/internal/safetext"
)

// FuzzClean: for any text the output is valid UTF-8 without control or
// format characters, within the cap; and for a secret and an echo built of
// pieces of it (MinFragment bytes or more, a shorter secret whole) in random
// forms, between bits of text that can spell nothing of it, the output holds
// no MinFragment-byte piece of the secret, raw or decoded.
func FuzzClean(f *testing.F) {
	f.Add("error: {\"password\":\"\"}\r\n", "p<w>&\"é/ 😀\\x+Key-7d1f")
	f.Add("token=&x=1", "abc+def ghi")
	f.Add("\x1b[2J\u202e\xff", "k")
	f.Fuzz(func(t *testing.T, text, secret string) {
		s := safetext.NewScrubber([]string{secret})
		checkShape(t, s.Clean(t.Context(), text+secret+text, 256), 256)
		sep, ok := separator(secret)
		if !ok || !utf8.ValidString(secret) || hasEscape(secret) || strings.Contains(safetext.Masked, secret) {
			return // NewScrubber documents what a secret holding an escape may leak
		}
		echo := buildEcho(text, secret, sep)
		got := s.Clean(t.Context(), echo, 1<<20)
		checkShape(t, got, 1<<20)
		if piece := leak(got, secret, safetext.MinFragment); piece != "" {
			t.Fatalf("%q survives in %q (echo %q)", piece, got, echo)
		}
	})
}

// checkShape fails t unless out is valid UTF-8 without control or format
// characters and at most max bytes plus "…".
func checkShape(t *testing.T, out string, max int) {
	t.Helper()
	if !utf8.ValidString(out) || strings.ContainsFunc(out, escaped) || len(out) > max+len("…") {
		t.Fatalf("bad output (%d bytes): %q", len(out), out)
	}
}

// escaped reports whether Clean must escape r.
func escaped(r rune) bool {
	return unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp)
}

// hasEscape reports whether secret holds something the test's decoders
// would decode (a '+' aside).
func hasEscape(secret string) bool {
	return slices.ContainsFunc(decodings(strings.ReplaceAll(secret, "+", "")), func(d string) bool {
		return d != strings.ReplaceAll(secret, "+", "")
	})
}

// separator returns a byte that is in no secret piece and ends no escape.
func separator(secret string) (byte, bool) {
	for _, c := range []byte("|!~^,:()[]{}@$=?") {
		if strings.IndexByte(secret, c) < 0 {
			return c, true
		}
	}
	return 0, false
}

// buildEcho returns pieces of secret in random forms (chosen by a hash of
// text and secret), between bits of text that hold no byte of secret, no
// escape lead-in and nothing Clean escapes, all fenced by sep.
func buildEcho(text, secret string, sep byte) string {
	h := fnv.New64a()
	h.Write([]byte(text + "\x00" + secret))
	rng := rand.New(rand.NewPCG(h.Sum64(), uint64(len(text))))
	filler := strings.Map(func(r rune) rune {
		if r == utf8.RuneError || escaped(r) || strings.ContainsAny(string(r), secret+`\%&+`) {
			return -1
		}
		return r
	}, text)
	forms := wholeForms(rng)
	names := slices.Sorted(func(yield func(string) bool) {
		for name := range forms {
			if !yield(name) {
				return
			}
		}
	})
	var b strings.Builder
	for range 1 + rng.IntN(4) {
		enc := forms[names[rng.IntN(len(names))]]
		cut := rng.IntN(len(filler) + 1)
		for cut < len(filler) && !utf8.RuneStart(filler[cut]) {
			cut++
		}
		b.WriteString(string(sep) + filler[:cut] + string(sep) + enc(runeFragment(rng, secret, safetext.MinFragment)))
		filler = filler[cut:]
	}
	return b.String() + string(sep) + filler
}
