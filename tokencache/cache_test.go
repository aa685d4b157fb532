package tokencache

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/biembed"
)

func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	m := newMinter()
	good := config(m)
	var nilStore *failingStore
	cases := []struct {
		field string
		edit  func(*Config[req, token])
	}{
		{"Config", func(c *Config[req, token]) { c.Mint = nil }},
		{"Config", func(c *Config[req, token]) { c.Lifetime = nil }},
		{"Config", func(c *Config[req, token]) { c.Key = nil }},
		{"Config", func(c *Config[req, token]) { c.Decode = nil }},
		{"Config", func(c *Config[req, token]) { c.Namespace = "" }},
		{"Options.Store", func(c *Config[req, token]) { c.Store = nilStore }},
		{"Options.RefreshFraction", func(c *Config[req, token]) { c.RefreshFraction = -0.1 }},
		{"Options.RefreshFraction", func(c *Config[req, token]) { c.RefreshFraction = 0.6 }},
		{"Options", func(c *Config[req, token]) { c.MinRefreshMargin = -time.Second }},
		{"Options", func(c *Config[req, token]) { c.Skew = -time.Second }},
		{"Options", func(c *Config[req, token]) { c.MintTimeout = -time.Second }},
		{"Options.MaxEntries", func(c *Config[req, token]) { c.MaxEntries = -1 }},
		{"Options.RevokeSuperseded", func(c *Config[req, token]) { c.RevokeSuperseded = true }},
		{"Options.RevokeSuperseded", func(c *Config[req, token]) { c.RevokeSuperseded, c.RevokesAlone, c.Revoke = true, true, nil }},
	}
	for _, tc := range cases {
		cfg := good
		tc.edit(&cfg)
		c, err := New(cfg)
		var ve *biembed.ValidationError
		require.ErrorAs(t, err, &ve, tc.field)
		assert.Equal(t, tc.field, ve.Field)
		assert.ErrorIs(t, err, biembed.ErrInvalid)
		assert.Nil(t, c)
	}
	c, err := New(good)
	require.NoError(t, err)
	require.NoError(t, c.Close())
}

// TestKeysOutsideTheNamespaceAreRefused: a key that does not start with
// Config.Namespace could be another vendor's entry in a shared Store.
func TestKeysOutsideTheNamespaceAreRefused(t *testing.T) {
	t.Parallel()
	m := newMinter()
	c := newCache(t, m, func(cfg *Config[req, token]) {
		cfg.Key = func(r req) (string, error) { return "youshu:" + r.Name, nil }
	})
	_, err := c.Get(context.Background(), req{Name: "k"})
	var ve *biembed.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "Config.Key", ve.Field)
	assert.Zero(t, m.calls.Load(), "nothing minted")
}

func TestGetMissThenHit(t *testing.T) {
	t.Parallel()
	m := newMinter()
	c := newCache(t, m, nil)

	first := mustGet(t, c, req{Name: "tenant/user"})
	second := mustGet(t, c, req{Name: "tenant/user"})
	other := mustGet(t, c, req{Name: "tenant/other"})

	assert.Equal(t, first, second)
	assert.NotEqual(t, first.ID, other.ID)
	assert.EqualValues(t, 2, m.calls.Load())
	assert.Equal(t, Stats{Hits: 1, Misses: 2, Mints: 2}, c.Stats())
}

func TestGetRejectsBadInput(t *testing.T) {
	t.Parallel()
	c := newCache(t, newMinter(), nil)
	var nilCtx context.Context
	_, err := c.Get(nilCtx, req{Name: "k"})
	var ve *biembed.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "ctx", ve.Field)
	for _, key := range []string{"", "k\r\nX", "k\u202e", strings.Repeat("k", 1025)} {
		bad := newCache(t, newMinter(), func(cfg *Config[req, token]) {
			cfg.Key = func(req) (string, error) { return key, nil }
		})
		_, err := bad.Get(context.Background(), req{Name: "k"})
		require.ErrorAs(t, err, &ve, "key %q", key)
		assert.Equal(t, "Config.Key", ve.Field)
	}
	var nilCache *Cache[req, token]
	_, err = nilCache.Get(context.Background(), req{})
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "Cache", ve.Field)
	_, err = (&Cache[req, token]{}).Get(context.Background(), req{})
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, Stats{}, c.Stats())
}

// TestServeWindow checks, at moments across a token's life, whether the
// cached token is served: up to ExpiresAt − Skew it is, from then on never.
func TestServeWindow(t *testing.T) {
	t.Parallel()
	const ttl = time.Hour // margin 12m, skew 30s
	cases := []struct {
		name   string
		at     time.Duration // after issue
		served bool
	}{
		{"fresh", time.Minute, true},
		{"inside refresh margin", ttl - 5*time.Minute, true},
		{"just before skew", ttl - DefaultSkew - time.Nanosecond, true},
		{"at skew boundary", ttl - DefaultSkew, false},
		{"inside skew", ttl - 10*time.Second, false},
		{"at expiry", ttl, false},
		{"long expired", 3 * ttl, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := newMinter()
			c := newCache(t, m, nil)
			first := mustGet(t, c, req{Name: "k", TTL: ttl})
			m.clock.Advance(tc.at)
			got := mustGet(t, c, req{Name: "k", TTL: ttl})
			assert.Equal(t, tc.served, got == first, "served the cached token")
			assert.True(t, m.clock.Now().Before(got.ExpiresAt.Add(-DefaultSkew)),
				"Get returned a token within skew of expiry")
		})
	}
}

func TestRefreshMargin(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		fraction float64
		floor    time.Duration
		lifetime time.Duration
		want     time.Duration
	}{
		{"default fraction", 0, 0, 2 * time.Hour, 24 * time.Minute},
		{"default floor", 0, 0, 100 * time.Second, 30 * time.Second},
		{"clamped to half", 0, 0, 40 * time.Second, 20 * time.Second},
		{"custom fraction", 0.5, 0, time.Hour, 30 * time.Minute},
		{"custom floor", 0, 10 * time.Minute, time.Hour, 12 * time.Minute},
		{"floor above fraction", 0, 20 * time.Minute, time.Hour, 20 * time.Minute},
		{"floor clamped", 0, 2 * time.Hour, time.Hour, 30 * time.Minute},
		{"broken lifetime", 0, 0, -time.Hour, -30 * time.Minute},
	}
	for _, tc := range cases {
		m := newMinter()
		c := newCache(t, m, func(cfg *Config[req, token]) {
			cfg.RefreshFraction, cfg.MinRefreshMargin = tc.fraction, tc.floor
		})
		r := record[token]{Entry: Entry{IssuedAt: t0, ExpiresAt: t0.Add(tc.lifetime)}}
		assert.Equal(t, tc.want, c.margin(r), tc.name)
	}
}

func TestRefreshAhead(t *testing.T) {
	t.Parallel()
	m := newMinter()
	ev := watch(EventMint)
	c := newCache(t, m, func(cfg *Config[req, token]) { cfg.OnEvent = ev.hook })
	old := mustGet(t, c, req{Name: "k"})
	ev.next()

	m.gate = make(chan struct{}) // hold the refresh
	m.clock.Advance(50 * time.Minute)
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			assert.Equal(t, old, mustGet(t, c, req{Name: "k"}), "old token served during refresh")
		}()
	}
	wg.Wait()
	assert.Equal(t, uint64(1), c.Stats().Refreshes, "exactly one refresh")
	m.gate <- struct{}{}
	ev.next()

	fresh := mustGet(t, c, req{Name: "k"})
	assert.NotEqual(t, old.ID, fresh.ID)
	assert.Equal(t, m.clock.Now(), fresh.Issued)
	assert.EqualValues(t, 2, m.calls.Load())
	assert.Equal(t, Stats{Hits: 21, Misses: 1, Mints: 2, Refreshes: 1}, c.Stats())
}

func TestSingleFlight(t *testing.T) {
	t.Parallel()
	const callers = 1000
	m := newMinter()
	m.gate = make(chan struct{})
	ev := watch(EventMiss)
	c := newCache(t, m, func(cfg *Config[req, token]) { cfg.OnEvent = ev.hook })

	got := make([]token, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i] = mustGet(t, c, req{Name: "k"})
		}()
	}
	for range callers { // each miss is sent once its Get has joined the mint
		ev.next()
	}
	close(m.gate)
	wg.Wait()

	assert.EqualValues(t, 1, m.calls.Load())
	for _, tok := range got {
		assert.Equal(t, got[0], tok)
	}
	assert.Equal(t, Stats{Misses: callers, Mints: 1}, c.Stats())
}

func TestMintErrorReachesAllWaitersAndIsNotCached(t *testing.T) {
	t.Parallel()
	const callers = 10
	boom := errors.New("vendor says no")
	m := newMinter()
	m.gate = make(chan struct{})
	m.setFail(boom)
	ev := watch(EventMiss)
	c := newCache(t, m, func(cfg *Config[req, token]) { cfg.OnEvent = ev.hook })

	errs := make(chan error, callers)
	for range callers {
		go func() {
			_, err := c.Get(context.Background(), req{Name: "k"})
			errs <- err
		}()
	}
	for range callers {
		ev.next()
	}
	m.gate <- struct{}{}
	for range callers {
		assert.ErrorIs(t, <-errs, boom)
	}

	m.setFail(nil)
	close(m.gate)
	tok := mustGet(t, c, req{Name: "k"})
	assert.Equal(t, "tok-2", tok.ID, "the next Get mints again")
	assert.Equal(t, Stats{Misses: callers + 1, Mints: 1, Errors: 1}, c.Stats())
}

func TestCanceledWaiterDoesNotCancelMint(t *testing.T) {
	t.Parallel()
	m := newMinter()
	m.gate = make(chan struct{})
	mintCtx := make(chan context.Context, 1)
	ev := watch(EventMiss)
	c := newCache(t, m, func(cfg *Config[req, token]) {
		cfg.OnEvent = ev.hook
		cfg.Mint = func(ctx context.Context, r req) (token, error) {
			mintCtx <- ctx
			return m.Mint(ctx, r)
		}
	})

	ctx, cancel := context.WithCancel(context.Background())
	canceled := make(chan error, 1)
	go func() {
		_, err := c.Get(ctx, req{Name: "k"})
		canceled <- err
	}()
	ev.next()
	patient := make(chan token, 1)
	go func() { patient <- mustGet(t, c, req{Name: "k"}) }()
	ev.next()

	cancel()
	assert.ErrorIs(t, <-canceled, context.Canceled)
	assert.NoError(t, (<-mintCtx).Err(), "the mint's context survives the first caller")
	close(m.gate)
	assert.Equal(t, "tok-1", (<-patient).ID)
	assert.EqualValues(t, 1, m.calls.Load())
}

func TestGetWithDoneContextMintsNothing(t *testing.T) {
	t.Parallel()
	m := newMinter()
	c := newCache(t, m, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.Get(ctx, req{Name: "k"})
	assert.ErrorIs(t, err, context.Canceled)
	assert.Zero(t, m.calls.Load())
}

func TestMintTimeoutBoundsTheMint(t *testing.T) {
	t.Parallel()
	m := newMinter()
	var deadline time.Time
	c := newCache(t, m, func(cfg *Config[req, token]) {
		cfg.MintTimeout = time.Hour
		cfg.Mint = func(ctx context.Context, r req) (token, error) {
			deadline, _ = ctx.Deadline()
			return m.Mint(ctx, r)
		}
	})
	mustGet(t, c, req{Name: "k"})
	assert.False(t, deadline.IsZero(), "the mint ran with a deadline")
}

func TestBypassNeverCachesNorShares(t *testing.T) {
	t.Parallel()
	const callers = 5
	m := newMinter()
	inMint := make(chan struct{})
	var entered sync.WaitGroup
	entered.Add(callers)
	c := newCache(t, m, func(cfg *Config[req, token]) {
		cfg.Mint = func(ctx context.Context, r req) (token, error) {
			if r.SingleUse {
				entered.Done()
				<-inMint // every caller is inside Mint at once: nothing is shared
			}
			return m.Mint(ctx, r)
		}
	})
	go func() { entered.Wait(); close(inMint) }()

	got := make(chan token, callers)
	for range callers {
		go func() { got <- mustGet(t, c, req{Name: "k", SingleUse: true}) }()
	}
	seen := map[string]bool{}
	for range callers {
		seen[(<-got).ID] = true
	}
	assert.Len(t, seen, callers, "every bypassing Get got its own token")

	cached := mustGet(t, c, req{Name: "k"})
	assert.False(t, seen[cached.ID], "a bypass token was cached")
	assert.Equal(t, Stats{Misses: 1, Mints: callers + 1, Bypasses: callers}, c.Stats())
	assert.Equal(t, []string{"k"}, storedNames(c))
}

func TestShortLivedTokenIsNotServed(t *testing.T) {
	t.Parallel()
	m := newMinter()
	c := newCache(t, m, nil)
	_, err := c.Get(context.Background(), req{Name: "k", TTL: DefaultSkew})
	assert.ErrorIs(t, err, ErrShortLived)
	_, err = c.Get(context.Background(), req{Name: "k", TTL: DefaultSkew})
	assert.ErrorIs(t, err, ErrShortLived)
	assert.EqualValues(t, 2, m.calls.Load(), "not cached")
	assert.Equal(t, uint64(2), c.Stats().Errors)
}

func TestZeroIssuedAtMeansMintStart(t *testing.T) {
	t.Parallel()
	m := newMinter()
	c := newCache(t, m, func(cfg *Config[req, token]) {
		cfg.Lifetime = func(tok token) (time.Time, time.Time) { return time.Time{}, tok.ExpiresAt }
	})
	mustGet(t, c, req{Name: "k"})
	key, _ := testKey(req{Name: "k"})
	r, ok, err := c.load(context.Background(), key)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, t0, r.IssuedAt)
}

func TestMintPanicBecomesError(t *testing.T) {
	t.Parallel()
	const secret = "SENTINEL-TOKEN-IN-PANIC"
	cases := []struct {
		name string
		edit func(*Config[req, token])
		want string
	}{
		{"mint", func(cfg *Config[req, token]) {
			cfg.Mint = func(context.Context, req) (token, error) { panic(secret) }
		}, "with a string"},
		{"lifetime", func(cfg *Config[req, token]) {
			cfg.Lifetime = func(token) (time.Time, time.Time) { var p *token; return p.Issued, p.ExpiresAt }
		}, "nil pointer"},
		{"id", func(cfg *Config[req, token]) {
			cfg.ID = func(token) string { panic(errors.New(secret)) }
		}, "with a *errors.errorString"},
	}
	for _, tc := range cases {
		for _, r := range []req{{Name: "k"}, {Name: "k", SingleUse: true}} {
			c := newCache(t, newMinter(), tc.edit)
			_, err := c.Get(context.Background(), r)
			require.ErrorIs(t, err, ErrPanicked, tc.name)
			assert.Contains(t, err.Error(), tc.want, tc.name)
			assert.NotContains(t, err.Error(), secret, tc.name)
		}
	}
}

func TestGetAfterCloseFails(t *testing.T) {
	t.Parallel()
	m := newMinter()
	c := newCache(t, m, nil)
	mustGet(t, c, req{Name: "k"})
	require.NoError(t, c.Close())
	require.NoError(t, c.Close(), "Close twice")
	for _, r := range []req{{Name: "k"}, {Name: "k", SingleUse: true}} {
		_, err := c.Get(context.Background(), r)
		assert.ErrorIs(t, err, ErrClosed)
	}
	f, started := c.join("other", time.Time{})
	assert.True(t, f == nil && !started, "no mint starts after Close")
	assert.EqualValues(t, 1, m.calls.Load())
}

func TestCloseCancelsARefreshAndWaitsForIt(t *testing.T) {
	t.Parallel()
	m := newMinter()
	ev := watch(EventRefresh, EventRefreshFailed)
	c := newCache(t, m, func(cfg *Config[req, token]) { cfg.OnEvent = ev.hook })
	mustGet(t, c, req{Name: "k"})
	m.gate = make(chan struct{}) // the refresh's mint waits here until its ctx ends
	m.clock.Advance(55 * time.Minute)
	mustGet(t, c, req{Name: "k"})
	assert.Equal(t, EventRefresh, ev.next().Kind)
	require.NoError(t, c.Close(), "Close cancels the hung refresh instead of waiting for it forever")
	failed := ev.next()
	assert.Equal(t, EventRefreshFailed, failed.Kind)
	assert.ErrorIs(t, failed.Err, context.Canceled)
	c.mu.Lock()
	defer c.mu.Unlock()
	assert.Empty(t, c.flights, "the flight landed before Close returned")
}
