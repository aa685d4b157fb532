package tencent_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/internal/tokencache"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
)

// heldMints is a RoundTripper that holds the first CreateEmbedToken answer,
// after the service minted the token, until the test releases it.
type heldMints struct {
	once     sync.Once
	answered chan struct{} // a token was minted; its answer is held
	release  chan struct{}
}

func (h *heldMints) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if r.Header.Get("X-TC-Action") == tencent.ActionCreateEmbedToken {
		h.once.Do(h.hold)
	}
	return resp, err
}

func (h *heldMints) hold() {
	h.answered <- struct{}{}
	<-h.release
}

func userRequest(corp string) *tencent.CreateEmbedTokenRequest {
	req := pageRequest()
	req.TokenType, req.UserCorpID, req.UserID = tencent.TokenTypeSingleUser, corp, "alice"
	return req
}

// TestCacheDoesNotCacheATokenClearedWhileItWasMinted pins hardening item
// 6(a): CreateEmbedToken answers, a ClearEmbedToken for that user completes,
// and only then does the answer reach the cache. The waiting Get gets the
// token, but it is not cached: the next Get mints anew.
func TestCacheDoesNotCacheATokenClearedWhileItWasMinted(t *testing.T) {
	t.Parallel()
	held := &heldMints{answered: make(chan struct{}), release: make(chan struct{})}
	clock := tokencache.NewFakeClock(time.Now())
	client, srv := setup(t, []tencenttest.Option{tencenttest.WithClock(clock)}, tencent.WithClock(clock), tencent.WithTransport(held))
	cache, err := tencent.NewCache(client, tencent.CacheOptions{Clock: clock})
	require.NoError(t, err)
	t.Cleanup(func() { _ = cache.Close() })
	ctx := context.Background()

	got := make(chan *tencent.EmbedToken)
	go func() {
		tok, err := cache.Get(ctx, "alice", userRequest("corp"))
		assert.NoError(t, err)
		got <- tok
	}()
	<-held.answered
	require.NoError(t, client.ClearEmbedToken(ctx, &tencent.ClearEmbedTokenRequest{
		ProjectID: 7, UserCorpID: "corp", Scope: tencent.ScopePage, PageID: 8}))
	close(held.release)
	first := <-got
	require.NotNil(t, first, "the waiting Get gets the token")

	again, err := cache.Get(ctx, "alice", userRequest("corp"))
	require.NoError(t, err)
	assert.NotEqual(t, first.Value, again.Value, "the token cleared during its mint is not served")
	assert.Equal(t, 2, srv.Count(tencent.ActionCreateEmbedToken))
	assert.Equal(t, uint64(1), cache.Stats().StaleSaves)
}

// TestCacheDropsClearedTokensTheAnswerDidNotTag pins hardening item 6(b): the
// answer says UserCorpId null or "", yet a clear for the request's
// UserCorpID drops the token.
func TestCacheDropsClearedTokensTheAnswerDidNotTag(t *testing.T) {
	t.Parallel()
	for _, echo := range []string{`null`, `""`} {
		t.Run(echo, func(t *testing.T) {
			t.Parallel()
			clock := tokencache.NewFakeClock(time.Now())
			cache, client, srv := cacheSetup(t, clock, tencent.CacheOptions{})
			srv.Inject(tencenttest.Fault{Action: tencent.ActionCreateEmbedToken, Times: 1, Body: []byte(
				`{"Response":{"RequestId":"r","Data":{"BIToken":"tok-no-corp-0123456789","ProjectId":"7","PageId":8,` +
					`"Scope":"page","ExpireTime":10,"UserCorpId":` + echo + `}}}`)})
			ctx := context.Background()
			before, err := cache.Get(ctx, "alice", userRequest("corp"))
			require.NoError(t, err)
			require.Empty(t, before.UserCorpID, "the answer did not echo it")

			require.NoError(t, client.ClearEmbedToken(ctx, &tencent.ClearEmbedTokenRequest{
				ProjectID: 7, UserCorpID: "corp", Scope: tencent.ScopePage, PageID: 8}))
			after, err := cache.Get(ctx, "alice", userRequest("corp"))
			require.NoError(t, err)
			assert.NotEqual(t, before.Value, after.Value, "the cleared token is not served")
		})
	}
}

// TestCacheClearDropsOnlyThatUsersTokens: a clear for one user leaves the
// tokens of other users and projects cached.
func TestCacheClearDropsOnlyThatUsersTokens(t *testing.T) {
	t.Parallel()
	clock := tokencache.NewFakeClock(time.Now())
	cache, client, srv := cacheSetup(t, clock, tencent.CacheOptions{})
	ctx := context.Background()
	other := userRequest("other-corp")
	_, err := cache.Get(ctx, "other", other)
	require.NoError(t, err)
	_, err = cache.Get(ctx, "alice", userRequest("corp"))
	require.NoError(t, err)
	require.NoError(t, client.ClearEmbedToken(ctx, &tencent.ClearEmbedTokenRequest{
		ProjectID: 7, UserCorpID: "corp", Scope: tencent.ScopePanel}))
	_, err = cache.Get(ctx, "other", other)
	require.NoError(t, err)
	_, err = cache.Get(ctx, "alice", userRequest("corp"))
	require.NoError(t, err)
	assert.Equal(t, 3, srv.Count(tencent.ActionCreateEmbedToken), "only alice's token was minted again")
}

// TestCacheNeverServesATokenForOtherPermissions pins hardening item 15: the
// same key with narrower GlobalParams mints a new token.
func TestCacheNeverServesATokenForOtherPermissions(t *testing.T) {
	t.Parallel()
	clock := tokencache.NewFakeClock(time.Now())
	cache, _, srv := cacheSetup(t, clock, tencent.CacheOptions{})
	ctx := context.Background()
	wide := userRequest("corp")
	wide.ExtraParam = "provinces=all"
	narrow := userRequest("corp")
	narrow.ExtraParam = "provinces=zhejiang"

	a, err := cache.Get(ctx, "alice", wide)
	require.NoError(t, err)
	b, err := cache.Get(ctx, "alice", narrow)
	require.NoError(t, err)
	assert.NotEqual(t, a.Value, b.Value, "the narrower request is not served the wider token")
	c, err := cache.Get(ctx, "alice", narrow)
	require.NoError(t, err)
	assert.Equal(t, b.Value, c.Value)
	assert.Equal(t, 2, srv.Count(tencent.ActionCreateEmbedToken))

	d, err := cache.GetFor(ctx, narrow)
	require.NoError(t, err)
	e, err := cache.GetFor(ctx, narrow)
	require.NoError(t, err)
	assert.Equal(t, d.Value, e.Value, "GetFor keys by the request")
	assert.Equal(t, 3, srv.Count(tencent.ActionCreateEmbedToken))
}

// TestCacheRejectsExpiryItCouldNeverServe: a lifetime within the Skew would
// be minted and then thrown away; it is a *ValidationError before sending.
func TestCacheRejectsExpiryItCouldNeverServe(t *testing.T) {
	t.Parallel()
	clock := tokencache.NewFakeClock(time.Now())
	cache, _, srv := cacheSetup(t, clock, tencent.CacheOptions{Skew: 10 * time.Minute})
	_, err := cache.Get(context.Background(), "k", pageRequest()) // Expiry 10 minutes
	var ve *tencent.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "CreateEmbedTokenRequest.Expiry", ve.Field)
	_, err = cache.GetFor(context.Background(), pageRequest())
	require.ErrorAs(t, err, &ve)

	huge, _, _ := cacheSetup(t, clock, tencent.CacheOptions{Skew: tencent.DefaultExpiry})
	_, err = huge.Get(context.Background(), "k", tencent.NewPageRequest(7, 8)) // Expiry 0: the default
	require.ErrorAs(t, err, &ve, "the default lifetime counts too")
	assert.Equal(t, "CreateEmbedTokenRequest.Expiry", ve.Field)
	assert.Equal(t, 0, srv.Count(tencent.ActionCreateEmbedToken))
}

// TestCacheErrorsAreExported pins hardening item 16.
func TestCacheErrorsAreExported(t *testing.T) {
	t.Parallel()
	clock := tokencache.NewFakeClock(time.Now())
	cache, _, srv := cacheSetup(t, clock, tencent.CacheOptions{Skew: 2 * time.Minute})
	srv.Inject(tencenttest.Fault{Action: tencent.ActionCreateEmbedToken, Times: 1, Body: []byte(
		`{"Response":{"RequestId":"r","Data":{"BIToken":"tok-short-0123456789","ProjectId":"7","PageId":8,"Scope":"page","ExpireTime":1}}}`)})
	_, err := cache.Get(context.Background(), "k", pageRequest())
	assert.ErrorIs(t, err, tencent.ErrShortLived)

	panicky, err := tencent.NewCache(mustClient(t, srv), tencent.CacheOptions{OnEvent: func(e tencent.CacheEvent) {
		if e.Kind == tokencache.EventMiss {
			panic("hook")
		}
	}})
	require.NoError(t, err)
	_, err = panicky.Get(context.Background(), "k", pageRequest())
	require.NoError(t, err, "a panicking hook does not fail the Get")
	require.NoError(t, panicky.Close())
	assert.Equal(t, uint64(1), panicky.Stats().Errors)

	require.NoError(t, cache.Close())
	_, err = cache.Get(context.Background(), "k", pageRequest())
	assert.True(t, errors.Is(err, tencent.ErrCacheClosed))
	_, err = cache.GetFor(context.Background(), pageRequest())
	assert.True(t, errors.Is(err, tencent.ErrCacheClosed))
}

func mustClient(t *testing.T, srv *tencenttest.Server) *tencent.Client {
	t.Helper()
	client, err := tencent.NewClient(tencent.WithSecret(tencenttest.SecretID, tencenttest.SecretKey),
		tencent.WithEndpoint(srv.URL()))
	require.NoError(t, err)
	t.Cleanup(client.CloseIdleConnections)
	return client
}

// TestCacheFormatShowsCountsOnly pins hardening item 5: every verb of a Cache
// prints counters, never a token, and printing races with nothing.
func TestCacheFormatShowsCountsOnly(t *testing.T) {
	t.Parallel()
	clock := tokencache.NewFakeClock(time.Now())
	cache, _, _ := cacheSetup(t, clock, tencent.CacheOptions{})
	ctx := context.Background()
	var wg sync.WaitGroup
	tokens := make(chan string, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := cache.Get(ctx, fmt.Sprint("user-", i%5), userRequest(fmt.Sprint("corp-", i%5)))
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
	assert.Contains(t, fmt.Sprint(cache), "tencent.Cache{hits: ")
}

// userStore is a CacheStore written outside the SDK, as a user would: it
// wraps another and panics in Save when told to.
type userStore struct {
	tencent.CacheStore
	panicSave bool
}

func (s *userStore) Save(ctx context.Context, key string, e tencent.CacheEntry) error {
	if s.panicSave {
		panic("user store bug")
	}
	return s.CacheStore.Save(ctx, key, e)
}

func (s *userStore) Invalidate(ctx context.Context, t tencent.CacheTarget) error {
	return s.CacheStore.Invalidate(ctx, t)
}

// TestCacheSurvivesAPanickingUserStore pins hardening item 2 at the Tencent
// Cache: a CacheStore whose Save panics, on the caller's mint and on a
// background refresh, neither crashes the program nor wedges the key.
func TestCacheSurvivesAPanickingUserStore(t *testing.T) {
	t.Parallel()
	clock := tokencache.NewFakeClock(time.Now())
	store := &userStore{CacheStore: tokencache.NewMemoryStore[*tencent.EmbedToken]()}
	errs := make(chan error, 16)
	cache, _, srv := cacheSetup(t, clock, tencent.CacheOptions{Store: store, OnEvent: func(e tencent.CacheEvent) {
		if e.Kind == tokencache.EventError {
			errs <- e.Err
		}
	}})
	ctx := context.Background()
	first, err := cache.Get(ctx, "alice", pageRequest())
	require.NoError(t, err)

	store.panicSave = true
	clock.Advance(9 * time.Minute) // inside the refresh margin: a background refresh saves
	served, err := cache.Get(ctx, "alice", pageRequest())
	require.NoError(t, err)
	assert.Equal(t, first.Value, served.Value)
	assert.ErrorIs(t, <-errs, tencent.ErrCachePanicked, "the background panic is reported")

	// Expired: the Get waits for a mint whose save panics (or, if the
	// refresh has not landed yet, for the refresh's token).
	clock.Advance(2 * time.Minute)
	fresh, err := cache.Get(ctx, "alice", pageRequest())
	require.NoError(t, err, "the token still reaches the Get")
	assert.NotEqual(t, first.Value, fresh.Value)
	require.NoError(t, cache.Close(), "Close returns")
	assert.GreaterOrEqual(t, srv.Count(tencent.ActionCreateEmbedToken), 2)
}

// heldActions is a RoundTripper that holds the first answer of each listed
// action, after the service acted, until the test releases that action.
type heldActions struct {
	mu       sync.Mutex
	held     map[string]bool
	answered map[string]chan struct{}
	release  map[string]chan struct{}
}

func holdActions(actions ...string) *heldActions {
	h := &heldActions{held: map[string]bool{}, answered: map[string]chan struct{}{}, release: map[string]chan struct{}{}}
	for _, a := range actions {
		h.answered[a], h.release[a] = make(chan struct{}), make(chan struct{})
	}
	return h
}

func (h *heldActions) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	action := r.Header.Get("X-TC-Action")
	h.mu.Lock()
	_, listed := h.answered[action]
	first := listed && !h.held[action]
	h.held[action] = true
	h.mu.Unlock()
	if first {
		h.answered[action] <- struct{}{}
		<-h.release[action]
	}
	return resp, err
}

// TestCacheDoesNotServeATokenTheServerClearedBeforeTheClearReturned: the
// service mints a token, then clears it; the mint's answer arrives while the
// clear's answer is still on its way. The token must not be cached even in
// that window: the Cache voids the saves of running mints when a clear
// starts, not only when it ends.
func TestCacheDoesNotServeATokenTheServerClearedBeforeTheClearReturned(t *testing.T) {
	t.Parallel()
	held := holdActions(tencent.ActionCreateEmbedToken, tencent.ActionClearEmbedToken)
	clock := tokencache.NewFakeClock(time.Now())
	client, srv := setup(t, []tencenttest.Option{tencenttest.WithClock(clock)}, tencent.WithClock(clock), tencent.WithTransport(held))
	cache, err := tencent.NewCache(client, tencent.CacheOptions{Clock: clock})
	require.NoError(t, err)
	t.Cleanup(func() { _ = cache.Close() })
	ctx := context.Background()

	got := make(chan *tencent.EmbedToken)
	go func() {
		tok, err := cache.Get(ctx, "alice", userRequest("corp"))
		assert.NoError(t, err)
		got <- tok
	}()
	<-held.answered[tencent.ActionCreateEmbedToken] // minted, answer held
	cleared := make(chan error)
	go func() {
		cleared <- client.ClearEmbedToken(ctx, &tencent.ClearEmbedTokenRequest{
			ProjectID: 7, UserCorpID: "corp", Scope: tencent.ScopePage, PageID: 8})
	}()
	<-held.answered[tencent.ActionClearEmbedToken] // cleared at the service, answer held
	close(held.release[tencent.ActionCreateEmbedToken])
	first := <-got

	again, err := cache.Get(ctx, "alice", userRequest("corp")) // the clear has not returned yet
	require.NoError(t, err)
	assert.NotEqual(t, first.Value, again.Value, "the cleared token is not served while its clear is in flight")
	close(held.release[tencent.ActionClearEmbedToken])
	require.NoError(t, <-cleared)
	assert.Equal(t, 2, srv.Count(tencent.ActionCreateEmbedToken))
}
