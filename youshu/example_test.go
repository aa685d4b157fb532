package youshu_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/filtermap"
	"github.com/biembed/biembed-go/tokencache"
	"github.com/biembed/biembed-go/youshu"
	"github.com/biembed/biembed-go/youshu/youshutest"
)

// Embed a report for one viewer who may see only the East and North regions.
func Example() {
	srv := youshutest.NewServer() // stands in for https://bi.example.com
	defer srv.Close()

	client, err := youshu.NewClient(srv.URL(),
		youshu.WithInsecureHTTP(), // the fake speaks http; real hosts need https
		youshu.WithCredential(youshu.Password(youshutest.Admin().Email, youshutest.Admin().Password)))
	if err != nil {
		fmt.Println(err)
		return
	}

	rows := filtermap.FilterMap{}
	rows["700006204"] = filtermap.NewRowFilters(filtermap.RuleOr,
		filtermap.NewListFilter(filtermap.TableName("orders"), filtermap.Select,
			filtermap.Dim{Field: "region", DataType: filtermap.TypeString}, "East", "North"))

	tok, err := client.GenToken(context.Background(), &youshu.GenTokenRequest{
		AuthUniqueID: youshutest.User().UniqueID, // the viewer (only super admins mint for others)
		FilterMap:    rows,
		Expiry:       time.Hour,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	link, err := tok.URL(youshu.Report(1))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(strings.NewReplacer(srv.URL(), "https://bi.example.com", tok.Value.Reveal(), "<token>").Replace(link))
	fmt.Println("expires after", tok.ExpiresAt.Sub(tok.IssuedAt))

	info, _ := srv.Lookup(tok.Value.Reveal())
	fmt.Println("minted by", info.Caller, "for", info.Subject, "with rule", info.Request.FilterMap["700006204"].Rule)
	// Output:
	// https://bi.example.com/dash/integration/1?token=<token>
	// expires after 1h0m0s
	// minted by admin for user with rule or
}

// Build the URL of each integration page from one token. The URL carries
// the token: treat it as a secret.
func ExampleEmbedToken_URL() {
	tok := &youshu.EmbedToken{Value: biembed.NewSecret("1503575355359c4fdea8ec1683ed10edd91ae"), BaseURL: "https://bi.example.com"}
	for _, page := range [][]youshu.URLOption{
		{youshu.Report(1), youshu.WithQuery(url.Values{"pageId": {"3"}})},
		{youshu.Screen(1, 42)},
		{youshu.NewScreen("a1b2")},
		{youshu.WithPath("dash/cockpitIntegration")},
		{youshu.WithPath("chatbi/dialogIntegration")},
	} {
		link, err := tok.URL(page...)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(link)
	}
	_, err := tok.URL(youshu.Report(1), youshu.WithQuery(url.Values{"token": {"other"}}))
	fmt.Println(err)
	// Output:
	// https://bi.example.com/dash/integration/1?pageId=3&token=1503575355359c4fdea8ec1683ed10edd91ae
	// https://bi.example.com/dash/screenIntegration/1?sid=42&token=1503575355359c4fdea8ec1683ed10edd91ae
	// https://bi.example.com/dash/newScreen/integration/view/a1b2?token=1503575355359c4fdea8ec1683ed10edd91ae
	// https://bi.example.com/dash/cockpitIntegration?token=1503575355359c4fdea8ec1683ed10edd91ae
	// https://bi.example.com/chatbi/dialogIntegration?token=1503575355359c4fdea8ec1683ed10edd91ae
	// invalid WithQuery: must not set token
}

// A token's Value is a biembed.Secret: it prints masked with every verb, in
// slog and in JSON; Reveal returns it, for the URL or a store.
func ExampleEmbedToken_value() {
	tok := youshu.EmbedToken{Value: biembed.NewSecret("1503575355359c4fdea8ec1683ed10edd91ae"), BaseURL: "https://bi.example.com"}
	printed := fmt.Sprintf("%v %+v %#v %x", tok, tok.Value, tok, tok.Value)
	fmt.Println(strings.Contains(printed, tok.Value.Reveal()), strings.HasPrefix(tok.Value.String(), "***#"))
	fmt.Println(len(tok.Value.Reveal()))
	// Output:
	// false true
	// 37
}

// Serve tokens from a cache: equal requests share one token until it
// nears its expiry, and RevokeUser removes every token of a user at the
// vendor, so its links stop working at once.
func ExampleNewCache() {
	srv := youshutest.NewServer()
	defer srv.Close()
	client, err := youshu.NewClient(srv.URL(), youshu.WithInsecureHTTP(),
		youshu.WithCredential(youshu.TokenKey(youshutest.Admin().TokenKey)))
	if err != nil {
		fmt.Println(err)
		return
	}
	cache, err := youshu.NewCache(client, tokencache.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer cache.Close()
	ctx := context.Background()

	req := &youshu.GenTokenRequest{AuthUniqueID: youshutest.User().UniqueID, Expiry: time.Hour}
	first, _ := cache.Get(ctx, req)
	second, _ := cache.Get(ctx, &youshu.GenTokenRequest{AuthUniqueID: youshutest.User().UniqueID, Expiry: time.Hour})
	fmt.Println("one token for equal requests:", first.Value == second.Value, "- genToken calls:", srv.Count("genToken"))

	link, _ := first.URL(youshu.WithPath("dash/cockpitIntegration"))
	fmt.Println("page before:", status(link))
	if err := cache.RevokeUser(ctx, &youshu.GenTokenRequest{AuthUniqueID: youshutest.User().UniqueID}); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("page after RevokeUser:", status(link))
	fmt.Printf("%v\n", cache)
	// Output:
	// one token for equal requests: true - genToken calls: 1
	// page before: 200
	// page after RevokeUser: 401
	// tokencache.Cache{hits: 1, misses: 1, mints: 1, refreshes: 0, errors: 0}
}

// status opens link and returns the HTTP status.
func status(link string) int {
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Get(link)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// Revoke a token, and renew another, with the client's admin credential:
// the client mints one helper token of each kind and reuses it.
func ExampleClient_RemoveToken() {
	srv := youshutest.NewServer()
	defer srv.Close()
	client, _ := youshu.NewClient(srv.URL(), youshu.WithInsecureHTTP(),
		youshu.WithCredential(youshu.TokenKey(youshutest.Admin().TokenKey)))
	ctx := context.Background()

	kept, _ := client.GenToken(ctx, &youshu.GenTokenRequest{Expiry: time.Hour})
	revoked, _ := client.GenToken(ctx, &youshu.GenTokenRequest{Expiry: time.Hour})

	fmt.Println("renew:", client.RenewToken(ctx, kept.Value.Reveal()))
	fmt.Println("renew again:", client.RenewToken(ctx, kept.Value.Reveal()))
	fmt.Println("remove:", client.RemoveToken(ctx, revoked.Value.Reveal()))
	fmt.Println("genToken calls:", srv.Count("genToken"), "(two tokens, two helpers)")

	link, _ := revoked.URL(youshu.WithPath("dash/cockpitIntegration"))
	fmt.Println("removed token on a page:", status(link))
	err := client.RenewToken(ctx, revoked.Value.Reveal())
	fmt.Println("renew removed token:", errors.Is(err, youshu.ErrNotFound), err)
	// Output:
	// renew: <nil>
	// renew again: <nil>
	// remove: <nil>
	// genToken calls: 4 (two tokens, two helpers)
	// removed token on a page: 401
	// renew removed token: true youshu renewToken: code 404: token not found
}

// Errors name their cause: match them with errors.Is.
func ExampleError() {
	srv := youshutest.NewServer(youshutest.WithDataModels(700284409))
	defer srv.Close()
	client, _ := youshu.NewClient(srv.URL(), youshu.WithInsecureHTTP(),
		youshu.WithCredential(youshu.Password(youshutest.Admin().Email, youshutest.Admin().Password)))

	rows := filtermap.NewListFilter(filtermap.TableName("orders"), filtermap.Select,
		filtermap.Dim{Field: "region", DataType: filtermap.TypeString}, "East")
	_, err := client.GenToken(context.Background(), &youshu.GenTokenRequest{
		ReportDataFilters: filtermap.ReportDataFilters{{ReportID: "14377", DataModelFilters: []filtermap.DataModelFilter{
			filtermap.NewRowModelFilter(700284408, 700315973, filtermap.RuleOr, rows)}}},
	})
	fmt.Println(errors.Is(err, youshu.ErrReportDataFilters), biembed.Retryable(err))
	fmt.Println(err)

	_, err = client.GenToken(context.Background(), &youshu.GenTokenRequest{AuthUniqueID: "nobody"})
	fmt.Println(errors.Is(err, youshu.ErrNotFound), err)

	_, err = client.GenToken(context.Background(), &youshu.GenTokenRequest{ResourcePermissions: reportPermission()})
	fmt.Println(errors.Is(err, biembed.ErrInvalid), err)
	// Output:
	// true false
	// youshu genToken: code 743: reportDataFilters 中对应的模型不存在 dataModelId = 700284408
	// true youshu genToken: code 404: account not found
	// true invalid resourcePermissions: require openRp: without it Youshu ignores them and the token gets the account's full permissions
}
