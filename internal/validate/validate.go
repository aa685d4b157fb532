// Package validate builds the *biembed.ValidationError every package
// returns for bad input: field paths and rules.
package validate

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/biembed/biembed-go/biembed"
)

// Fieldf returns an error for field, with the rule formatted from format and args.
func Fieldf(field, format string, args ...any) *biembed.ValidationError {
	return &biembed.ValidationError{Field: field, Rule: fmt.Sprintf(format, args...)}
}

// Within prefixes the field path of err with parent when err is a
// *biembed.ValidationError, so a nested Validate can report its own field
// names and the caller adds where the nested value sits. Other errors are
// returned as they are; nil stays nil.
func Within(parent string, err error) error {
	if err == nil {
		return nil
	}
	var ve *biembed.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	field := parent
	if ve.Field != "" {
		if ve.Field[0] == '[' {
			field += ve.Field
		} else {
			field += "." + ve.Field
		}
	}
	return &biembed.ValidationError{Field: field, Rule: ve.Rule}
}

// Index returns name[i], the path of the i-th element of a list field.
func Index(name string, i int) string { return name + "[" + strconv.Itoa(i) + "]" }

// Key returns name["key"], the path of one entry of a map field.
func Key(name, key string) string { return name + "[" + strconv.Quote(key) + "]" }

// Option returns a client option that applies set, or, when ok is false,
// fails naming field (the option) with rule.
func Option[C any](field string, ok bool, rule string, set func(C)) func(C) error {
	return func(c C) error {
		if !ok {
			return &biembed.ValidationError{Field: field, Rule: rule}
		}
		set(c)
		return nil
	}
}

// Apply runs opts on cfg in order and returns the first error; a nil option
// is one.
func Apply[C any, O ~func(*C) error](cfg *C, opts []O) error {
	for _, opt := range opts {
		if opt == nil {
			return Fieldf("Option", "must not be nil")
		}
		if err := opt(cfg); err != nil {
			return err
		}
	}
	return nil
}

// Ready refuses a call on a client not made by its constructor (made false)
// or with a nil context.
func Ready(made bool, ctx context.Context) error {
	if !made {
		return Fieldf("Client", "must be made by NewClient")
	}
	if ctx == nil {
		return Fieldf("ctx", "must not be nil")
	}
	return nil
}

// OneOf reports whether v is one of allowed.
func OneOf[T comparable](v T, allowed ...T) bool {
	for _, a := range allowed {
		if v == a {
			return true
		}
	}
	return false
}

// Text refuses s unless it is valid UTF-8 of at most max bytes without
// control or format characters (CR, LF, NUL, ESC, bidi overrides, zero
// widths, U+2028): such text reaches URLs, Redis keys and log lines. The
// rule never quotes the value.
func Text(field, s string, max int) error {
	switch {
	case len(s) > max:
		return Fieldf(field, "must be at most %d bytes", max)
	case !printableASCII(s) && (!utf8.ValidString(s) || strings.IndexFunc(s, Unprintable) >= 0):
		return Fieldf(field, "must be valid UTF-8 without control or format characters")
	}
	return nil
}

// printableASCII reports whether s holds only printable ASCII, the common
// case Text answers without decoding runes.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// Unprintable reports control and format characters and the Unicode line
// and paragraph separators.
func Unprintable(r rune) bool {
	return unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp)
}

// IsNil reports whether v is nil or an interface holding a nil pointer,
// map, slice, func or channel (a typed nil, which would panic when used).
func IsNil(v any) bool {
	if v == nil {
		return true
	}
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan, reflect.Interface, reflect.UnsafePointer:
		return rv.IsNil()
	}
	return false
}
