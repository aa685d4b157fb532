package redact_test

import (
	"fmt"

	"github.com/biembed/biembed-go/internal/redact"
)

func ExampleMask() {
	fmt.Println(redact.Mask("300cf2a4-cfb8-47b8-9bc0-4a1f1f74bc1d"))
	fmt.Println(redact.Mask("hunter2"))
	// Output:
	// 300c…(36 chars)
	// ***
}

func ExampleSecret() {
	key := redact.Secret("0123456789abcdef0123456789abcdef")
	fmt.Printf("%v %+v\n", key, struct{ Key redact.Secret }{key})
	fmt.Println(len(key.Reveal()))
	// Output:
	// 0123…(32 chars) {Key:0123…(32 chars)}
	// 32
}

// apiClient holds its key in an unexported Secret field; its Format and
// LogValue are one line each.
type apiClient struct {
	host string
	key  redact.Secret
}

func (c apiClient) Format(f fmt.State, verb rune) { redact.Format(f, verb, c) }

func ExampleFormat() {
	c := apiClient{host: "bi.example.com", key: "0123456789abcdef0123456789abcdef"}
	fmt.Printf("%v\n%+v\n%d\n", c, c, c)
	// Output:
	// {bi.example.com 0123…(32 chars)}
	// {host:bi.example.com key:0123…(32 chars)}
	// {bi.example.com 0123…(32 chars)}
}
