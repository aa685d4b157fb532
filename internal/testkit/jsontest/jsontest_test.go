package jsontest

import (
	"encoding/json"
	"testing"
)

type plain struct {
	Name string   `json:"name"`
	Tags []string `json:"tags,omitempty"`
}

// lossy drops Name on encoding, so a round trip changes the value.
type lossy struct{ Name string }

func (l lossy) MarshalJSON() ([]byte, error) { return []byte(`{}`), nil }

// unstable encodes a counter that grows on every decode.
type unstable struct{ N int }

func (u unstable) MarshalJSON() ([]byte, error) { return json.Marshal(map[string]int{"n": u.N}) }
func (u *unstable) UnmarshalJSON(b []byte) error {
	var m map[string]int
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	u.N = m["n"] + 1
	return nil
}

func TestStable(t *testing.T) {
	t.Parallel()
	if err := Stable[plain]([]byte(`{"name":"a","tags":[]}`)); err != nil {
		t.Errorf("empty omitempty list: %v", err)
	}
	if err := Stable[plain]([]byte(`not json`)); err != nil {
		t.Errorf("rejected input must pass: %v", err)
	}
	if err := Stable[lossy]([]byte(`{"Name":"a"}`)); err == nil {
		t.Error("a lossy round trip must fail")
	}
	if err := Stable[unstable]([]byte(`{"n":1}`)); err == nil {
		t.Error("an encoding that is not a fixed point must fail")
	}
}
