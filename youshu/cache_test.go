package youshu_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/internal/tokencache"
	"github.com/biembed/biembed-go/youshu"
	"github.com/biembed/biembed-go/youshu/youshutest"
)

const genTokenEndpoint = "genToken"

func newCache(t *testing.T, c *youshu.Client, opts youshu.CacheOptions) *youshu.Cache {
	t.Helper()
	cache, err := youshu.NewCache(c, opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = cache.Close() })
	return cache
}

func reportRequest() *youshu.GenTokenRequest {
	return &youshu.GenTokenRequest{Expiry: 10 * time.Minute, FilterMap: rowFilters()}
}

func TestYoushuCacheServesOneTokenPerKey(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	cache := newCache(t, newClient(t, srv), youshu.CacheOptions{})
	ctx := context.Background()
	a, err := cache.Get(ctx, "alice", reportRequest())
	require.NoError(t, err)
	again, err := cache.Get(ctx, "alice", reportRequest())
	require.NoError(t, err)
	assert.Equal(t, a.Value.Reveal(), again.Value.Reveal())
	assert.Equal(t, 1, srv.Count(genTokenEndpoint))
}

func TestYoushuCacheRefreshesAhead(t *testing.T) {
	t.Parallel()
	clock := tokencache.NewFakeClock(time.Now())
	minted := make(chan struct{}, 4)
	srv := youshutest.NewTestServer(t)
	cache := newCache(t, newClient(t, srv, youshu.WithClock(clock)), youshu.CacheOptions{
		Clock: clock,
		OnEvent: func(e youshu.CacheEvent) {
			if e.Kind == tokencache.EventMint {
				minted <- struct{}{}
			}
		},
	})
	ctx := context.Background()
	old, err := cache.Get(ctx, "alice", reportRequest())
	require.NoError(t, err)
	<-minted
	clock.Advance(9 * time.Minute)
	served, err := cache.Get(ctx, "alice", reportRequest())
	require.NoError(t, err)
	assert.Equal(t, old.Value.Reveal(), served.Value.Reveal(), "the old token is served during the refresh")
	<-minted
	fresh, err := cache.Get(ctx, "alice", reportRequest())
	require.NoError(t, err)
	assert.NotEqual(t, old.Value.Reveal(), fresh.Value.Reveal())
	assert.Equal(t, 2, srv.Count(genTokenEndpoint))
}

func TestYoushuCacheSingleFlightThousandGets(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	cache := newCache(t, newClient(t, srv), youshu.CacheOptions{})
	const callers = 1000
	values := make([]string, callers)
	errs := make([]error, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := cache.Get(context.Background(), "same-key", reportRequest())
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
	assert.Equal(t, 1, srv.Count(genTokenEndpoint))
}

func TestYoushuCacheBypassesSingleUseTokens(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	cache := newCache(t, newClient(t, srv), youshu.CacheOptions{})
	req := reportRequest()
	req.Once = true
	a, err := cache.Get(context.Background(), "k", req)
	require.NoError(t, err)
	b, err := cache.Get(context.Background(), "k", req)
	require.NoError(t, err)
	assert.NotEqual(t, a.Value.Reveal(), b.Value.Reveal(), "a once token is never shared")
	assert.Equal(t, 2, srv.Count(genTokenEndpoint))
}

func TestYoushuCacheNeedsAnExpiry(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	cache := newCache(t, newClient(t, srv), youshu.CacheOptions{})
	_, err := cache.Get(context.Background(), "k", &youshu.GenTokenRequest{})
	require.ErrorIs(t, err, youshu.ErrInvalid)
	assert.Contains(t, err.Error(), "GenTokenRequest.Expiry")
	_, err = cache.Get(context.Background(), "k", nil)
	require.ErrorIs(t, err, youshu.ErrInvalid)
	assert.Equal(t, 0, srv.Count(genTokenEndpoint))
}

func TestYoushuCacheDropsRemovedTokens(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	client := newClient(t, srv)
	cache := newCache(t, client, youshu.CacheOptions{})
	ctx := context.Background()
	before, err := cache.Get(ctx, "alice", reportRequest())
	require.NoError(t, err)
	require.NoError(t, client.RemoveToken(ctx, before.Value.Reveal()))
	after, err := cache.Get(ctx, "alice", reportRequest())
	require.NoError(t, err)
	assert.NotEqual(t, before.Value.Reveal(), after.Value.Reveal(), "a removed token is not served again")
	assert.Equal(t, uint64(1), cache.Stats().Invalidations)
}

func TestYoushuRequestKey(t *testing.T) {
	t.Parallel()
	withPassword := reportRequest()
	withPassword.Credential = youshu.Password("alice@example.com", youshutest.UserPassword)
	otherPassword := reportRequest()
	otherPassword.Credential = youshu.Password("alice@example.com", "another password")
	otherUser := reportRequest()
	otherUser.Credential = youshu.Password("bob@example.com", youshutest.UserPassword)
	narrower := reportRequest()
	narrower.FilterMap = nil

	a, err := youshu.RequestKey(withPassword)
	require.NoError(t, err)
	b, err := youshu.RequestKey(otherPassword)
	require.NoError(t, err)
	c, err := youshu.RequestKey(otherUser)
	require.NoError(t, err)
	d, err := youshu.RequestKey(narrower)
	require.NoError(t, err)
	assert.Equal(t, a, b, "the key names the account, not its password")
	assert.NotEqual(t, a, c)
	assert.NotEqual(t, a, d, "the filters are part of the key")
	assert.NotContains(t, a, youshutest.UserPassword)
}

// TestYoushuCacheUnderLoad is the bounded loopback load test for Youshu:
// 200 goroutines x 50 Gets over 50 keys; every Get succeeds and the fake
// mints exactly one token per key.
func TestYoushuCacheUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	cache := newCache(t, newClient(t, srv), youshu.CacheOptions{})
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
				if _, err := cache.Get(ctx, fmt.Sprintf("user-%d", (g+i)%keys), reportRequest()); err != nil {
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
	assert.Equal(t, keys, srv.Count(genTokenEndpoint))
}
