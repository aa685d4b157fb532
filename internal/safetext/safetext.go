// Package safetext makes text that a server sent safe to put in an error
// string or a log line (a server message may quote the request, secrets
// included, in any encoding, carry CR/LF and terminal escapes, and be of
// any length), and checks what a server hands back as a token.
package safetext

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

const (
	Masked          = "***"   // what replaces every secret Clean finds
	MaxMessageBytes = 512     // the usual cap of a server message in an error
	MaxFieldBytes   = 128     // the usual cap of a short server field (a code, a request id)
	MaxTokenBytes   = 4 << 10 // the longest token a server may hand back (real ones are tens of bytes)

	// MinFragment is the shortest part of a secret that Clean masks on its
	// own: every MinFragment-byte piece of a secret is masked wherever it
	// appears, raw or in any form Clean decodes, so no longer part of a
	// secret survives, wherever a cut (the input bound, a server's own
	// truncation) falls through it. A shorter secret is masked whole.
	MinFragment = 8

	maxInputBytes = 64 << 10                               // how much of a text Clean looks at, cut before any work
	checkEvery    = 4 << 10                                // how many bytes Clean looks at between two looks at its context
	decodeLevels  = 2                                      // twice reads an escape in another family's escape (\u0026#43; is &#43; is +)
	contextEnded  = "(server text dropped: context ended)" // what Clean returns when its context ends first
)

// Scrubber masks a fixed set of secrets in server text. The zero Scrubber
// (and a nil one) masks nothing but still escapes and caps.
type Scrubber struct {
	// windows[n]: the n-byte pieces to mask (by roll), of every form of every secret
	windows [MinFragment + 1]map[uint64]bool
	extra   []*regexp.Regexp // masked too, on the raw text
}

// NewScrubber returns a Scrubber for secrets (empty ones are ignored) and
// extra patterns, masked on the raw text (Clean looks at ctx only between
// two). A secret is looked for as it is, decoded (a literal escape in it,
// such as "%41", matches a text decoded alike) and in Latin-1 (as \xXX
// writes it). Clean cannot see a literal escape in a secret echoed per
// character so that the escape's lead-in stays raw right before an escaped
// character (a raw backslash before \u0041, or \\ before \\u0041).
func NewScrubber(secrets []string, extra ...*regexp.Regexp) *Scrubber {
	s := &Scrubber{extra: extra}
	for _, secret := range secrets {
		var latin1 []byte
		for _, r := range secret {
			if r < 0x100 {
				latin1 = append(latin1, byte(r))
			} else {
				latin1 = utf8.AppendRune(latin1, r)
			}
		}
		forms := append(views(&meter{ctx: context.Background()}, secret), &view{b: plusAsSpace(string(latin1))})
		for _, form := range forms {
			n := min(len(form.b), MinFragment)
			if s.windows[n] == nil {
				s.windows[n] = make(map[uint64]bool)
			}
			var k uint64
			for i := range len(form.b) {
				if k = roll(k, form.b[i], n); i+1 >= n {
					s.windows[n][k] = true
				}
			}
		}
	}
	return s
}

// roll adds byte c to k, the key of an n-byte window, dropping its first byte.
func roll(k uint64, c byte, n int) uint64 { return (k<<8 | uint64(c)) & (^uint64(0) >> (64 - 8*n)) }

// Clean returns text safe to print: every piece of a secret of MinFragment
// bytes or more, and every shorter secret, masked (as Masked) raw, JSON
// escaped (\uXXXX after any number of backslashes, surrogate pairs, \xXX,
// \"...), URL encoded (%XX, + for space), as HTML references or any mix,
// then the extra patterns; invalid UTF-8 as U+FFFD; control and format
// characters (CR, LF, ESC, bidi overrides, U+2028) as \uXXXX; cut to max
// bytes plus "…". It reads the first 64 KiB (see MinFragment), in time
// linear in it, and ctx every 4 KiB of work: if ctx ends first, it returns
// a fixed text holding nothing of the input. A nil ctx is Background.
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
	if s == nil {
		s = &Scrubber{}
	}
	mask := make([]int, len(text)+1) // +1 where a masked range starts, -1 where it ends; then how many cover a byte
	all := views(m, text)
	for n, set := range s.windows {
		for _, v := range all {
			var k uint64
			for i := 0; i < len(v.b) && len(set) > 0 && m.step(1); i++ {
				if k = roll(k, v.b[i], n); i+1 >= n && set[k] {
					start, end := v.cover(i+1-n, i)
					mask[start]++
					mask[end]--
				}
			}
		}
	}
	for _, re := range s.extra {
		if !m.step(len(text)) {
			break
		}
		for _, loc := range re.FindAllStringIndex(text, -1) {
			mask[loc[0]]++
			mask[loc[1]]--
		}
	}
	if m.ctx.Err() != nil {
		return contextEnded
	}
	for i := 1; i < len(mask); i++ {
		mask[i] += mask[i-1]
	}
	return render(text, mask, max)
}

// meter counts a Clean's work (bytes looked at), looking at ctx every checkEvery.
type meter struct {
	ctx        context.Context
	work, next int
	ended      bool
}

// step counts n more bytes of work and reports whether to go on.
func (m *meter) step(n int) bool {
	if m.work += n; m.work >= m.next && !m.ended {
		m.next, m.ended = m.work+checkEvery, m.ctx.Err() != nil
	}
	return !m.ended
}

// render writes text as Clean says, each run of masked bytes as one Masked
// (a character the mask cuts through is invalid UTF-8), up to max bytes.
func render(text string, mask []int, max int) string {
	var b strings.Builder
	invalid := false // the last rune written was invalid UTF-8
	for i, n := 0, 0; i < len(text) && b.Len() <= max; i += n {
		if mask[i] > 0 {
			for n = 1; i+n < len(text) && mask[i+n] > 0; n++ {
			}
			b.WriteString(Masked)
			invalid = false
			continue
		}
		var r rune
		if r, n = utf8.DecodeRuneInString(text[i:]); slices.Max(mask[i:i+n]) > 0 {
			r, n = utf8.RuneError, 1
		}
		bad := r == utf8.RuneError && n == 1
		switch {
		case bad && invalid:
		case bad || !unicode.IsControl(r) && !unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp):
			b.WriteRune(r)
		case r > 0xFFFF:
			fmt.Fprintf(&b, `\U%08x`, r)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
		invalid = bad
	}
	out := b.String()
	if len(out) <= max {
		return out
	}
	for max > 0 && !utf8.RuneStart(out[max]) {
		max--
	}
	return out[:max] + "…"
}

// view is a text seen through one decoding: byte i of b stands for
// text[from[i]:to[i]]. A view with nil from is the text itself.
type view struct {
	b        string
	from, to []int32
}

// cover returns where in the text bytes i to j of the view came from.
func (v *view) cover(i, j int) (int, int) {
	if v.from == nil {
		return i, j + 1
	}
	return int(v.from[i]), int(v.to[j])
}

// views returns text as it is and decoded up to decodeLevels times, each
// with '+' read as ' ' so that pieces compare as URL encoding writes them.
func views(m *meter, text string) []*view {
	all := []*view{{b: plusAsSpace(text)}}
	for v := all[0]; len(all) <= decodeLevels && strings.ContainsAny(v.b, `\%&`); all = append(all, v) {
		v = v.decode(m)
	}
	return all
}

func plusAsSpace(s string) string { return strings.ReplaceAll(s, "+", " ") }

// decode returns v with each character written in a form Clean knows
// decoded on its own (so mixes decode); a partial view when m says to stop.
func (v *view) decode(m *meter) *view {
	b := make([]byte, 0, len(v.b))
	d := &view{from: make([]int32, 0, len(v.b)), to: make([]int32, 0, len(v.b))}
	for i, n := 0, 0; i < len(v.b) && m.step(n); i += n {
		before := len(b)
		b, n = decodeOne(b, v.b, i)
		start, end := v.cover(i, i+n-1)
		for range len(b) - before {
			d.from, d.to = append(d.from, int32(start)), append(d.to, int32(end))
		}
	}
	d.b = plusAsSpace(string(b))
	return d
}

// decodeOne appends to dst the bytes that the text at i stands for and
// returns how many bytes of text they came from (at least one). A JSON text
// quoted d times writes a backslash as 2^d of them and an escape (\u0041,
// \n) after 2^(d-1), so a run of k = (2n+1)·2^(d-1) backslashes before an
// escape is n backslashes and the escape, whatever d and n; before a quote,
// k = (n+1)·2^d - 1 is n backslashes and the quote; before anything else,
// k's odd part. Secrets go through the same decoding, so both sides agree
// where this guesses.
func decodeOne(dst []byte, text string, i int) ([]byte, int) {
	switch text[i] {
	case '\\':
		k := backslashes(text, i)
		escaped, n := jsonEscape(text, i+k)
		literal := k / (k & -k)
		switch {
		case n > 0:
			literal = (literal - 1) / 2
		case strings.HasPrefix(text[i+k:], `"`) && k%2 == 1:
			literal, escaped, n = (k+1)/((k+1)&-(k+1))-1, `"`, 1
		}
		return append(append(dst, strings.Repeat(`\`, literal)...), escaped...), k + n
	case '%':
		if c, ok := hexValue(text, i+1, 2); ok {
			return append(dst, byte(c)), 3
		}
	case '&':
		if r, n := htmlReference(text[i:]); n > 0 {
			return utf8.AppendRune(dst, r), n
		}
	}
	return append(dst, text[i]), 1
}

// backslashes returns the length of the run of backslashes at text[i:].
func backslashes(text string, i int) int {
	return len(text) - i - len(strings.TrimLeft(text[i:], `\`))
}

// jsonEscape returns what the escape at text[j:] (after its backslashes)
// stands for and its length (0: none): u and four hex digits (for a
// surrogate pair, then a power of two of backslashes, u and four more), x
// and two hex digits (one byte), or one of / b f n r t.
func jsonEscape(text string, j int) (string, int) {
	if j >= len(text) {
		return "", 0
	}
	if u, ok := hexValue(text, j+1, 4); ok && text[j] == 'u' {
		r, n := rune(u), 5
		if utf16.IsSurrogate(r) {
			k := backslashes(text, j+5)
			lo, _ := hexValue(text, j+k+6, 4) // 0, no low half, when there are no digits
			if r = utf16.DecodeRune(r, rune(lo)); r == utf8.RuneError || k == 0 || k&(k-1) != 0 || text[j+k+5] != 'u' {
				return "", 0
			}
			n += k + 5
		}
		return string(r), n
	}
	if b, ok := hexValue(text, j+1, 2); ok && text[j] == 'x' {
		return string([]byte{byte(b)}), 3
	}
	if k := strings.IndexByte("/bfnrt", text[j]); k >= 0 {
		return "/\b\f\n\r\t"[k : k+1], 1
	}
	return "", 0
}

// htmlNames are the named character references Clean decodes (in any case).
var htmlNames = map[string]rune{"lt": '<', "gt": '>', "amp": '&', "quot": '"', "apos": '\''}

// htmlReference decodes the character reference at the start of s (which
// starts with &): &#NN; or &#xHH; with any leading zeros, or a name of
// htmlNames. It returns the rune and its length, or 0, 0.
func htmlReference(s string) (rune, int) {
	name, _, ok := strings.Cut(s[1:min(len(s), 6)], ";")
	if r, known := htmlNames[strings.ToLower(name)]; ok && known {
		return r, len(name) + 2
	} else if !strings.HasPrefix(s, "&#") {
		return 0, 0
	}
	base, digits, k := 10, "0123456789", 2
	if len(s) > k && s[k]|0x20 == 'x' {
		base, digits, k = 16, "0123456789abcdefABCDEF", 3
	}
	rest := strings.TrimLeft(s[k:], digits)
	v, err := strconv.ParseUint(s[k:len(s)-len(rest)], base, 32)
	if err != nil || !strings.HasPrefix(rest, ";") || !utf8.ValidRune(rune(v)) {
		return 0, 0
	}
	return rune(v), len(s) - len(rest) + 1
}

// hexValue reads exactly n hex digits (either case) at s[i:].
func hexValue(s string, i, n int) (int, bool) {
	v, err := strconv.ParseUint(s[min(i, len(s)):min(i+n, len(s))], 16, 32)
	return int(v), err == nil && i+n <= len(s)
}

// Errors of CheckToken. Their text never holds the token.
var (
	ErrTokenBlank    = errors.New("the token is empty or blank")
	ErrTokenTooLong  = fmt.Errorf("the token is longer than %d bytes", MaxTokenBytes)
	ErrTokenBadBytes = errors.New("the token holds a character other than visible ASCII")
)

// CheckToken reports whether a server's token can be used: 1 to
// MaxTokenBytes bytes of visible ASCII (0x21-0x7E; no blanks, CR/LF, NUL or
// non-ASCII), since a token goes into URLs and headers verbatim.
func CheckToken(token string) error {
	switch {
	case strings.TrimSpace(token) == "":
		return ErrTokenBlank
	case len(token) > MaxTokenBytes:
		return ErrTokenTooLong
	case strings.ContainsFunc(token, func(r rune) bool { return r < 0x21 || r > 0x7E }):
		return ErrTokenBadBytes
	}
	return nil
}
