// Package redact masks secrets (keys, passwords, minted tokens) before they
// can reach a log line, an error string or fmt output.
package redact

import "strconv"

// visiblePrefix is how many leading bytes of a long secret Mask keeps, enough
// to tell two tokens apart in a log without making either usable.
const visiblePrefix = 4

// minLenForPrefix is the shortest secret of which Mask shows a prefix; shorter
// ones are hidden entirely because a prefix would reveal too much of them.
const minLenForPrefix = 16

// Mask returns a form of secret that is safe to print: empty for an empty
// secret, "***" for a short one, and the first four bytes followed by
// "…(N chars)" for a long one.
func Mask(secret string) string {
	switch {
	case secret == "":
		return ""
	case len(secret) < minLenForPrefix:
		return "***"
	default:
		return secret[:visiblePrefix] + "…(" + strconv.Itoa(len(secret)) + " chars)"
	}
}

// Secret is a string that never prints itself: String, GoString, fmt verbs
// and slog all see the masked form. Use Reveal to get the value to send.
type Secret string

// Reveal returns the secret value. Call it only where the value goes on the wire.
func (s Secret) Reveal() string { return string(s) }

// String returns the masked form of the secret.
func (s Secret) String() string { return Mask(string(s)) }

// GoString returns the masked form of the secret, so %#v does not reveal it.
func (s Secret) GoString() string { return strconv.Quote(Mask(string(s))) }
