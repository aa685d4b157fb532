package tencent_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/internal/testkit/hostiletest"
	"github.com/biembed/biembed-go/tencent"
)

// TestHostileCallerOptions: every option refuses nil, zero, control-character
// and oversized input with a *ValidationError naming it, before any request.
func TestHostileCallerOptions(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 64<<10)
	var typedNil *common.Credential
	tests := []struct {
		name  string
		opt   tencent.Option
		field string
	}{
		{"nil option", nil, "Option"},
		{"WithSecret empty id", tencent.WithSecret("", "key"), "WithSecret"},
		{"WithSecret empty key", tencent.WithSecret("AKID", ""), "WithSecret"},
		{"WithSecret blank", tencent.WithSecret(" ", " "), "WithSecret"},
		{"WithSecret id with CR/LF", tencent.WithSecret("AKID\r\nX-Evil: 1", "key"), "WithSecret"},
		{"WithSecret key with trailing newline", tencent.WithSecret("AKID", "key\n"), "WithSecret"},
		{"WithSecret key with NUL", tencent.WithSecret("AKID", "k\x00ey"), "WithSecret"},
		{"WithSecret key not ASCII", tencent.WithSecret("AKID", "kéy"), "WithSecret"},
		{"WithSecret oversized id", tencent.WithSecret(long, "key"), "WithSecret"},
		{"WithSecret oversized key", tencent.WithSecret("AKID", long), "WithSecret"},
		{"WithCredential nil", tencent.WithCredential(nil), "WithCredential"},
		{"WithCredential typed nil", tencent.WithCredential(typedNil), "WithCredential"},
		{"WithEndpoint empty", tencent.WithEndpoint(""), "WithEndpoint"},
		{"WithEndpoint ftp", tencent.WithEndpoint("ftp://bi.example.com"), "WithEndpoint"},
		{"WithEndpoint path", tencent.WithEndpoint("https://bi.example.com/x"), "WithEndpoint"},
		{"WithEndpoint user info", tencent.WithEndpoint("https://u:p@bi.example.com"), "WithEndpoint"},
		{"WithEndpoint fragment", tencent.WithEndpoint("https://bi.example.com#x"), "WithEndpoint"},
		{"WithEndpoint CR/LF", tencent.WithEndpoint("bi.example.com\r\nX: 1"), "WithEndpoint"},
		{"WithEndpoint NUL", tencent.WithEndpoint("bi.example.com\x00"), "WithEndpoint"},
		{"WithEndpoint oversized", tencent.WithEndpoint(long + ".com"), "WithEndpoint"},
		{"WithTransport nil", tencent.WithTransport(nil), "WithTransport"},
		{"WithTimeout zero", tencent.WithTimeout(0), "WithTimeout"},
		{"WithTimeout negative", tencent.WithTimeout(-time.Second), "WithTimeout"},
		{"WithLogger nil", tencent.WithLogger(nil), "WithLogger"},
		{"WithRateLimiter nil", tencent.WithRateLimiter(nil), "WithRateLimiter"},
		{"WithRateLimiter typed nil", tencent.WithRateLimiter((*countingLimiter)(nil)), "WithRateLimiter"},
		{"WithRetries negative", tencent.WithRetries(-1), "WithRetries"},
		{"WithRetries above 10", tencent.WithRetries(1 << 30), "WithRetries"},
		{"WithBackoff zero", tencent.WithBackoff(0, 0), "WithBackoff"},
		{"WithBackoff negative", tencent.WithBackoff(-time.Second, time.Second), "WithBackoff"},
		{"WithBackoff max below base", tencent.WithBackoff(time.Second, time.Millisecond), "WithBackoff"},
		{"WithEmbedHost empty", tencent.WithEmbedHost(""), "WithEmbedHost"},
		{"WithEmbedHost javascript", tencent.WithEmbedHost("javascript:alert(1)"), "WithEmbedHost"},
		{"WithEmbedHost query", tencent.WithEmbedHost("https://bi.example.com?x=1"), "WithEmbedHost"},
		{"WithEmbedHost CR/LF", tencent.WithEmbedHost("https://bi.example.com/\r\n"), "WithEmbedHost"},
		{"WithEmbedHost oversized", tencent.WithEmbedHost("https://bi.example.com/" + long), "WithEmbedHost"},
		{"WithClock nil", tencent.WithClock(nil), "WithClock"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var c *tencent.Client
			err := callWithoutPanic(t, func() (err error) {
				c, err = tencent.NewClient(tencent.WithSecret("AKID", "key"), tc.opt)
				return err
			})
			requireValidation(t, err, tc.field)
			if c != nil {
				t.Error("a client came back with the error")
			}
			if strings.Contains(err.Error(), "aaaa") || strings.Contains(err.Error(), "\r") {
				t.Errorf("the error quotes the input: %.80q", err)
			}
		})
	}
}

// TestHostileCallerCalls: every call refuses a nil ctx, nil, zero,
// control-character and oversized input with a *ValidationError and sends
// nothing (the server counts requests).
func TestHostileCallerCalls(t *testing.T) {
	t.Parallel()
	srv := hostiletest.New(t, hostiletest.JSON(200, okAnswer))
	c, err := tencent.NewClient(tencent.WithSecret("AKID", "key"), tencent.WithEndpoint(srv.URL),
		tencent.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var nilCtx context.Context
	huge := strings.Repeat("x", 64<<10)
	page := func(edit func(*tencent.CreateEmbedTokenRequest)) *tencent.CreateEmbedTokenRequest {
		r := tencent.NewPageRequest(1, 2)
		edit(r)
		return r
	}
	apply := func(token string) *tencent.ApplyEmbedIntervalRequest {
		return &tencent.ApplyEmbedIntervalRequest{ProjectID: 1, PageID: 2, BIToken: biembed.NewSecret(token), Intention: tencent.IntentionEmbed, Scope: tencent.ScopePage}
	}
	clear := func(corp string) *tencent.ClearEmbedTokenRequest {
		return &tencent.ClearEmbedTokenRequest{ProjectID: 1, UserCorpID: corp, Scope: tencent.ScopePage, PageID: 2}
	}
	create := func(ctx context.Context, r *tencent.CreateEmbedTokenRequest) func() error {
		return func() error {
			tok, err := c.CreateEmbedToken(ctx, r)
			if tok != nil {
				t.Error("a token came back with the error")
			}
			return err
		}
	}
	tests := []struct {
		name  string
		call  func() error
		field string
	}{
		{"CreateEmbedToken nil ctx", create(nilCtx, tencent.NewPageRequest(1, 2)), "ctx"},
		{"CreateEmbedToken nil request", create(ctx, nil), "CreateEmbedTokenRequest"},
		{"CreateEmbedToken zero request", create(ctx, &tencent.CreateEmbedTokenRequest{}), "CreateEmbedTokenRequest.ProjectID"},
		{"CreateEmbedToken UserID with CR/LF", create(ctx, page(func(r *tencent.CreateEmbedTokenRequest) { r.UserID = "u\r\n" })), "CreateEmbedTokenRequest.UserID"},
		{"CreateEmbedToken UserCorpID with NUL", create(ctx, page(func(r *tencent.CreateEmbedTokenRequest) { r.UserCorpID = "c\x00" })), "CreateEmbedTokenRequest.UserCorpID"},
		{"CreateEmbedToken ExtraParam with ESC", create(ctx, page(func(r *tencent.CreateEmbedTokenRequest) { r.ExtraParam = "\x1b[2J" })), "CreateEmbedTokenRequest.ExtraParam"},
		{"CreateEmbedToken UserID with bidi override", create(ctx, page(func(r *tencent.CreateEmbedTokenRequest) { r.UserID = "u\u202e" })), "CreateEmbedTokenRequest.UserID"},
		{"CreateEmbedToken oversized ExtraParam", create(ctx, page(func(r *tencent.CreateEmbedTokenRequest) { r.ExtraParam = huge })), "CreateEmbedTokenRequest.ExtraParam"},
		{"CreateEmbedToken oversized UserID", create(ctx, page(func(r *tencent.CreateEmbedTokenRequest) { r.UserID = huge })), "CreateEmbedTokenRequest.UserID"},
		{"CreateEmbedToken invalid UTF-8", create(ctx, page(func(r *tencent.CreateEmbedTokenRequest) { r.UserID = "\xff" })), "CreateEmbedTokenRequest.UserID"},
		{"CreateEmbedToken Expiry of an hour and a second", create(ctx, page(func(r *tencent.CreateEmbedTokenRequest) { r.Expiry = time.Hour + time.Second })), "CreateEmbedTokenRequest.Expiry"},
		{"CreateEmbedToken huge TicketNum", create(ctx, page(func(r *tencent.CreateEmbedTokenRequest) { r.TicketNum = 1 << 62 })), "CreateEmbedTokenRequest.TicketNum"},
		{"ApplyEmbedInterval nil ctx", func() error { return c.ApplyEmbedInterval(nilCtx, apply("tok")) }, "ctx"},
		{"ApplyEmbedInterval nil request", func() error { return c.ApplyEmbedInterval(ctx, nil) }, "ApplyEmbedIntervalRequest"},
		{"ApplyEmbedInterval zero request", func() error { return c.ApplyEmbedInterval(ctx, &tencent.ApplyEmbedIntervalRequest{}) }, "ApplyEmbedIntervalRequest"},
		{"ApplyEmbedInterval empty token", func() error { return c.ApplyEmbedInterval(ctx, apply("")) }, "ApplyEmbedIntervalRequest.BIToken"},
		{"ApplyEmbedInterval token with CR/LF", func() error { return c.ApplyEmbedInterval(ctx, apply("tok\r\n")) }, "ApplyEmbedIntervalRequest.BIToken"},
		{"ApplyEmbedInterval blank token", func() error { return c.ApplyEmbedInterval(ctx, apply("   ")) }, "ApplyEmbedIntervalRequest.BIToken"},
		{"ApplyEmbedInterval oversized token", func() error { return c.ApplyEmbedInterval(ctx, apply(huge)) }, "ApplyEmbedIntervalRequest.BIToken"},
		{"ApplyEmbedInterval ExtraParam with ESC", func() error {
			r := apply("tok")
			r.ExtraParam = "\x1b]0;x\x07"
			return c.ApplyEmbedInterval(ctx, r)
		}, "ApplyEmbedIntervalRequest.ExtraParam"},
		{"ClearEmbedToken nil ctx", func() error { return c.ClearEmbedToken(nilCtx, clear("corp")) }, "ctx"},
		{"ClearEmbedToken nil request", func() error { return c.ClearEmbedToken(ctx, nil) }, "ClearEmbedTokenRequest"},
		{"ClearEmbedToken zero request", func() error { return c.ClearEmbedToken(ctx, &tencent.ClearEmbedTokenRequest{}) }, "ClearEmbedTokenRequest"},
		{"ClearEmbedToken corp with CR/LF", func() error { return c.ClearEmbedToken(ctx, clear("corp\r\n")) }, "ClearEmbedTokenRequest.UserCorpID"},
		{"ClearEmbedToken oversized corp", func() error { return c.ClearEmbedToken(ctx, clear(huge)) }, "ClearEmbedTokenRequest.UserCorpID"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := callWithoutPanic(t, tc.call)
			requireValidation(t, err, tc.field)
			if strings.Contains(err.Error(), "xxxx") || strings.Contains(err.Error(), "\r") {
				t.Errorf("the error quotes the input: %.80q", err)
			}
		})
	}
	if srv.Hits() != 0 {
		t.Errorf("%d requests were sent", srv.Hits())
	}
}

// TestTypedNilCredentialDoesNotPanic: a typed nil *common.Credential is
// refused when the client is built, not at the first call.
func TestTypedNilCredentialDoesNotPanic(t *testing.T) {
	t.Parallel()
	var cred *common.Credential
	err := callWithoutPanic(t, func() error {
		c, err := tencent.NewClient(tencent.WithCredential(cred), tencent.WithEndpoint("http://127.0.0.1:1"))
		if err != nil {
			return err
		}
		_, err = c.CreateEmbedToken(context.Background(), tencent.NewPageRequest(1, 2))
		return err
	})
	requireValidation(t, err, "WithCredential")
}
