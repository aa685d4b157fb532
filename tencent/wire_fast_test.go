package tencent

import (
	"encoding/json"
	"testing"
)

// TestPlainStringAgreesWithTheDecoder: where the shortcut answers, it gives
// what encoding/json gives; it declines escapes, control bytes and non-ASCII.
func TestPlainStringAgreesWithTheDecoder(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{`"abc"`, `""`, `" 117 "`, `"2024-01-02 03:04:05"`, `"a\"b"`, `"\u0041"`, "\"\xff\"", `"区域"`,
		"\"tab\tx\"", `117`, `null`, `"`, `"open`} {
		got, ok := plainString([]byte(raw))
		var want string
		err := json.Unmarshal([]byte(raw), &want)
		if ok && (err != nil || got != want) {
			t.Errorf("plainString(%s) = %q; encoding/json gives %q, %v", raw, got, want, err)
		}
	}
}
