package youshu_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/biembed/biembed-go/internal/testkit/hostiletest"
	"github.com/biembed/biembed-go/youshu"
)

// TestHostileCallerOptions: every option refuses nil, zero, control-character
// and oversized input with a *ValidationError naming it.
func TestHostileCallerOptions(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 64<<10)
	tests := []struct {
		name  string
		base  string
		opt   youshu.Option
		field string
	}{
		{"nil option", "", nil, "option"},
		{"WithCredential zero", "", youshu.WithCredential(youshu.Credential{}), "WithCredential"},
		{"WithCredential empty password", "", youshu.WithCredential(youshu.Password("a@b.c", "")), "WithCredential"},
		{"WithCredential empty key", "", youshu.WithCredential(youshu.TokenKey("")), "WithCredential"},
		{"WithCredential empty SSO token", "", youshu.WithCredential(youshu.SSO("u", "")), "WithCredential"},
		{"WithHTTPClient nil", "", youshu.WithHTTPClient(nil), "WithHTTPClient"},
		{"WithTransport nil", "", youshu.WithTransport(nil), "WithTransport"},
		{"WithTimeout zero", "", youshu.WithTimeout(0), "WithTimeout"},
		{"WithTimeout negative", "", youshu.WithTimeout(-time.Second), "WithTimeout"},
		{"WithRetries negative", "", youshu.WithRetries(-1), "WithRetries"},
		{"WithRetries oversized", "", youshu.WithRetries(youshu.MaxRetries + 1), "WithRetries"},
		{"WithBackoff zero", "", youshu.WithBackoff(0, 0), "WithBackoff"},
		{"WithBackoff max below base", "", youshu.WithBackoff(time.Second, time.Millisecond), "WithBackoff"},
		{"WithLogger nil", "", youshu.WithLogger(nil), "WithLogger"},
		{"WithUserAgent empty", "", youshu.WithUserAgent(""), "WithUserAgent"},
		{"WithUserAgent CR/LF", "", youshu.WithUserAgent("app\r\nX-Evil: 1"), "WithUserAgent"},
		{"WithUserAgent NUL", "", youshu.WithUserAgent("app\x00"), "WithUserAgent"},
		{"WithUserAgent ESC", "", youshu.WithUserAgent("app\x1b[2J"), "WithUserAgent"},
		{"WithUserAgent DEL", "", youshu.WithUserAgent("app\x7f"), "WithUserAgent"},
		{"WithUserAgent tab", "", youshu.WithUserAgent("app\tv1"), "WithUserAgent"},
		{"WithUserAgent not ASCII", "", youshu.WithUserAgent("appé"), "WithUserAgent"},
		{"WithUserAgent oversized", "", youshu.WithUserAgent(long), "WithUserAgent"},
		{"WithMaxResponseBytes zero", "", youshu.WithMaxResponseBytes(0), "WithMaxResponseBytes"},
		{"WithMaxResponseBytes negative", "", youshu.WithMaxResponseBytes(-1), "WithMaxResponseBytes"},
		{"WithMaxResponseBytes oversized", "", youshu.WithMaxResponseBytes(1 << 40), "WithMaxResponseBytes"},
		{"WithClock nil", "", youshu.WithClock(nil), "WithClock"},
		{"baseURL empty", "-", nil, "baseURL"},
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
			if tc.opt != nil || tc.field == "option" {
				opts = append(opts, tc.opt)
			}
			c, err := youshu.NewClient(base, opts...)
			requireValidation(t, err, tc.field)
			if c != nil {
				t.Error("a client came back with the error")
			}
		})
	}
}

// TestHostileCallerCalls: every method refuses a nil ctx, nil, zero,
// control-character and oversized input with a *ValidationError, and sends
// nothing (the server counts requests).
func TestHostileCallerCalls(t *testing.T) {
	t.Parallel()
	srv := hostiletest.New(t, hostiletest.JSON(200, youshuOK))
	c, err := youshu.NewClient(srv.URL, youshu.WithInsecureHTTP(), youshu.WithCredential(youshu.Password("a@b.c", "pw")))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	bare, err := youshu.NewClient(srv.URL, youshu.WithInsecureHTTP())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var nilCtx context.Context
	const tok = "0123456789abcdef0123456789abcdef0"
	huge := strings.Repeat("t", 64<<10)
	tests := []struct {
		name  string
		call  func() error
		field string
	}{
		{"GenToken nil ctx", func() error { _, err := c.GenToken(nilCtx, &youshu.GenTokenRequest{}); return err }, "ctx"},
		{"GenToken nil request", func() error { _, err := c.GenToken(ctx, nil); return err }, "request"},
		{"GenToken no credential", func() error { _, err := bare.GenToken(ctx, &youshu.GenTokenRequest{}); return err }, "credential"},
		{"GenToken negative expiry", func() error { _, err := c.GenToken(ctx, &youshu.GenTokenRequest{Expiry: -time.Second}); return err }, ""},
		{"NewHelperToken nil ctx", func() error { _, err := c.NewHelperToken(nilCtx, youshu.UseDeleteToken); return err }, "ctx"},
		{"NewHelperToken zero use", func() error { _, err := c.NewHelperToken(ctx, ""); return err }, "useType"},
		{"NewHelperToken bogus use", func() error { _, err := c.NewHelperToken(ctx, "x\r\n"); return err }, "useType"},
		{"NewHelperToken no credential", func() error { _, err := bare.NewHelperToken(ctx, youshu.UseDeleteToken); return err }, "credential"},
		{"RemoveToken nil ctx", func() error { return c.RemoveToken(nilCtx, tok) }, "ctx"},
		{"RemoveToken empty", func() error { return c.RemoveToken(ctx, "") }, "t"},
		{"RemoveToken CR/LF", func() error { return c.RemoveToken(ctx, "tok\r\nX: 1") }, "t"},
		{"RemoveToken NUL", func() error { return c.RemoveToken(ctx, "tok\x00") }, "t"},
		{"RemoveToken oversized", func() error { return c.RemoveToken(ctx, huge) }, "t"},
		{"RemoveTokenWith nil ctx", func() error { return c.RemoveTokenWith(nilCtx, tok, tok) }, "ctx"},
		{"RemoveTokenWith empty helper", func() error { return c.RemoveTokenWith(ctx, "", tok) }, "helper"},
		{"RemoveTokenWith blank helper", func() error { return c.RemoveTokenWith(ctx, " \t", tok) }, "helper"},
		{"RemoveTokenWith empty token", func() error { return c.RemoveTokenWith(ctx, tok, "") }, "t"},
		{"RemoveTokenWith helper with ESC", func() error { return c.RemoveTokenWith(ctx, "h\x1b[2J", tok) }, "helper"},
		{"RemoveTokenWith oversized token", func() error { return c.RemoveTokenWith(ctx, tok, huge) }, "t"},
		{"RenewToken nil ctx", func() error { return c.RenewToken(nilCtx, tok) }, "ctx"},
		{"RenewToken empty", func() error { return c.RenewToken(ctx, "") }, "t"},
		{"RenewToken CR/LF", func() error { return c.RenewToken(ctx, "a\nb") }, "t"},
		{"RenewTokenWith nil ctx", func() error { return c.RenewTokenWith(nilCtx, tok, tok) }, "ctx"},
		{"RenewTokenWith empty helper", func() error { return c.RenewTokenWith(ctx, "", tok) }, "helper"},
		{"RenewTokenWith empty token", func() error { return c.RenewTokenWith(ctx, tok, "") }, "t"},
		{"RenewTokenWith oversized helper", func() error { return c.RenewTokenWith(ctx, huge, tok) }, "helper"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := callWithoutPanic(t, tc.call)
			requireValidation(t, err, tc.field)
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

// requireValidation checks that err is a *ValidationError whose Field starts
// with field ("" accepts any field).
func requireValidation(t *testing.T, err error, field string) {
	t.Helper()
	var ve *youshu.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %v (%T), want a *youshu.ValidationError", err, err)
	}
	if !strings.HasPrefix(ve.Field, field) {
		t.Errorf("field %q, want %q", ve.Field, field)
	}
	if len(err.Error()) > 512 {
		t.Errorf("error text of %d bytes", len(err.Error()))
	}
}
