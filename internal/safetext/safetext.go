// Package safetext makes text that a server sent safe to put in an error
// string or a log line, and checks what a server hands back as a token.
//
// Both vendor clients use it: a server message may quote the request (so it
// may hold a password or key in any encoding), may carry CR/LF and terminal
// escapes, and may be any length. Scrubber.Clean masks every form in which a
// secret was sent, escapes control characters and caps the length.
package safetext

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Masked replaces every secret Clean finds.
const Masked = "***"

// MaxMessageBytes is the usual cap of a server message in an error.
const MaxMessageBytes = 512

// MaxFieldBytes is the usual cap of a short server field (a code, a request id).
const MaxFieldBytes = 128

// maxInputBytes bounds how much of a server text Clean looks at: the output
// is a few hundred bytes at most, so a 200 KB message costs no more than this.
const maxInputBytes = 64 << 10

// Scrubber masks a fixed set of secrets in server text. The zero Scrubber
// (and a nil one) masks nothing but still escapes and caps.
type Scrubber struct {
	patterns []*regexp.Regexp
}

// NewScrubber returns a Scrubber for secrets; empty ones are ignored. extra
// patterns are masked too (for example runs that look like tokens).
func NewScrubber(secrets []string, extra ...*regexp.Regexp) *Scrubber {
	s := &Scrubber{}
	for _, secret := range secrets {
		if secret != "" {
			s.patterns = append(s.patterns, encodedForms(secret))
		}
	}
	s.patterns = append(s.patterns, extra...)
	return s
}

// Clean returns s safe to print: at most the first 64 KiB are looked at,
// invalid UTF-8 becomes U+FFFD, every secret is masked in its raw form, JSON
// escaped form (any character as \uXXXX, \" and the like), URL query encoded
// form (%XX, + for space), HTML entity form, or a mix of these; control and
// format characters (CR, LF, ESC, NUL, bidi overrides, U+2028) are written as
// \uXXXX escapes; the result is cut to max bytes (plus "…").
func (s *Scrubber) Clean(_ context.Context, text string, max int) string {
	if len(text) > maxInputBytes {
		text = text[:maxInputBytes]
	}
	text = strings.ToValidUTF8(text, "\uFFFD")
	if s != nil {
		for _, re := range s.patterns {
			text = re.ReplaceAllLiteralString(text, Masked)
		}
	}
	return Truncate(escapeControls(text), max)
}

// Clean is Scrubber.Clean with no secrets.
func Clean(text string, max int) string {
	return (*Scrubber)(nil).Clean(context.Background(), text, max)
}

// encodedForms returns a pattern that matches secret with each character in
// any of the forms a server echo may use.
func encodedForms(secret string) *regexp.Regexp {
	var b strings.Builder
	for _, r := range secret {
		b.WriteString("(?:")
		b.WriteString(strings.Join(runeForms(r), "|"))
		b.WriteString(")")
	}
	return regexp.MustCompile(b.String())
}

// runeForms lists the regular expressions of r's encodings.
func runeForms(r rune) []string {
	forms := []string{regexp.QuoteMeta(string(r))}
	// JSON \uXXXX (any number of backslashes: a quoted quote), a surrogate
	// pair above the BMP; JavaScript and Python \xXX for one byte.
	if r < 0x10000 {
		forms = append(forms, `\\+u`+hexPattern(int(r), 4))
	} else {
		hi, lo := utf16Pair(r)
		forms = append(forms, `\\+u`+hexPattern(hi, 4)+`\\+u`+hexPattern(lo, 4))
	}
	if r < 0x100 {
		forms = append(forms, `\\+x`+hexPattern(int(r), 2))
	}
	if short, ok := jsonShort[r]; ok {
		forms = append(forms, `\\+`+regexp.QuoteMeta(short))
	}
	// URL encoding: every UTF-8 byte as %XX; + for a space.
	var pct strings.Builder
	for _, c := range []byte(string(r)) {
		pct.WriteString("%" + hexPattern(int(c), 2))
	}
	forms = append(forms, pct.String())
	if r == ' ' {
		forms = append(forms, `\+`)
	}
	// HTML: &#NN; &#xHH; and the named entities of the five special characters.
	forms = append(forms, fmt.Sprintf(`&#0*%d;`, r), `&#[xX]0*`+hexPattern(int(r), 1)+`;`)
	if name, ok := htmlNamed[r]; ok {
		forms = append(forms, "&"+name+";")
	}
	return forms
}

var jsonShort = map[rune]string{'"': `"`, '\\': `\`, '/': `/`, '\b': "b", '\f': "f", '\n': "n", '\r': "r", '\t': "t"}

var htmlNamed = map[rune]string{'<': "(?i:lt)", '>': "(?i:gt)", '&': "(?i:amp)", '"': "(?i:quot)", '\'': "(?i:apos|#39)"}

// hexPattern matches n in hex with at least width digits, either case.
func hexPattern(n, width int) string {
	digits := fmt.Sprintf("%0*x", width, n)
	var b strings.Builder
	for _, d := range digits {
		if d >= 'a' && d <= 'f' {
			b.WriteString("[" + string(d) + string(d-'a'+'A') + "]")
		} else {
			b.WriteRune(d)
		}
	}
	return b.String()
}

func utf16Pair(r rune) (int, int) {
	r -= 0x10000
	return int(0xD800 + (r>>10)&0x3FF), int(0xDC00 + r&0x3FF)
}

// escapeControls writes control and format characters, and the Unicode line
// and paragraph separators, as \uXXXX.
func escapeControls(s string) string {
	if strings.IndexFunc(s, needsEscape) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case !needsEscape(r):
			b.WriteRune(r)
		case r > 0xFFFF:
			fmt.Fprintf(&b, `\U%08x`, r)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}

func needsEscape(r rune) bool {
	return unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp)
}

// Truncate cuts s to at most n bytes on a rune boundary and marks the cut
// with "…".
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// MaxTokenBytes is the longest token a server may hand back; anything longer
// is a malformed answer (real tokens are tens of bytes).
const MaxTokenBytes = 4 << 10

// Errors of CheckToken. Their text never holds the token.
var (
	ErrTokenBlank    = errors.New("the token is empty or blank")
	ErrTokenTooLong  = fmt.Errorf("the token is longer than %d bytes", MaxTokenBytes)
	ErrTokenBadBytes = errors.New("the token holds a character other than visible ASCII")
)

// CheckToken reports whether a token from a server can be used: 1 to
// MaxTokenBytes bytes of visible ASCII (0x21 to 0x7E). Whitespace, CR/LF,
// NUL, other control characters and non-ASCII are refused: a token goes into
// URLs and headers verbatim.
func CheckToken(token string) error {
	switch {
	case strings.TrimSpace(token) == "":
		return ErrTokenBlank
	case len(token) > MaxTokenBytes:
		return ErrTokenTooLong
	}
	for i := 0; i < len(token); i++ {
		if token[i] < 0x21 || token[i] > 0x7E {
			return ErrTokenBadBytes
		}
	}
	return nil
}

// MaxHeaderValueBytes bounds a header value a caller configures (User-Agent).
const MaxHeaderValueBytes = 512

// CheckHeaderValue returns a rule (for a *ValidationError) when v cannot be
// sent as a header value: empty, longer than max bytes, with leading or
// trailing blanks, or holding anything but printable ASCII and spaces. It
// returns "" for a good value.
func CheckHeaderValue(v string, max int) string {
	switch {
	case v == "" || strings.TrimSpace(v) != v:
		return "must be non-empty without leading or trailing blanks"
	case len(v) > max:
		return fmt.Sprintf("must be at most %d bytes", max)
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 0x20 || v[i] > 0x7E {
			return "may hold only printable ASCII (no control characters)"
		}
	}
	return ""
}
