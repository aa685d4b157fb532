package validate

import (
	"errors"
	"testing"
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
		if !errors.Is(got, ErrInvalid) {
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
