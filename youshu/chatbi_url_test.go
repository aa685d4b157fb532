package youshu_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/clientsetting"
	"github.com/biembed/biembed-go/youshu"
	"github.com/biembed/biembed-go/youshu/youshutest"
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

// TestChatBIURLOpensTheFakesDialogPage: the fake serves the route ChatBIURL
// builds and shows the token's dialog settings there.
func TestChatBIURLOpensTheFakesDialogPage(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	c := newClient(t, srv)
	tok, err := c.GenToken(context.Background(), &youshu.GenTokenRequest{
		ClientSetting: &clientsetting.ClientSetting{ChatBI: &clientsetting.ChatBI{DataModelIDs: clientsetting.IDList{7}}},
	})
	require.NoError(t, err)
	link, err := tok.ChatBIURL()
	require.NoError(t, err)

	resp, err := srv.HTTPClient().Get(link)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, resp.Body.Close())
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	assert.Contains(t, string(body), `<section id="grant"`)
	assert.Contains(t, string(body), "dataModelIds")
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
