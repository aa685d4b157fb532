package youshu_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/internal/tokencache"
	"github.com/biembed/biembed-go/youshu"
	"github.com/biembed/biembed-go/youshu/youshutest"
)

// TestYoushuCacheRejectsWhatItWouldThrowAway pins hardening item 11: a
// request whose token the cache would reject once minted (no Expiry, even
// for Once and helper tokens; an Expiry within the Skew) is a
// *ValidationError before anything is sent.
func TestYoushuCacheRejectsWhatItWouldThrowAway(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	cache := newCache(t, newClient(t, srv), youshu.CacheOptions{})
	cases := map[string]*youshu.GenTokenRequest{
		"once without expiry":     {Once: true},
		"helper without expiry":   {UseType: youshu.UseDeleteToken},
		"expiry within the skew":  {Expiry: 20 * time.Second},
		"once, expiry = the skew": {Once: true, Expiry: tokencache.DefaultSkew},
	}
	for name, req := range cases {
		for _, get := range []func() error{
			func() error { _, err := cache.Get(context.Background(), "k", req); return err },
			func() error { _, err := cache.GetFor(context.Background(), req); return err },
		} {
			err := get()
			var ve *youshu.ValidationError
			require.ErrorAs(t, err, &ve, name)
			assert.Equal(t, "GenTokenRequest.Expiry", ve.Field, name)
		}
	}
	assert.Equal(t, 0, srv.Count(genTokenEndpoint), "nothing was minted to be thrown away")
}

// TestYoushuCacheNeverServesATokenForOtherPermissions pins hardening item 15
// for Youshu: the same key with narrower row filters mints anew.
func TestYoushuCacheNeverServesATokenForOtherPermissions(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	cache := newCache(t, newClient(t, srv), youshu.CacheOptions{})
	ctx := context.Background()
	wide := reportRequest()
	wide.FilterMap = nil
	narrow := reportRequest()

	a, err := cache.Get(ctx, "alice", wide)
	require.NoError(t, err)
	b, err := cache.Get(ctx, "alice", narrow)
	require.NoError(t, err)
	assert.NotEqual(t, a.Value, b.Value, "the narrower request is not served the wider token")
	c, err := cache.Get(ctx, "alice", narrow)
	require.NoError(t, err)
	assert.Equal(t, b.Value, c.Value)

	d, err := cache.GetFor(ctx, wide)
	require.NoError(t, err)
	e, err := cache.GetFor(ctx, wide)
	require.NoError(t, err)
	assert.Equal(t, d.Value, e.Value)
	assert.Equal(t, 3, srv.Count(genTokenEndpoint))
}

// TestYoushuCacheErrorsAreExported pins hardening item 16 for Youshu.
func TestYoushuCacheErrorsAreExported(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	client := newClient(t, srv)
	cache := newCache(t, client, youshu.CacheOptions{})
	require.NoError(t, cache.Close())
	_, err := cache.Get(context.Background(), "k", reportRequest())
	assert.True(t, errors.Is(err, youshu.ErrCacheClosed))

	// A clock far ahead of the client's: every minted token has expired.
	late := tokencache.NewFakeClock(time.Now().Add(time.Hour))
	stale := newCache(t, client, youshu.CacheOptions{Clock: late})
	_, err = stale.Get(context.Background(), "k", reportRequest())
	assert.True(t, errors.Is(err, youshu.ErrShortLived))
	assert.NotNil(t, youshu.ErrCachePanicked)
	assert.NotNil(t, youshu.ErrStaleSave)
}

// TestYoushuCacheFormatShowsCountsOnly pins hardening item 5 for Youshu.
func TestYoushuCacheFormatShowsCountsOnly(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	cache := newCache(t, newClient(t, srv), youshu.CacheOptions{})
	var wg sync.WaitGroup
	tokens := make(chan string, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := cache.Get(context.Background(), fmt.Sprint("user-", i%5), reportRequest())
			if assert.NoError(t, err) {
				tokens <- tok.Value.Reveal()
			}
		}()
	}
	var printed []string
	for range 50 {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
			printed = append(printed, fmt.Sprintf(verb, cache))
		}
	}
	wg.Wait()
	close(tokens)
	out := strings.Join(printed, "\n")
	for tok := range tokens {
		assert.NotContains(t, out, tok)
		assert.NotContains(t, out, fmt.Sprintf("%x", tok))
	}
	assert.Contains(t, fmt.Sprint(cache), "youshu.Cache{hits: ")
}
