package tencent_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/biembedtest"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
	"github.com/biembed/biembed-go/tokencache"
)

// cacheSetup returns a cache over a client whose clock, like the cache's and
// the fake's, is clock, so token lifetimes follow the manual time.
func cacheSetup(t *testing.T, clock *biembedtest.Clock, opts tokencache.Options, clientOpts ...tencent.Option) (*tencent.Cache, *tencent.Client, *tencenttest.Server) {
	t.Helper()
	client, srv := setup(t, []tencenttest.Option{tencenttest.WithClock(clock.Now)}, append([]tencent.Option{tencent.WithClock(clock.Now)}, clientOpts...)...)
	opts.Now = clock.Now
	cache, err := tencent.NewCache(client, opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = cache.Close() })
	return cache, client, srv
}

// get is cache.Get that fails the test on an error; the token becomes a
// secret the test's recorder watches for.
func get(t *testing.T, cache *tencent.Cache, req *tencent.CreateEmbedTokenRequest) *tencent.EmbedToken {
	t.Helper()
	tok, err := cache.Get(context.Background(), req)
	require.NoError(t, err)
	watch(t, tok)
	return tok
}

// TestCacheServesOneTokenPerRequest: a second Get for an equal request is a
// hit; a request that differs (here: another user) mints its own token.
func TestCacheServesOneTokenPerRequest(t *testing.T) {
	t.Parallel()
	cache, _, srv := cacheSetup(t, biembedtest.NewClock(time.Now()), tokencache.Options{})

	first := get(t, cache, userRequest("corp"))
	again := get(t, cache, userRequest("corp"))
	bob := userRequest("corp")
	bob.UserID = "bob"
	other := get(t, cache, bob)

	assert.Equal(t, first.Value, again.Value, "a second Get for an equal request is a hit")
	assert.NotEqual(t, first.Value, other.Value, "another request mints its own token")
	assert.Equal(t, 2, srv.Count("CreateEmbedToken"))
	stats := cache.Stats()
	assert.Equal(t, uint64(1), stats.Hits)
	assert.Equal(t, uint64(2), stats.Misses)
	assert.Equal(t, uint64(2), stats.Mints)
}

func TestCacheRefreshesAheadWhileServingTheOldToken(t *testing.T) {
	t.Parallel()
	start := time.Now()
	clock := biembedtest.NewClock(start)
	minted := make(chan struct{}, 4)
	cache, _, srv := cacheSetup(t, clock, tokencache.Options{OnEvent: func(e tokencache.Event) {
		if e.Kind == tokencache.EventMint {
			minted <- struct{}{}
		}
	}})
	old := get(t, cache, pageRequest())
	<-minted

	clock.Advance(9 * time.Minute) // inside the 2-minute margin of a 10-minute token
	served := get(t, cache, pageRequest())
	assert.Equal(t, old.Value, served.Value, "the old token is served during the refresh")
	<-minted // the background refresh minted

	// Within the old token's Skew only the refreshed one may be served,
	// whether its flight has landed or not.
	clock.Advance(90 * time.Second)
	fresh := get(t, cache, pageRequest())
	assert.NotEqual(t, old.Value, fresh.Value)
	assert.Equal(t, start.Add(19*time.Minute), fresh.ExpiresAt, "the token the refresh minted at 9 minutes")
	assert.Equal(t, 2, srv.Count("CreateEmbedToken"))
	assert.Equal(t, uint64(1), cache.Stats().Refreshes)
}

func TestCacheSingleFlightThousandGets(t *testing.T) {
	t.Parallel()
	cache, _, srv := cacheSetup(t, biembedtest.NewClock(time.Now()), tokencache.Options{})
	const callers = 1000
	values := make([]string, callers)
	errs := make([]error, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := cache.Get(context.Background(), pageRequest())
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
	assert.Equal(t, 1, srv.Count("CreateEmbedToken"), "1,000 Gets of one request make one call")
}

func TestCacheNeverSharesTicketLimitedTokens(t *testing.T) {
	t.Parallel()
	cache, _, srv := cacheSetup(t, biembedtest.NewClock(time.Now()), tokencache.Options{})
	req := pageRequest()
	req.TicketNum = 1
	a := get(t, cache, req)
	b := get(t, cache, req)
	assert.NotEqual(t, a.Value, b.Value)
	assert.Equal(t, 2, srv.Count("CreateEmbedToken"))
	assert.Equal(t, uint64(2), cache.Stats().Bypasses)
}

func TestCacheDropsTokensClearedThroughTheClient(t *testing.T) {
	t.Parallel()
	cache, client, srv := cacheSetup(t, biembedtest.NewClock(time.Now()), tokencache.Options{})
	ctx := context.Background()
	req := userRequest("corp")
	before := get(t, cache, req)

	require.NoError(t, client.ClearEmbedToken(ctx, clearFor(before)))
	after := get(t, cache, req)
	assert.NotEqual(t, before.Value, after.Value, "a cleared token is not served again")
	assert.Equal(t, 2, srv.Count("CreateEmbedToken"))
	assert.Equal(t, 1, srv.Count("ClearEmbedToken"), "one clear")
}

func TestCacheRejectsNilInputs(t *testing.T) {
	t.Parallel()
	_, err := tencent.NewCache(nil, tokencache.Options{})
	requireValidation(t, err, "client")
	cache, _, srv := cacheSetup(t, biembedtest.NewClock(time.Now()), tokencache.Options{})
	_, err = cache.Get(context.Background(), nil)
	requireValidation(t, err, "CreateEmbedTokenRequest")
	_, err = cache.Get(context.Background(), tencent.NewPageRequest(7, 0))
	requireValidation(t, err, "CreateEmbedTokenRequest.PageID")
	assert.Equal(t, 0, srv.Count("CreateEmbedToken"))
}

// TestCacheUnderLoad is the bounded loopback load test: 100 goroutines make
// 50 Gets each over 50 requests while the fake enforces 20 requests/s and
// the client keeps to its default 20/s budget. Every Get succeeds and the
// fake mints exactly one token per request.
func TestCacheUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test: a few seconds at 20 requests/s")
	}
	t.Parallel()
	srv := tencenttest.NewTestServer(t, tencenttest.WithRateLimit(20))
	client, err := tencent.NewClient(tencent.WithSecret(tencenttest.SecretID, tencenttest.SecretKey),
		tencent.WithEndpoint(srv.URL()))
	require.NoError(t, err)
	cache, err := tencent.NewCache(client, tokencache.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = cache.Close() })

	const goroutines, getsEach, requests = 100, 50, 50
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	errs := make(chan error, goroutines*getsEach)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range getsEach {
				req := tencent.NewPageRequest(7, uint64(1+(g+i)%requests))
				if _, err := cache.Get(ctx, req); err != nil {
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
	assert.Equal(t, requests, srv.Count("CreateEmbedToken"), "mints == distinct requests")
}

// TestCacheKeepsHostsApart: caches of clients for two API hosts (two
// private deployments) that share one Store never serve nor drop each
// other's tokens: the same request on the other host is minted there.
func TestCacheKeepsHostsApart(t *testing.T) {
	t.Parallel()
	clock := biembedtest.NewClock(time.Now())
	store := tokencache.NewMemoryStore(0, 0)
	cacheA, _, _ := cacheSetup(t, clock, tokencache.Options{Store: store})
	cacheB, _, b := cacheSetup(t, clock, tokencache.Options{Store: store})
	fromA := get(t, cacheA, userRequest("corp"))
	fromB := get(t, cacheB, userRequest("corp"))
	assert.Equal(t, b.URL(), fromB.EmbedHost, "host B's cache served a token of host A")
	assert.NotEqual(t, fromA.Value, fromB.Value)
	assert.Equal(t, 1, b.Count("CreateEmbedToken"))

	// Revoking the user through A clears at A and drops A's token only.
	require.NoError(t, cacheA.RevokeUser(context.Background(), userRequest("corp")))
	assert.Equal(t, fromB.Value, get(t, cacheB, userRequest("corp")).Value, "A's RevokeUser dropped B's token")
	assert.Equal(t, 0, b.Count("ClearEmbedToken"))
}
