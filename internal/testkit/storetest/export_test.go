package storetest

import (
	"fmt"
	"runtime"

	"github.com/biembed/biembed-go/tokencache"
)

// Check runs the same checks as Run outside a test and returns the first
// breach of the contract, naming the check, or nil.
func Check(newStore func() tokencache.Store) error {
	for _, c := range checks {
		f, done := &failure{}, make(chan struct{})
		go func() {
			defer close(done)
			c.fn(f, newStore())
		}()
		if <-done; f.err != nil {
			return fmt.Errorf("storetest: %s: %w", c.name, f.err)
		}
	}
	return nil
}

// failure is the T of Check: Fatalf records the breach and ends the check.
type failure struct{ err error }

func (*failure) Helper() {}

func (f *failure) Fatalf(format string, args ...any) {
	f.err = fmt.Errorf(format, args...)
	runtime.Goexit()
}
