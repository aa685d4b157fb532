package tokencache

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sync"

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
	buf := keyBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	// An Encoder writes what json.Marshal returns plus a newline, into a
	// reused buffer instead of a new slice.
	err := json.NewEncoder(buf).Encode(v)
	key := ""
	if err == nil {
		key = KeyOfJSON(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
	}
	if buf.Cap() <= maxKeyBuffer {
		keyBuffers.Put(buf)
	}
	if err != nil {
		return "", validate.Fieldf("v", "must encode as JSON (encoding %T failed)", v)
	}
	return key, nil
}

// KeyOfJSON is KeyOf for a value already encoded as JSON (b, exactly the
// bytes json.Marshal returns): "sha256:" followed by the hex SHA-256 of b.
func KeyOfJSON(b []byte) string {
	sum := sha256.Sum256(b)
	var key [len(keyPrefix) + 2*sha256.Size]byte
	copy(key[:], keyPrefix)
	hex.Encode(key[len(keyPrefix):], sum[:])
	return string(key[:])
}

const keyPrefix = "sha256:"

// keyBuffers holds encoding buffers for KeyOf; buffers that grew past
// maxKeyBuffer are dropped rather than kept.
var keyBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

const maxKeyBuffer = 64 << 10
