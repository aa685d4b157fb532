package tencent_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/biembedtest"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
	"github.com/biembed/biembed-go/tokencache"
)

// pageWorks reports whether tok's embed page at the fake shows the grant;
// a refused page must be the fake's 401 for an unknown (cleared) token.
func pageWorks(t *testing.T, tok *tencent.EmbedToken) bool {
	t.Helper()
	link, err := tok.URL()
	require.NoError(t, err)
	status, page := fetch(t, link)
	switch status {
	case http.StatusOK:
		assert.Contains(t, page, `<section id="grant"`)
		return true
	case http.StatusUnauthorized:
		assert.Contains(t, page, `data-reason="unknown"`, "a cleared token is unknown to the page")
		return false
	}
	t.Fatalf("embed page answered %d: %s", status, page)
	return false
}

// person is a page request of project/page for user of corp.
func person(corp, user string, project, page uint64) *tencent.CreateEmbedTokenRequest {
	req := tencent.NewPageRequest(project, page)
	if page == 0 {
		req = tencent.NewDashboardRequest(project)
	}
	req.Expiry = 30 * time.Minute
	req.TokenType, req.UserCorpID, req.UserID = tencent.TokenTypeSingleUser, corp, user
	return req
}

// TestCacheRevokeClearsTheTokenAtTencent: after cache.Revoke(ctx, req) the
// old embed URL's page at the fake is refused (401, the token unknown),
// the clear sent names req's project, scope, page and UserCorpID, and the
// next Get mints a new token whose page works.
func TestCacheRevokeClearsTheTokenAtTencent(t *testing.T) {
	t.Parallel()
	cache, _, srv := cacheSetup(t, biembedtest.NewClock(time.Now()), tokencache.Options{})
	ctx := context.Background()
	req := person("corp-1", "alice", 7, 8)
	old := get(t, cache, req)
	require.True(t, pageWorks(t, old))

	require.NoError(t, cache.Revoke(ctx, req))
	assert.False(t, pageWorks(t, old), "the revoked token's page is refused")
	reqs := srv.Requests()
	var clear *tencenttest.Request
	for i := range reqs {
		if reqs[i].Action == "ClearEmbedToken" {
			clear = &reqs[i]
		}
	}
	require.NotNil(t, clear, "a ClearEmbedToken was sent")
	assert.Equal(t, map[string]any{"ProjectId": "7", "UserCorpId": "corp-1", "Scope": "page", "PageId": "8"}, clear.Params)

	fresh := get(t, cache, req)
	assert.NotEqual(t, old.Value, fresh.Value, "the next Get mints a new token")
	assert.True(t, pageWorks(t, fresh))
	assert.Equal(t, 2, srv.Count("CreateEmbedToken"))
	assert.Equal(t, 1, srv.Count("ClearEmbedToken"))
	assert.Equal(t, uint64(1), cache.Stats().Revokes)

	other := person("corp-1", "alice", 7, 99)
	require.NoError(t, cache.Revoke(ctx, other), "revoking what the cache does not hold")
	assert.Equal(t, 1, srv.Count("ClearEmbedToken"), "sends nothing")
}

// TestCacheRevokeUserClearsEveryPageOfTheUser: RevokeUser clears, at the
// fake, every page the cache holds a token of that user for (pages,
// dashboards, other projects), one clear per page, and drops them all.
func TestCacheRevokeUserClearsEveryPageOfTheUser(t *testing.T) {
	t.Parallel()
	cache, _, srv := cacheSetup(t, biembedtest.NewClock(time.Now()), tokencache.Options{})
	ctx := context.Background()
	reqs := []*tencent.CreateEmbedTokenRequest{
		person("corp-1", "alice", 7, 8), person("corp-1", "alice", 7, 9), person("corp-1", "alice", 7, 0), person("corp-1", "alice", 2, 3),
	}
	var toks []*tencent.EmbedToken
	for _, req := range reqs {
		tok := get(t, cache, req)
		require.True(t, pageWorks(t, tok))
		toks = append(toks, tok)
	}
	other := get(t, cache, person("corp-2", "alice", 7, 8)) // another enterprise's alice

	require.NoError(t, cache.RevokeUser(ctx, person("corp-1", "alice", 1, 1)), "only the user in the request counts")
	for i, tok := range toks {
		assert.False(t, pageWorks(t, tok), "page %d of the user is refused", i)
	}
	assert.Equal(t, len(reqs), srv.Count("ClearEmbedToken"), "one clear per page")
	assert.True(t, pageWorks(t, other))
	assert.Equal(t, other.Value, get(t, cache, person("corp-2", "alice", 7, 8)).Value, "another UserCorpID's token is still cached")
	for i, req := range reqs {
		assert.NotEqual(t, toks[i].Value, get(t, cache, req).Value, "request %d mints anew", i)
	}
}

// TestTencentClearReachIsExactlyAsDocumented: ClearEmbedToken takes no
// user id, so revoking alice's token (UserCorpID corp-1) on a page also
// kills bob's token of corp-1 on that page at the fake, and the cache drops
// bob's too; a token of another UserCorpID on that page, or of corp-1 in
// another project, keeps working and stays cached. A token of corp-1 on
// another page of the project keeps working at Tencent (the clear named
// one page) but is dropped from the cache, which forgets every token of the
// UserCorpID in the project (see NewCache).
func TestTencentClearReachIsExactlyAsDocumented(t *testing.T) {
	t.Parallel()
	cache, _, srv := cacheSetup(t, biembedtest.NewClock(time.Now()), tokencache.Options{})
	ctx := context.Background()
	alice, bob, carol := person("corp-1", "alice", 7, 8), person("corp-1", "bob", 7, 8), person("corp-2", "carol", 7, 8)
	dave, erin := person("corp-1", "dave", 9, 8), person("corp-1", "erin", 7, 10)
	toks := map[*tencent.CreateEmbedTokenRequest]*tencent.EmbedToken{}
	for _, req := range []*tencent.CreateEmbedTokenRequest{alice, bob, carol, dave, erin} {
		toks[req] = get(t, cache, req)
	}
	mints := srv.Count("CreateEmbedToken")

	require.NoError(t, cache.Revoke(ctx, alice))
	cases := []struct {
		name     string
		req      *tencent.CreateEmbedTokenRequest
		works    bool // at the fake
		isCached bool
	}{
		{"alice, revoked", alice, false, false},
		{"bob, same UserCorpID and page", bob, false, false},
		{"carol, another UserCorpID", carol, true, true},
		{"dave, corp-1 in another project", dave, true, true},
		{"erin, corp-1 on another page of the project", erin, true, false},
	}
	for _, c := range cases {
		assert.Equal(t, c.works, pageWorks(t, toks[c.req]), "%s: works at Tencent", c.name)
		before := srv.Count("CreateEmbedToken")
		again := get(t, cache, c.req)
		assert.Equal(t, c.isCached, again.Value == toks[c.req].Value, "%s: still served from the cache", c.name)
		assert.Equal(t, !c.isCached, srv.Count("CreateEmbedToken") == before+1, "%s: minted anew", c.name)
	}
	assert.Equal(t, mints+3, srv.Count("CreateEmbedToken"))
	assert.Equal(t, 1, srv.Count("ClearEmbedToken"))
}

// TestNewCacheRefusesRevokeSuperseded: Tencent cannot revoke one token
// alone, so a cache that would revoke superseded tokens is refused.
func TestNewCacheRefusesRevokeSuperseded(t *testing.T) {
	t.Parallel()
	client, srv := setup(t, nil)
	cache, err := tencent.NewCache(client, tokencache.Options{RevokeSuperseded: true})
	var ve *biembed.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "Options.RevokeSuperseded", ve.Field)
	assert.Nil(t, cache)
	assert.Equal(t, 0, srv.Count(""))
}

// TestRevokeOfAnUnrevocableTokenReportsAfterDropping: Tencent documents no
// clear for ChatBI tokens and cannot clear a token bound to no user
// (TokenTypeNoUser, no UserCorpID). Revoke drops such a token from the
// cache, sends nothing, and reports that it was not revoked; the token
// keeps working at Tencent until it expires.
func TestRevokeOfAnUnrevocableTokenReportsAfterDropping(t *testing.T) {
	t.Parallel()
	chat := tencent.NewChatBIRequest(7)
	chat.Expiry = 30 * time.Minute
	chat.TokenType, chat.UserCorpID, chat.UserID = tencent.TokenTypeSingleUser, "corp-1", "alice"
	noUser := tencent.NewPageRequest(7, 8)
	noUser.Expiry = 30 * time.Minute
	noUser.TokenType = tencent.TokenTypeNoUser
	for name, c := range map[string]struct {
		req   *tencent.CreateEmbedTokenRequest
		field string
	}{"ChatBI": {chat, "EmbedToken.Scope"}, "no user": {noUser, "EmbedToken.UserCorpID"}} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cache, _, srv := cacheSetup(t, biembedtest.NewClock(time.Now()), tokencache.Options{})
			old := get(t, cache, c.req)
			err := cache.Revoke(context.Background(), c.req)
			var ve *biembed.ValidationError
			require.ErrorAs(t, err, &ve, "Revoke reports the token was not revoked")
			assert.Equal(t, c.field, ve.Field)
			assert.Equal(t, 0, srv.Count("ClearEmbedToken"), "nothing is sent")
			assert.True(t, pageWorks(t, old), "the token works until it expires")
			fresh := get(t, cache, c.req)
			assert.NotEqual(t, old.Value, fresh.Value, "but the cache dropped it")
		})
	}
}

// TestRevokeDropsTheTokenWhateverTencentAnswers: a clear that fails at
// Tencent fails Revoke, yet the token is no longer served.
func TestRevokeDropsTheTokenWhateverTencentAnswers(t *testing.T) {
	t.Parallel()
	cache, _, srv := cacheSetup(t, biembedtest.NewClock(time.Now()), tokencache.Options{}, tencent.WithRetries(0))
	req := person("corp-1", "alice", 7, 8)
	old := get(t, cache, req)
	srv.Inject(tencenttest.Fault{Action: "ClearEmbedToken", Code: "UnauthorizedOperation", Message: "not an administrator"})
	err := cache.Revoke(context.Background(), req)
	require.Error(t, err)
	assert.True(t, errors.Is(err, tencent.ErrUnauthorized), "the vendor's error is wrapped: %v", err)
	assert.NotEqual(t, old.Value, get(t, cache, req).Value, "the token is dropped from the cache")
	assert.True(t, pageWorks(t, old), "and still works at Tencent: the error said so")
}
