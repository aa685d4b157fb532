package tencent_test

import (
	"encoding/json"
	"fmt"

	"github.com/biembed/biembed-go/tencent"
)

// An EmbedToken's Value is a Secret: it prints masked with every verb and in
// JSON; Reveal returns it, for the URL or a store.
func ExampleSecret() {
	tok := tencent.EmbedToken{Value: tencent.Secret("300cf2a4-cfb8-47b8-9bc0-4a1f1f74bc1d")}
	js, _ := json.Marshal(struct{ Token tencent.Secret }{tok.Value})
	fmt.Printf("%s | %q | %s\n", tok.Value, tok.Value, js)
	fmt.Println(tok.Value.Reveal() == "300cf2a4-cfb8-47b8-9bc0-4a1f1f74bc1d")
	// Output:
	// 300c…(36 chars) | "300c…(36 chars)" | {"Token":"300c…(36 chars)"}
	// true
}
