package tokencache

import (
	"context"
	"errors"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/biembed"
)

// storedNames lists the names of the requests whose tokens the cache's
// memory holds.
func storedNames(c *Cache[req, token]) []string {
	s := c.cfg.Store.(*memStore)
	s.mu.RLock()
	defer s.mu.RUnlock()
	var names []string
	for k := range s.m {
		name, _, _ := strings.Cut(strings.TrimPrefix(k, "k:"), "|")
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

func TestEvictionKeepsMaxEntries(t *testing.T) {
	t.Parallel()
	m := newMinter()
	c := newCache(t, m, func(cfg *Config[req, token]) { cfg.MaxEntries = 3 })
	mustGet(t, c, req{Name: "a", TTL: 1 * time.Hour})
	mustGet(t, c, req{Name: "b", TTL: 2 * time.Hour})
	mustGet(t, c, req{Name: "c", TTL: 3 * time.Hour})
	assert.Equal(t, []string{"a", "b", "c"}, storedNames(c), "room for three")

	m.clock.Advance(time.Hour) // a has expired; b expires soonest of the rest
	mustGet(t, c, req{Name: "d", TTL: 10 * time.Hour})
	assert.Equal(t, []string{"b", "c", "d"}, storedNames(c), "the expired entry goes first")

	mustGet(t, c, req{Name: "e", TTL: 10 * time.Hour})
	assert.Equal(t, []string{"c", "d", "e"}, storedNames(c), "then the one expiring soonest")
}

func TestReplacingAnEntryIsNotAnEviction(t *testing.T) {
	t.Parallel()
	m := newMinter()
	c := newCache(t, m, func(cfg *Config[req, token]) { cfg.MaxEntries = 1 })
	mustGet(t, c, req{Name: "k"})
	m.clock.Advance(2 * time.Hour)
	fresh := mustGet(t, c, req{Name: "k"})
	assert.Equal(t, fresh, mustGet(t, c, req{Name: "k"}), "the new token stays cached")
	assert.Equal(t, []string{"k"}, storedNames(c))
}

func TestEvictionUnderConcurrentMints(t *testing.T) {
	t.Parallel()
	const maxEntries, names = 8, 200
	m := newMinter()
	c := newCache(t, m, func(cfg *Config[req, token]) { cfg.MaxEntries = maxEntries })
	var wg sync.WaitGroup
	for i := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mustGet(t, c, req{Name: "k" + strconv.Itoa(i), TTL: time.Duration(i+1) * time.Hour})
		}()
	}
	wg.Wait()
	assert.Len(t, storedNames(c), maxEntries)
}

func TestForget(t *testing.T) {
	t.Parallel()
	m := newMinter()
	ev := watch(EventForget)
	c := newCache(t, m, func(cfg *Config[req, token]) { cfg.OnEvent = ev.hook })
	ctx := context.Background()

	first := mustGet(t, c, req{Name: "k"})
	require.NoError(t, c.Forget(ctx, req{Name: "k"}))
	second := mustGet(t, c, req{Name: "k"})
	assert.NotEqual(t, first.ID, second.ID, "Forget drops the request's token")
	require.NoError(t, c.Forget(ctx, req{Name: "never-cached"}))
	assert.Equal(t, uint64(2), c.Stats().Forgets, "one per call")
	assert.Empty(t, m.revokedIDs(), "Forget revokes nothing at the vendor")
	assert.Len(t, ev.keys(EventForget), 2)
}

func TestForgetRejectsBadInput(t *testing.T) {
	t.Parallel()
	c := newCache(t, newMinter(), nil)
	var nilCtx context.Context
	cases := []struct {
		field string
		err   error
	}{
		{"ctx", c.Forget(nilCtx, req{Name: "k"})},
		{"ctx", c.ForgetUser(nilCtx, req{User: "u"})},
		{"req", c.ForgetUser(context.Background(), req{Name: "no user"})},
		{"ctx", c.Revoke(nilCtx, req{Name: "k"})},
		{"req", c.RevokeUser(context.Background(), req{})},
	}
	for _, tc := range cases {
		var ve *biembed.ValidationError
		require.ErrorAs(t, tc.err, &ve)
		assert.Equal(t, tc.field, ve.Field)
	}
}

// failingStore is a shared Store (the memory one) whose calls fail on demand.
type failingStore struct {
	Store
	load, save, inv error
}

func (s *failingStore) Invalidate(ctx context.Context, keys, tags []string) ([]Entry, error) {
	if s.inv != nil {
		return nil, s.inv
	}
	return s.Store.Invalidate(ctx, keys, tags)
}

func (s *failingStore) Load(ctx context.Context, key string) (Entry, bool, error) {
	if s.load != nil {
		return Entry{}, false, s.load
	}
	return s.Store.Load(ctx, key)
}

func (s *failingStore) Save(ctx context.Context, key string, e Entry) error {
	if s.save != nil {
		return s.save
	}
	return s.Store.Save(ctx, key, e)
}

func TestStoreErrorsAreCountedAndTokensStillServed(t *testing.T) {
	t.Parallel()
	broken := errors.New("store is down")
	cases := []struct {
		name       string
		store      failingStore
		wantErrors uint64 // after two Gets
	}{
		{"load fails", failingStore{load: broken}, 4}, // each Get: the lookup and the mint's recheck
		{"save fails", failingStore{save: broken}, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := newMinter()
			ev := watch(EventError)
			store := tc.store
			store.Store = NewMemoryStore(0, 0)
			c := newCache(t, m, func(cfg *Config[req, token]) {
				cfg.Store = &store
				cfg.OnEvent = ev.hook
			})
			first := mustGet(t, c, req{Name: "k"})
			second := mustGet(t, c, req{Name: "k"})
			assert.NotEqual(t, first.ID, second.ID, "each Get minted")
			assert.LessOrEqual(t, uint64(2), c.Stats().Errors)
			assert.GreaterOrEqual(t, tc.wantErrors, c.Stats().Errors)
			assert.ErrorIs(t, ev.next().Err, broken)
		})
	}
}

func TestForgetReportsStoreError(t *testing.T) {
	t.Parallel()
	broken := errors.New("store is down")
	store := &failingStore{Store: NewMemoryStore(0, 0), inv: broken}
	c := newCache(t, newMinter(), func(cfg *Config[req, token]) { cfg.Store = store })
	mustGet(t, c, req{Name: "k", User: "u"})
	assert.ErrorIs(t, c.Forget(context.Background(), req{Name: "k"}), broken)
	assert.ErrorIs(t, c.RevokeUser(context.Background(), req{User: "u"}), broken)
	assert.Equal(t, uint64(2), c.Stats().Errors)
}

// getLive is mustGet for a test whose goroutines move the clock: one may
// move it past a token's life while it is minted, making it short-lived.
func getLive(t *testing.T, c *Cache[req, token], r req) {
	t.Helper()
	if _, err := c.Get(context.Background(), r); err != nil && !errors.Is(err, ErrShortLived) {
		t.Errorf("Get(%q): %v", r.Name, err)
	}
}

// TestConcurrentMixedUse runs every operation at once on a few requests,
// with the clock moving, to let the race detector and the bound checks see
// them mix.
func TestConcurrentMixedUse(t *testing.T) {
	t.Parallel()
	const maxEntries = 3
	m := newMinter()
	c := newCache(t, m, func(cfg *Config[req, token]) {
		cfg.MaxEntries = maxEntries
		cfg.Watch = func(drop func(context.Context, []string, []string) error) {
			go func() { _ = drop(context.Background(), nil, []string{"tok-1"}) }()
		}
	})
	ctx := context.Background()
	names := []string{"a", "b", "c", "d", "e"}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				name := names[(g+i)%len(names)]
				switch i % 10 {
				case 0:
					m.clock.Advance(7 * time.Minute)
				case 1:
					assert.NoError(t, c.Forget(ctx, req{Name: name}))
				case 2:
					assert.NoError(t, c.RevokeUser(ctx, req{User: name}))
				case 3:
					getLive(t, c, req{Name: name, SingleUse: true})
				default:
					getLive(t, c, req{Name: name, User: name, TTL: time.Duration(1+i%3) * time.Hour})
				}
			}
		}()
	}
	wg.Wait()
	require.NoError(t, c.Close())
	assert.LessOrEqual(t, len(storedNames(c)), maxEntries)
	c.mu.Lock()
	defer c.mu.Unlock()
	assert.Empty(t, c.flights)
}

// droppingStore is a shared Store whose Invalidate drops what it holds
// locally yet fails, as a redisstore cut off from Redis does.
type droppingStore struct {
	Store
	err error
}

func (s *droppingStore) Invalidate(ctx context.Context, keys, tags []string) ([]Entry, error) {
	dropped, _ := s.Store.Invalidate(ctx, keys, tags)
	return dropped, s.err
}

// TestRevokeStillRevokesWhenTheFleetDropFails: when the Store cannot drop
// tokens fleet-wide, Revoke and RevokeUser still revoke at the vendor what
// the cache knows (what the Store dropped locally, or what Load reaches)
// and return the drop's error joined with the vendor's, never success.
func TestRevokeStillRevokesWhenTheFleetDropFails(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	broken, vendorDown := errors.New("store is down"), errors.New("vendor down")
	t.Run("nothing dropped", func(t *testing.T) {
		t.Parallel()
		m := newMinter()
		c := newCache(t, m, func(cfg *Config[req, token]) { cfg.Store = &failingStore{Store: NewMemoryStore(0, 0), inv: broken} })
		tok := mustGet(t, c, req{Name: "k", User: "u"})
		assert.ErrorIs(t, c.Revoke(ctx, req{Name: "k", User: "u"}), broken)
		assert.Equal(t, []string{tok.ID}, m.revokedIDs(), "what Load reaches is revoked")
		assert.ErrorIs(t, c.RevokeUser(ctx, req{User: "u"}), broken, "nothing known to revoke is still no success")
	})
	t.Run("dropped locally", func(t *testing.T) {
		t.Parallel()
		m := newMinter()
		c := newCache(t, m, func(cfg *Config[req, token]) { cfg.Store = &droppingStore{Store: NewMemoryStore(0, 0), err: broken} })
		a := mustGet(t, c, req{Name: "a", User: "u"})
		b := mustGet(t, c, req{Name: "b", User: "u"})
		assert.ErrorIs(t, c.RevokeUser(ctx, req{User: "u"}), broken)
		assert.ElementsMatch(t, []string{a.ID, b.ID}, m.revokedIDs(), "what was dropped is revoked")
		mustGet(t, c, req{Name: "a", User: "u"})
		m.setFail(vendorDown)
		err := c.Revoke(ctx, req{Name: "a", User: "u"})
		assert.ErrorIs(t, err, broken)
		assert.ErrorIs(t, err, vendorDown, "both failures reach the caller")
		assert.Len(t, m.revokedIDs(), 3)
	})
}
