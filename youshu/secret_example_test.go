package youshu_test

import (
	"fmt"

	"github.com/biembed/biembed-go/youshu"
)

// A token's Value is a Secret: it prints masked with every verb and in
// JSON; Reveal returns it, for the URL or a store.
func ExampleSecret() {
	tok := youshu.Token{Value: youshu.Secret("1503575355359c4fdea8ec1683ed10edd91ae"), BaseURL: "https://bi.example.com"}
	fmt.Printf("%v | %d | %x\n", tok.Value, tok.Value, tok.Value)
	fmt.Println(len(tok.Value.Reveal()))
	// Output:
	// 1503…(37 chars) | 1503…(37 chars) | 1503…(37 chars)
	// 37
}
