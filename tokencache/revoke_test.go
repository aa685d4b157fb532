package tokencache

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/internal/pipeline"
)

func TestRevokeDropsThenRevokesAtTheVendor(t *testing.T) {
	t.Parallel()
	m := newMinter()
	ev := watch(EventRevoke)
	c := newCache(t, m, func(cfg *Config[req, token]) { cfg.OnEvent = ev.hook })
	ctx := context.Background()
	a := mustGet(t, c, req{Name: "page-1", User: "alice"})
	b := mustGet(t, c, req{Name: "page-2", User: "alice"})
	bob := mustGet(t, c, req{Name: "page-1", User: "bob"})

	require.NoError(t, c.Revoke(ctx, req{Name: "page-1", User: "alice"}))
	assert.Equal(t, []string{a.ID}, m.revokedIDs(), "only the request's token")
	assert.NotEqual(t, a.ID, mustGet(t, c, req{Name: "page-1", User: "alice"}).ID, "and it is not served again")

	require.NoError(t, c.RevokeUser(ctx, req{User: "alice"}))
	assert.ElementsMatch(t, []string{a.ID, b.ID, "tok-4"}, m.revokedIDs(), "every token of alice's, whatever its request")
	assert.Equal(t, bob, mustGet(t, c, req{Name: "page-1", User: "bob"}), "bob's is untouched")
	assert.Equal(t, uint64(2), c.Stats().Revokes)

	require.NoError(t, c.Revoke(ctx, req{Name: "never-cached"}), "nothing held: nothing to revoke")
	assert.Len(t, m.revokedIDs(), 3)
}

func TestRevokeSkipsExpiredTokensAndReportsVendorFailures(t *testing.T) {
	t.Parallel()
	m := newMinter()
	c := newCache(t, m, nil)
	ctx := context.Background()
	mustGet(t, c, req{Name: "old", User: "u", TTL: time.Hour})
	m.clock.Advance(2 * time.Hour)
	require.NoError(t, c.RevokeUser(ctx, req{User: "u"}))
	assert.Empty(t, m.revokedIDs(), "an expired token needs no revoking")

	live := mustGet(t, c, req{Name: "new", User: "u"})
	vendorDown := errors.New("vendor down")
	m.setFail(vendorDown)
	err := c.Revoke(ctx, req{Name: "new", User: "u"})
	assert.ErrorIs(t, err, vendorDown)
	assert.Contains(t, err.Error(), "dropped from the cache but not all revoked")
	m.setFail(nil)
	assert.NotEqual(t, live.ID, mustGet(t, c, req{Name: "new", User: "u"}).ID, "dropped whatever the vendor answered")
}

func TestRevokeNeedsAVendorThatCanRevoke(t *testing.T) {
	t.Parallel()
	c := newCache(t, newMinter(), func(cfg *Config[req, token]) { cfg.Revoke = nil })
	assert.ErrorContains(t, c.Revoke(context.Background(), req{Name: "k"}), "cannot revoke")
	assert.ErrorContains(t, c.RevokeUser(context.Background(), req{User: "u"}), "cannot revoke")
	assert.NoError(t, c.ForgetUser(context.Background(), req{User: "u"}), "forgetting needs no vendor")
}

// TestRevokeSupersededRevokesTheUsersOtherTokens: with RevokeSuperseded, a
// mint for a request of a user's that differs from their earlier ones (their
// permissions changed) revokes the earlier tokens; a refresh of the same
// request revokes nothing.
func TestRevokeSupersededRevokesTheUsersOtherTokens(t *testing.T) {
	t.Parallel()
	m := newMinter()
	c := newCache(t, m, func(cfg *Config[req, token]) { cfg.RevokeSuperseded, cfg.RevokesAlone = true, true })
	wide := mustGet(t, c, req{Name: "report", User: "alice", Rows: "all"})
	mustGet(t, c, req{Name: "report", User: "bob", Rows: "all"})
	m.clock.Advance(55 * time.Minute)
	refreshes := c.Stats().Refreshes
	assert.Equal(t, wide, mustGet(t, c, req{Name: "report", User: "alice", Rows: "all"}))
	require.Equal(t, refreshes+1, c.Stats().Refreshes)
	c.wg.Wait() // the refresh lands
	assert.Empty(t, m.revokedIDs(), "a refresh of the same request supersedes nothing")

	narrow := mustGet(t, c, req{Name: "report", User: "alice", Rows: "Hubei"})
	assert.Equal(t, "Hubei", narrow.Rows)
	assert.Len(t, m.revokedIDs(), 1, "alice's wider token is revoked, bob's is not")
	assert.NotContains(t, m.revokedIDs(), narrow.ID)
}

func TestWatchDropsWhatTheClientRevoked(t *testing.T) {
	t.Parallel()
	m := newMinter()
	var drop func(context.Context, []string, []string) error
	c := newCache(t, m, func(cfg *Config[req, token]) {
		cfg.Tags = func(r req) []string { return []string{"corp:" + r.Rows} }
		cfg.Watch = func(d func(context.Context, []string, []string) error) { drop = d }
	})
	ctx := context.Background()
	a := mustGet(t, c, req{Name: "a", Rows: "c1"})
	b := mustGet(t, c, req{Name: "b", Rows: "c1"})
	x := mustGet(t, c, req{Name: "x", Rows: "c2"})
	require.NoError(t, drop(ctx, nil, []string{a.ID}), "by value, as youshu's RemoveToken does")
	assert.NotEqual(t, a.ID, mustGet(t, c, req{Name: "a", Rows: "c1"}).ID)
	assert.Equal(t, b, mustGet(t, c, req{Name: "b", Rows: "c1"}))
	tags := []string{"corp:c1"}
	require.NoError(t, drop(ctx, tags, nil), "by tag, as tencent's ClearEmbedToken does")
	assert.Equal(t, []string{"corp:c1"}, tags, "the vendor's tags are left as they were, for its other caches")
	assert.NotEqual(t, b.ID, mustGet(t, c, req{Name: "b", Rows: "c1"}).ID)
	assert.Equal(t, x, mustGet(t, c, req{Name: "x", Rows: "c2"}))
	assert.Empty(t, m.revokedIDs(), "the client already revoked them")
}

// syncBuffer is a log destination safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestFailingRefreshesLogOneWarningWhenTheyStartAndOneWhenTheyEnd(t *testing.T) {
	t.Parallel()
	m := newMinter()
	var logs syncBuffer
	c := newCache(t, m, func(cfg *Config[req, token]) {
		cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	mustGet(t, c, req{Name: "k"})
	m.setFail(errors.New("vendor down SENTINEL-NOT-A-SECRET"))
	for range 5 {
		m.clock.Advance(50 * time.Minute / 5)
		mustGet(t, c, req{Name: "k"})
		c.wg.Wait()
	}
	m.clock.Advance(5 * time.Second)
	m.setFail(nil)
	mustGet(t, c, req{Name: "k"})
	c.wg.Wait()
	out := logs.String()
	assert.Equal(t, 1, strings.Count(out, "until they expire)\" error="), out)
	assert.Equal(t, 1, strings.Count(out, "failing (tokens are served until they expire): ended"), out)
	assert.NotContains(t, out, "tok-", "no token in a log line")
}

// followStore is a shared store whose Lead always says another replica
// leads, and whose Follow fails, as a planted lock would make it.
type followStore struct {
	Store
	followed chan struct{}
}

func (s *followStore) Lead(context.Context, string, time.Duration) (func(), bool, error) {
	return nil, false, nil
}

func (s *followStore) Follow(context.Context, string) error {
	s.followed <- struct{}{}
	return errors.New("waited LockTTL+Timeout for another replica")
}

func TestAFollowThatTimesOutMintsHereAndWarns(t *testing.T) {
	t.Parallel()
	m := newMinter()
	var logs syncBuffer
	store := &followStore{Store: NewMemoryStore(0, 0), followed: make(chan struct{}, 8)}
	c := newCache(t, m, func(cfg *Config[req, token]) {
		cfg.Store, cfg.Logger = store, slog.New(slog.NewTextHandler(&logs, nil))
	})
	tok := mustGet(t, c, req{Name: "k"})
	<-store.followed
	assert.Equal(t, "tok-1", tok.ID, "minted here after the wait gave up")
	assert.Contains(t, logs.String(), "waiting for another replica's mint timed out")
}

// extendingMinter's Extend gives the same token a new hour from now, or
// fails as the vendor would for a dead token.
func extendConfig(m *minter, dead *atomic.Bool) func(*Config[req, token]) {
	return func(cfg *Config[req, token]) {
		cfg.Extend = func(_ context.Context, t token) (token, error) {
			if dead.Load() {
				return token{}, errors.New("the vendor cleared it")
			}
			t.Issued, t.ExpiresAt = m.clock.Now(), m.clock.Now().Add(time.Hour)
			return t, nil
		}
	}
}

func TestExtendKeepsTheSameTokenAlive(t *testing.T) {
	t.Parallel()
	m := newMinter()
	var dead atomic.Bool
	c := newCache(t, m, extendConfig(m, &dead))
	ctx := context.Background()
	r := req{Name: "k", User: "u"}
	tok := mustGet(t, c, r)
	is := func(want token) func(token) bool { return func(got token) bool { return got.ID == want.ID } }
	for range 10 { // five lifetimes, extended at each half-life: never a new token
		m.clock.Advance(15 * time.Minute)
		ext, replaced, err := c.Extend(ctx, r, is(tok))
		require.NoError(t, err)
		require.False(t, replaced)
		require.Equal(t, tok.ID, ext.ID)
		require.Equal(t, m.clock.Now().Add(time.Hour), ext.ExpiresAt)
		m.clock.Advance(15 * time.Minute)
		require.Equal(t, tok.ID, mustGet(t, c, r).ID, "the cache serves the extended token")
	}
	assert.EqualValues(t, 1, m.calls.Load())
	assert.Equal(t, uint64(10), c.Stats().Extends)
}

func TestExtendReplacesWhatIsNoLongerCurrent(t *testing.T) {
	t.Parallel()
	m := newMinter()
	var dead atomic.Bool
	c := newCache(t, m, extendConfig(m, &dead))
	ctx := context.Background()
	r := req{Name: "k", User: "u"}
	old := mustGet(t, c, r)
	is := func(want token) func(token) bool { return func(got token) bool { return got.ID == want.ID } }

	require.NoError(t, c.RevokeUser(ctx, r)) // revoked on the server: the page holds a dead token
	tok, replaced, err := c.Extend(ctx, r, is(old))
	require.NoError(t, err)
	assert.True(t, replaced)
	assert.NotEqual(t, old.ID, tok.ID)

	dead.Store(true) // the vendor cleared it behind the cache's back
	next, replaced, err := c.Extend(ctx, r, is(tok))
	require.NoError(t, err)
	assert.True(t, replaced)
	assert.NotEqual(t, tok.ID, next.ID, "a token the vendor will not extend is replaced")

	wider := req{Name: "k", User: "u", Rows: "all"} // the permissions changed: another request
	other, replaced, err := c.Extend(ctx, wider, is(next))
	require.NoError(t, err)
	assert.True(t, replaced)
	assert.Equal(t, "all", other.Rows)
}

func TestExtendReturnsRetryableErrors(t *testing.T) {
	t.Parallel()
	m := newMinter()
	c := newCache(t, m, func(cfg *Config[req, token]) {
		cfg.Extend = func(context.Context, token) (token, error) { return token{}, retryableErr{} }
	})
	r := req{Name: "k"}
	tok := mustGet(t, c, r)
	_, _, err := c.Extend(context.Background(), r, func(t token) bool { return t.ID == tok.ID })
	assert.ErrorIs(t, err, retryableErr{})
	assert.Equal(t, tok, mustGet(t, c, r), "still cached: the page may try again")
}

// retryableErr matches the marker biembed.Retryable asks for.
type retryableErr struct{}

func (retryableErr) Error() string        { return "the vendor is busy" }
func (retryableErr) Is(target error) bool { return target == pipeline.ErrRetryable }

// foreignStore's Invalidate also returns an entry under another vendor's
// namespace, as a Store shared across vendors might.
type foreignStore struct{ Store }

func (s foreignStore) Invalidate(ctx context.Context, keys, tags []string) ([]Entry, error) {
	dropped, err := s.Store.Invalidate(ctx, keys, tags)
	return append(dropped, Entry{Key: "other:k", Token: biembed.NewSecret(`{"ID":"foreign"}`), ExpiresAt: t0.Add(time.Hour)}), err
}

func TestRevokeNeverSendsAnotherNamespacesToken(t *testing.T) {
	t.Parallel()
	m := newMinter()
	c := newCache(t, m, func(cfg *Config[req, token]) { cfg.Store = foreignStore{NewMemoryStore(0, 0)} })
	tok := mustGet(t, c, req{Name: "k", User: "u"})
	require.NoError(t, c.RevokeUser(context.Background(), req{User: "u"}))
	assert.Equal(t, []string{tok.ID}, m.revokedIDs())
}
