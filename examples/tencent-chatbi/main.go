// Command tencent-chatbi mints a Tencent Cloud BI ChatBI token bound to one
// user (TokenType 200), limited to one data table and without the SQL view,
// and prints it (masked) with its ChatBI embed URL.
//
//	go run ./tencent-chatbi -corp 1120 -user 219301 -table 26513   # from the examples directory
//
// With TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY it calls the real
// service; without them an in-process fake (tencenttest).
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

	"github.com/biembed/biembed-go/clientsetting"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Stdout, os.Getenv, os.Args[1:])
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "tencent-chatbi:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, stdout io.Writer, env func(string) string, args []string) error {
	fs := flag.NewFlagSet("tencent-chatbi", flag.ContinueOnError)
	project := fs.Uint64("project", 117, "Tencent Cloud BI project id")
	corp := fs.String("corp", "1120", "the user's enterprise id (UserCorpId)")
	user := fs.String("user", "219301", "the user id (UserId)")
	table := fs.String("table", "26513", "id of the one data table ChatBI may use")
	if err := fs.Parse(args); err != nil {
		return err
	}
	client, mode, done, err := newClient(env)
	if err != nil {
		return err
	}
	defer done()
	fmt.Fprintln(stdout, "Tencent Cloud BI:", mode)

	req := tencent.NewChatBIRequest(*project)
	req.TokenType = tencent.TokenTypeSingleUser // one token per user: UserCorpID and UserID required
	req.UserCorpID, req.UserID = *corp, *user
	req.Expiry = 30 * time.Minute
	req.Config = clientsetting.NewChatBIConfig(clientsetting.TableFilter(*table), clientsetting.SQLView(false))
	tok, err := client.CreateEmbedToken(ctx, req) // checks req first: a bad one never leaves the process
	if err != nil {
		return err
	}
	link, err := tok.URL()
	if err != nil {
		return err
	}
	echoed, err := tok.Config.Encode() // the ConfigParam the service echoed
	if err != nil {
		return err
	}
	// tok.Value is a biembed.Secret: it prints masked. The URL carries the
	// token, so replace it.
	fmt.Fprintf(stdout, "token:  %v, lifetime %v\n", tok.Value, tok.Expiry)
	fmt.Fprintf(stdout, "user:   corp %s, user %s, token type %d\n", tok.UserCorpID, tok.UserID, tok.TokenType)
	fmt.Fprintln(stdout, "config:", echoed)
	fmt.Fprintln(stdout, "URL:   ", strings.Replace(link, url.QueryEscape(tok.Value.Reveal()), "<token>", 1))
	return nil
}

// newClient returns a client for the real service when env holds a key pair,
// and otherwise one for an in-process fake; done releases it.
func newClient(env func(string) string) (client *tencent.Client, mode string, done func(), err error) {
	id, key := env("TENCENTCLOUD_SECRET_ID"), env("TENCENTCLOUD_SECRET_KEY")
	switch {
	case id != "" && key != "":
		client, err = tencent.NewClient(tencent.WithSecret(id, key))
		if err != nil {
			return nil, "", nil, err
		}
		return client, "real service", func() {}, nil
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
	return client, "fake mode, in-process tencenttest", fake.Close, nil
}
