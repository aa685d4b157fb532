package tencent_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tokencache"
)

// A Client not made by NewClient (the zero value, or nil) is refused with a
// *biembed.ValidationError by every call and by NewCache, and nothing
// panics, printing included.
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
				return c.ApplyEmbedInterval(ctx, &tencent.ApplyEmbedIntervalRequest{ProjectID: 1, PageID: 2,
					BIToken: biembed.NewSecret("token-0123456789"), Intention: tencent.IntentionEmbed, Scope: tencent.ScopePage})
			},
			"ClearEmbedToken": func() error {
				return c.ClearEmbedToken(ctx, &tencent.ClearEmbedTokenRequest{ProjectID: 1, UserCorpID: "corp", Scope: tencent.ScopePage, PageID: 2})
			},
			"NewCache": func() error {
				cache, err := tencent.NewCache(c, tokencache.Options{})
				if cache != nil {
					t.Errorf("%s client: NewCache returned a cache", name)
				}
				return err
			},
		}
		for call, fn := range calls {
			err := callWithoutPanic(t, fn)
			if err == nil {
				t.Errorf("%s client: %s: no error", name, call)
				continue
			}
			requireValidation(t, err, "")
		}
		_ = callWithoutPanic(t, func() error {
			slog.New(slog.NewJSONHandler(io.Discard, nil)).Info("client", "c", c)
			slog.New(slog.NewTextHandler(io.Discard, nil)).Info("client", "c", c)
			for _, verb := range verbs {
				_ = fmt.Sprintf(verb, c)
			}
			return nil
		})
	}
}
