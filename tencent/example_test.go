package tencent_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/biembed/biembed-go/clientsetting"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
)

// newExampleClient starts a fake with deterministic tokens and a client for
// it. Real code passes tencent.WithSecret(id, key) and no endpoint.
func newExampleClient() (*tencent.Client, *tencenttest.Server) {
	srv := tencenttest.NewServer(tencenttest.WithDeterministicTokens())
	client, err := tencent.NewClient(
		tencent.WithSecret(tencenttest.SecretID, tencenttest.SecretKey),
		tencent.WithEndpoint(srv.URL()))
	if err != nil {
		log.Fatal(err)
	}
	return client, srv
}

// Embed one page of a dashboard, with a visible page parameter.
func ExampleClient_CreateEmbedToken() {
	client, srv := newExampleClient()
	defer srv.Close()
	defer client.CloseIdleConnections()

	req := tencent.NewPageRequest(117, 11520)
	req.Expiry = 30 * time.Minute
	tok, err := client.CreateEmbedToken(context.Background(), req)
	if err != nil {
		log.Fatal(err)
	}
	embedURL, err := tok.URL(tencent.WithPageParam("province", "Hubei", "Hunan"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(strings.Replace(embedURL, tok.Value.Reveal(), "TOKEN", 1))
	fmt.Println(tok.Scope, tok.Expiry, tok.Expired(time.Now()))
	// Output:
	// https://tcbi.qq.com/page/embed?authType=strong&projectId=117&pageId=11520&scope=page&token=TOKEN&params[]=value%3DHubei%2CHunan%26target%3Dprovince
	// page 30m0s false
}

// Embed a whole dashboard (scope panel).
func ExampleClient_CreateEmbedToken_dashboard() {
	client, srv := newExampleClient()
	defer srv.Close()
	defer client.CloseIdleConnections()

	tok, err := client.CreateEmbedToken(context.Background(), tencent.NewDashboardRequest(117))
	if err != nil {
		log.Fatal(err)
	}
	embedURL, err := tok.URL()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(strings.Replace(embedURL, tok.Value.Reveal(), "TOKEN", 1))
	// Output:
	// https://tcbi.qq.com/page/embed?authType=strong&projectId=117&pageId=0&scope=panel&token=TOKEN
}

// Embed ChatBI for one user, limited to one data table and without the SQL
// view.
func ExampleClient_CreateEmbedToken_chatBI() {
	client, srv := newExampleClient()
	defer srv.Close()
	defer client.CloseIdleConnections()

	req := tencent.NewChatBIRequest(117)
	req.TokenType, req.UserCorpID, req.UserID = tencent.TokenTypeSingleUser, "1120", "219301"
	req.Config = clientsetting.NewChatBIConfig(clientsetting.TableFilter("26513"), clientsetting.SQLView(false))
	tok, err := client.CreateEmbedToken(context.Background(), req)
	if err != nil {
		log.Fatal(err)
	}
	embedURL, err := tok.URL()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(strings.Replace(embedURL, tok.Value.Reveal(), "TOKEN", 1))
	fmt.Println(tok.Intention, tok.UserID, len(tok.Config.ChatBIConfigList))
	// Output:
	// https://tcbi.qq.com/page/chat-bi-embed?authType=strong&projectId=117&token=TOKEN
	// chatBIEmbed 219301 2
}

// Extend a token before it expires.
func ExampleClient_ApplyEmbedInterval() {
	client, srv := newExampleClient()
	defer srv.Close()
	defer client.CloseIdleConnections()

	ctx := context.Background()
	tok, err := client.CreateEmbedToken(ctx, tencent.NewPageRequest(117, 11520))
	if err != nil {
		log.Fatal(err)
	}
	err = client.ApplyEmbedInterval(ctx, tencent.ExtendRequestFor(tok))
	fmt.Println(err)
	// Output: <nil>
}

// Tell failures apart with errors.Is and read details with errors.As.
func ExampleError() {
	client, srv := newExampleClient()
	defer srv.Close()
	defer client.CloseIdleConnections()

	srv.Inject(tencenttest.Fault{Code: tencent.CodeUserNotExist, Message: "the user does not exist"})
	_, err := client.CreateEmbedToken(context.Background(), tencent.NewPageRequest(117, 11520))
	var e *tencent.Error
	if errors.As(err, &e) && errors.Is(err, tencent.ErrUserNotExist) {
		fmt.Println(e.Code, "-", e.Message)
	}
	// Output: UnauthorizedOperation.UserNotExist - the user does not exist
}

// Build an embed URL for a private deployment.
func ExampleEmbedToken_URL() {
	tok := tencent.EmbedToken{Value: "TOKEN", ProjectID: 1, PageID: 2, Intention: tencent.IntentionEmbed, Scope: tencent.ScopePage}
	embedURL, err := tok.URL(tencent.WithHost("https://bi.example.com/tcbi"), tencent.WithPageParam("gender", "Male"))
	fmt.Println(embedURL, err)
	// Output: https://bi.example.com/tcbi/page/embed?authType=strong&projectId=1&pageId=2&scope=page&token=TOKEN&params[]=value%3DMale%26target%3Dgender <nil>
}
