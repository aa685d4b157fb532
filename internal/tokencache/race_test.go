package tokencache

import (
	"context"
	"sync/atomic"
	"testing"
)

type pauseKey struct{}

// pausingStore wraps the memory store: the first Load that misses under a
// context marked with pauseKey reports its miss and then waits for release.
type pausingStore struct {
	Store[token]
	armed    atomic.Bool
	missed   chan struct{}
	released chan struct{}
}

func (s *pausingStore) Load(ctx context.Context, key string) (Entry[token], bool, error) {
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
	store := &pausingStore{Store: newMemoryStore[token](), missed: make(chan struct{}), released: make(chan struct{})}
	store.armed.Store(true)
	misses := watch(EventMiss)
	c := newCache(t, m, func(cfg *Config[req, token]) { cfg.Store, cfg.OnEvent = store, misses.hook })

	first := make(chan token)
	go func() { first <- mustGet(t, c, "k", req{}) }()
	misses.next() // the first Get has started the flight, which waits at the gate

	second := make(chan token)
	go func() {
		tok, err := c.Get(context.WithValue(context.Background(), pauseKey{}, true), "k", req{})
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
