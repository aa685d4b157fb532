package storetest_test

import (
	"context"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/biembed/biembed-go/internal/testkit/storetest"
	"github.com/biembed/biembed-go/tokencache"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// epochBlind is the memory store with an Invalidate that only deletes, as a
// naive Redis store might: it never moves an epoch.
type epochBlind struct{ tokencache.Store }

func (s epochBlind) Invalidate(ctx context.Context, keys, _ []string) ([]tokencache.Entry, error) {
	fresh := tokencache.NewMemoryStore(0, 0) // its epochs never move
	for _, k := range keys {
		if e, ok, _ := s.Load(ctx, k); ok {
			_ = fresh.Save(ctx, k, tokencache.Entry{Token: e.Token, ExpiresAt: e.IssuedAt}) // expired: a way to drop
		}
	}
	return nil, nil
}

func TestCheckFindsAStoreThatIgnoresEpochs(t *testing.T) {
	t.Parallel()
	err := storetest.Check(func() tokencache.Store { return epochBlind{tokencache.NewMemoryStore(0, 0)} })
	if err == nil || !strings.Contains(err.Error(), "InvalidateKeyVoidsMintInFlight") {
		t.Fatalf("Check = %v, want the stale-save check to fail", err)
	}
}

func TestRunPassesTheMemoryStore(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(*testing.T) tokencache.Store { return tokencache.NewMemoryStore(0, 0) })
}
