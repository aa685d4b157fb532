package tencent_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/internal/tokencache"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
)

// cacheSetup returns a cache over a client whose clock, like the cache's, is
// clock, and whose fake runs on clock too, so token lifetimes and signatures
// follow the fake time.
func cacheSetup(t *testing.T, clock *tokencache.FakeClock, opts tencent.CacheOptions) (*tencent.Cache, *tencent.Client, *tencenttest.Server) {
	t.Helper()
	client, srv := setup(t, []tencenttest.Option{tencenttest.WithClock(clock)}, tencent.WithClock(clock))
	opts.Clock = clock
	cache, err := tencent.NewCache(client, opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = cache.Close() })
	return cache, client, srv
}

func pageRequest() *tencent.CreateEmbedTokenRequest {
	req := tencent.NewPageRequest(7, 8)
	req.Expiry = 10 * time.Minute
	return req
}

func TestCacheServesOneTokenPerKey(t *testing.T) {
	t.Parallel()
	clock := tokencache.NewFakeClock(time.Now())
	cache, _, srv := cacheSetup(t, clock, tencent.CacheOptions{})
	ctx := context.Background()

	first, err := cache.Get(ctx, "alice", pageRequest())
	require.NoError(t, err)
	again, err := cache.Get(ctx, "alice", pageRequest())
	require.NoError(t, err)
	other, err := cache.Get(ctx, "bob", pageRequest())
	require.NoError(t, err)

	assert.Equal(t, first.Value.Reveal(), again.Value.Reveal(), "a second Get for the key is a hit")
	assert.NotEqual(t, first.Value.Reveal(), other.Value.Reveal(), "another key mints its own token")
	assert.Equal(t, 2, srv.Count(tencent.ActionCreateEmbedToken))
	stats := cache.Stats()
	assert.Equal(t, uint64(1), stats.Hits)
	assert.Equal(t, uint64(2), stats.Mints)
}

func TestCacheRefreshesAheadWhileServingTheOldToken(t *testing.T) {
	t.Parallel()
	clock := tokencache.NewFakeClock(time.Now())
	minted := make(chan struct{}, 4)
	cache, _, srv := cacheSetup(t, clock, tencent.CacheOptions{OnEvent: func(e tencent.CacheEvent) {
		if e.Kind == tokencache.EventMint {
			minted <- struct{}{}
		}
	}})
	ctx := context.Background()
	old, err := cache.Get(ctx, "alice", pageRequest())
	require.NoError(t, err)
	<-minted

	clock.Advance(9 * time.Minute) // inside the 2-minute margin of a 10-minute token
	served, err := cache.Get(ctx, "alice", pageRequest())
	require.NoError(t, err)
	assert.Equal(t, old.Value.Reveal(), served.Value.Reveal(), "the old token is served during the refresh")
	<-minted // the background refresh finished

	fresh, err := cache.Get(ctx, "alice", pageRequest())
	require.NoError(t, err)
	assert.NotEqual(t, old.Value.Reveal(), fresh.Value.Reveal())
	assert.Equal(t, 2, srv.Count(tencent.ActionCreateEmbedToken))
	assert.Equal(t, uint64(1), cache.Stats().Refreshes)
}

func TestCacheSingleFlightThousandGets(t *testing.T) {
	t.Parallel()
	clock := tokencache.NewFakeClock(time.Now())
	cache, _, srv := cacheSetup(t, clock, tencent.CacheOptions{})
	const callers = 1000
	values := make([]string, callers)
	errs := make([]error, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := cache.Get(context.Background(), "same-key", pageRequest())
			errs[i] = err
			if err == nil {
				values[i] = tok.Value.Reveal()
			}
		}()
	}
	wg.Wait()
	for i := range callers {
		require.NoError(t, errs[i])
		require.Equal(t, values[0], values[i])
	}
	assert.Equal(t, 1, srv.Count(tencent.ActionCreateEmbedToken), "1,000 Gets on one key make one call")
}

func TestCacheNeverSharesTicketLimitedTokens(t *testing.T) {
	t.Parallel()
	clock := tokencache.NewFakeClock(time.Now())
	cache, _, srv := cacheSetup(t, clock, tencent.CacheOptions{})
	req := pageRequest()
	req.TicketNum = 1
	a, err := cache.Get(context.Background(), "k", req)
	require.NoError(t, err)
	b, err := cache.Get(context.Background(), "k", req)
	require.NoError(t, err)
	assert.NotEqual(t, a.Value.Reveal(), b.Value.Reveal())
	assert.Equal(t, 2, srv.Count(tencent.ActionCreateEmbedToken))
	assert.Equal(t, uint64(2), cache.Stats().Bypasses)
}

func TestCacheDropsTokensClearedThroughTheClient(t *testing.T) {
	t.Parallel()
	clock := tokencache.NewFakeClock(time.Now())
	cache, client, srv := cacheSetup(t, clock, tencent.CacheOptions{})
	ctx := context.Background()
	req := pageRequest()
	req.TokenType, req.UserCorpID, req.UserID = tencent.TokenTypeSingleUser, "corp", "alice"
	before, err := cache.Get(ctx, "alice", req)
	require.NoError(t, err)

	require.NoError(t, client.ClearEmbedToken(ctx, tencent.ClearRequestFor(before)))
	after, err := cache.Get(ctx, "alice", req)
	require.NoError(t, err)
	assert.NotEqual(t, before.Value.Reveal(), after.Value.Reveal(), "a cleared token is not served again")
	assert.Equal(t, 2, srv.Count(tencent.ActionCreateEmbedToken))
}

func TestCacheRejectsNilInputs(t *testing.T) {
	t.Parallel()
	_, err := tencent.NewCache(nil, tencent.CacheOptions{})
	assert.ErrorIs(t, err, tencent.ErrInvalid)
	clock := tokencache.NewFakeClock(time.Now())
	cache, _, srv := cacheSetup(t, clock, tencent.CacheOptions{})
	_, err = cache.Get(context.Background(), "k", nil)
	assert.ErrorIs(t, err, tencent.ErrInvalid)
	_, err = cache.Get(context.Background(), "k", tencent.NewPageRequest(7, 0))
	assert.ErrorIs(t, err, tencent.ErrInvalid, "a bad request is reported when the cache mints")
	assert.Equal(t, 0, srv.Count(tencent.ActionCreateEmbedToken))
}

func TestRequestKeyIsStableAndDistinguishesRequests(t *testing.T) {
	t.Parallel()
	a, err := tencent.RequestKey(pageRequest())
	require.NoError(t, err)
	b, err := tencent.RequestKey(pageRequest())
	require.NoError(t, err)
	other := pageRequest()
	other.UserID, other.UserCorpID, other.TokenType = "bob", "corp", tencent.TokenTypeSingleUser
	c, err := tencent.RequestKey(other)
	require.NoError(t, err)
	assert.Equal(t, a, b)
	assert.NotEqual(t, a, c)
	_, err = tencent.RequestKey(tencent.NewPageRequest(0, 1))
	assert.ErrorIs(t, err, tencent.ErrInvalid)
}

// TestCacheUnderLoad is the bounded loopback load test: 200 goroutines make
// 50 Gets each over 50 keys while the fake enforces 20 requests/s and the
// client keeps to its default 20/s budget. Every Get succeeds and the fake
// mints exactly one token per key.
func TestCacheUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test: a few seconds at 20 requests/s")
	}
	t.Parallel()
	srv := tencenttest.NewTestServer(t, tencenttest.WithRateLimit(20))
	client, err := tencent.NewClient(tencent.WithSecret(tencenttest.SecretID, tencenttest.SecretKey),
		tencent.WithEndpoint(srv.URL()))
	require.NoError(t, err)
	t.Cleanup(client.CloseIdleConnections)
	cache, err := tencent.NewCache(client, tencent.CacheOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = cache.Close() })

	const goroutines, getsEach, keys = 200, 50, 50
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	errs := make(chan error, goroutines*getsEach)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range getsEach {
				key := fmt.Sprintf("user-%d", (g+i)%keys)
				req := tencent.NewPageRequest(7, uint64(1+(g+i)%keys))
				if _, err := cache.Get(ctx, key, req); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("Get failed under load: %v", err)
	}
	assert.Equal(t, keys, srv.Count(tencent.ActionCreateEmbedToken), "mints == distinct keys")
}
