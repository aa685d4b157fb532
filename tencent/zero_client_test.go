package tencent_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"

	"github.com/biembed/biembed-go/tencent"
)

// A Client not made by NewClient (the zero value, or nil) is refused with a
// *ValidationError by every call, and nothing panics.
func TestZeroAndNilClientNeverPanic(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for name, c := range map[string]*tencent.Client{"zero": {}, "nil": nil} {
		calls := map[string]func() error{
			"CreateEmbedToken": func() error {
				_, err := c.CreateEmbedToken(ctx, tencent.NewPageRequest(1, 2))
				return err
			},
			"ApplyEmbedInterval": func() error {
				return c.ApplyEmbedInterval(ctx, &tencent.ApplyEmbedIntervalRequest{ProjectID: 1, PageID: 2, BIToken: "token-0123456789", Scope: tencent.ScopePage})
			},
			"ClearEmbedToken": func() error {
				return c.ClearEmbedToken(ctx, &tencent.ClearEmbedTokenRequest{ProjectID: 1, UserCorpID: "corp", Scope: tencent.ScopePage, PageID: 2})
			},
		}
		for call, fn := range calls {
			var ve *tencent.ValidationError
			if err := fn(); !errors.As(err, &ve) {
				t.Errorf("%s client: %s = %v, want a *ValidationError", name, call, err)
			}
		}
		c.OnClear(func(tencent.ClearEmbedTokenRequest) {})
		c.CloseIdleConnections()
		slog.New(slog.NewJSONHandler(io.Discard, nil)).Info("client", "c", c)
		_ = fmt.Sprintf("%v %s %d", c, c, c)
	}
}
