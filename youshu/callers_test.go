package youshu_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/internal/testkit/hostiletest"
	"github.com/biembed/biembed-go/tokencache"
	"github.com/biembed/biembed-go/youshu"
)

// TestHostileCallerOptions: every option refuses nil, zero, control-character
// and oversized input with a *biembed.ValidationError naming it.
func TestHostileCallerOptions(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 64<<10)
	var nilTransport *http.Transport
	var nilLimiter biembed.RateLimiter
	tests := []struct {
		name  string
		base  string
		opt   youshu.Option
		field string
	}{
		{"nil option", "", nil, "Option"},
		{"WithCredential zero", "", youshu.WithCredential(youshu.Credential{}), "WithCredential"},
		{"WithCredential empty password", "", youshu.WithCredential(youshu.Password("a@b.c", "")), "WithCredential"},
		{"WithCredential empty email", "", youshu.WithCredential(youshu.Password("", "pw")), "WithCredential"},
		{"WithCredential email with CR/LF", "", youshu.WithCredential(youshu.Password("a@b.c\r\nX: 1", "pw")), "WithCredential"},
		{"WithCredential password with NUL", "", youshu.WithCredential(youshu.Password("a@b.c", "pw\x00")), "WithCredential"},
		{"WithCredential oversized password", "", youshu.WithCredential(youshu.Password("a@b.c", long)), "WithCredential"},
		{"WithCredential empty key", "", youshu.WithCredential(youshu.TokenKey("")), "WithCredential"},
		{"WithCredential key with an account", "", youshu.WithCredential(youshu.Credential{Type: youshu.TokenTypeKey, Account: "a", Secret: biembed.NewSecret("k")}), "WithCredential"},
		{"WithCredential empty SSO token", "", youshu.WithCredential(youshu.SSO("u", "")), "WithCredential"},
		{"WithCredential unknown type", "", youshu.WithCredential(youshu.Credential{Type: "cookie", Secret: biembed.NewSecret("k")}), "WithCredential"},
		{"WithTransport nil", "", youshu.WithTransport(nil), "WithTransport"},
		{"WithTransport typed nil", "", youshu.WithTransport(nilTransport), "WithTransport"},
		{"WithTimeout zero", "", youshu.WithTimeout(0), "WithTimeout"},
		{"WithTimeout negative", "", youshu.WithTimeout(-time.Second), "WithTimeout"},
		{"WithRetries negative", "", youshu.WithRetries(-1), "WithRetries"},
		{"WithRetries oversized", "", youshu.WithRetries(11), "WithRetries"},
		{"WithBackoff zero", "", youshu.WithBackoff(0, 0), "WithBackoff"},
		{"WithBackoff max below base", "", youshu.WithBackoff(time.Second, time.Millisecond), "WithBackoff"},
		{"WithLogger nil", "", youshu.WithLogger(nil), "WithLogger"},
		{"WithRateLimiter nil", "", youshu.WithRateLimiter(nil), "WithRateLimiter"},
		{"WithRateLimiter nil interface", "", youshu.WithRateLimiter(nilLimiter), "WithRateLimiter"},
		{"WithClock nil", "", youshu.WithClock(nil), "WithClock"},
		{"baseURL empty", "-", nil, "baseURL"},
		{"baseURL without scheme", "bi.example.com", nil, "baseURL"},
		{"baseURL not http", "ftp://bi.example.com", nil, "baseURL"},
		{"baseURL http without opt-in", "http://bi.example.com", nil, "baseURL"},
		{"baseURL without host", "https://", nil, "baseURL"},
		{"baseURL with user info", "https://u:p@bi.example.com", nil, "baseURL"},
		{"baseURL with query", "https://bi.example.com?token=x", nil, "baseURL"},
		{"baseURL with fragment", "https://bi.example.com#x", nil, "baseURL"},
		{"baseURL with CR/LF", "https://bi.example.com/\r\nX: 1", nil, "baseURL"},
		{"baseURL with NUL", "https://bi.example.com/\x00", nil, "baseURL"},
		{"baseURL oversized", "https://bi.example.com/" + long, nil, "baseURL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			base := "https://bi.example.com"
			switch tc.base {
			case "-":
				base = ""
			case "":
			default:
				base = tc.base
			}
			var opts []youshu.Option
			if tc.opt != nil || tc.field == "Option" {
				opts = append(opts, tc.opt)
			}
			var c *youshu.Client
			err := callWithoutPanic(t, func() (err error) {
				c, err = youshu.NewClient(base, opts...)
				return err
			})
			requireValidation(t, err, tc.field)
			if c != nil {
				t.Error("a client came back with the error")
			}
			if strings.Contains(err.Error(), "pw") || strings.Contains(err.Error(), "aaaa") {
				t.Errorf("the error quotes the input: %q", err)
			}
		})
	}
}

// TestHostileCallerCalls: every method refuses a nil ctx, nil, zero,
// control-character and oversized input with a *biembed.ValidationError,
// and sends nothing (the server counts requests).
func TestHostileCallerCalls(t *testing.T) {
	t.Parallel()
	srv := hostiletest.New(t, hostiletest.JSON(200, youshuOK))
	c, err := youshu.NewClient(srv.URL, youshu.WithInsecureHTTP(), youshu.WithCredential(youshu.Password("a@b.c", "pw")))
	if err != nil {
		t.Fatal(err)
	}
	bare, err := youshu.NewClient(srv.URL, youshu.WithInsecureHTTP())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var nilCtx context.Context
	const tok = "0123456789abcdef0123456789abcdef0"
	huge := strings.Repeat("t", 64<<10)
	gen := func(client *youshu.Client, ctx context.Context, req *youshu.GenTokenRequest) func() error {
		return func() error {
			got, err := client.GenToken(ctx, req)
			if got != nil {
				return errors.New("a token came back with the error")
			}
			return err
		}
	}
	tests := []struct {
		name  string
		call  func() error
		field string
	}{
		{"GenToken nil ctx", gen(c, nilCtx, &youshu.GenTokenRequest{}), "ctx"},
		{"GenToken nil request", gen(c, ctx, nil), "GenTokenRequest"},
		{"GenToken no credential", gen(bare, ctx, &youshu.GenTokenRequest{}), "GenTokenRequest.Credential"},
		{"GenToken negative expiry", gen(c, ctx, &youshu.GenTokenRequest{Expiry: -time.Second}), "expiryTime"},
		{"GenToken authUniqueId with CR/LF", gen(c, ctx, &youshu.GenTokenRequest{AuthUniqueID: "user\r\nX: 1"}), "authUniqueId"},
		{"GenToken authUniqueId with bidi override", gen(c, ctx, &youshu.GenTokenRequest{AuthUniqueID: "user\u202e"}), "authUniqueId"},
		{"GenToken oversized authUniqueId", gen(c, ctx, &youshu.GenTokenRequest{AuthUniqueID: huge}), "authUniqueId"},
		{"GenToken uvId with NUL", gen(c, ctx, &youshu.GenTokenRequest{UVID: "v\x00"}), "uvId"},
		{"GenToken password with ESC", gen(c, ctx, &youshu.GenTokenRequest{Credential: youshu.Password("a@b.c", "p\x1b[2J")}), "password"},
		{"GenToken oversized key", gen(c, ctx, &youshu.GenTokenRequest{Credential: youshu.TokenKey(huge)}), "key"},
		{"GenToken zero client", gen(&youshu.Client{}, ctx, &youshu.GenTokenRequest{}), "Client"},
		{"RemoveToken nil ctx", func() error { return c.RemoveToken(nilCtx, tok) }, "ctx"},
		{"RemoveToken empty", func() error { return c.RemoveToken(ctx, "") }, "t"},
		{"RemoveToken blank", func() error { return c.RemoveToken(ctx, " \t") }, "t"},
		{"RemoveToken CR/LF", func() error { return c.RemoveToken(ctx, "tok\r\nX: 1") }, "t"},
		{"RemoveToken NUL", func() error { return c.RemoveToken(ctx, "tok\x00") }, "t"},
		{"RemoveToken not ASCII", func() error { return c.RemoveToken(ctx, "tök") }, "t"},
		{"RemoveToken oversized", func() error { return c.RemoveToken(ctx, huge) }, "t"},
		{"RemoveToken no credential", func() error { return bare.RemoveToken(ctx, tok) }, "WithCredential"},
		{"RenewToken nil ctx", func() error { return c.RenewToken(nilCtx, tok) }, "ctx"},
		{"RenewToken empty", func() error { return c.RenewToken(ctx, "") }, "t"},
		{"RenewToken CR/LF", func() error { return c.RenewToken(ctx, "a\nb") }, "t"},
		{"RenewToken ESC", func() error { return c.RenewToken(ctx, "a\x1b[2J") }, "t"},
		{"RenewToken oversized", func() error { return c.RenewToken(ctx, huge) }, "t"},
		{"RenewToken no credential", func() error { return bare.RenewToken(ctx, tok) }, "WithCredential"},
		{"NewCache nil client", func() error { _, err := youshu.NewCache(nil, tokencache.Options{}); return err }, "client"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := callWithoutPanic(t, tc.call)
			requireValidation(t, err, tc.field)
			if strings.Contains(err.Error(), "tttt") || strings.Contains(err.Error(), "user") {
				t.Errorf("the error quotes the input: %q", err)
			}
		})
	}
	if srv.Hits() != 0 {
		t.Errorf("%d requests were sent", srv.Hits())
	}
}

func callWithoutPanic(t *testing.T, call func() error) (err error) {
	t.Helper()
	defer func() {
		if p := recover(); p != nil {
			t.Fatalf("panic: %v", p)
		}
	}()
	return call()
}

// requireValidation checks that err is a *biembed.ValidationError whose
// Field starts with field ("" accepts any field).
func requireValidation(t *testing.T, err error, field string) {
	t.Helper()
	var ve *biembed.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %v (%T), want a *biembed.ValidationError", err, err)
	}
	if !errors.Is(err, biembed.ErrInvalid) {
		t.Errorf("%v does not match biembed.ErrInvalid", err)
	}
	if !strings.HasPrefix(ve.Field, field) {
		t.Errorf("field %q, want %q (%v)", ve.Field, field, err)
	}
	if len(err.Error()) > 512 {
		t.Errorf("error text of %d bytes", len(err.Error()))
	}
}
