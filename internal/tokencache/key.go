package tokencache

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"github.com/biembed/biembed-go/internal/validate"
)

// KeyOf derives a stable cache key from v: "sha256:" followed by the hex
// SHA-256 of v's JSON encoding. encoding/json writes map keys sorted and
// struct fields in declaration order, so equal values give equal keys.
//
// Only the hash leaves KeyOf, so no field of v can be read back from the key.
// Still, strip secrets (keys, passwords) from v first, or pass a struct
// without them: a short or guessable secret could be found by hashing
// guesses, and a key that changes when a secret rotates splits the cache.
//
// A v that does not encode as JSON (channels, functions, NaN) gets a
// *validate.Error for field "v".
func KeyOf(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", validate.Fieldf("v", "must encode as JSON (encoding %T failed)", v)
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}
