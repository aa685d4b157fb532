package tokencache

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/internal/validate"
)

func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	m := newMinter()
	good := Config[req, token]{Mint: m.Mint, Lifetime: lifetime}
	cases := []struct {
		field string
		edit  func(*Config[req, token])
	}{
		{"Mint", func(c *Config[req, token]) { c.Mint = nil }},
		{"Lifetime", func(c *Config[req, token]) { c.Lifetime = nil }},
		{"RefreshFraction", func(c *Config[req, token]) { c.RefreshFraction = -0.1 }},
		{"RefreshFraction", func(c *Config[req, token]) { c.RefreshFraction = 0.6 }},
		{"MinRefreshMargin", func(c *Config[req, token]) { c.MinRefreshMargin = -time.Second }},
		{"Skew", func(c *Config[req, token]) { c.Skew = -time.Second }},
		{"MintTimeout", func(c *Config[req, token]) { c.MintTimeout = -time.Second }},
		{"MaxEntries", func(c *Config[req, token]) { c.MaxEntries = -1 }},
	}
	for _, tc := range cases {
		cfg := good
		tc.edit(&cfg)
		c, err := New(cfg)
		var ve *validate.Error
		require.ErrorAs(t, err, &ve, tc.field)
		assert.Equal(t, tc.field, ve.Field)
		assert.ErrorIs(t, err, validate.ErrInvalid)
		assert.Nil(t, c)
	}
	c, err := New(good)
	require.NoError(t, err)
	require.NoError(t, c.Close())
}

func TestGetMissThenHit(t *testing.T) {
	t.Parallel()
	m := newMinter()
	c := newCache(t, m, nil)

	first := mustGet(t, c, "tenant/user", req{})
	second := mustGet(t, c, "tenant/user", req{})
	other := mustGet(t, c, "tenant/other", req{})

	assert.Equal(t, first, second)
	assert.NotEqual(t, first.ID, other.ID)
	assert.EqualValues(t, 2, m.calls.Load())
	assert.Equal(t, Stats{Hits: 1, Misses: 2, Mints: 2}, c.Stats())
}

func TestGetRejectsBadInput(t *testing.T) {
	t.Parallel()
	c := newCache(t, newMinter(), nil)
	var nilCtx context.Context
	cases := []struct {
		field string
		ctx   context.Context
		key   string
	}{
		{"ctx", nilCtx, "k"},
		{"key", context.Background(), ""},
	}
	for _, tc := range cases {
		_, err := c.Get(tc.ctx, tc.key, req{})
		var ve *validate.Error
		require.ErrorAs(t, err, &ve)
		assert.Equal(t, tc.field, ve.Field)
	}
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
			first := mustGet(t, c, "k", req{TTL: ttl})
			m.clock.Advance(tc.at)
			got := mustGet(t, c, "k", req{TTL: ttl})
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
		e := Entry[token]{IssuedAt: t0, ExpiresAt: t0.Add(tc.lifetime)}
		assert.Equal(t, tc.want, c.refreshMargin(e), tc.name)
	}
}

func TestRefreshAhead(t *testing.T) {
	t.Parallel()
	m := newMinter()
	ev := watch(EventMint)
	c := newCache(t, m, func(cfg *Config[req, token]) { cfg.OnEvent = ev.hook })
	old := mustGet(t, c, "k", req{})
	ev.next()

	m.gate = make(chan struct{}) // hold the refresh
	m.clock.Advance(50 * time.Minute)
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			assert.Equal(t, old, mustGet(t, c, "k", req{}), "old token served during refresh")
		}()
	}
	wg.Wait()
	assert.Equal(t, uint64(1), c.Stats().Refreshes, "exactly one refresh")
	m.gate <- struct{}{}
	ev.next()

	fresh := mustGet(t, c, "k", req{})
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
			got[i] = mustGet(t, c, "k", req{})
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
			_, err := c.Get(context.Background(), "k", req{})
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
	tok := mustGet(t, c, "k", req{})
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
		_, err := c.Get(ctx, "k", req{})
		canceled <- err
	}()
	ev.next()
	patient := make(chan token, 1)
	go func() { patient <- mustGet(t, c, "k", req{}) }()
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
	_, err := c.Get(ctx, "k", req{})
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
	mustGet(t, c, "k", req{})
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
		go func() { got <- mustGet(t, c, "k", req{SingleUse: true}) }()
	}
	seen := map[string]bool{}
	for range callers {
		seen[(<-got).ID] = true
	}
	assert.Len(t, seen, callers, "every bypassing Get got its own token")

	cached := mustGet(t, c, "k", req{})
	assert.False(t, seen[cached.ID], "a bypass token was cached")
	assert.Equal(t, Stats{Misses: 1, Mints: callers + 1, Bypasses: callers}, c.Stats())
	assert.Equal(t, 1, c.cfg.Store.(*memoryStore[token]).len())
}

func TestShortLivedTokenIsNotServed(t *testing.T) {
	t.Parallel()
	m := newMinter()
	c := newCache(t, m, nil)
	_, err := c.Get(context.Background(), "k", req{TTL: DefaultSkew})
	assert.ErrorIs(t, err, ErrShortLived)
	_, err = c.Get(context.Background(), "k", req{TTL: DefaultSkew})
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
	mustGet(t, c, "k", req{})
	e, ok, err := c.cfg.Store.Load(context.Background(), "k")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, t0, e.IssuedAt)
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
		for _, r := range []req{{}, {SingleUse: true}} {
			c := newCache(t, newMinter(), tc.edit)
			_, err := c.Get(context.Background(), "k", r)
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
	mustGet(t, c, "k", req{})
	require.NoError(t, c.Close())
	require.NoError(t, c.Close(), "Close twice")
	for _, r := range []req{{}, {SingleUse: true}} {
		_, err := c.Get(context.Background(), "k", r)
		assert.ErrorIs(t, err, ErrClosed)
	}
	_, err := c.await(context.Background(), flightKey{key: "other"}, req{})
	assert.ErrorIs(t, err, ErrClosed, "no mint starts after Close")
	assert.EqualValues(t, 1, m.calls.Load())
}

func TestCloseWaitsForRefresh(t *testing.T) {
	t.Parallel()
	m := newMinter()
	ev := watch(EventRefresh)
	c := newCache(t, m, func(cfg *Config[req, token]) { cfg.OnEvent = ev.hook })
	mustGet(t, c, "k", req{})
	m.gate = make(chan struct{})
	m.clock.Advance(55 * time.Minute)
	mustGet(t, c, "k", req{})
	ev.next()

	closed := make(chan struct{})
	go func() { _ = c.Close(); close(closed) }()
	select {
	case <-closed:
		t.Fatal("Close returned while a refresh was running")
	default:
	}
	m.gate <- struct{}{}
	<-closed
	assert.Equal(t, uint64(2), c.Stats().Mints, "the refresh finished before Close returned")
}
