package validate

import (
	"errors"
	"testing"

	"github.com/biembed/biembed-go/biembed"
)

func TestWithinBuildsFieldPaths(t *testing.T) {
	t.Parallel()
	cases := []struct {
		parent string
		err    error
		want   string
	}{
		{"filterMap", Fieldf(Key("", "7")+".rule", "must be and or or"), `invalid filterMap["7"].rule: must be and or or`},
		{"req", Fieldf("PageID", "must be set"), "invalid req.PageID: must be set"},
		{"req", Fieldf("", "must be set"), "invalid req: must be set"},
	}
	for _, c := range cases {
		got := Within(c.parent, c.err)
		if got.Error() != c.want {
			t.Errorf("Within(%q, %v) = %q, want %q", c.parent, c.err, got, c.want)
		}
		if !errors.Is(got, biembed.ErrInvalid) {
			t.Errorf("%v does not match ErrInvalid", got)
		}
	}
	plain := errors.New("plain")
	if Within("x", plain) != plain || Within("x", nil) != nil {
		t.Error("Within must return non-validation errors and nil unchanged")
	}
}

func TestOneOf(t *testing.T) {
	t.Parallel()
	if !OneOf("a", "b", "a") || OneOf("c", "a", "b") {
		t.Error("OneOf gave a wrong answer")
	}
}

func TestText(t *testing.T) {
	t.Parallel()
	for _, good := range []string{"", "alice", "tenant-1/页面", "a b"} {
		if err := Text("f", good, 64); err != nil {
			t.Errorf("Text(%q) = %v", good, err)
		}
	}
	for _, bad := range []string{"a\r\nb", "a\x00", "\u202eevil", "zero\u200bwidth", "bom\ufeff", "line\u2028sep", "soft\u00adhyphen", "iso\u2066late", "\xff", "long-long-long"} {
		if err := Text("f", bad, 8); err == nil {
			t.Errorf("Text(%q) accepted it", bad)
		}
	}
}

func TestIsNil(t *testing.T) {
	t.Parallel()
	var p *int
	var e error
	if !IsNil(nil) || !IsNil(p) || !IsNil(e) || !IsNil(any(p)) || IsNil(1) || IsNil(new(int)) {
		t.Error("IsNil gave a wrong answer")
	}
}
