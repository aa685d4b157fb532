// Package safetext makes text that a server sent safe to put in an error
// string or a log line, and checks what a server hands back as a token.
//
// Both vendor clients use it: a server message may quote the request (so it
// may hold a password or key in any encoding), may carry CR/LF and terminal
// escapes, and may be any length. Scrubber.Clean masks every piece of a
// secret in every form in which it was sent, escapes control characters and
// caps the length, in time linear in the text.
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

// MinFragment is the shortest part of a secret that Clean masks on its own:
// every MinFragment-byte piece of a secret is masked wherever it appears,
// raw or in any form Clean decodes, so no longer part of a secret survives,
// wherever a cut (the input bound, a server's own truncation) falls through
// it. A secret shorter than MinFragment is masked whole.
const MinFragment = 8

// maxInputBytes bounds how much of a server text Clean looks at, cut before
// any work: the output is a few hundred bytes at most. Cutting through a
// secret is safe: what lies before the cut is masked piece by piece (see
// MinFragment), so at most MinFragment-1 bytes of it stay.
const maxInputBytes = 64 << 10

// checkEvery is how many bytes Clean looks at between two looks at its
// context.
const checkEvery = 4 << 10

// contextEnded is what Clean returns when its context ends before it is
// done: it holds nothing of the server text.
const contextEnded = "(server text dropped: context ended)"

// Scrubber masks a fixed set of secrets in server text. The zero Scrubber
// (and a nil one) masks nothing but still escapes and caps.
type Scrubber struct {
	// windows[n] holds the keys (see key) of the n-byte pieces to mask:
	// each MinFragment-byte window of each form of a secret, a shorter whole.
	windows [MinFragment + 1]map[uint64]struct{}
	extra   []*regexp.Regexp // masked too, on the raw text
}

// NewScrubber returns a Scrubber for secrets; empty ones are ignored. extra
// patterns are masked too (for example runs that look like tokens), on the
// raw text; Go's regexp is linear, but Clean can look at its context only
// between two patterns, not within one (tens of milliseconds for some
// patterns on 64 KiB).
//
// A secret is looked for as it is, decoded (so a secret holding a literal
// escape such as "%41" matches a text decoded the same way) and in Latin-1.
// What Clean cannot see: a literal escape in a secret echoed per character
// mixed so that the escape's lead-in stays raw right before an escaped
// character (a raw backslash before \u0041, or \\ before \\u0041).
func NewScrubber(secrets []string, extra ...*regexp.Regexp) *Scrubber {
	s := &Scrubber{extra: extra}
	for _, secret := range secrets {
		if secret != "" {
			for _, v := range views(&meter{ctx: context.Background()}, secret) {
				s.add(v.b)
			}
			s.add(latin1(secret))
		}
	}
	return s
}

// add puts the windows of one form of a secret into s.windows.
func (s *Scrubber) add(form string) {
	n := min(len(form), MinFragment)
	if s.windows[n] == nil {
		s.windows[n] = make(map[uint64]struct{})
	}
	for i := 0; i+n <= len(form); i++ {
		s.windows[n][key(form[i:i+n])] = struct{}{}
	}
}

// Clean returns text safe to print. It looks at the first 64 KiB only,
// which is safe even when the cut falls through a secret: the part before
// the cut is masked piece by piece (see MinFragment).
//
// It masks (as Masked) every piece of a secret of MinFragment bytes or
// more, and every shorter secret, in its raw form, JSON escaped form
// (\uXXXX after any number of backslashes, surrogate pairs, \xXX, \" and
// the like), URL encoded form (%XX, + for space), as HTML character
// references, or any mix of these, character by character; then the extra
// patterns. Then invalid UTF-8 becomes U+FFFD, control and format
// characters (CR, LF, ESC, NUL, bidi overrides, U+2028) are written as
// \uXXXX, and the result is cut to max bytes (plus "…").
//
// The work is linear in the text. When ctx ends first (Clean looks at it
// every 4 KiB of work), Clean returns a fixed text that holds nothing of
// the input. A nil ctx counts as context.Background().
func (s *Scrubber) Clean(ctx context.Context, text string, max int) string {
	if ctx == nil {
		ctx = context.Background()
	}
	return s.clean(&meter{ctx: ctx}, text, max)
}

// Clean is Scrubber.Clean with no secrets and no context.
func Clean(text string, max int) string {
	return (*Scrubber)(nil).Clean(context.Background(), text, max)
}

// clean is Clean counting its work in m.
func (s *Scrubber) clean(m *meter, text string, max int) string {
	text = text[:min(len(text), maxInputBytes)]
	var mask []bool
	if m.step(0) && s != nil {
		mask = s.mask(m, text)
	}
	if m.ended || m.ctx.Err() != nil {
		return contextEnded
	}
	return render(text, mask, max)
}

// mask returns which bytes of text to mask: the text under a secret's
// window, in the raw text or a decoded view, and under the extra patterns.
func (s *Scrubber) mask(m *meter, text string) []bool {
	mask := make([]bool, len(text))
	all := views(m, text)
	for n, set := range s.windows {
		for _, v := range all {
			maskWindows(m, mask, v, n, set)
		}
	}
	for _, re := range s.extra {
		if !m.step(len(text)) {
			break
		}
		for _, loc := range re.FindAllStringIndex(text, -1) {
			markRange(mask, loc[0], loc[1])
		}
	}
	return mask
}

// views returns text as it is and decoded up to decodeLevels times (while
// there is anything to decode).
func views(m *meter, text string) []*view {
	all := []*view{{b: text}}
	for v := all[0]; len(all) <= decodeLevels && strings.ContainsAny(v.b, `\%&`); all = append(all, v) {
		v = v.decode(m)
	}
	return all
}

// maskWindows marks the text under every n-byte window of v that is in set.
func maskWindows(m *meter, mask []bool, v *view, n int, set map[uint64]struct{}) {
	var k uint64
	keep := ^uint64(0) >> (64 - 8*n)
	marked := 0 // mask is done below marked
	for i := 0; i < len(v.b) && len(set) > 0 && m.step(1); i++ {
		k = (k<<8 | uint64(fold(v.b[i]))) & keep
		if _, ok := set[k]; ok && i+1 >= n {
			start, _ := v.span(i + 1 - n)
			_, end := v.span(i)
			markRange(mask, max(start, marked), end)
			marked = max(marked, end)
		}
	}
}

// key packs a piece of at most 8 bytes, with '+' read as ' ' (URL encoding
// writes a space as +).
func key(piece string) uint64 {
	var k uint64
	for i := range len(piece) {
		k = k<<8 | uint64(fold(piece[i]))
	}
	return k
}

// fold reads '+' as ' ', so that pieces compare as URL encoding would.
func fold(c byte) byte {
	if c == '+' {
		return ' '
	}
	return c
}

// markRange marks mask[start:end].
func markRange(mask []bool, start, end int) {
	for i := start; i < end; i++ {
		mask[i] = true
	}
}

// latin1 returns secret with each character below U+0100 as one byte, as
// a Latin-1 text or a \xXX escape per character writes it.
func latin1(secret string) string {
	var b []byte
	for _, r := range secret {
		if r < 0x100 {
			b = append(b, byte(r))
		} else {
			b = utf8.AppendRune(b, r)
		}
	}
	return string(b)
}

// meter counts the work of one Clean call (bytes looked at) and looks at
// its context at the first step and then every checkEvery bytes.
type meter struct {
	ctx       context.Context
	work      int  // bytes looked at so far
	nextCheck int  // the work at which to look at ctx again
	ended     bool // ctx had ended at the last look
}

// step counts n more bytes of work and reports whether to go on.
func (m *meter) step(n int) bool {
	m.work += n
	if m.work >= m.nextCheck && !m.ended {
		m.nextCheck = m.work + checkEvery
		m.ended = m.ctx.Err() != nil
	}
	return !m.ended
}

// render writes text for an error string: each run of masked bytes as one
// Masked, then as writeClean does. It stops once past max bytes and cuts
// the result to max (see Truncate).
func render(text string, mask []bool, max int) string {
	var b strings.Builder
	for i, end := 0, 0; i < len(text) && b.Len() <= max; i = end {
		for end = i; end < len(text) && masked(mask, end) == masked(mask, i); end++ {
		}
		if masked(mask, i) {
			b.WriteString(Masked)
		} else {
			writeClean(&b, text[i:end], max)
		}
	}
	return Truncate(b.String(), max)
}

// masked reports whether mask (nil masks nothing) marks byte i.
func masked(mask []bool, i int) bool { return i < len(mask) && mask[i] }

// writeClean writes s to b with each run of invalid UTF-8 as one U+FFFD and
// control and format characters (and the Unicode line and paragraph
// separators) as \uXXXX, until b holds more than max bytes.
func writeClean(b *strings.Builder, s string, max int) {
	invalid := false // the last rune was invalid UTF-8
	for i, n := 0, 0; i < len(s) && b.Len() <= max; i += n {
		var r rune
		r, n = utf8.DecodeRuneInString(s[i:])
		bad := r == utf8.RuneError && n == 1
		switch {
		case bad && invalid:
		case bad || !needsEscape(r):
			b.WriteRune(r)
		case r > 0xFFFF:
			fmt.Fprintf(b, `\U%08x`, r)
		default:
			fmt.Fprintf(b, `\u%04x`, r)
		}
		invalid = bad
	}
}

// needsEscape reports whether r is a control or format character or a line
// or paragraph separator.
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
