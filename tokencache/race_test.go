package tokencache

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type pauseKey struct{}

// pausingStore wraps the memory store: the first Load that misses under a
// context marked with pauseKey reports its miss and then waits for release.
type pausingStore struct {
	Store
	armed    atomic.Bool
	missed   chan struct{}
	released chan struct{}
}

func (s *pausingStore) Load(ctx context.Context, key string) (Entry, bool, error) {
	e, ok, err := s.Store.Load(ctx, key)
	if !ok && ctx.Value(pauseKey{}) != nil && s.armed.CompareAndSwap(true, false) {
		s.missed <- struct{}{}
		<-s.released
	}
	return e, ok, err
}

// TestGetThatMissedJustBeforeAFlightLandedDoesNotMintAgain pins the window
// between a Get's lookup and its join: the lookup misses, the running flight
// then saves its token and ends, and only then does the Get join. It must
// find the saved token, not start a second mint.
func TestGetThatMissedJustBeforeAFlightLandedDoesNotMintAgain(t *testing.T) {
	t.Parallel()
	m := newMinter()
	m.gate = make(chan struct{})
	store := &pausingStore{Store: NewMemoryStore(0, 0), missed: make(chan struct{}), released: make(chan struct{})}
	store.armed.Store(true)
	misses := watch(EventMiss)
	c := newCache(t, m, func(cfg *Config[req, token]) { cfg.Store, cfg.OnEvent = store, misses.hook })

	first := make(chan token)
	go func() { first <- mustGet(t, c, req{Name: "k"}) }()
	misses.next() // the first Get has started the flight, which waits at the gate

	second := make(chan token)
	go func() {
		tok, err := c.Get(context.WithValue(context.Background(), pauseKey{}, true), req{Name: "k"})
		if err != nil {
			t.Errorf("second Get: %v", err)
		}
		second <- tok
	}()
	<-store.missed // the second Get's lookup has missed

	m.gate <- struct{}{} // the first flight mints, saves and lands
	tok := <-first
	close(m.gate)         // a second mint, if the cache made one, would not block
	close(store.released) // now the second Get joins: no flight is running

	if got := <-second; got.ID != tok.ID {
		t.Fatalf("second Get got %q, want the first flight's %q", got.ID, tok.ID)
	}
	if n := m.calls.Load(); n != 1 {
		t.Fatalf("Mint called %d times, want 1", n)
	}
}

// TestForgetDuringMintVoidsItsSave: forgetting (the request, its user, or
// a vendor tag through Watch) while a mint is in flight must not let that
// mint's token be cached; the Gets already waiting still get it, and the
// next Get mints anew.
func TestForgetDuringMintVoidsItsSave(t *testing.T) {
	t.Parallel()
	for _, how := range []string{"request", "user", "vendor tag"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			m := newMinter()
			m.gate = make(chan struct{})
			stale := watch(EventStale)
			entered := make(chan struct{}, 2)
			var drop func(context.Context, []string, []string) error
			c := newCache(t, m, func(cfg *Config[req, token]) {
				cfg.Mint = func(ctx context.Context, r req) (token, error) {
					entered <- struct{}{} // the epoch has been read
					return m.Mint(ctx, r)
				}
				cfg.OnEvent = stale.hook
				cfg.Tags = func(req) []string { return []string{"vendor-tag"} }
				cfg.Watch = func(d func(context.Context, []string, []string) error) { drop = d }
			})
			ctx := context.Background()
			first := make(chan token)
			go func() { first <- mustGet(t, c, req{Name: "k", User: "u"}) }()
			<-entered // the mint has begun and waits at the gate
			switch how {
			case "request":
				require.NoError(t, c.Forget(ctx, req{Name: "k", User: "u"}))
			case "user":
				require.NoError(t, c.ForgetUser(ctx, req{User: "u"}))
			default:
				require.NoError(t, drop(ctx, []string{"vendor-tag"}, nil))
			}
			m.gate <- struct{}{}
			tok := <-first
			assert.Equal(t, "tok-1", tok.ID, "the waiting Get gets the token")
			assert.Equal(t, EventStale, stale.next().Kind)

			close(m.gate)
			again := mustGet(t, c, req{Name: "k", User: "u"})
			assert.Equal(t, "tok-2", again.ID, "the voided token was not cached")
			assert.Equal(t, uint64(1), c.Stats().StaleSaves)
			assert.Zero(t, c.Stats().Errors, "a stale save is not an error")
		})
	}
}
