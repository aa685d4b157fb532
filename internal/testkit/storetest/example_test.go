package storetest_test

import (
	"fmt"

	"github.com/biembed/biembed-go/internal/testkit/storetest"
	"github.com/biembed/biembed-go/tokencache"
)

// Check (export_test.go) runs the contract's checks outside a test, as
// storetest.Run(t, newStore) runs them in one, one subtest per check.
func Example() {
	err := storetest.Check(func() tokencache.Store { return tokencache.NewMemoryStore(0, 0) })
	fmt.Println(err)
	// Output: <nil>
}
