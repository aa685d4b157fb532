package secrettest

import (
	"errors"
	"testing"
)

func TestRecorderFindsLeaksInLogsAndErrors(t *testing.T) {
	t.Parallel()
	r := &Recorder{}
	r.AddSecret(SecretKey, "")
	r.Logger().Debug("request", "auth", "masked")
	_ = r.Err(errors.New("failed"))
	if leaks := r.Leaks(); len(leaks) != 0 {
		t.Fatalf("clean run reported leaks: %v", leaks)
	}
	r.Logger().Info("oops", "key", SecretKey)
	_ = r.Err(errors.New("bad key " + SecretKey))
	leaks := r.Leaks()
	if len(leaks) != 4 || leaks[0] != "secret #0 appears in the logs" {
		t.Fatalf("want the log leak and the three printed forms of the error, got %v", leaks)
	}
	for _, l := range r.Leaks() {
		if contains(l, SecretKey) {
			t.Errorf("leak report repeats the secret: %q", l)
		}
	}
}

func TestErrReturnsItsArgument(t *testing.T) {
	t.Parallel()
	r := New(t)
	e := errors.New("x")
	if r.Err(e) != e || r.Err(nil) != nil {
		t.Error("Err must return its argument unchanged")
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
