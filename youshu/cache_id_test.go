package youshu_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/tokencache"
	"github.com/biembed/biembed-go/youshu/youshutest"
)

// idStore is a tokencache.Store that records every name it is given to
// index by: keys, the IDs and tags of saved entries, and the keys and tags
// of invalidations.
type idStore struct {
	tokencache.Store
	mu      sync.Mutex
	saved   []string // Entry.ID of each Save
	keys    []string // the key of each Save
	dropped []string // tags of each Invalidate
	names   []string // every key and tag
}

func (s *idStore) Save(ctx context.Context, key string, e tokencache.Entry) error {
	s.mu.Lock()
	s.saved = append(s.saved, e.ID)
	s.keys = append(s.keys, key)
	s.names = append(append(s.names, key, e.ID), e.Tags...)
	s.mu.Unlock()
	return s.Store.Save(ctx, key, e)
}

func (s *idStore) Invalidate(ctx context.Context, keys, tags []string) ([]tokencache.Entry, error) {
	s.mu.Lock()
	s.dropped = append(s.dropped, tags...)
	s.names = append(append(s.names, keys...), tags...)
	s.mu.Unlock()
	return s.Store.Invalidate(ctx, keys, tags)
}

func (s *idStore) Load(ctx context.Context, key string) (tokencache.Entry, bool, error) {
	s.mu.Lock()
	s.names = append(s.names, key)
	s.mu.Unlock()
	return s.Store.Load(ctx, key)
}

// TestYoushuCacheKeepsNoRawTokenAsID: a store (Redis, a database) sees a
// token's identity, the request's key and the user's tag in its index;
// none of them is a token, a secret or the user's name in the clear
// (the identity is a hash of the token), and a token removed through
// RemoveToken is still dropped by that identity.
func TestYoushuCacheKeepsNoRawTokenAsID(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	client := newClient(t, srv)
	store := &idStore{Store: tokencache.NewMemoryStore(0, 0)}
	cache := newCache(t, client, tokencache.Options{Store: store})
	ctx := context.Background()
	before, err := cache.Get(ctx, reportRequest())
	require.NoError(t, err)
	require.NoError(t, client.RemoveToken(ctx, before.Value.Reveal()))
	after, err := cache.Get(ctx, reportRequest())
	require.NoError(t, err)
	assert.NotEqual(t, before.Value.Reveal(), after.Value.Reveal(), "a removed token is not served again")

	store.mu.Lock()
	defer store.mu.Unlock()
	require.Len(t, store.saved, 2, "two saves")
	assert.True(t, slices.Contains(store.dropped, store.saved[0]), "the removal names the saved entry's identity: %v", store.dropped)
	assert.NotEqual(t, store.saved[0], store.saved[1])
	for _, name := range store.names {
		for _, secret := range append(youshutest.Secrets(), before.Value.Reveal(), after.Value.Reveal(), fmt.Sprintf("%x", before.Value.Reveal())) {
			assert.NotContains(t, name, secret)
		}
		assert.NotEmpty(t, name)
		assert.LessOrEqual(t, len(name), 128)
		assert.False(t, strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r > 0x7e }), "%q", name)
	}
}

// TestYoushuCacheStoreHoldsTheTokenSealed: what a shared store is given
// holds the token only as a biembed.Secret (which prints masked), and a
// cache over that store serves it back whole.
func TestYoushuCacheStoreHoldsTheTokenSealed(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	store := &idStore{Store: tokencache.NewMemoryStore(0, 0)}
	client := newClient(t, srv)
	first := newCache(t, client, tokencache.Options{Store: store})
	ctx := context.Background()
	tok, err := first.Get(ctx, reportRequest())
	require.NoError(t, err)

	second := newCache(t, client, tokencache.Options{Store: store}) // another replica
	again, err := second.Get(ctx, reportRequest())
	require.NoError(t, err)
	assert.Equal(t, tok.Value.Reveal(), again.Value.Reveal(), "the replica is served the stored token")
	assert.True(t, tok.ExpiresAt.Equal(again.ExpiresAt))
	assert.Equal(t, 1, srv.Count("genToken"))

	store.mu.Lock()
	key := store.keys[0]
	store.mu.Unlock()
	entry, ok, err := store.Load(ctx, key)
	require.NoError(t, err)
	require.True(t, ok)
	for _, verb := range verbs {
		assert.NotContains(t, fmt.Sprintf(verb, entry), tok.Value.Reveal(), verb)
	}
	assert.Contains(t, entry.Token.Reveal(), tok.Value.Reveal(), "the entry holds the encoded token")
}
