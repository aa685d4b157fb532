package youshu_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"

	"github.com/biembed/biembed-go/youshu"
)

// A Client not made by NewClient (the zero value, or nil) is refused with a
// *ValidationError by every call, and nothing panics.
func TestZeroAndNilClientNeverPanic(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const tok = "token-0123456789"
	for name, c := range map[string]*youshu.Client{"zero": {}, "nil": nil} {
		calls := map[string]func() error{
			"GenToken": func() error {
				_, err := c.GenToken(ctx, &youshu.GenTokenRequest{})
				return err
			},
			"NewHelperToken": func() error {
				_, err := c.NewHelperToken(ctx, youshu.UseDeleteToken)
				return err
			},
			"RemoveToken":     func() error { return c.RemoveToken(ctx, tok) },
			"RemoveTokenWith": func() error { return c.RemoveTokenWith(ctx, tok, tok) },
			"RenewToken":      func() error { return c.RenewToken(ctx, tok) },
			"RenewTokenWith":  func() error { return c.RenewTokenWith(ctx, tok, tok) },
		}
		for call, fn := range calls {
			var ve *youshu.ValidationError
			if err := fn(); !errors.As(err, &ve) {
				t.Errorf("%s client: %s = %v, want a *ValidationError", name, call, err)
			}
		}
		c.OnRevoke(func(string) {})
		c.CloseIdleConnections()
		_ = c.BaseURL()
		slog.New(slog.NewJSONHandler(io.Discard, nil)).Info("client", "c", c)
		_ = fmt.Sprintf("%v %s %d %#v", c, c, c, c)
	}
}
