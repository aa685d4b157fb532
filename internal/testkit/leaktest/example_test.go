package leaktest_test

import (
	"fmt"
	"reflect"

	"github.com/biembed/biembed-go/internal/testkit/leaktest"
	"github.com/biembed/biembed-go/internal/redact"
)

// login holds a password in a plain string: fmt prints it.
type login struct {
	User     string
	Password string
}

// apiKey holds its key in a Secret: nothing prints it.
type apiKey struct {
	Name string
	Key  redact.Secret
}

func ExampleCheck() {
	for _, f := range leaktest.Check([]leaktest.Type{
		{Name: "login", Type: reflect.TypeFor[login]()},
		{Name: "apiKey", Type: reflect.TypeFor[apiKey]()},
	}) {
		if f.Type == "login" || f.Type == "apiKey" {
			fmt.Println(f.Type, f.Where[:5])
		}
	}
	// Output:
	// login field
	// login fmt "
}
