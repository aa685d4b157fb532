package fakestate_test

import (
	"fmt"

	"github.com/biembed/biembed-go/internal/fakestate"
)

// A log of the last two requests still counts all of them.
func ExampleLog() {
	log := fakestate.NewLog[string](2)
	for _, path := range []string{"/a", "/b", "/c"} {
		log.Add("GET", path)
	}
	fmt.Println(log.Entries(), log.Count("GET"), log.Count(""))
	// Output: [/b /c] 3 3
}
