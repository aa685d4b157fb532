package storetest_test

import (
	"context"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/biembed/biembed-go/internal/tokencache"
	"github.com/biembed/biembed-go/internal/testkit/storetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// epochBlind is the memory store with an Invalidate that only deletes, as a
// naive Redis store might: it never moves an epoch.
type epochBlind struct{ tokencache.Store[string] }

func (s epochBlind) Invalidate(ctx context.Context, t tokencache.Target) error {
	for _, k := range t.Keys {
		_ = s.Delete(ctx, k)
	}
	return nil
}

func TestCheckFindsAStoreThatIgnoresEpochs(t *testing.T) {
	t.Parallel()
	err := storetest.Check(func() tokencache.Store[string] { return epochBlind{tokencache.NewMemoryStore[string]()} })
	if err == nil || !strings.Contains(err.Error(), "InvalidateKeyVoidsMintInFlight") {
		t.Fatalf("Check = %v, want the stale-save check to fail", err)
	}
}

func TestRunPassesTheMemoryStore(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(*testing.T) tokencache.Store[string] { return tokencache.NewMemoryStore[string]() })
}
