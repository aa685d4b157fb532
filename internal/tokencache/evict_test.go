package tokencache

import (
	"context"
	"encoding/hex"
	"errors"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/internal/validate"
)

func storedKeys(c *Cache[req, token]) []string {
	s := c.cfg.Store.(*memoryStore[token])
	s.mu.RLock()
	defer s.mu.RUnlock()
	var keys []string
	for k := range s.named {
		keys = append(keys, k)
	}
	s.digests.all(func(d *digest, _ *memCold) bool {
		keys = append(keys, keyPrefix+hex.EncodeToString(d[:]))
		return true
	})
	sort.Strings(keys)
	return keys
}

func TestEvictionKeepsMaxEntries(t *testing.T) {
	t.Parallel()
	m := newMinter()
	ev := watch(EventEvict)
	c := newCache(t, m, func(cfg *Config[req, token]) {
		cfg.MaxEntries = 3
		cfg.OnEvent = ev.hook
	})
	mustGet(t, c, "a", req{TTL: 1 * time.Hour})
	mustGet(t, c, "b", req{TTL: 2 * time.Hour})
	mustGet(t, c, "c", req{TTL: 3 * time.Hour})
	assert.Empty(t, ev.keys(EventEvict), "room for three")

	m.clock.Advance(time.Hour) // a has expired; b expires soonest of the rest
	mustGet(t, c, "d", req{TTL: 10 * time.Hour})
	assert.Equal(t, []string{"a"}, ev.keys(EventEvict), "the expired entry goes first")
	assert.Equal(t, []string{"b", "c", "d"}, storedKeys(c))

	mustGet(t, c, "e", req{TTL: 10 * time.Hour})
	assert.Equal(t, []string{"a", "b"}, ev.keys(EventEvict), "then the one expiring soonest")
	assert.Equal(t, []string{"c", "d", "e"}, storedKeys(c))
	assert.Equal(t, uint64(2), c.Stats().Evictions)
}

func TestEvictionDropsExpiredBelowTheBound(t *testing.T) {
	t.Parallel()
	m := newMinter()
	c := newCache(t, m, nil)
	mustGet(t, c, "short", req{TTL: time.Hour})
	mustGet(t, c, "long", req{TTL: 5 * time.Hour})
	m.clock.Advance(time.Hour - DefaultSkew) // short can no longer be served
	mustGet(t, c, "new", req{})
	assert.Equal(t, []string{"long", "new"}, storedKeys(c))
	assert.Equal(t, uint64(1), c.Stats().Evictions)
}

func TestReplacingAnExpiredEntryIsNotAnEviction(t *testing.T) {
	t.Parallel()
	m := newMinter()
	c := newCache(t, m, func(cfg *Config[req, token]) { cfg.MaxEntries = 1 })
	mustGet(t, c, "k", req{})
	m.clock.Advance(2 * time.Hour)
	fresh := mustGet(t, c, "k", req{})
	assert.Equal(t, fresh, mustGet(t, c, "k", req{}), "the new token stays cached")
	assert.Equal(t, []string{"k"}, storedKeys(c))
	assert.Zero(t, c.Stats().Evictions)
}

func TestEvictionUnderConcurrentMints(t *testing.T) {
	t.Parallel()
	const maxEntries, keys = 8, 200
	m := newMinter()
	c := newCache(t, m, func(cfg *Config[req, token]) { cfg.MaxEntries = maxEntries })
	var wg sync.WaitGroup
	for i := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mustGet(t, c, "k"+strconv.Itoa(i), req{TTL: time.Duration(i+1) * time.Hour})
		}()
	}
	wg.Wait()
	assert.LessOrEqual(t, len(storedKeys(c)), maxEntries)
	c.mu.Lock()
	assert.LessOrEqual(t, c.index.len(), maxEntries)
	c.mu.Unlock()
	assert.Equal(t, uint64(keys-maxEntries), c.Stats().Evictions)
}

func TestInvalidate(t *testing.T) {
	t.Parallel()
	m := newMinter()
	c := newCache(t, m, nil)
	ctx := context.Background()

	first := mustGet(t, c, "k", req{})
	require.NoError(t, c.Invalidate(ctx, "k"))
	second := mustGet(t, c, "k", req{})
	assert.NotEqual(t, first.ID, second.ID, "Invalidate drops the key")

	require.NoError(t, c.InvalidateValue(ctx, first.ID), "an old identity is unknown")
	assert.Equal(t, second, mustGet(t, c, "k", req{}), "and drops nothing")
	require.NoError(t, c.InvalidateValue(ctx, "never-minted"))

	require.NoError(t, c.InvalidateValue(ctx, second.ID))
	third := mustGet(t, c, "k", req{})
	assert.NotEqual(t, second.ID, third.ID, "InvalidateValue drops the token")
	require.NoError(t, c.Invalidate(ctx, "never-cached"))

	assert.Equal(t, uint64(5), c.Stats().Invalidations, "one per call")
	assert.EqualValues(t, 3, m.calls.Load())
}

func TestInvalidateRejectsBadInput(t *testing.T) {
	t.Parallel()
	c := newCache(t, newMinter(), func(cfg *Config[req, token]) { cfg.ID = nil })
	var nilCtx context.Context
	cases := []struct {
		field string
		err   error
	}{
		{"ID", c.InvalidateValue(context.Background(), "tok-1")},
		{"ctx", c.InvalidateValue(nilCtx, "tok-1")},
		{"ctx", c.Invalidate(nilCtx, "k")},
	}
	for _, tc := range cases {
		var ve *validate.Error
		require.ErrorAs(t, tc.err, &ve)
		assert.Equal(t, tc.field, ve.Field)
	}
}

// failingStore is the in-memory store with calls that fail on demand.
type failingStore struct {
	*memoryStore[token]
	load, save, del, inv error
}

func (s *failingStore) Invalidate(ctx context.Context, t Target) error {
	if s.inv != nil {
		return s.inv
	}
	return s.memoryStore.Invalidate(ctx, t)
}

func (s *failingStore) Load(ctx context.Context, key string) (Entry[token], bool, error) {
	if s.load != nil {
		return Entry[token]{}, false, s.load
	}
	return s.memoryStore.Load(ctx, key)
}

func (s *failingStore) Save(ctx context.Context, key string, e Entry[token]) error {
	if s.save != nil {
		return s.save
	}
	return s.memoryStore.Save(ctx, key, e)
}

func (s *failingStore) Delete(ctx context.Context, key string) error {
	if s.del != nil {
		return s.del
	}
	return s.memoryStore.Delete(ctx, key)
}

func TestStoreErrorsAreCountedAndTokensStillServed(t *testing.T) {
	t.Parallel()
	broken := errors.New("store is down")
	cases := []struct {
		name       string
		store      failingStore
		wantErrors uint64 // after two Gets
	}{
		{"load fails", failingStore{load: broken}, 2},
		{"save fails", failingStore{save: broken}, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := newMinter()
			ev := watch(EventError)
			store := tc.store
			store.memoryStore = newMemoryStore[token]()
			c := newCache(t, m, func(cfg *Config[req, token]) {
				cfg.Store = &store
				cfg.OnEvent = ev.hook
			})
			first := mustGet(t, c, "k", req{})
			second := mustGet(t, c, "k", req{})
			assert.NotEqual(t, first.ID, second.ID, "each Get minted")
			assert.Equal(t, tc.wantErrors, c.Stats().Errors)
			assert.ErrorIs(t, ev.next().Err, broken)
		})
	}
}

func TestInvalidateReportsStoreError(t *testing.T) {
	t.Parallel()
	broken := errors.New("store is down")
	store := &failingStore{memoryStore: newMemoryStore[token](), inv: broken}
	c := newCache(t, newMinter(), func(cfg *Config[req, token]) { cfg.Store = store })
	tok := mustGet(t, c, "k", req{})
	assert.ErrorIs(t, c.InvalidateValue(context.Background(), tok.ID), broken)
	assert.ErrorIs(t, c.Invalidate(context.Background(), "k"), broken)
	assert.Equal(t, uint64(2), c.Stats().Errors)
}

// getLive is mustGet for a test whose goroutines move the clock: one may
// move it past a token's life while it is minted, making it short-lived.
func getLive(t *testing.T, c *Cache[req, token], key string, r req) {
	t.Helper()
	if _, err := c.Get(context.Background(), key, r); err != nil && !errors.Is(err, ErrShortLived) {
		t.Errorf("Get(%q): %v", key, err)
	}
}

// TestConcurrentMixedUse runs every operation at once on a few keys, with the
// clock moving, to let the race detector and the bound checks see them mix.
func TestConcurrentMixedUse(t *testing.T) {
	t.Parallel()
	const maxEntries = 3
	m := newMinter()
	c := newCache(t, m, func(cfg *Config[req, token]) { cfg.MaxEntries = maxEntries })
	ctx := context.Background()
	keys := []string{"a", "b", "c", "d", "e"}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				key := keys[(g+i)%len(keys)]
				switch i % 10 {
				case 0:
					m.clock.Advance(7 * time.Minute)
				case 1:
					assert.NoError(t, c.Invalidate(ctx, key))
				case 2:
					assert.NoError(t, c.InvalidateValue(ctx, "tok-"+strconv.Itoa(i)))
				case 3:
					getLive(t, c, key, req{SingleUse: true})
				default:
					getLive(t, c, key, req{TTL: time.Duration(1+i%3) * time.Hour})
				}
			}
		}()
	}
	wg.Wait()
	require.NoError(t, c.Close())
	assert.LessOrEqual(t, len(storedKeys(c)), maxEntries)
	c.mu.Lock()
	defer c.mu.Unlock()
	assert.LessOrEqual(t, c.index.len(), maxEntries)
	assert.Empty(t, c.flights)
}
