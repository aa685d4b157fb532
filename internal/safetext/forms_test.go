package safetext_test

import (
	"encoding/json"
	"fmt"
	"html"
	"math/rand/v2"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// tokenAlphabet is what real tokens are made of.
const tokenAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"

// randomToken returns n bytes of tokenAlphabet.
func randomToken(rng *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = tokenAlphabet[rng.IntN(len(tokenAlphabet))]
	}
	return string(b)
}

// Encoders of a whole text, as a server echo may write it.
var (
	rawForm  = func(s string) string { return s }
	jsonForm = func(s string) string { b, _ := json.Marshal(s); return string(b[1 : len(b)-1]) }
	urlForm  = url.QueryEscape
	htmlForm = html.EscapeString
)

// perRune writes each rune of s with enc.
func perRune(s string, enc func(r rune) string) string {
	var b strings.Builder
	for _, r := range s {
		b.WriteString(enc(r))
	}
	return b.String()
}

// perByte writes each byte of s in format (%%%02X, \x%02x).
func perByte(s, format string) string {
	var b strings.Builder
	for i := range len(s) {
		fmt.Fprintf(&b, format, s[i])
	}
	return b.String()
}

// uEscape writes r as JSON \u escapes in format (\u%04x, \\u%04X), a
// surrogate pair above the BMP.
func uEscape(r rune, format string) string {
	if r > 0xFFFF {
		hi, lo := utf16.EncodeRune(r)
		return fmt.Sprintf(format+format, hi, lo)
	}
	return fmt.Sprintf(format, r)
}

// runeForms are the ways a server may write one character, each on its own;
// the first is the raw character.
var runeForms = []func(r rune) string{
	func(r rune) string { return string(r) },
	func(r rune) string { return jsonForm(string(r)) },
	func(r rune) string { return uEscape(r, `\u%04x`) },
	func(r rune) string { return uEscape(r, `\u%04X`) },
	func(r rune) string { return perByte(string(r), `\x%02x`) },
	func(r rune) string { return perByte(string(r), `%%%02X`) },
	func(r rune) string { return perByte(string(r), `%%%02x`) },
	func(r rune) string { return url.QueryEscape(string(r)) },
	func(r rune) string { return fmt.Sprintf("&#%03d;", r) },
	func(r rune) string { return fmt.Sprintf("&#x%X;", r) },
	func(r rune) string { return fmt.Sprintf("&#X%06x;", r) },
	func(r rune) string { return upperEntity(html.EscapeString(string(r))) },
}

// upperEntity upper-cases a named entity (&LT;) and leaves anything else.
func upperEntity(s string) string {
	if strings.HasPrefix(s, "&") {
		return strings.ToUpper(s)
	}
	return s
}

// mixed writes each rune of s in a form rng picks. A backslash is never raw:
// a raw backslash before an escaped character reads as that escape's
// lead-in (the case NewScrubber documents).
func mixed(rng *rand.Rand, s string) string {
	return perRune(s, func(r rune) string {
		form := runeForms[rng.IntN(len(runeForms))](r)
		if form == `\` {
			form = jsonForm(form)
		}
		return form
	})
}

// wholeForms are the ways a server may write a whole text; mixed forms get
// rng.
func wholeForms(rng *rand.Rand) map[string]func(string) string {
	forms := map[string]func(string) string{
		"raw":               rawForm,
		"json":              jsonForm,
		"json twice":        func(s string) string { return jsonForm(jsonForm(s)) },
		"url query":         urlForm,
		"url path":          url.PathEscape,
		"html":              htmlForm,
		"mixed":             func(s string) string { return mixed(rng, s) },
		"mixed, then json":  func(s string) string { return jsonForm(mixed(rng, s)) },
		"mixed, then twice": func(s string) string { return jsonForm(jsonForm(mixed(rng, s))) },
	}
	for k, enc := range runeForms[1:] {
		forms[fmt.Sprintf("every rune, form %d", k+1)] = func(s string) string { return perRune(s, enc) }
	}
	return forms
}

// someForms returns the wholeForms named: the ones that matter for a test
// too slow to try them all.
func someForms(rng *rand.Rand, names ...string) map[string]func(string) string {
	all, some := wholeForms(rng), make(map[string]func(string) string)
	for _, name := range names {
		some[name] = all[name]
	}
	return some
}

// The test's own lenient decoders, by regular expression.
var (
	jsonEscapes = `\\+(?:u[dD][89abAB][0-9a-fA-F]{2}\\+u[dD][c-fC-F][0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|["\\/bfnrt])`
	urlEscapes  = `%[0-9a-fA-F]{2}|\+`
	htmlEscapes = `&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z]+);`
	decoders    = []*regexp.Regexp{
		regexp.MustCompile(jsonEscapes),
		regexp.MustCompile(urlEscapes),
		regexp.MustCompile(htmlEscapes),
		regexp.MustCompile(jsonEscapes + "|" + urlEscapes + "|" + htmlEscapes),
	}
)

// decodings returns s as it is and decoded as JSON, URL and HTML text, each
// on its own and all at once.
func decodings(s string) []string {
	all := []string{s}
	for _, re := range decoders {
		all = append(all, re.ReplaceAllStringFunc(s, decodeEscape))
	}
	return all
}

// decodeEscape decodes one match of decoders.
func decodeEscape(m string) string {
	switch body := strings.TrimLeft(m, `\`); {
	case m == "+":
		return " "
	case m[0] == '%':
		n, _ := strconv.ParseUint(m[1:], 16, 8)
		return string([]byte{byte(n)})
	case m[0] == '&':
		return html.UnescapeString(m)
	case body == "":
		return `\`
	case body[0] == 'x':
		n, _ := strconv.ParseUint(body[1:], 16, 8)
		return string([]byte{byte(n)})
	case body[0] == 'u':
		hi, _ := strconv.ParseUint(body[1:5], 16, 16)
		if len(body) == 5 {
			return string(rune(hi))
		}
		lo, _ := strconv.ParseUint(strings.TrimLeft(body[5:], `\`)[1:], 16, 16)
		return string(utf16.DecodeRune(rune(hi), rune(lo)))
	default:
		return map[byte]string{'"': `"`, '/': "/", 'b': "\b", 'f': "\f", 'n': "\n", 'r': "\r", 't': "\t"}[body[0]]
	}
}

// leak returns a piece of secret of min(len(secret), MinFragment) bytes
// found in out, as it is or in any of its decodings, or "".
func leak(out, secret string, n int) string {
	n = min(n, len(secret))
	pieces := make(map[string]bool)
	for i := 0; i+n <= len(secret); i++ {
		pieces[secret[i:i+n]] = true
	}
	for _, d := range decodings(out) {
		for i := 0; i+n <= len(d); i++ {
			if pieces[d[i:i+n]] {
				return d[i : i+n]
			}
		}
	}
	return ""
}

// runeFragment returns a random piece of s of at least n bytes (s whole if
// shorter), cut on rune boundaries.
func runeFragment(rng *rand.Rand, s string, n int) string {
	if len(s) <= n {
		return s
	}
	start := rng.IntN(len(s) - n + 1)
	for start > 0 && !utf8.RuneStart(s[start]) {
		start--
	}
	end := start + n + rng.IntN(len(s)-start-n+1)
	for end < len(s) && !utf8.RuneStart(s[end]) {
		end++
	}
	return s[start:end]
}
