package youshu_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/biembed/biembed-go/filtermap"
	"github.com/biembed/biembed-go/youshu"
	"github.com/biembed/biembed-go/youshu/youshutest"
)

// Embed a report for one viewer who may see only the East and North regions.
func Example() {
	srv := youshutest.NewServer() // stands in for https://bi.example.com
	defer srv.Close()

	client, err := youshu.NewClient(srv.URL(),
		youshu.WithInsecureHTTP(), // the fake speaks http; real hosts need https
		youshu.WithCredential(youshu.Password(youshutest.AdminEmail, youshutest.AdminPassword)))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.CloseIdleConnections()

	var rows filtermap.FilterMap
	rows.Set(700006204, filtermap.NewRowFilters(filtermap.RuleOr,
		filtermap.NewListFilter(filtermap.TableName("orders"), filtermap.Select,
			filtermap.Field("region", filtermap.TypeString), "East", "North")))

	tok, err := client.GenToken(context.Background(), &youshu.GenTokenRequest{
		AuthUniqueID: youshutest.UserUniqueID, // the viewer (only super admins mint for others)
		FilterMap:    rows,
		Expiry:       time.Hour,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	link, err := tok.ReportURL(1, nil)
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

// Revoke a token, and renew another, with the client's admin credential.
func ExampleClient_RemoveToken() {
	srv := youshutest.NewServer()
	defer srv.Close()
	client, _ := youshu.NewClient(srv.URL(), youshu.WithInsecureHTTP(),
		youshu.WithCredential(youshu.TokenKey(youshutest.AdminTokenKey)))
	defer client.CloseIdleConnections()
	ctx := context.Background()

	client.OnRevoke(func(string) { fmt.Println("evict from cache") })
	kept, _ := client.GenToken(ctx, &youshu.GenTokenRequest{Expiry: time.Hour})
	revoked, _ := client.GenToken(ctx, &youshu.GenTokenRequest{Expiry: time.Hour})

	fmt.Println("renew:", client.RenewToken(ctx, kept.Value.Reveal()))
	fmt.Println("remove:", client.RemoveToken(ctx, revoked.Value.Reveal()))

	link, _ := revoked.CockpitURL()
	resp, err := http.Get(link)
	if err == nil {
		resp.Body.Close()
		fmt.Println("removed token on a page:", resp.StatusCode)
	}
	err = client.RenewToken(ctx, revoked.Value.Reveal())
	var e *youshu.Error
	fmt.Println("renew removed token:", errors.As(err, &e), e.Code)
	// Output:
	// renew: <nil>
	// evict from cache
	// remove: <nil>
	// removed token on a page: 401
	// renew removed token: true 404
}

// Errors name their cause: match them with errors.Is.
func ExampleError() {
	srv := youshutest.NewServer(youshutest.WithDataModels(700284409))
	defer srv.Close()
	client, _ := youshu.NewClient(srv.URL(), youshu.WithInsecureHTTP(),
		youshu.WithCredential(youshu.Password(youshutest.AdminEmail, youshutest.AdminPassword)))
	defer client.CloseIdleConnections()

	rows := filtermap.NewListFilter(filtermap.TableName("orders"), filtermap.Select,
		filtermap.Field("region", filtermap.TypeString), "East")
	_, err := client.GenToken(context.Background(), &youshu.GenTokenRequest{
		ReportDataFilters: filtermap.ReportDataFilters{filtermap.NewReportDataFilter("14377",
			filtermap.NewRowModelFilter(700284408, 700315973, filtermap.RuleOr, rows))},
	})
	fmt.Println(errors.Is(err, youshu.ErrReportDataFilters))
	fmt.Println(err)

	_, err = client.GenToken(context.Background(), &youshu.GenTokenRequest{ResourcePermissions: reportPermission()})
	fmt.Println(errors.Is(err, youshu.ErrInvalid), err)
	// Output:
	// true
	// youshu genToken: code 743: reportDataFilters 中对应的模型不存在 dataModelId = 700284408
	// true invalid resourcePermissions: require openRp: without it Youshu ignores them and the token gets the account's full permissions
}
