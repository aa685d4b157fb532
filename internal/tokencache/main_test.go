package tokencache

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// t0 is where every fake clock starts.
var t0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// req is what the tests mint tokens for.
type req struct {
	TTL       time.Duration // token lifetime; 0 means time.Hour
	SingleUse bool          // bypass the cache
	Rows      string        // the permissions asked for; the fingerprint, when a test sets one
}

// token is what the tests' minter returns.
type token struct {
	ID                string
	Rows              string // the request's Rows, so a test sees what a token was minted for
	Issued, ExpiresAt time.Time
}

// minter is a scripted Mint: it numbers its tokens, can be held at a gate,
// and can fail on demand.
type minter struct {
	clock *FakeClock
	calls atomic.Int64
	gate  chan struct{} // when non-nil, each mint waits for a receive
	mu    sync.Mutex
	fail  error // returned instead of a token, when set
}

func (m *minter) setFail(err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.fail = err
}

func (m *minter) failure() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.fail
}

func newMinter() *minter { return &minter{clock: NewFakeClock(t0)} }

func (m *minter) Mint(ctx context.Context, r req) (token, error) {
	n := m.calls.Add(1)
	if m.gate != nil {
		<-m.gate
	}
	if err := m.failure(); err != nil {
		return token{}, err
	}
	ttl := r.TTL
	if ttl == 0 {
		ttl = time.Hour
	}
	now := m.clock.Now()
	return token{ID: fmt.Sprintf("tok-%d", n), Rows: r.Rows, Issued: now, ExpiresAt: now.Add(ttl)}, nil
}

func lifetime(t token) (time.Time, time.Time) { return t.Issued, t.ExpiresAt }

func tokenID(t token) string { return t.ID }

// newCache returns a Cache over m, adjusted by edit, closed when t ends.
func newCache(t *testing.T, m *minter, edit func(*Config[req, token])) *Cache[req, token] {
	t.Helper()
	cfg := Config[req, token]{
		Mint:     m.Mint,
		Lifetime: lifetime,
		ID:       tokenID,
		Bypass:   func(r req) bool { return r.SingleUse },
		Clock:    m.clock,
	}
	if edit != nil {
		edit(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// events collects the Events of the kinds asked for, in order.
type events struct {
	mu    sync.Mutex
	kinds map[EventKind]bool
	got   []Event
	ch    chan Event
}

// watch returns an OnEvent hook that records and forwards events of kinds.
func watch(kinds ...EventKind) *events {
	e := &events{kinds: map[EventKind]bool{}, ch: make(chan Event, 4096)}
	for _, k := range kinds {
		e.kinds[k] = true
	}
	return e
}

func (e *events) hook(ev Event) {
	if !e.kinds[ev.Kind] {
		return
	}
	e.mu.Lock()
	e.got = append(e.got, ev)
	e.mu.Unlock()
	e.ch <- ev
}

// next waits for the next watched event.
func (e *events) next() Event { return <-e.ch }

func (e *events) keys(kind EventKind) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var keys []string
	for _, ev := range e.got {
		if ev.Kind == kind {
			keys = append(keys, ev.Key)
		}
	}
	return keys
}

func mustGet(t *testing.T, c *Cache[req, token], key string, r req) token {
	t.Helper()
	tok, err := c.Get(context.Background(), key, r)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	return tok
}

// rowsFingerprint is a Config.Fingerprint: the request's Rows.
func rowsFingerprint(r req) (string, error) { return "rows:" + r.Rows, nil }
