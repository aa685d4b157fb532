// Command quickstart mints embed tokens for one user and prints them, masked,
// with their embed URLs:
//
//   - a Tencent Cloud BI page token bound to the user (TokenTypeSingleUser,
//     UserCorpID and UserID) that shows only the user's provinces, and a
//     ChatBI token bound to the same user (with a ConfigParam);
//   - a NetEase Youshu BI report token for the user's account (AuthUniqueID)
//     carrying row permissions (filterMap).
//
// With no credentials in the environment it talks to in-process fakes
// (tencenttest, youshutest), so it runs anywhere, offline:
//
//	go run ./quickstart        # from the examples directory (its own module)
//
// With TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY it calls the real
// Tencent Cloud BI service (choose the dashboard with -project and -page, the
// user with -corp and -user); with YOUSHU_BASE_URL and YOUSHU_TOKEN_KEY it
// calls that Youshu host (choose the report project with -youshu-project).
// Minting for another account takes a super admin's token key, and -user
// must name an account of that host. The page token filters the global
// parameter "province" (-provinces); on a real dashboard name provinces of
// yours, or pass -provinces "" to send no filter.
//
// Tokens are secrets: the program prints them only masked, and prints URLs
// with the token replaced by "<token>".
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/clientsetting"
	"github.com/biembed/biembed-go/filtermap"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
	"github.com/biembed/biembed-go/youshu"
	"github.com/biembed/biembed-go/youshu/youshutest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Stdout, os.Getenv, os.Args[1:])
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// user is whom the tokens are for.
type user struct {
	corp, id  string   // Tencent's UserCorpID and UserID; id is also the Youshu account
	provinces []string // the rows of Tencent's page token
}

// run parses args, picks real or fake mode for each vendor from env, mints the
// tokens and writes what it did to stdout.
func run(ctx context.Context, stdout io.Writer, env func(string) string, args []string) error {
	fs := flag.NewFlagSet("quickstart", flag.ContinueOnError)
	project := fs.Uint64("project", 117, "Tencent Cloud BI project id")
	page := fs.Uint64("page", 11520, "Tencent Cloud BI page id")
	corp := fs.String("corp", "corp-1", "the user's enterprise id at Tencent Cloud BI (UserCorpId)")
	id := fs.String("user", "alice", "the user: Tencent's UserId and the Youshu account (authUniqueId)")
	provinces := fs.String("provinces", "Hubei,Hunan", "comma-separated provinces the user's page token shows (\"\": no filter)")
	youshuProject := fs.Int64("youshu-project", 1, "Youshu project id of the report page")
	if err := fs.Parse(args); err != nil {
		return err
	}
	u := user{corp: *corp, id: *id}
	for _, p := range strings.Split(*provinces, ",") {
		if p = strings.TrimSpace(p); p != "" {
			u.provinces = append(u.provinces, p)
		}
	}
	if err := tencentDemo(ctx, stdout, env, u, *project, *page); err != nil {
		return fmt.Errorf("tencent: %w", err)
	}
	if err := youshuDemo(ctx, stdout, env, u, *youshuProject); err != nil {
		return fmt.Errorf("youshu: %w", err)
	}
	return nil
}

// tencentDemo mints a page token and a ChatBI token, both bound to u.
func tencentDemo(ctx context.Context, w io.Writer, env func(string) string, u user, projectID, pageID uint64) error {
	client, mode, done, err := tencentClient(env)
	if err != nil {
		return err
	}
	defer done()
	fmt.Fprintln(w, "Tencent Cloud BI:", mode)

	// One page of a dashboard, for 30 minutes, for u only, showing the rows
	// of u's provinces.
	page := tencent.NewPageRequest(projectID, pageID)
	page.Expiry = 30 * time.Minute
	page.TokenType, page.UserCorpID, page.UserID = tencent.TokenTypeSingleUser, u.corp, u.id
	if len(u.provinces) > 0 {
		page.GlobalParams = filtermap.GlobalParams{filtermap.In("province", u.provinces...).GlobalParam()}
	}
	tok, err := client.CreateEmbedToken(ctx, page)
	if err != nil {
		return err
	}
	link, err := tok.URL()
	if err != nil {
		return err
	}
	show(w, "page", tok.UserCorpID+"/"+tok.UserID, tok.Value, tok.Expiry, link)
	rows, err := tok.GlobalParams.Encode() // the GlobalParam the service echoed
	if err != nil {
		return err
	}
	if rows == "" {
		rows = "(none: every row)"
	}
	fmt.Fprintf(w, "  page   rows:  %s\n", rows)

	// ChatBI for u, limited to one data table and without the SQL view.
	chat := tencent.NewChatBIRequest(projectID)
	chat.Expiry = 30 * time.Minute
	chat.TokenType, chat.UserCorpID, chat.UserID = tencent.TokenTypeSingleUser, u.corp, u.id
	chat.Config = clientsetting.NewChatBIConfig(clientsetting.TableFilter("26513"), clientsetting.SQLView(false))
	tok, err = client.CreateEmbedToken(ctx, chat)
	if err != nil {
		return err
	}
	link, err = tok.URL()
	if err != nil {
		return err
	}
	show(w, "ChatBI", tok.UserCorpID+"/"+tok.UserID, tok.Value, tok.Expiry, link)
	return nil
}

// youshuDemo mints a report token for u's account that shows only the
// North-East and North regions: the filterMap example of the Youshu
// document. On a real host, change the data connection id, table and field
// to ones of yours.
func youshuDemo(ctx context.Context, w io.Writer, env func(string) string, u user, projectID int64) error {
	client, mode, done, err := youshuClient(env, u)
	if err != nil {
		return err
	}
	defer done()
	fmt.Fprintln(w, "Youshu BI:", mode)

	rows := filtermap.FilterMap{}
	rows["700006204"] = filtermap.NewRowFilters(filtermap.RuleAnd,
		filtermap.NewListFilter(filtermap.TableName("订单总表"), filtermap.Select,
			filtermap.Dim{Field: "地区", DataType: filtermap.TypeString}, "东北", "华北"))
	tok, err := client.GenToken(ctx, &youshu.GenTokenRequest{AuthUniqueID: u.id, FilterMap: rows, Expiry: time.Hour})
	if err != nil {
		return err
	}
	link, err := tok.URL(youshu.Report(projectID))
	if err != nil {
		return err
	}
	show(w, "report", u.id, tok.Value, tok.ExpiresAt.Sub(tok.IssuedAt), link)
	return nil
}

// tencentClient returns a client for the real service when the environment
// holds a key pair, and otherwise one for an in-process fake. done releases
// what the client holds.
func tencentClient(env func(string) string) (client *tencent.Client, mode string, done func(), err error) {
	id, key := env("TENCENTCLOUD_SECRET_ID"), env("TENCENTCLOUD_SECRET_KEY")
	switch {
	case id != "" && key != "":
		client, err = tencent.NewClient(tencent.WithSecret(id, key))
		if err != nil {
			return nil, "", nil, err
		}
		return client, "real service (TENCENTCLOUD_SECRET_ID is set)", func() {}, nil
	case id != "" || key != "":
		return nil, "", nil, errors.New("set both TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY, or neither for fake mode")
	}
	fake := tencenttest.NewServer()
	client, err = tencent.NewClient(
		tencent.WithSecret(tencenttest.SecretID, tencenttest.SecretKey),
		tencent.WithEndpoint(fake.URL()))
	if err != nil {
		fake.Close()
		return nil, "", nil, err
	}
	return client, "fake mode, in-process tencenttest (set TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY for the real service)", fake.Close, nil
}

// youshuClient returns a client for the Youshu host in the environment, and
// otherwise one for an in-process fake that knows u's account. Both
// authenticate with a token key: a super admin's, since only super admins
// may mint for another account.
func youshuClient(env func(string) string, u user) (client *youshu.Client, mode string, done func(), err error) {
	base, key := env("YOUSHU_BASE_URL"), env("YOUSHU_TOKEN_KEY")
	switch {
	case base != "" && key != "":
		client, err = youshu.NewClient(base, youshu.WithCredential(youshu.TokenKey(key)))
		if err != nil {
			return nil, "", nil, err
		}
		return client, "real host " + base + " (YOUSHU_BASE_URL is set)", func() {}, nil
	case base != "" || key != "":
		return nil, "", nil, errors.New("set both YOUSHU_BASE_URL and YOUSHU_TOKEN_KEY, or neither for fake mode")
	}
	fake := youshutest.NewServer(youshutest.WithAccount(youshutest.Account{UniqueID: u.id, Email: u.id + "@example.com"}))
	// The fake serves plain http on loopback; real hosts must use https.
	client, err = youshu.NewClient(fake.URL(), youshu.WithInsecureHTTP(),
		youshu.WithCredential(youshu.TokenKey(youshutest.Admin().TokenKey)))
	if err != nil {
		fake.Close()
		return nil, "", nil, err
	}
	return client, "fake mode, in-process youshutest (set YOUSHU_BASE_URL and YOUSHU_TOKEN_KEY for a real host)", fake.Close, nil
}

// show prints a token for who: its value masked (a biembed.Secret prints a
// tag, never the value), its lifetime, and its embed URL with the
// (query-escaped) value replaced by "<token>".
func show(w io.Writer, what, who string, value biembed.Secret, life time.Duration, link string) {
	fmt.Fprintf(w, "  %-6s token: %v for %s, lifetime %v\n", what, value, who, life)
	fmt.Fprintf(w, "  %-6s URL:   %s\n", what, strings.Replace(link, url.QueryEscape(value.Reveal()), "<token>", 1))
}
