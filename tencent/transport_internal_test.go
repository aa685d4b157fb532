package tencent

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// TestReadLimitedWhateverTheDeclaredLength: the body is read whole under
// MaxResponseBytes whether its declared length is right, short, long,
// unknown or over the limit (a caller's transport need not enforce
// Content-Length), and a failed read is recorded.
func TestReadLimitedWhateverTheDeclaredLength(t *testing.T) {
	t.Parallel()
	small := `{"Response":{}}`
	big := strings.Repeat("x", MaxResponseBytes+1)
	cases := []struct {
		name     string
		body     io.Reader
		size     int64
		want     string
		tooLarge bool
		readErr  bool
	}{
		{"exact", strings.NewReader(small), int64(len(small)), small, false, false},
		{"unknown", strings.NewReader(small), -1, small, false, false},
		{"declared shorter", strings.NewReader(small), 3, small, false, false},
		{"declared zero", strings.NewReader(small), 0, small, false, false},
		{"empty", strings.NewReader(""), 0, "", false, false},
		{"one byte reads", iotest.OneByteReader(strings.NewReader(small)), 3, small, false, false},
		{"declared longer", strings.NewReader(small), int64(len(small)) + 5, small, false, false},
		{"over the limit, declared", strings.NewReader(big), int64(len(big)), "", true, false},
		{"over the limit, unknown", strings.NewReader(big), -1, "", true, false},
		{"over the limit, declared short", strings.NewReader(big), 10, "", true, false},
		{"exactly the limit, declared short", strings.NewReader(big[1:]), 10, big[1:], false, false},
		{"cut", io.MultiReader(strings.NewReader(small), iotest.ErrReader(errors.New("reset"))), 100, "", false, true},
		{"cut after the declared length", io.MultiReader(strings.NewReader(small), iotest.ErrReader(errors.New("reset"))), 3, "", false, true},
	}
	for _, tc := range cases {
		a := &attempt{}
		b, err := readLimited(tc.body, tc.size, a)
		if a.tooLarge != tc.tooLarge || (a.readErr != nil) != tc.readErr {
			t.Errorf("%s: tooLarge %v readErr %v", tc.name, a.tooLarge, a.readErr)
		}
		if (err != nil) != (tc.tooLarge || tc.readErr) || !bytes.Equal(b, []byte(tc.want)) {
			t.Errorf("%s: got %d bytes, %v", tc.name, len(b), err)
		}
	}
}
