package tencent_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/internal/tokencache"
	"github.com/biembed/biembed-go/tencent"
)

// idStore is a CacheStore that records the identity of every saved entry.
type idStore struct {
	tencent.CacheStore
	mu  sync.Mutex
	ids []string
}

func (s *idStore) Save(ctx context.Context, key string, e tencent.CacheEntry) error {
	s.mu.Lock()
	s.ids = append(s.ids, e.ID)
	s.mu.Unlock()
	return s.CacheStore.Save(ctx, key, e)
}

// TestCacheKeepsNoRawTokenAsID: a store (Redis, a database) sees a token's
// identity in its index; that identity is a hash, never the token.
func TestCacheKeepsNoRawTokenAsID(t *testing.T) {
	t.Parallel()
	store := &idStore{CacheStore: tokencache.NewMemoryStore[*tencent.EmbedToken]()}
	cache, _, _ := cacheSetup(t, tokencache.NewFakeClock(time.Now()), tencent.CacheOptions{Store: store})
	tok, err := cache.Get(context.Background(), "alice", pageRequest())
	require.NoError(t, err)
	store.mu.Lock()
	defer store.mu.Unlock()
	require.Len(t, store.ids, 1)
	assert.NotEmpty(t, store.ids[0])
	assert.NotContains(t, store.ids[0], tok.Value.Reveal())
}
