package youshu_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/biembedtest"
	"github.com/biembed/biembed-go/tokencache"
	"github.com/biembed/biembed-go/youshu"
	"github.com/biembed/biembed-go/youshu/youshutest"
)

func TestYoushuCacheServesOneTokenPerRequest(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	cache := newCache(t, newClient(t, srv), tokencache.Options{})
	ctx := context.Background()
	a, err := cache.Get(ctx, reportRequest())
	require.NoError(t, err)
	again, err := cache.Get(ctx, reportRequest())
	require.NoError(t, err)
	assert.Equal(t, a.Value.Reveal(), again.Value.Reveal())
	assert.Equal(t, 1, srv.Count("genToken"))
	assert.Equal(t, tokencache.Stats{Hits: 1, Misses: 1, Mints: 1}, cache.Stats())
}

func TestYoushuCacheRefreshesAhead(t *testing.T) {
	t.Parallel()
	clock := biembedtest.NewClock(time.Now())
	minted := make(chan struct{}, 4)
	srv := youshutest.NewTestServer(t)
	cache := newCache(t, newClient(t, srv, youshu.WithClock(clock.Now)), tokencache.Options{
		Now: clock.Now,
		OnEvent: func(e tokencache.Event) {
			if e.Kind == tokencache.EventMint {
				minted <- struct{}{}
			}
		},
	})
	ctx := context.Background()
	old, err := cache.Get(ctx, reportRequest())
	require.NoError(t, err)
	<-minted
	clock.Advance(9 * time.Minute)
	served, err := cache.Get(ctx, reportRequest())
	require.NoError(t, err)
	assert.Equal(t, old.Value.Reveal(), served.Value.Reveal(), "the old token is served during the refresh")
	<-minted
	fresh, err := cache.Get(ctx, reportRequest())
	require.NoError(t, err)
	assert.NotEqual(t, old.Value.Reveal(), fresh.Value.Reveal())
	assert.Equal(t, 2, srv.Count("genToken"))
}

func TestYoushuCacheSingleFlight(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	cache := newCache(t, newClient(t, srv), tokencache.Options{})
	const callers = 200
	values := make([]string, callers)
	errs := make([]error, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := cache.Get(context.Background(), reportRequest())
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
	assert.Equal(t, 1, srv.Count("genToken"))
}

func TestYoushuCacheBypassesSingleUseTokens(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	cache := newCache(t, newClient(t, srv), tokencache.Options{})
	req := reportRequest()
	req.Once = true
	a, err := cache.Get(context.Background(), req)
	require.NoError(t, err)
	b, err := cache.Get(context.Background(), req)
	require.NoError(t, err)
	assert.NotEqual(t, a.Value.Reveal(), b.Value.Reveal(), "a once token is never shared")
	assert.Equal(t, 2, srv.Count("genToken"))
	assert.Equal(t, uint64(2), cache.Stats().Bypasses)
}

func TestYoushuCacheNeedsAnExpiry(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	cache := newCache(t, newClient(t, srv), tokencache.Options{})
	_, err := cache.Get(context.Background(), &youshu.GenTokenRequest{AuthUniqueID: "user"})
	requireValidation(t, err, "GenTokenRequest.Expiry")
	_, err = cache.Get(context.Background(), nil)
	requireValidation(t, err, "GenTokenRequest")
	assert.Equal(t, 0, srv.Count(""))
}

// TestYoushuCacheDropsRemovedTokens: a token removed through the client's
// RemoveToken, outside the cache, is not served again.
func TestYoushuCacheDropsRemovedTokens(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	client := newClient(t, srv)
	cache := newCache(t, client, tokencache.Options{})
	ctx := context.Background()
	before, err := cache.Get(ctx, reportRequest())
	require.NoError(t, err)
	require.NoError(t, client.RemoveToken(ctx, before.Value.Reveal()))
	after, err := cache.Get(ctx, reportRequest())
	require.NoError(t, err)
	assert.NotEqual(t, before.Value.Reveal(), after.Value.Reveal(), "a removed token is not served again")
	assert.Equal(t, uint64(1), cache.Stats().Forgets)
	assert.Equal(t, 3, srv.Count("genToken"), "two tokens and one helper")
}

// pageStatus opens tok's report page at the fake.
func pageStatus(t *testing.T, tok *youshu.EmbedToken) int {
	t.Helper()
	link, err := tok.URL(youshu.Report(1))
	require.NoError(t, err)
	return visit(t, link)
}

// TestYoushuCacheRevoke: Revoke removes the token the cache holds for the
// request at the vendor (its page refuses it) and mints anew on the next
// Get; Forget only drops it from the cache (its page still opens).
func TestYoushuCacheRevoke(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	cache := newCache(t, newClient(t, srv), tokencache.Options{})
	ctx := context.Background()

	old, err := cache.Get(ctx, reportRequest())
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, pageStatus(t, old))
	require.NoError(t, cache.Revoke(ctx, reportRequest()))
	assert.Equal(t, http.StatusUnauthorized, pageStatus(t, old), "the revoked token's URL is refused")
	assert.Equal(t, 1, srv.Count("rmToken"))
	fresh, err := cache.Get(ctx, reportRequest())
	require.NoError(t, err)
	assert.NotEqual(t, old.Value.Reveal(), fresh.Value.Reveal())
	assert.Equal(t, http.StatusOK, pageStatus(t, fresh))

	// Revoking what the cache does not hold sends nothing.
	other := reportRequest()
	other.FilterMap = regionFilters("West")
	require.NoError(t, cache.Revoke(ctx, other))
	assert.Equal(t, 1, srv.Count("rmToken"))

	// Forget only drops the token from the cache.
	require.NoError(t, cache.Forget(ctx, reportRequest()))
	assert.Equal(t, http.StatusOK, pageStatus(t, fresh), "a forgotten token still works at the vendor until it expires")
	again, err := cache.Get(ctx, reportRequest())
	require.NoError(t, err)
	assert.NotEqual(t, fresh.Value.Reveal(), again.Value.Reveal(), "but the cache no longer serves it")
	assert.Equal(t, 1, srv.Count("rmToken"), "Forget removed nothing at the vendor")
	assert.Equal(t, uint64(1), cache.Stats().Revokes, "one revocation reached the vendor")
}

// TestYoushuCacheRevokeUser: RevokeUser removes (rmToken) every token the
// cache holds for the user, whatever request it was minted for, and none
// of another user's; their pages refuse them.
func TestYoushuCacheRevokeUser(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	cache := newCache(t, newClient(t, srv), tokencache.Options{})
	ctx := context.Background()
	var users []*youshu.EmbedToken
	for _, region := range []string{"East", "West", "North"} {
		req := reportRequest()
		req.FilterMap = regionFilters(region)
		tok, err := cache.Get(ctx, req)
		require.NoError(t, err)
		users = append(users, tok)
	}
	byID := &youshu.GenTokenRequest{AuthUserID: youshutest.User().UserID, Expiry: time.Hour}
	sameUserByID, err := cache.Get(ctx, byID)
	require.NoError(t, err)
	admin, err := cache.Get(ctx, &youshu.GenTokenRequest{AuthUniqueID: youshutest.Admin().UniqueID, Expiry: time.Hour})
	require.NoError(t, err)

	require.NoError(t, cache.RevokeUser(ctx, &youshu.GenTokenRequest{AuthUniqueID: youshutest.User().UniqueID}))
	for i, tok := range users {
		assert.Equal(t, http.StatusUnauthorized, pageStatus(t, tok), "user token %d", i)
		info, _ := srv.Lookup(tok.Value.Reveal())
		assert.True(t, info.Removed, "user token %d", i)
	}
	assert.Equal(t, 3, srv.Count("rmToken"))
	assert.Equal(t, http.StatusOK, pageStatus(t, admin), "another user's token is untouched")
	assert.Equal(t, http.StatusOK, pageStatus(t, sameUserByID),
		"a request naming the user by AuthUserID is another cache user (documented: AuthUniqueID, else AuthUserID)")

	require.NoError(t, cache.RevokeUser(ctx, byID))
	assert.Equal(t, http.StatusUnauthorized, pageStatus(t, sameUserByID))
	again, err := cache.Get(ctx, reportRequest())
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, pageStatus(t, again), "the next Get mints a working token")
}

// TestYoushuCacheRevokeSuperseded: with RevokeSuperseded, a user whose
// permissions shrink (a new FilterMap) gets a new token and the old, wider
// one stops working at once; without it the old one works until it expires
// (the documented trade-off).
func TestYoushuCacheRevokeSuperseded(t *testing.T) {
	t.Parallel()
	for _, supersede := range []bool{true, false} {
		t.Run("RevokeSuperseded="+strconv.FormatBool(supersede), func(t *testing.T) {
			t.Parallel()
			srv := youshutest.NewTestServer(t)
			cache := newCache(t, newClient(t, srv), tokencache.Options{RevokeSuperseded: supersede})
			ctx := context.Background()
			wide := reportRequest()
			wide.FilterMap = regionFilters("East", "North", "West")
			narrow := reportRequest()
			narrow.FilterMap = regionFilters("East")

			old, err := cache.Get(ctx, wide)
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, pageStatus(t, old))
			fresh, err := cache.Get(ctx, narrow)
			require.NoError(t, err)
			assert.NotEqual(t, old.Value.Reveal(), fresh.Value.Reveal())
			assert.Equal(t, http.StatusOK, pageStatus(t, fresh), "the new token works")
			if supersede {
				assert.Equal(t, http.StatusUnauthorized, pageStatus(t, old), "the old, wider token is refused")
				assert.Equal(t, 1, srv.Count("rmToken"))
			} else {
				assert.Equal(t, http.StatusOK, pageStatus(t, old), "without RevokeSuperseded the old token works until it expires")
				assert.Zero(t, srv.Count("rmToken"))
			}
			again, err := cache.Get(ctx, narrow)
			require.NoError(t, err)
			assert.Equal(t, fresh.Value.Reveal(), again.Value.Reveal(), "the new token is served from the cache")
			assert.Equal(t, http.StatusOK, pageStatus(t, again))
		})
	}
}

// TestYoushuCacheErrorsAreExported: a closed cache and a token that expires
// within the skew fail with tokencache's exported errors.
func TestYoushuCacheErrorsAreExported(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	client := newClient(t, srv)
	cache := newCache(t, client, tokencache.Options{})
	require.NoError(t, cache.Close())
	require.NoError(t, cache.Close(), "closing twice is harmless")
	_, err := cache.Get(context.Background(), reportRequest())
	assert.True(t, errors.Is(err, tokencache.ErrClosed))

	// A clock far ahead of the client's: every minted token has expired.
	late := biembedtest.NewClock(time.Now().Add(time.Hour))
	stale := newCache(t, client, tokencache.Options{Now: late.Now})
	_, err = stale.Get(context.Background(), reportRequest())
	assert.True(t, errors.Is(err, tokencache.ErrShortLived))
}

// TestYoushuCacheUnderLoad is a bounded loopback load test: 50 goroutines
// x 20 Gets over 25 requests; every Get succeeds and the fake mints exactly
// one token per request. (Trimmed from 200 x 50 over 50, which took most
// of the package's time under -race and proved nothing more.)
func TestYoushuCacheUnderLoad(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	cache := newCache(t, newClient(t, srv), tokencache.Options{})
	const goroutines, getsEach, requests = 50, 20, 25
	reqs := make([]*youshu.GenTokenRequest, requests)
	for i := range reqs {
		reqs[i] = reportRequest()
		reqs[i].UVID = "viewer-" + strconv.Itoa(i)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	errs := make(chan error, goroutines*getsEach)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range getsEach {
				if _, err := cache.Get(ctx, reqs[(g+i)%requests]); err != nil {
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
	assert.Equal(t, requests, srv.Count("genToken"))
}

// TestYoushuCacheKeepsHostsApart: caches of two Youshu hosts that share one
// Store (one fleet, one Redis) and sign in with the same account never
// serve nor revoke each other's tokens: ids are per host, so the same
// request on another host is another token, minted there.
func TestYoushuCacheKeepsHostsApart(t *testing.T) {
	t.Parallel()
	store := tokencache.NewMemoryStore(0, 0)
	a, b := youshutest.NewTestServer(t), youshutest.NewTestServer(t)
	cacheA := newCache(t, newClient(t, a), tokencache.Options{Store: store})
	cacheB := newCache(t, newClient(t, b), tokencache.Options{Store: store})
	ctx := context.Background()
	fromA, err := cacheA.Get(ctx, reportRequest())
	require.NoError(t, err)
	fromB, err := cacheB.Get(ctx, reportRequest())
	require.NoError(t, err)
	assert.Equal(t, b.URL(), fromB.BaseURL, "host B's cache served a token of host A")
	assert.NotEqual(t, fromA.Value.Reveal(), fromB.Value.Reveal())
	assert.Equal(t, 1, b.Count("genToken"))

	// Revoking the user through A reaches A's token only: B's is neither
	// dropped from the shared Store nor sent to host A's rmToken.
	require.NoError(t, cacheA.RevokeUser(ctx, reportRequest()))
	assert.Equal(t, 1, a.Count("rmToken"), "host A was sent host B's token")
	again, err := cacheB.Get(ctx, reportRequest())
	require.NoError(t, err)
	assert.Equal(t, fromB.Value.Reveal(), again.Value.Reveal(), "A's RevokeUser dropped B's token")
	assert.Equal(t, http.StatusOK, pageStatus(t, again))
}
