package jsonenc_test

import (
	"encoding/json"
	"testing"

	"github.com/biembed/biembed-go/internal/jsonenc"
)

// FuzzAppendString: AppendString writes what json.Marshal writes for any string.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", `q"uo\te`, "<&>", "\x00\x1f\b\f\n\r\t", "\u2028\u2029", "bad\xff\xc3", "区域🙂"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := jsonenc.AppendString(nil, s); string(got) != string(want) {
			t.Fatalf("AppendString(%q) = %s; json.Marshal gives %s", s, got, want)
		}
		if got := jsonenc.AppendString(nil, []byte(s)); string(got) != string(want) {
			t.Fatalf("AppendString([]byte(%q)) = %s; json.Marshal gives %s", s, got, want)
		}
	})
}
