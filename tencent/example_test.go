package tencent_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"strings"
	"time"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/clientsetting"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
	"github.com/biembed/biembed-go/tokencache"
)

// newExampleClient starts a fake and a client for
// it. Real code passes tencent.WithSecret(id, key) and no endpoint.
func newExampleClient() (*tencent.Client, *tencenttest.Server) {
	srv := tencenttest.NewServer()
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
	fmt.Println(tok.Scope, tok.Expiry, time.Now().Before(tok.ExpiresAt))
	// Output:
	// https://tcbi.qq.com/page/embed?authType=strong&projectId=117&pageId=11520&scope=page&token=TOKEN&params[]=value%3DHubei%2CHunan%26target%3Dprovince
	// page 30m0s true
}

// Embed a whole dashboard (scope panel).
func ExampleClient_CreateEmbedToken_dashboard() {
	client, srv := newExampleClient()
	defer srv.Close()

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

	ctx := context.Background()
	tok, err := client.CreateEmbedToken(ctx, tencent.NewPageRequest(117, 11520))
	if err != nil {
		log.Fatal(err)
	}
	err = client.ApplyEmbedInterval(ctx, tencent.ExtendRequestFor(tok))
	fmt.Println(err)
	// Output: <nil>
}

// Tell failures apart with errors.Is, ask biembed.Retryable whether to try
// again later, and read details with errors.As.
func ExampleError() {
	client, srv := newExampleClient()
	defer srv.Close()

	srv.Inject(tencenttest.Fault{Code: "UnauthorizedOperation.UserNotExist", Message: "the user does not exist"})
	_, err := client.CreateEmbedToken(context.Background(), tencent.NewPageRequest(117, 11520))
	var e *tencent.Error
	if errors.As(err, &e) && errors.Is(err, tencent.ErrNotFound) {
		fmt.Println(e.Action, e.Code, "-", e.Message)
	}
	fmt.Println(biembed.Retryable(err))
	// Output:
	// CreateEmbedToken UnauthorizedOperation.UserNotExist - the user does not exist
	// false
}

// Build an embed URL for a private deployment.
func ExampleEmbedToken_URL() {
	tok := tencent.EmbedToken{Value: biembed.NewSecret("TOKEN"), ProjectID: 1, PageID: 2, Intention: tencent.IntentionEmbed, Scope: tencent.ScopePage}
	embedURL, err := tok.URL(tencent.WithHost("https://bi.example.com/tcbi"), tencent.WithPageParam("gender", "Male"))
	fmt.Println(embedURL, err)
	// Output: https://bi.example.com/tcbi/page/embed?authType=strong&projectId=1&pageId=2&scope=page&token=TOKEN&params[]=value%3DMale%26target%3Dgender <nil>
}

// An EmbedToken's Value is a biembed.Secret: every fmt verb, slog handler
// and json.Marshal shows only its mask ("***#" and a tag); Reveal returns
// the value, for the URL or a store.
func ExampleEmbedToken() {
	tok := tencent.EmbedToken{Value: biembed.NewSecret("300cf2a4-cfb8-47b8-9bc0-4a1f1f74bc1d"), ProjectID: 1}
	printed := fmt.Sprintf("%v %+v %#v %s", tok, tok, tok, tok.Value)
	fmt.Println(strings.Contains(printed, "300cf2a4"), strings.Count(printed, tok.Value.String()))
	fmt.Println(tok.Value.Reveal())
	// Output:
	// false 4
	// 300cf2a4-cfb8-47b8-9bc0-4a1f1f74bc1d
}

// Serve embed tokens from a cache: Get mints only when the cache holds no
// live token for an equal request; Revoke clears the request's token at
// Tencent (with every token of its UserCorpID on that page) and drops it.
func ExampleNewCache() {
	client, srv := newExampleClient()
	defer srv.Close()
	cache, err := tencent.NewCache(client, tokencache.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer cache.Close()

	ctx := context.Background()
	req := tencent.NewPageRequest(117, 11520)
	req.Expiry = 30 * time.Minute
	req.TokenType, req.UserCorpID, req.UserID = tencent.TokenTypeSingleUser, "1120", "219301"
	first, err := cache.Get(ctx, req)
	if err != nil {
		log.Fatal(err)
	}
	again, err := cache.Get(ctx, req) // a hit: the same token
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(first.Value == again.Value, srv.Count("CreateEmbedToken"))

	if err := cache.Revoke(ctx, req); err != nil {
		log.Fatal(err)
	}
	fresh, err := cache.Get(ctx, req) // a new token: the old one is cleared
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(fresh.Value == first.Value, srv.Count("ClearEmbedToken"), srv.Count("CreateEmbedToken"))
	s := cache.Stats()
	fmt.Println(s.Hits, s.Misses, s.Mints, s.Revokes)
	// Output:
	// true 1
	// false 1 2
	// 1 2 2 1
}

// Open the embed page of a token at the fake: tencenttest serves the pages
// and refuses a token that was cleared.
func ExampleCache_Revoke() {
	srv := tencenttest.NewServer()
	defer srv.Close()
	client, err := tencent.NewClient(tencent.WithSecret(tencenttest.SecretID, tencenttest.SecretKey),
		tencent.WithEndpoint(srv.URL()), tencent.WithEmbedHost(srv.URL()))
	if err != nil {
		log.Fatal(err)
	}
	cache, err := tencent.NewCache(client, tokencache.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer cache.Close()
	ctx := context.Background()
	req := tencent.NewPageRequest(7, 8)
	req.TokenType, req.UserCorpID, req.UserID = tencent.TokenTypeSingleUser, "corp-1", "alice"
	tok, err := cache.Get(ctx, req)
	if err != nil {
		log.Fatal(err)
	}
	link, err := tok.URL()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(pageStatus(link))
	if err := cache.Revoke(ctx, req); err != nil {
		log.Fatal(err)
	}
	fmt.Println(pageStatus(link))
	// Output:
	// 200
	// 401
}

// pageStatus fetches an embed page and returns its HTTP status.
func pageStatus(link string) int {
	hc := &http.Client{Transport: &http.Transport{}}
	defer hc.CloseIdleConnections()
	resp, err := hc.Get(link)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}
