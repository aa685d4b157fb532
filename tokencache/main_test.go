package tokencache

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/biembed/biembed-go/biembedtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// t0 is where every fake clock starts.
var t0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// req is what the tests mint tokens for.
type req struct {
	Name      string        // tells requests apart, like the user and page of a real one
	TTL       time.Duration // token lifetime; 0 means time.Hour
	SingleUse bool          // bypass the cache
	Rows      string        // the permissions asked for
	User      string        // whom the token is for
}

// token is what the tests' minter returns.
type token struct {
	ID                string
	Rows              string // the request's Rows, so a test sees what a token was minted for
	Issued, ExpiresAt time.Time
}

// minter is a scripted Mint: it numbers its tokens, can be held at a gate,
// and can fail on demand. It also plays the vendor's revocation.
type minter struct {
	clock   *biembedtest.Clock
	calls   atomic.Int64
	gate    chan struct{} // when non-nil, each mint waits for a receive
	mu      sync.Mutex
	fail    error    // returned instead of a token, when set
	revoked []string // IDs of the tokens Revoke was given
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

func newMinter() *minter { return &minter{clock: biembedtest.NewClock(t0)} }

func (m *minter) Mint(ctx context.Context, r req) (token, error) {
	n := m.calls.Add(1)
	if m.gate != nil {
		select {
		case <-m.gate:
		case <-ctx.Done():
			return token{}, ctx.Err()
		}
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

func (m *minter) Revoke(_ context.Context, toks []token) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, t := range toks {
		m.revoked = append(m.revoked, t.ID)
	}
	return m.fail
}

func (m *minter) revokedIDs() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.revoked...)
}

func lifetime(t token) (time.Time, time.Time) { return t.Issued, t.ExpiresAt }

func tokenID(t token) string { return t.ID }

// testKey is the requests' fingerprint: name, permissions and user.
func testKey(r req) (string, error) { return "k:" + r.Name + "|" + r.Rows + "|" + r.User, nil }

func encode(t token) ([]byte, error) { return json.Marshal(t) }

func decode(b []byte) (token, error) {
	var t token
	err := json.Unmarshal(b, &t)
	return t, err
}

// config returns the tests' usual Config over m.
func config(m *minter) Config[req, token] {
	return Config[req, token]{
		Options:   Options{Now: m.clock.Now},
		Namespace: "k:",
		Mint:      m.Mint,
		Key:       testKey,
		Lifetime:  lifetime,
		ID:        tokenID,
		User:      func(r req) string { return r.User },
		Bypass:    func(r req) bool { return r.SingleUse },
		Revoke:    m.Revoke,
		Encode:    encode,
		Decode:    decode,
	}
}

// newCache returns a Cache over m, adjusted by edit, closed when t ends.
func newCache(t *testing.T, m *minter, edit func(*Config[req, token])) *Cache[req, token] {
	t.Helper()
	cfg := config(m)
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

func mustGet(t *testing.T, c *Cache[req, token], r req) token {
	t.Helper()
	tok, err := c.Get(context.Background(), r)
	if err != nil {
		t.Fatalf("Get(%q): %v", r.Name, err)
	}
	return tok
}
