package safetext_test

import (
	"context"
	"fmt"

	"github.com/biembed/biembed-go/internal/safetext"
)

func ExampleScrubber_Clean() {
	s := safetext.NewScrubber([]string{"p<w>"})
	fmt.Println(s.Clean(context.Background(), "bad body {\"password\":\"p\\u003cw\\u003e\"}\r\n\x1b[2J", safetext.MaxMessageBytes))
	fmt.Println(safetext.CheckToken("token\r\n") != nil)
	// Output:
	// bad body {"password":"***"}\u000d\u000a\u001b[2J
	// true
}
