package tokencache_test

import (
	"context"
	"testing"

	"github.com/biembed/biembed-go/internal/tokencache"
	"github.com/biembed/biembed-go/internal/testkit/storetest"
)

func TestMemoryStoreKeepsTheStoreContract(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(*testing.T) tokencache.Store[string] { return tokencache.NewMemoryStore[string]() })
}

// TestMemoryStoreKeepsTheStoreContractUnderRequestKeys runs the same suite
// with every key turned into RequestKey's form, which the memory store keeps
// in its digest table rather than by string.
func TestMemoryStoreKeepsTheStoreContractUnderRequestKeys(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(*testing.T) tokencache.Store[string] {
		return digestKeyed{tokencache.NewMemoryStore[string]()}
	})
}

// digestKeyed passes every key to its Store as KeyOfJSON(key).
type digestKeyed struct{ tokencache.Store[string] }

func digestKey(k string) string { return tokencache.KeyOfJSON([]byte(k)) }

func (s digestKeyed) Load(ctx context.Context, key string) (tokencache.Entry[string], bool, error) {
	return s.Store.Load(ctx, digestKey(key))
}

func (s digestKeyed) Epoch(ctx context.Context, key string, tags []string) (uint64, error) {
	return s.Store.Epoch(ctx, digestKey(key), tags)
}

func (s digestKeyed) Save(ctx context.Context, key string, e tokencache.Entry[string]) error {
	return s.Store.Save(ctx, digestKey(key), e)
}

func (s digestKeyed) Delete(ctx context.Context, key string) error {
	return s.Store.Delete(ctx, digestKey(key))
}

func (s digestKeyed) Invalidate(ctx context.Context, t tokencache.Target) error {
	keys := make([]string, len(t.Keys))
	for i, k := range t.Keys {
		keys[i] = digestKey(k)
	}
	t.Keys = keys
	return s.Store.Invalidate(ctx, t)
}
