// Command youshu-revoke walks through a Youshu token's life: mint a report
// token, renew it (RenewToken), revoke it (RemoveToken), and show that
// renewing it again fails with a typed *youshu.Error.
//
//	go run ./examples/youshu-revoke
//
// With YOUSHU_BASE_URL and YOUSHU_TOKEN_KEY it uses that host; the key must
// belong to a super admin, since renewing and removing need helper tokens
// only super admins may mint. Without them it uses an in-process fake
// (youshutest).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/biembed/biembed-go/youshu"
	"github.com/biembed/biembed-go/youshu/youshutest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Stdout, os.Getenv)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "youshu-revoke:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, stdout io.Writer, env func(string) string) error {
	client, mode, done, err := newClient(env)
	if err != nil {
		return err
	}
	defer done()
	fmt.Fprintln(stdout, "Youshu BI:", mode)

	tok, err := client.GenToken(ctx, &youshu.GenTokenRequest{Expiry: 10 * time.Minute})
	if err != nil {
		return fmt.Errorf("mint: %w", err)
	}
	fmt.Fprintln(stdout, "minted: ", tok) // String masks the value

	if err := client.RenewToken(ctx, tok.Value.Reveal()); err != nil {
		return fmt.Errorf("renew: %w", err)
	}
	fmt.Fprintln(stdout, "renewed: ok")

	if err := client.RemoveToken(ctx, tok.Value.Reveal()); err != nil {
		return fmt.Errorf("revoke: %w", err)
	}
	fmt.Fprintln(stdout, "revoked: ok")

	// A revoked token can be neither used nor renewed.
	err = client.RenewToken(ctx, tok.Value.Reveal())
	var e *youshu.Error
	switch {
	case err == nil:
		return errors.New("renewing the revoked token succeeded")
	case errors.Is(err, youshu.ErrInvalid) || !errors.As(err, &e):
		return fmt.Errorf("renew after revoke: unexpected error: %w", err)
	}
	// The server refused: e has the endpoint and the JSON code. Server
	// failures (errors.Is ErrServer) may pass; a refusal will not.
	fmt.Fprintf(stdout, "renew after revoke: refused by %s, code %d, server failure: %t\n",
		e.Endpoint, e.Code, errors.Is(err, youshu.ErrServer))
	fmt.Fprintln(stdout, "  error:", err) // error text never holds the token
	return nil
}

// newClient returns a client for the host in env, or for an in-process fake;
// done releases it.
func newClient(env func(string) string) (client *youshu.Client, mode string, done func(), err error) {
	base, key := env("YOUSHU_BASE_URL"), env("YOUSHU_TOKEN_KEY")
	switch {
	case base != "" && key != "":
		client, err = youshu.NewClient(base, youshu.WithCredential(youshu.TokenKey(key)))
		if err != nil {
			return nil, "", nil, err
		}
		return client, "real host " + client.BaseURL(), client.CloseIdleConnections, nil
	case base != "" || key != "":
		return nil, "", nil, errors.New("set both YOUSHU_BASE_URL and YOUSHU_TOKEN_KEY, or neither for fake mode")
	}
	fake := youshutest.NewServer()
	// The fake's super admin; plain http is allowed for the loopback fake only.
	client, err = youshu.NewClient(fake.URL(), youshu.WithInsecureHTTP(),
		youshu.WithCredential(youshu.TokenKey(youshutest.AdminTokenKey)))
	if err != nil {
		fake.Close()
		return nil, "", nil, err
	}
	return client, "fake mode, in-process youshutest", func() { client.CloseIdleConnections(); fake.Close() }, nil
}
