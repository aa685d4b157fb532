package leaktest_test

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/biembed/biembed-go/internal/testkit/leaktest"
	"github.com/biembed/biembed-go/internal/redact"
)

type plainToken struct{ SessionToken string }

// The unexported fields below are read only through reflection (by fmt and
// by Check).
var _ = []any{hiddenSecret{}.key, formattedSecret{}.key, (&lockedSecret{}).key, (&lockedSecret{}).mu.TryLock}

type hiddenSecret struct{ key redact.Secret }

type formattedSecret struct{ key redact.Secret }

func (s formattedSecret) Format(f fmt.State, verb rune) { redact.Format(f, verb, s) }

type nestedPointer struct{ Inner *hiddenSecret }

type lockedSecret struct {
	mu  sync.Mutex
	key redact.Secret
}

func (s *lockedSecret) Format(f fmt.State, verb rune) { redact.Format(f, verb, s) }

type leakyError struct{ Token redact.Secret }

func (e leakyError) Error() string                 { return "failed for " + e.Token.Reveal() }
func (e leakyError) Format(f fmt.State, verb rune) { redact.Format(f, verb, e) }

// TestCheckFindsEachKindOfLeak: Check reports a plain-string secret field,
// a Secret that fmt prints raw from an unexported field (directly and
// behind a pointer), and an Error that reveals; it passes a type whose
// Format masks, and prints a type holding a lock through its pointer only.
func TestCheckFindsEachKindOfLeak(t *testing.T) {
	t.Parallel()
	types := map[string]reflect.Type{
		"plainToken": reflect.TypeFor[plainToken](), "hiddenSecret": reflect.TypeFor[hiddenSecret](),
		"formattedSecret": reflect.TypeFor[formattedSecret](), "nestedPointer": reflect.TypeFor[nestedPointer](),
		"lockedSecret": reflect.TypeFor[lockedSecret](), "leakyError": reflect.TypeFor[leakyError](),
	}
	var list []leaktest.Type
	for name, typ := range types {
		list = append(list, leaktest.Type{Name: name, Type: typ})
	}
	found := map[string][]string{}
	for _, f := range leaktest.Check(list) {
		found[f.Type] = append(found[f.Type], f.Where)
	}
	want := map[string]string{
		"plainToken":    "field leaktest_test.plainToken.SessionToken",
		"hiddenSecret":  `fmt "%d" of *leaktest_test.hiddenSecret`,
		"nestedPointer": `fmt "%s" of *leaktest_test.nestedPointer`, // fmt's bad-verb path dumps the pointee raw
		"leakyError":    "Error() of leaktest_test.leakyError",
	}
	for name, where := range want {
		if !strings.Contains(strings.Join(found[name], ", "), where) {
			t.Errorf("%s: findings %q lack %q", name, found[name], where)
		}
	}
	for _, name := range []string{"formattedSecret", "lockedSecret"} {
		if len(found[name]) > 0 {
			t.Errorf("%s: unexpected findings %q", name, found[name])
		}
	}
}
