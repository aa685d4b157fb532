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

	"github.com/biembed/biembed-go/biembedtest"
	"github.com/biembed/biembed-go/filtermap"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
	"github.com/biembed/biembed-go/tokencache"
)

// heldActions is a RoundTripper that holds the first answer of each listed
// action, after the service acted, until the test releases that action.
type heldActions struct {
	base     *http.Transport
	mu       sync.Mutex
	held     map[string]bool
	answered map[string]chan struct{}
	release  map[string]chan struct{}
}

func holdActions(t *testing.T, actions ...string) *heldActions {
	h := &heldActions{base: &http.Transport{}, held: map[string]bool{}, answered: map[string]chan struct{}{}, release: map[string]chan struct{}{}}
	t.Cleanup(h.base.CloseIdleConnections)
	for _, a := range actions {
		h.answered[a], h.release[a] = make(chan struct{}), make(chan struct{})
	}
	return h
}

func (h *heldActions) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := h.base.RoundTrip(r)
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

// TestCacheDoesNotCacheATokenClearedWhileItWasMinted pins hardening item
// 6(a): CreateEmbedToken answers, a ClearEmbedToken for that user completes,
// and only then does the answer reach the cache. The waiting Get gets the
// token, but it is not cached: the next Get mints anew.
func TestCacheDoesNotCacheATokenClearedWhileItWasMinted(t *testing.T) {
	t.Parallel()
	held := holdActions(t, "CreateEmbedToken")
	cache, client, srv := cacheSetup(t, biembedtest.NewClock(time.Now()), tokencache.Options{}, tencent.WithTransport(held))
	ctx := context.Background()

	got := make(chan *tencent.EmbedToken)
	go func() {
		tok, err := cache.Get(ctx, userRequest("corp"))
		assert.NoError(t, err)
		got <- tok
	}()
	<-held.answered["CreateEmbedToken"]
	require.NoError(t, client.ClearEmbedToken(ctx, &tencent.ClearEmbedTokenRequest{
		ProjectID: 7, UserCorpID: "corp", Scope: tencent.ScopePage, PageID: 8}))
	close(held.release["CreateEmbedToken"])
	first := <-got
	require.NotNil(t, first, "the waiting Get gets the token")
	watch(t, first)

	again := get(t, cache, userRequest("corp"))
	assert.NotEqual(t, first.Value, again.Value, "the token cleared during its mint is not served")
	assert.Equal(t, 2, srv.Count("CreateEmbedToken"))
	assert.Equal(t, uint64(1), cache.Stats().StaleSaves)
}

// TestCacheDoesNotServeATokenTheServerClearedBeforeTheClearReturned: the
// service mints a token, then clears it; the mint's answer arrives while the
// clear's answer is still on its way. The token must not be cached even in
// that window: the Cache voids the saves of running mints when a clear
// starts, not only when it ends.
func TestCacheDoesNotServeATokenTheServerClearedBeforeTheClearReturned(t *testing.T) {
	t.Parallel()
	held := holdActions(t, "CreateEmbedToken", "ClearEmbedToken")
	cache, client, srv := cacheSetup(t, biembedtest.NewClock(time.Now()), tokencache.Options{}, tencent.WithTransport(held))
	ctx := context.Background()

	got := make(chan *tencent.EmbedToken)
	go func() {
		tok, err := cache.Get(ctx, userRequest("corp"))
		assert.NoError(t, err)
		got <- tok
	}()
	<-held.answered["CreateEmbedToken"] // minted, answer held
	cleared := make(chan error)
	go func() {
		cleared <- client.ClearEmbedToken(ctx, &tencent.ClearEmbedTokenRequest{
			ProjectID: 7, UserCorpID: "corp", Scope: tencent.ScopePage, PageID: 8})
	}()
	<-held.answered["ClearEmbedToken"] // cleared at the service, answer held
	close(held.release["CreateEmbedToken"])
	first := <-got
	require.NotNil(t, first)
	watch(t, first)

	again := get(t, cache, userRequest("corp")) // the clear has not returned yet
	assert.NotEqual(t, first.Value, again.Value, "the cleared token is not served while its clear is in flight")
	close(held.release["ClearEmbedToken"])
	require.NoError(t, <-cleared)
	assert.Equal(t, 2, srv.Count("CreateEmbedToken"))
}

// TestCacheDropsClearedTokensTheAnswerDidNotTag pins hardening item 6(b): the
// answer says UserCorpId null or "", yet a clear for the request's
// UserCorpID drops the token.
func TestCacheDropsClearedTokensTheAnswerDidNotTag(t *testing.T) {
	t.Parallel()
	for _, echo := range []string{`null`, `""`} {
		t.Run(echo, func(t *testing.T) {
			t.Parallel()
			cache, client, srv := cacheSetup(t, biembedtest.NewClock(time.Now()), tokencache.Options{})
			srv.Inject(tencenttest.Fault{Action: "CreateEmbedToken", Times: 1, Body: []byte(
				`{"Response":{"RequestId":"r","Data":{"BIToken":"tok-no-corp-0123456789","ProjectId":"7","PageId":8,` +
					`"Scope":"page","ExpireTime":10,"UserCorpId":` + echo + `,"UserId":"other"}}}`)})
			ctx := context.Background()
			before := get(t, cache, userRequest("corp"))
			require.Equal(t, "tok-no-corp-0123456789", before.Value.Reveal())

			require.NoError(t, client.ClearEmbedToken(ctx, &tencent.ClearEmbedTokenRequest{
				ProjectID: 7, UserCorpID: "corp", Scope: tencent.ScopePage, PageID: 8}))
			after := get(t, cache, userRequest("corp"))
			assert.NotEqual(t, before.Value, after.Value, "the cleared token is not served")
		})
	}
}

// TestCacheClearDropsOnlyThatCorpsTokens: a clear for one UserCorpID
// leaves the tokens of other enterprise ids cached.
func TestCacheClearDropsOnlyThatCorpsTokens(t *testing.T) {
	t.Parallel()
	cache, client, srv := cacheSetup(t, biembedtest.NewClock(time.Now()), tokencache.Options{})
	ctx := context.Background()
	other := get(t, cache, userRequest("other-corp"))
	alice := get(t, cache, userRequest("corp"))
	require.NoError(t, client.ClearEmbedToken(ctx, &tencent.ClearEmbedTokenRequest{
		ProjectID: 7, UserCorpID: "corp", Scope: tencent.ScopePanel}))
	assert.Equal(t, other.Value, get(t, cache, userRequest("other-corp")).Value)
	assert.NotEqual(t, alice.Value, get(t, cache, userRequest("corp")).Value)
	assert.Equal(t, 3, srv.Count("CreateEmbedToken"), "only corp's token was minted again")
}

// TestCacheNeverServesATokenForOtherPermissions pins hardening item 15: a
// request for the same user with narrower GlobalParams (or another
// ExtraParam) is never served the wider token, and the fake's embed page
// shows each token's own row filter.
func TestCacheNeverServesATokenForOtherPermissions(t *testing.T) {
	t.Parallel()
	cache, _, srv := cacheSetup(t, biembedtest.NewClock(time.Now()), tokencache.Options{})
	wide := userRequest("corp")
	wide.GlobalParams = filtermap.GlobalParams{filtermap.In("province", "Hubei", "Hunan").GlobalParam()}
	narrow := userRequest("corp")
	narrow.GlobalParams = filtermap.GlobalParams{filtermap.In("province", "Hubei").GlobalParam()}
	extra := userRequest("corp")
	extra.GlobalParams, extra.ExtraParam = narrow.GlobalParams, "provinces=zhejiang"

	a := get(t, cache, wide)
	b := get(t, cache, narrow)
	assert.NotEqual(t, a.Value, b.Value, "the narrower request is not served the wider token")
	c := get(t, cache, narrow)
	assert.Equal(t, b.Value, c.Value)
	d := get(t, cache, extra)
	assert.NotEqual(t, b.Value, d.Value, "another ExtraParam is another request")
	assert.Equal(t, a.Value, get(t, cache, wide).Value, "the wider request keeps its own token")
	assert.Equal(t, 3, srv.Count("CreateEmbedToken"))

	for tok, filter := range map[*tencent.EmbedToken]string{a: "province in Hubei, Hunan", b: "province in Hubei"} {
		link, err := tok.URL()
		require.NoError(t, err)
		status, page := fetch(t, link)
		assert.Equal(t, http.StatusOK, status)
		assert.Contains(t, page, `<li class="row-filter">`+filter+`</li>`)
		assert.Equal(t, 1, strings.Count(page, `class="row-filter"`))
	}
}

// TestCacheRejectsExpiryItCouldNeverServe: a lifetime within the Skew would
// be minted and then thrown away; it is a *ValidationError before sending.
func TestCacheRejectsExpiryItCouldNeverServe(t *testing.T) {
	t.Parallel()
	clock := biembedtest.NewClock(time.Now())
	cache, _, srv := cacheSetup(t, clock, tokencache.Options{Skew: 10 * time.Minute})
	_, err := cache.Get(context.Background(), pageRequest()) // Expiry 10 minutes
	requireValidation(t, err, "CreateEmbedTokenRequest.Expiry")

	huge, _, hugeSrv := cacheSetup(t, clock, tokencache.Options{Skew: 240 * time.Minute})
	_, err = huge.Get(context.Background(), tencent.NewPageRequest(7, 8)) // Expiry 0: the service's 240 minutes
	requireValidation(t, err, "CreateEmbedTokenRequest.Expiry")
	ticket := pageRequest() // minted per Get, never cached: the same holds
	ticket.TicketNum = 5
	_, err = cache.Get(context.Background(), ticket)
	requireValidation(t, err, "CreateEmbedTokenRequest.Expiry")
	assert.Equal(t, 0, srv.Count("CreateEmbedToken")+hugeSrv.Count("CreateEmbedToken"))

	ok := pageRequest()
	ok.Expiry = 11 * time.Minute
	get(t, cache, ok) // one minute more than the Skew is served
}

// TestCacheErrorsAreExported pins hardening item 16: what a Cache fails
// with matches tokencache's exported errors.
func TestCacheErrorsAreExported(t *testing.T) {
	t.Parallel()
	cache, client, srv := cacheSetup(t, biembedtest.NewClock(time.Now()), tokencache.Options{Skew: 2 * time.Minute})
	srv.Inject(tencenttest.Fault{Action: "CreateEmbedToken", Times: 1, Body: []byte(
		`{"Response":{"RequestId":"r","Data":{"BIToken":"tok-short-0123456789","ProjectId":"7","PageId":8,"Scope":"page","ExpireTime":1}}}`)})
	_, err := cache.Get(context.Background(), pageRequest())
	assert.ErrorIs(t, err, tokencache.ErrShortLived)

	panicky, err := tencent.NewCache(client, tokencache.Options{OnEvent: func(e tokencache.Event) {
		if e.Kind == tokencache.EventMiss {
			panic("hook")
		}
	}})
	require.NoError(t, err)
	watch(t, get(t, panicky, pageRequest()))
	require.NoError(t, panicky.Close())
	assert.Equal(t, uint64(1), panicky.Stats().Errors, "a panicking hook is counted, not fatal")

	panickingStore := &userStore{Store: tokencache.NewMemoryStore(0, 0), panicLoad: true}
	broken, err := tencent.NewCache(client, tokencache.Options{Store: panickingStore, OnEvent: func(e tokencache.Event) {
		if e.Kind == tokencache.EventError {
			assert.ErrorIs(t, e.Err, tokencache.ErrPanicked)
		}
	}})
	require.NoError(t, err)
	get(t, broken, pageRequest())
	require.NoError(t, broken.Close())

	require.NoError(t, cache.Close())
	_, err = cache.Get(context.Background(), pageRequest())
	assert.ErrorIs(t, err, tokencache.ErrClosed)
	assert.ErrorIs(t, cache.Forget(context.Background(), pageRequest()), tokencache.ErrClosed)
	assert.ErrorIs(t, cache.Revoke(context.Background(), userRequest("corp")), tokencache.ErrClosed)
}

// TestCacheFormatShowsCountsOnly pins hardening item 5: every verb of a Cache
// prints counters, never a token, and printing races with nothing.
func TestCacheFormatShowsCountsOnly(t *testing.T) {
	t.Parallel()
	cache, _, _ := cacheSetup(t, biembedtest.NewClock(time.Now()), tokencache.Options{})
	ctx := context.Background()
	var wg sync.WaitGroup
	tokens := make(chan string, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := cache.Get(ctx, userRequest(fmt.Sprint("corp-", i%5)))
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
	assert.Contains(t, fmt.Sprint(cache), "tokencache.Cache{hits: ")
}

// userStore is a tokencache.Store written outside the SDK, as a user
// would: it wraps another and panics in Save or Load when told to.
type userStore struct {
	tokencache.Store
	mu                   sync.Mutex
	panicSave, panicLoad bool
}

func (s *userStore) set(save bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.panicSave = save
}

func (s *userStore) Save(ctx context.Context, key string, e tokencache.Entry) error {
	s.mu.Lock()
	p := s.panicSave
	s.mu.Unlock()
	if p {
		panic("user store bug")
	}
	return s.Store.Save(ctx, key, e)
}

func (s *userStore) Load(ctx context.Context, key string) (tokencache.Entry, bool, error) {
	s.mu.Lock()
	p := s.panicLoad
	s.mu.Unlock()
	if p {
		panic(errors.New("user store bug in Load"))
	}
	return s.Store.Load(ctx, key)
}

// TestCacheSurvivesAPanickingUserStore pins hardening item 2 at the Tencent
// Cache: a Store whose Save panics, on the caller's mint and on a
// background refresh, neither crashes the program nor wedges the request.
func TestCacheSurvivesAPanickingUserStore(t *testing.T) {
	t.Parallel()
	clock := biembedtest.NewClock(time.Now())
	store := &userStore{Store: tokencache.NewMemoryStore(0, 0)}
	errs := make(chan error, 16)
	cache, _, srv := cacheSetup(t, clock, tokencache.Options{Store: store, OnEvent: func(e tokencache.Event) {
		if e.Kind == tokencache.EventError {
			errs <- e.Err
		}
	}})
	first := get(t, cache, pageRequest())

	store.set(true)
	clock.Advance(9 * time.Minute) // inside the refresh margin: a background refresh saves
	served := get(t, cache, pageRequest())
	assert.Equal(t, first.Value, served.Value)
	assert.ErrorIs(t, <-errs, tokencache.ErrPanicked, "the background panic is reported")

	// Expired: the Get waits for a mint whose save panics (or, if the
	// refresh has not landed yet, for the refresh's token).
	clock.Advance(2 * time.Minute)
	fresh := get(t, cache, pageRequest())
	assert.NotEqual(t, first.Value, fresh.Value, "the token still reaches the Get")
	require.NoError(t, cache.Close(), "Close returns")
	assert.GreaterOrEqual(t, srv.Count("CreateEmbedToken"), 2)
}
