package redact

import (
	"fmt"
	"testing"
)

func TestMask(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"":                                     "",
		"short":                                "***",
		"300cf2a4-cfb8-47b8-9bc0-4a1f1f74bc1d": "300c…(36 chars)",
	}
	for in, want := range cases {
		if got := Mask(in); got != want {
			t.Errorf("Mask(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSecretNeverPrintsItself(t *testing.T) {
	t.Parallel()
	const value = "super-secret-key-0123456789"
	s := Secret(value)
	type holder struct{ Key Secret }
	for _, out := range []string{
		fmt.Sprint(s), fmt.Sprintf("%v", s), s.String(), fmt.Sprintf("%#v", s),
		fmt.Sprintf("%+v", holder{s}), fmt.Sprintf("%#v", holder{s}),
	} {
		if out == "" || containsValue(out, value) {
			t.Errorf("printed form %q reveals the secret", out)
		}
	}
	if s.Reveal() != value {
		t.Errorf("Reveal() = %q, want the value", s.Reveal())
	}
}

func containsValue(s, v string) bool {
	for i := 0; i+len(v) <= len(s); i++ {
		if s[i:i+len(v)] == v {
			return true
		}
	}
	return false
}
