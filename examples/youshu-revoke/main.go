// Command youshu-revoke shows what revoking a Youshu token through a token
// cache does, against the in-process fake (youshutest), whose integration
// pages check tokens as the product does:
//
//   - Forget drops a token from the cache only: its page keeps working until
//     it expires, and the next Get mints a new one;
//   - Revoke removes (rmToken) the token the cache holds for a request, and
//     RevokeUser every token the cache holds for a user: their pages stop
//     working at once;
//   - Revoke reaches only what the cache holds, so a forgotten token is
//     revoked with client.RemoveToken;
//   - a removed token can no longer be renewed: a typed *youshu.Error.
//
// Run it from the examples directory (its own module):
//
//	go run ./youshu-revoke
//
// The client holds a super admin's token key: only super admins may mint for
// other accounts and mint the helper tokens rmToken and renewToken need.
// It runs against the fake only, since it opens the integration pages to
// see what a browser would.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"regexp"
	"time"

	"github.com/biembed/biembed-go/clientsetting"
	"github.com/biembed/biembed-go/tokencache"
	"github.com/biembed/biembed-go/youshu"
	"github.com/biembed/biembed-go/youshu/youshutest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "youshu-revoke:", err)
		os.Exit(1)
	}
}

// reportProject is the report project whose integration page the tokens open.
const reportProject = 1

func run(ctx context.Context, stdout io.Writer) error {
	fake := youshutest.NewServer(
		youshutest.WithAccount(youshutest.Account{UniqueID: "alice", Email: "alice@example.com"}),
		youshutest.WithAccount(youshutest.Account{UniqueID: "bob", Email: "bob@example.com"}),
	)
	defer fake.Close()
	// Plain http is for the loopback fake only; real hosts must use https.
	client, err := youshu.NewClient(fake.URL(), youshu.WithInsecureHTTP(),
		youshu.WithCredential(youshu.TokenKey(youshutest.Admin().TokenKey)))
	if err != nil {
		return err
	}
	cache, err := youshu.NewCache(client, tokencache.Options{})
	if err != nil {
		return err
	}
	defer cache.Close()
	fmt.Fprintln(stdout, "Youshu BI: in-process youshutest, accounts alice and bob; the client holds a super admin's token key")

	mints := func() int {
		n := 0
		for _, r := range fake.Requests() {
			if r.GenToken != nil && r.GenToken.UseType == "" {
				n++ // not a helper token rmToken or renewToken needed
			}
		}
		return n
	}
	// A cached request needs an Expiry: Youshu does not document its default.
	alice := &youshu.GenTokenRequest{AuthUniqueID: "alice", Expiry: time.Hour}
	forgotten, err := getPage(ctx, cache, alice, youshu.Report(reportProject))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "alice's report: token %v, page %s\n", forgotten.tok.Value, visit(forgotten.url))

	if err := cache.Forget(ctx, alice); err != nil {
		return fmt.Errorf("forget: %w", err)
	}
	fmt.Fprintln(stdout, "Forget(alice's report): dropped from the cache only")
	fmt.Fprintf(stdout, "  the forgotten token's page: %s (it works until it expires)\n", visit(forgotten.url))
	current, err := getPage(ctx, cache, alice, youshu.Report(reportProject))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "  the next Get mints a new token: %v (mints: %d)\n", current.tok.Value, mints())

	if err := cache.Revoke(ctx, alice); err != nil {
		return fmt.Errorf("revoke: %w", err)
	}
	fmt.Fprintln(stdout, "Revoke(alice's report): rmToken for the token the cache held, dropped from the cache")
	fmt.Fprintf(stdout, "  its page: %s\n", visit(current.url))
	fmt.Fprintf(stdout, "  the forgotten token's page: %s (Revoke reaches only what the cache holds)\n", visit(forgotten.url))
	if err := client.RemoveToken(ctx, forgotten.tok.Value.Reveal()); err != nil {
		return fmt.Errorf("remove: %w", err)
	}
	fmt.Fprintf(stdout, "client.RemoveToken(the forgotten token): its page: %s\n", visit(forgotten.url))

	// Two requests of bob's, so two tokens: a report, and ChatBI without
	// the conversation history.
	bobReport := &youshu.GenTokenRequest{AuthUniqueID: "bob", Expiry: time.Hour}
	bobChat := &youshu.GenTokenRequest{AuthUniqueID: "bob", Expiry: time.Hour,
		ClientSetting: &clientsetting.ClientSetting{ChatBI: &clientsetting.ChatBI{HideHistory: clientsetting.Ptr(true)}}}
	report, err := getPage(ctx, cache, bobReport, youshu.Report(reportProject))
	if err != nil {
		return err
	}
	chat, err := getPage(ctx, cache, bobChat, youshu.WithPath("chatbi/dialogIntegration"))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "bob's report page: %s; bob's ChatBI page: %s\n", visit(report.url), visit(chat.url))
	if err := cache.RevokeUser(ctx, bobReport); err != nil { // only the user in the request counts
		return fmt.Errorf("revoke user: %w", err)
	}
	fmt.Fprintln(stdout, "RevokeUser(bob): rmToken for every token the cache holds for bob")
	fmt.Fprintf(stdout, "  report page: %s; ChatBI page: %s\n", visit(report.url), visit(chat.url))

	// A removed token can be neither used nor renewed: the server refuses,
	// with a typed error that names the endpoint and never the token.
	err = client.RenewToken(ctx, report.tok.Value.Reveal())
	var e *youshu.Error
	switch {
	case err == nil:
		return errors.New("renewing a revoked token succeeded")
	case !errors.As(err, &e):
		return fmt.Errorf("renew after revoke: unexpected error: %w", err)
	}
	fmt.Fprintf(stdout, "renewing bob's revoked token: refused by %s, code %d, not found: %t\n",
		e.Endpoint, e.Code, errors.Is(err, youshu.ErrNotFound))
	fmt.Fprintln(stdout, "  error:", err)
	return nil
}

// page is a token and the URL of the page it opens.
type page struct {
	tok *youshu.EmbedToken
	url string
}

// getPage gets a token for req from the cache and builds the URL of the page
// where picks.
func getPage(ctx context.Context, cache *youshu.Cache, req *youshu.GenTokenRequest, where youshu.URLOption) (page, error) {
	tok, err := cache.Get(ctx, req)
	if err != nil {
		return page{}, fmt.Errorf("get: %w", err)
	}
	link, err := tok.URL(where)
	if err != nil {
		return page{}, err
	}
	return page{tok, link}, nil
}

var (
	// browser opens pages without keeping connections, so none outlives run.
	browser   = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	grantUser = regexp.MustCompile(`<dd id="grant-user">([^<]*)</dd>`)
	refusal   = regexp.MustCompile(`<section id="error"[^>]* data-reason="([^"]*)"`)
)

// visit opens link as a browser would and says what the fake's page showed:
// "shows <user>" for a token it accepts, "refused (<reason>)" otherwise.
func visit(link string) string {
	resp, err := browser.Get(link)
	if err != nil {
		return "unreachable: " + err.Error()
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "unreadable: " + err.Error()
	}
	if m := grantUser.FindSubmatch(body); resp.StatusCode == http.StatusOK && m != nil {
		return "shows " + string(m[1])
	}
	if m := refusal.FindSubmatch(body); m != nil {
		return fmt.Sprintf("refused (HTTP %d, %s)", resp.StatusCode, m[1])
	}
	return fmt.Sprintf("HTTP %d", resp.StatusCode)
}
