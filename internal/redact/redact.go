// Package redact masks secrets (keys, passwords, minted tokens) before they
// can reach a log line, an error string or fmt output.
//
// Secret is the one type that carries a secret: it masks itself whatever
// prints it. Format and LogValue print any struct the way fmt and slog
// would, with every Secret in it masked, at any depth and in unexported
// fields too; types that hold a Secret implement fmt.Formatter and
// slog.LogValuer with them in one line each.
package redact

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strconv"
)

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

// Secret is a string that never prints itself: String, GoString, every fmt
// verb, slog and encoding/json all see the masked form (see Mask). Reveal is
// the only way to the value; call it only where the value goes on the wire
// or into a store. Make one by conversion: Secret(s).
//
// JSON: MarshalJSON writes the masked form, so a struct holding a Secret can
// be logged as JSON safely; UnmarshalJSON takes the raw value. A store that
// must keep the value encodes Reveal() itself.
//
// One fmt form escapes every method: %p of a value that is not a pointer
// prints the value raw (fmt's bad-verb path). go vet's printf check reports
// such calls; keep it on.
type Secret string

// Reveal returns the secret value. Call it only where the value goes on the
// wire or into a store.
func (s Secret) Reveal() string { return string(s) }

// String returns the masked form of the secret.
func (s Secret) String() string { return Mask(string(s)) }

// GoString returns the masked form of the secret, quoted, so %#v does not
// reveal it.
func (s Secret) GoString() string { return strconv.Quote(Mask(string(s))) }

// Format writes the masked form for every verb: quoted for %q and %#v,
// plain otherwise (%x, %d and the like do not encode the value).
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'q' || (verb == 'v' && f.Flag('#')) {
		io.WriteString(f, s.GoString())
		return
	}
	io.WriteString(f, s.String())
}

// LogValue implements slog.LogValuer with the masked form.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalJSON writes the masked form as a JSON string.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// UnmarshalJSON reads a JSON string as the secret's value.
func (s *Secret) UnmarshalJSON(data []byte) error {
	var v string
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	*s = Secret(v)
	return nil
}
