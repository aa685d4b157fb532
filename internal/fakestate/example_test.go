package fakestate_test

import (
	"fmt"

	"github.com/biembed/biembed-go/internal/fakestate"
)

// A Core keeping the last two requests still counts all of them.
func ExampleCore() {
	core := fakestate.NewCore[string](nil, 2)
	for _, path := range []string{"/a", "/b", "/c"} {
		core.Record("GET", path)
	}
	fmt.Println(core.Requests(), core.Count("GET"), core.Count(""))
	// Output: [/b /c] 3 3
}
