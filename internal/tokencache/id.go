package tokencache

import (
	"crypto/sha256"
	"encoding/hex"
)

// HashID returns the identity a store keeps for a token value: "sha256:" and
// the hex SHA-256 of value. Entry.ID and Target.IDs carry it instead of the
// token, so a store's index (a Redis key, a log line) never holds a live
// token; the same value always hashes to the same ID, so InvalidateValue
// with HashID(token) finds the entry saved with it.
func HashID(value string) string {
	sum := sha256.Sum256([]byte(value))
	return "sha256:" + hex.EncodeToString(sum[:])
}
