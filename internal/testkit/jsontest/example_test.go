package jsontest_test

import (
	"fmt"

	"github.com/biembed/biembed-go/internal/testkit/jsontest"
)

func ExampleStable() {
	type dim struct {
		Field    string `json:"field"`
		DataType string `json:"dataType,omitempty"`
	}
	fmt.Println(jsontest.Stable[dim]([]byte(`{"field":"region","dataType":"String"}`)))
	// Output: <nil>
}
