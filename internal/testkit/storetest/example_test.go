package storetest_test

import (
	"fmt"

	"github.com/biembed/biembed-go/internal/testkit/storetest"
	"github.com/biembed/biembed-go/tokencache"
)

// Check runs the contract's checks outside a test; in a test, call
// storetest.Run(t, newStore) instead to get one subtest per check.
func Example() {
	err := storetest.Check(func() tokencache.Store { return tokencache.NewMemoryStore(0, 0) })
	fmt.Println(err)
	// Output: <nil>
}
