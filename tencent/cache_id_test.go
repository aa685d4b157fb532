package tencent_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/biembedtest"
	"github.com/biembed/biembed-go/tokencache"
)

// idStore is a Store that records every entry it is asked to save.
type idStore struct {
	tokencache.Store
	mu      sync.Mutex
	entries []tokencache.Entry
	keys    []string
}

func (s *idStore) Save(ctx context.Context, key string, e tokencache.Entry) error {
	s.mu.Lock()
	s.entries = append(s.entries, e)
	s.keys = append(s.keys, key)
	s.mu.Unlock()
	return s.Store.Save(ctx, key, e)
}

// TestCacheKeepsNoRawTokenAsID: a store (Redis, a database) sees a token's
// identity, its key and its tags in its index; none of them is the token
// (the identity is a hash of it), and the token itself travels only as a
// biembed.Secret.
func TestCacheKeepsNoRawTokenAsID(t *testing.T) {
	t.Parallel()
	store := &idStore{Store: tokencache.NewMemoryStore(0, 0)}
	cache, _, _ := cacheSetup(t, biembedtest.NewClock(time.Now()), tokencache.Options{Store: store})
	tok := get(t, cache, userRequest("corp"))
	value := tok.Value.Reveal()
	store.mu.Lock()
	defer store.mu.Unlock()
	require.Len(t, store.entries, 1)
	e := store.entries[0]
	assert.NotEmpty(t, e.ID)
	index := strings.Join(append([]string{e.ID, e.Key, store.keys[0]}, e.Tags...), "\n")
	assert.NotContains(t, index, value)
	assert.NotContains(t, index, value[:8])
	assert.Contains(t, e.Token.Reveal(), value, "the encoded token is what the store keeps, sealed")
	assert.NotContains(t, e.Token.String(), value)
	assert.Equal(t, get(t, cache, userRequest("corp")).Value, tok.Value, "and a hit decodes it back")
}
