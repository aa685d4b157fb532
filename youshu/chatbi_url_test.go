package youshu_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/youshu"
)

// TestChatBIURL: the ChatBI dialog page is the chatbi/dialogIntegration route
// the genToken document names, under the host's base path, with the token
// escaped; the dialog settings travel in the token, not the URL.
func TestChatBIURL(t *testing.T) {
	t.Parallel()
	tok := youshu.Token{Value: "abc+/&=?#def", BaseURL: "https://bi.example.com/youshu/"}
	link, err := tok.ChatBIURL()
	require.NoError(t, err)
	assert.Equal(t, "https://bi.example.com/youshu/chatbi/dialogIntegration?token=abc%2B%2F%26%3D%3F%23def", link)

	for name, bad := range map[string]youshu.Token{
		"no value":      {BaseURL: "https://bi.example.com"},
		"no base":       {Value: "v"},
		"relative base": {Value: "v", BaseURL: "bi.example.com"},
	} {
		_, err := bad.ChatBIURL()
		assert.ErrorIs(t, err, youshu.ErrInvalid, name)
	}
}

func ExampleToken_ChatBIURL() {
	tok := youshu.Token{Value: "1503575355359c4fdea8ec1683ed10edd91ae", BaseURL: "https://bi.example.com"}
	link, err := tok.ChatBIURL()
	if err != nil {
		panic(err)
	}
	fmt.Println(link)
	// Output: https://bi.example.com/chatbi/dialogIntegration?token=1503575355359c4fdea8ec1683ed10edd91ae
}
