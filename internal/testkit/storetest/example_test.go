package storetest_test

import (
	"fmt"

	"github.com/biembed/biembed-go/internal/tokencache"
	"github.com/biembed/biembed-go/internal/testkit/storetest"
)

// Check runs the contract's checks outside a test; in a test, call
// storetest.Run(t, newStore) instead to get one subtest per check.
func Example() {
	err := storetest.Check(func() tokencache.Store[string] { return tokencache.NewMemoryStore[string]() })
	fmt.Println(err)
	// Output: <nil>
}
