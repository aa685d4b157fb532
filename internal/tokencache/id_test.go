package tokencache

import (
	"strings"
	"testing"
)

func TestHashIDIsStableAndHidesTheValue(t *testing.T) {
	a, b := HashID("tok-secret"), HashID("tok-secret")
	if a != b {
		t.Fatalf("HashID not stable: %q vs %q", a, b)
	}
	if strings.Contains(a, "tok-secret") || !strings.HasPrefix(a, "sha256:") || len(a) != len("sha256:")+64 {
		t.Fatalf("HashID(%q) = %q", "tok-secret", a)
	}
	if HashID("tok-other") == a {
		t.Fatal("different values hash alike")
	}
}
