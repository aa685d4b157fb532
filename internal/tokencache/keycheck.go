package tokencache

import (
	"unicode"
	"unicode/utf8"

	"github.com/biembed/biembed-go/internal/validate"
)

// MaxKeyLen is the longest cache key Get and Invalidate accept, in bytes.
// A key is an index entry in every Store (a Redis key, a log field), so
// one a megabyte long is a caller's bug, not a key.
const MaxKeyLen = 1024

// checkKey rejects a key no Store should hold: empty, longer than
// MaxKeyLen, invalid UTF-8 or with control characters (which would reach
// log lines and Event.Key verbatim). The error never quotes the key.
func checkKey(key string) error {
	switch {
	case key == "":
		return validate.Fieldf("key", "must not be empty")
	case len(key) > MaxKeyLen:
		return validate.Fieldf("key", "must be at most %d bytes (is %d)", MaxKeyLen, len(key))
	case !utf8.ValidString(key):
		return validate.Fieldf("key", "must be valid UTF-8")
	}
	for _, r := range key {
		if unicode.IsControl(r) {
			return validate.Fieldf("key", "must not contain control characters")
		}
	}
	return nil
}
