package jsonenc_test

import (
	"fmt"

	"github.com/biembed/biembed-go/internal/jsonenc"
)

// AppendString escapes as json.Marshal does, HTML characters included.
func ExampleAppendString() {
	b := append([]byte(`{"name":`), nil...)
	b = jsonenc.AppendString(b, `<a href="x">&</a>`)
	fmt.Println(string(append(b, '}')))
	// Output: {"name":"\u003ca href=\"x\"\u003e\u0026\u003c/a\u003e"}
}
