package leaktest

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/biembed/biembed-go/biembed"
)

type plainToken struct{ SessionToken string }

// plainHidden holds a password in an unexported plain string: fmt's
// bad-verb path prints it.
type plainHidden struct{ password string }

// The unexported fields below are read only through reflection (by fmt and
// by Check).
var _ = []any{plainHidden{}.password, hiddenSecret{}.key, formattedSecret{}.key, (&lockedSecret{}).key, (&lockedSecret{}).mu.TryLock}

type hiddenSecret struct{ key biembed.Secret }

type formattedSecret struct{ key biembed.Secret }

func (s formattedSecret) Format(f fmt.State, _ rune) { fmt.Fprintf(f, "{%v}", s.key) }

type nestedPointer struct{ Inner *hiddenSecret }

type lockedSecret struct {
	mu  sync.Mutex
	key biembed.Secret
}

func (s *lockedSecret) Format(f fmt.State, _ rune) { fmt.Fprintf(f, "{%v}", s.key) }

type leakyError struct{ Token biembed.Secret }

func (e leakyError) Error() string              { return "failed for " + e.Token.Reveal() }
func (e leakyError) Format(f fmt.State, _ rune) { fmt.Fprintf(f, "{%v}", e.Token) }

// TestCheckFindsEachKindOfLeak: Check reports a plain-string secret field
// (exported, or unexported and printed raw by fmt) and an Error that
// reveals; it passes every type that holds its secret in a biembed.Secret,
// however deep, and prints a type holding a lock through its pointer only.
func TestCheckFindsEachKindOfLeak(t *testing.T) {
	t.Parallel()
	types := map[string]reflect.Type{
		"plainToken": reflect.TypeFor[plainToken](), "hiddenSecret": reflect.TypeFor[hiddenSecret](),
		"formattedSecret": reflect.TypeFor[formattedSecret](), "nestedPointer": reflect.TypeFor[nestedPointer](),
		"lockedSecret": reflect.TypeFor[lockedSecret](), "leakyError": reflect.TypeFor[leakyError](),
		"plainHidden": reflect.TypeFor[plainHidden](),
	}
	var list []Type
	for name, typ := range types {
		list = append(list, Type{Name: name, Type: typ})
	}
	found := map[string][]string{}
	for _, f := range Check(list) {
		found[f.Type] = append(found[f.Type], f.Where)
	}
	want := map[string]string{
		"plainToken":  "field leaktest.plainToken.SessionToken",
		"plainHidden": `fmt "%d" of *leaktest.plainHidden`,
		"leakyError":  "Error() of leaktest.leakyError",
	}
	for name, where := range want {
		if !strings.Contains(strings.Join(found[name], ", "), where) {
			t.Errorf("%s: findings %q lack %q", name, found[name], where)
		}
	}
	// A Secret hides itself in an unexported field and behind a pointer
	// printed with a bad verb, where fmt calls no method.
	for _, name := range []string{"hiddenSecret", "nestedPointer", "formattedSecret", "lockedSecret"} {
		if len(found[name]) > 0 {
			t.Errorf("%s: unexpected findings %q", name, found[name])
		}
	}
}
