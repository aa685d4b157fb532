package youshu_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/internal/tokencache"
	"github.com/biembed/biembed-go/youshu"
	"github.com/biembed/biembed-go/youshu/youshutest"
)

// idStore is a CacheStore that records every identity it is given: the IDs
// of saved entries and of invalidation targets.
type idStore struct {
	youshu.CacheStore
	mu  sync.Mutex
	ids []string
}

func (s *idStore) Save(ctx context.Context, key string, e youshu.CacheEntry) error {
	s.record(e.ID)
	return s.CacheStore.Save(ctx, key, e)
}

func (s *idStore) Invalidate(ctx context.Context, t youshu.CacheTarget) error {
	s.record(t.IDs...)
	return s.CacheStore.Invalidate(ctx, t)
}

func (s *idStore) record(ids ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ids = append(s.ids, ids...)
}

func (s *idStore) recorded() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.ids...)
}

// TestYoushuCacheKeepsNoRawTokenAsID: a store (Redis, a database) sees a
// token's identity in its index; that identity is a hash, never the token,
// and a token removed through RemoveToken is still evicted by it.
func TestYoushuCacheKeepsNoRawTokenAsID(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	client := newClient(t, srv)
	store := &idStore{CacheStore: tokencache.NewMemoryStore[*youshu.Token]()}
	cache := newCache(t, client, youshu.CacheOptions{Store: store})
	ctx := context.Background()
	before, err := cache.Get(ctx, "alice", reportRequest())
	require.NoError(t, err)
	require.NoError(t, client.RemoveToken(ctx, before.Value.Reveal()))
	after, err := cache.Get(ctx, "alice", reportRequest())
	require.NoError(t, err)
	assert.NotEqual(t, before.Value.Reveal(), after.Value.Reveal(), "a removed token is not served again")

	ids := store.recorded()
	require.Len(t, ids, 3, "two saves and one invalidation by identity")
	assert.Equal(t, ids[0], ids[1], "the revocation names the saved entry's identity")
	for _, id := range ids {
		assert.NotContains(t, id, before.Value.Reveal())
		assert.NotContains(t, id, after.Value.Reveal())
		assert.NotEmpty(t, id)
	}
}
