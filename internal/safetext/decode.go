package safetext

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// view is a text seen through one decoding: byte i of b stands for
// text[from[i]:to[i]]. A view with nil from is the text itself.
type view struct {
	b        string
	from, to []int32
}

// span returns where in the text byte i of the view came from.
func (v *view) span(i int) (start, end int) {
	if v.from == nil {
		return i, i + 1
	}
	return int(v.from[i]), int(v.to[i])
}

// decodeLevels is how many times Clean decodes a text: twice reads an
// escape inside another family's escape (\u0026#43; is &#43; is +).
const decodeLevels = 2

// decode returns v with every character written in any of the forms Clean
// knows decoded, each character on its own (so mixes decode): JSON and
// JavaScript escapes, URL %XX, HTML character references. It stops early,
// with a partial view, when m says to.
func (v *view) decode(m *meter) *view {
	b := make([]byte, 0, len(v.b))
	d := &view{from: make([]int32, 0, len(v.b)), to: make([]int32, 0, len(v.b))}
	for i, n := 0, 0; i < len(v.b) && m.step(n); i += n {
		before := len(b)
		b, n = decodeOne(b, v.b, i)
		start, _ := v.span(i)
		_, end := v.span(i + n - 1)
		for range len(b) - before {
			d.from, d.to = append(d.from, int32(start)), append(d.to, int32(end))
		}
	}
	d.b = string(b)
	return d
}

// decodeOne appends to dst the bytes that the text at i stands for and
// returns how many bytes of text they came from (at least one).
func decodeOne(dst []byte, text string, i int) ([]byte, int) {
	switch text[i] {
	case '\\':
		return decodeBackslashes(dst, text, i)
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

// decodeBackslashes decodes a run of backslashes at i and the escape after
// it, if any. A JSON text quoted d times writes a backslash as 2^d of them
// and an escape (\u0041, \n) after 2^(d-1), so a run of k = (2n+1)·2^(d-1)
// before an escape is n backslashes and the escape, whatever d and n; a
// quote after k = (n+1)·2^d - 1 is n backslashes and the quote; a run
// before anything else is k's odd part of backslashes. Secrets go through
// the same decoding, so both sides agree where this guesses.
func decodeBackslashes(dst []byte, text string, i int) ([]byte, int) {
	j := i
	for j < len(text) && text[j] == '\\' {
		j++
	}
	k := j - i
	var buf [utf8.UTFMax]byte
	escaped, n := jsonEscape(buf[:0], text, j)
	literal := k / (k & -k)
	switch {
	case n > 0:
		literal = (literal - 1) / 2
	case j < len(text) && text[j] == '"' && k%2 == 1:
		literal, escaped, n = (k+1)/((k+1)&-(k+1))-1, append(escaped, '"'), 1
	}
	for range literal {
		dst = append(dst, '\\')
	}
	return append(dst, escaped...), k + n
}

// jsonEscape appends what the escape at text[j:] (after its backslashes)
// stands for: u and four hex digits (two such escapes for a surrogate pair),
// x and two hex digits (one byte), or a short escape (/ b f n r t). It
// returns how many bytes the escape took; 0 means there is none.
func jsonEscape(dst []byte, text string, j int) ([]byte, int) {
	if j >= len(text) {
		return dst, 0
	}
	switch c := text[j]; c {
	case 'u':
		u, ok := hexValue(text, j+1, 4)
		if !ok {
			return dst, 0
		}
		r, n := rune(u), 5
		if utf16.IsSurrogate(r) {
			lo, more := lowSurrogate(text, j+5)
			if r = utf16.DecodeRune(r, lo); r == utf8.RuneError {
				return dst, 0
			}
			n += more
		}
		return utf8.AppendRune(dst, r), n
	case 'x':
		if b, ok := hexValue(text, j+1, 2); ok {
			return append(dst, byte(b)), 3
		}
	default:
		if k := strings.IndexByte("/bfnrt", c); k >= 0 {
			return append(dst, "/\b\f\n\r\t"[k]), 1
		}
	}
	return dst, 0
}

// lowSurrogate reads the second half of a surrogate pair at text[i:]: a
// power of two of backslashes, u and four hex digits. It returns the code
// unit and the bytes it took, or 0, 0.
func lowSurrogate(text string, i int) (rune, int) {
	j := i
	for j < len(text) && text[j] == '\\' {
		j++
	}
	k := j - i
	u, ok := hexValue(text, j+1, 4)
	if k == 0 || k&(k-1) != 0 || !ok || text[j] != 'u' {
		return 0, 0
	}
	return rune(u), k + 5
}

// htmlNames are the named character references Clean decodes (in any case).
var htmlNames = []struct {
	name string
	r    rune
}{{"lt;", '<'}, {"gt;", '>'}, {"amp;", '&'}, {"quot;", '"'}, {"apos;", '\''}}

// htmlReference decodes the character reference at the start of s (which
// starts with &): &#NN; or &#xHH; with any leading zeros, or a name of
// htmlNames. It returns the rune and its length, or 0, 0.
func htmlReference(s string) (rune, int) {
	if !strings.HasPrefix(s, "&#") {
		for _, e := range htmlNames {
			if len(s) > len(e.name) && strings.EqualFold(s[1:1+len(e.name)], e.name) {
				return e.r, 1 + len(e.name)
			}
		}
		return 0, 0
	}
	base, k := 10, 2
	if len(s) > k && s[k]|0x20 == 'x' {
		base, k = 16, 3
	}
	v, first := 0, k
	for ; k < len(s) && digit(s[k], base) >= 0 && v <= utf8.MaxRune; k++ {
		v = v*base + digit(s[k], base)
	}
	if k == first || k >= len(s) || s[k] != ';' || !utf8.ValidRune(rune(v)) {
		return 0, 0
	}
	return rune(v), k + 1
}

// hexValue reads exactly n hex digits (either case) at s[i:].
func hexValue(s string, i, n int) (int, bool) {
	v := 0
	for k := i; k < i+n; k++ {
		if k >= len(s) || digit(s[k], 16) < 0 {
			return 0, false
		}
		v = v<<4 | digit(s[k], 16)
	}
	return v, true
}

// digit returns the value of c as a digit in base (10 or 16), or -1.
func digit(c byte, base int) int {
	d := strings.IndexByte("0123456789abcdefABCDEF", c)
	if d >= 16 {
		d -= 6
	}
	if d >= base {
		return -1
	}
	return d
}
