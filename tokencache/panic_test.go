package tokencache

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// panicStore is a shared Store (the memory one) with one method that panics.
type panicStore struct {
	Store
	method string
}

func (s *panicStore) boom(method string) {
	if s.method == method {
		panic("store " + method + " exploded")
	}
}

func (s *panicStore) Load(ctx context.Context, key string) (Entry, bool, error) {
	s.boom("Load")
	return s.Store.Load(ctx, key)
}

func (s *panicStore) Epoch(ctx context.Context, key string, tags []string) (uint64, error) {
	s.boom("Epoch")
	return s.Store.Epoch(ctx, key, tags)
}

func (s *panicStore) Save(ctx context.Context, key string, e Entry) error {
	s.boom("Save")
	return s.Store.Save(ctx, key, e)
}

func (s *panicStore) Invalidate(ctx context.Context, keys, tags []string) ([]Entry, error) {
	s.boom("Invalidate")
	return s.Store.Invalidate(ctx, keys, tags)
}

func (s *panicStore) Lead(ctx context.Context, key string, ttl time.Duration) (func(), bool, error) {
	s.boom("Lead")
	release, led, err := s.Store.Lead(ctx, key, ttl)
	return func() { s.boom("release"); release() }, led, err
}

func (s *panicStore) Follow(ctx context.Context, key string) error {
	s.boom("Follow")
	return s.Store.Follow(ctx, key)
}

// hangGuard bounds a call that, with the bug, would wait forever; it is a
// deadlock detector, not a timing assertion.
func hangGuard(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// exercise runs every path of the cache once: miss, hit, refresh in the
// background, eviction, bypass, forgetting and revoking, then checks the
// cache still serves and closes.
func exercise(t *testing.T, c *Cache[req, token], m *minter) {
	t.Helper()
	ctx := hangGuard(t)
	for range 2 {
		_, _ = c.Get(ctx, req{Name: "k"})
	}
	m.clock.Advance(55 * time.Minute) // inside the refresh margin: a background mint
	_, _ = c.Get(ctx, req{Name: "k"})
	_, _ = c.Get(ctx, req{Name: "k2", User: "u"}) // MaxEntries 1: evicts k
	_, _ = c.Get(ctx, req{Name: "k3", SingleUse: true})
	_ = c.Forget(ctx, req{Name: "k"})
	_ = c.ForgetUser(ctx, req{User: "u"})
	_, _ = c.Get(ctx, req{Name: "k2", User: "u"})
	_ = c.Revoke(ctx, req{Name: "k2", User: "u"})
	_, _ = c.Get(ctx, req{Name: "k2", User: "u"})
	_ = c.RevokeUser(ctx, req{User: "u"})
	for range 2 {
		_, err := c.Get(ctx, req{Name: "k"})
		require.NotErrorIs(t, err, context.DeadlineExceeded, "a Get hung on a flight that never landed")
	}
	require.NoError(t, c.Close(), "Close returns")
}

// TestPanickingStoreNeverCrashesNorWedges pins hardening item 2 for Store
// methods, on the caller's goroutine and the background one.
func TestPanickingStoreNeverCrashesNorWedges(t *testing.T) {
	t.Parallel()
	for _, method := range []string{"Load", "Epoch", "Save", "Invalidate", "Lead", "release", "Follow"} {
		t.Run(method, func(t *testing.T) {
			t.Parallel()
			m := newMinter()
			store := &panicStore{Store: NewMemoryStore(1, 0), method: method}
			errs := watch(EventError)
			c := newCache(t, m, func(cfg *Config[req, token]) { cfg.Store, cfg.OnEvent = store, errs.hook })
			exercise(t, c, m)
			if method == "Follow" {
				return // the memory store always leads: nobody follows
			}
			assert.NotZero(t, c.Stats().Errors, "the panic is counted")
			err := errs.next().Err
			assert.ErrorIs(t, err, ErrPanicked)
			assert.Contains(t, err.Error(), "Store.")
			assert.NotContains(t, err.Error(), "exploded", "the panic value's text is not repeated")
		})
	}
}

// TestPanickingCallbacksNeverCrashNorWedge pins hardening item 2 for the
// caller's functions: each panic becomes an ErrPanicked error for the Gets
// that needed it.
func TestPanickingCallbacksNeverCrashNorWedge(t *testing.T) {
	t.Parallel()
	cases := map[string]func(*Config[req, token]){
		"Mint":     func(cfg *Config[req, token]) { cfg.Mint = func(context.Context, req) (token, error) { panic("x") } },
		"Lifetime": func(cfg *Config[req, token]) { cfg.Lifetime = func(token) (time.Time, time.Time) { panic("x") } },
		"ID":       func(cfg *Config[req, token]) { cfg.ID = func(token) string { panic("x") } },
		"Tags":     func(cfg *Config[req, token]) { cfg.Tags = func(req) []string { panic("x") } },
		"User":     func(cfg *Config[req, token]) { cfg.User = func(req) string { panic("x") } },
		"Bypass":   func(cfg *Config[req, token]) { cfg.Bypass = func(req) bool { panic("x") } },
		"Key":      func(cfg *Config[req, token]) { cfg.Key = func(req) (string, error) { panic("x") } },
		"Revoke": func(cfg *Config[req, token]) {
			cfg.Revoke = func(context.Context, []token) error { panic("x") }
			cfg.Mint = func(ctx context.Context, r req) (token, error) { // so that Get itself panics too
				if r.Name == "k" {
					panic("x")
				}
				return newMinter().Mint(ctx, r)
			}
		},
		"Encode": func(cfg *Config[req, token]) {
			cfg.Store = NewMemoryStore(1, 0)
			cfg.Encode = func(token) ([]byte, error) { panic("x") }
			cfg.Mint = func(context.Context, req) (token, error) { panic("x") }
		},
	}
	for name, edit := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m := newMinter()
			c := newCache(t, m, func(cfg *Config[req, token]) {
				cfg.MaxEntries = 1
				edit(cfg)
			})
			_, err := c.Get(hangGuard(t), req{Name: "k", User: "u"})
			assert.ErrorIs(t, err, ErrPanicked)
			exercise(t, c, m)
			assert.NotZero(t, c.Stats().Errors)
		})
	}
}

// TestPanickingOnEventNeverCrashesNorWedges pins hardening item 2 for
// OnEvent, for each kind of event: the event that panicked is counted, the
// panic is reported once through OnEvent as an error (unless that panics
// too), and Gets go on.
func TestPanickingOnEventNeverCrashesNorWedges(t *testing.T) {
	t.Parallel()
	for kind := EventHit; kind <= EventStale; kind++ {
		t.Run(kind.String(), func(t *testing.T) {
			t.Parallel()
			m := newMinter()
			reported := make(chan error, 64)
			c := newCache(t, m, func(cfg *Config[req, token]) {
				cfg.MaxEntries = 1
				cfg.OnEvent = func(e Event) {
					if e.Kind == kind {
						panic("hook exploded")
					}
					if e.Kind == EventError && errors.Is(e.Err, ErrPanicked) {
						reported <- e.Err
					}
				}
			})
			exercise(t, c, m)
			if kind == EventStale || kind == EventError || kind == EventRefreshFailed {
				return // not every run makes one
			}
			err := <-reported
			assert.Contains(t, err.Error(), "OnEvent")
			assert.NotZero(t, c.Stats().Errors)
		})
	}
}

// TestOnEventThatAlwaysPanicsIsCountedNotRecursed: a hook that panics on
// every call, the panic report included, is counted and not called again for
// its own report.
func TestOnEventThatAlwaysPanicsIsCountedNotRecursed(t *testing.T) {
	t.Parallel()
	m := newMinter()
	var calls int
	c := newCache(t, m, func(cfg *Config[req, token]) {
		cfg.OnEvent = func(Event) { calls++; panic("always") }
	})
	tok, err := c.Get(hangGuard(t), req{Name: "k"})
	require.NoError(t, err)
	assert.Equal(t, "tok-1", tok.ID)
	require.NoError(t, c.Close())
	s := c.Stats()
	assert.Equal(t, uint64(1), s.Misses)
	assert.Equal(t, uint64(1), s.Mints)
	assert.Equal(t, uint64(2), s.Errors, "one per panicking event, none for the reports")
	assert.Equal(t, 4, calls, "miss and its report, mint and its report")
}
