package tokencache_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
	"github.com/biembed/biembed-go/tokencache"
	"github.com/biembed/biembed-go/youshu"
	"github.com/biembed/biembed-go/youshu/youshutest"
)

// TestVendorsShareOneStoreSafely: a Tencent cache and a Youshu cache over
// one Store, each holding a token for a user both name "corp-1/alice".
// Revoking the user in one cache revokes only that vendor's token: the
// other's still works at its fake, is still served, and never reaches the
// first vendor's revoke endpoint.
func TestVendorsShareOneStoreSafely(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := tokencache.NewMemoryStore(0, 0)

	tsrv := tencenttest.NewTestServer(t)
	tclient, err := tencent.NewClient(tencent.WithSecret(tencenttest.SecretID, tencenttest.SecretKey),
		tencent.WithEndpoint(tsrv.URL()), tencent.WithEmbedHost(tsrv.URL()))
	require.NoError(t, err)
	tcache, err := tencent.NewCache(tclient, tokencache.Options{Store: store})
	require.NoError(t, err)
	t.Cleanup(func() { _ = tcache.Close() })

	const user = "corp-1/alice" // Tencent's UserCorpID/UserID, and a Youshu uniqueId
	ysrv := youshutest.NewTestServer(t, youshutest.WithAccount(youshutest.Account{UniqueID: user, UserID: 42}))
	yclient, err := youshu.NewClient(ysrv.URL(), youshu.WithInsecureHTTP(), youshu.WithCredential(youshutest.AdminCredential()))
	require.NoError(t, err)
	ycache, err := youshu.NewCache(yclient, tokencache.Options{Store: store})
	require.NoError(t, err)
	t.Cleanup(func() { _ = ycache.Close() })

	treq := tencent.NewPageRequest(7, 8)
	treq.Expiry, treq.TokenType, treq.UserCorpID, treq.UserID = 30*time.Minute, tencent.TokenTypeSingleUser, "corp-1", "alice"
	yreq := &youshu.GenTokenRequest{AuthUniqueID: user, Expiry: time.Hour}
	ttok, err := tcache.Get(ctx, treq)
	require.NoError(t, err)
	ytok, err := ycache.Get(ctx, yreq)
	require.NoError(t, err)

	require.NoError(t, ycache.RevokeUser(ctx, yreq), "Youshu's revocation sees no Tencent token")
	info, _ := ysrv.Lookup(ytok.Value.Reveal())
	assert.True(t, info.Removed, "the Youshu token is removed")
	assert.Equal(t, 1, ysrv.Count("rmToken"), "and only it reaches rmToken")
	_, live := tsrv.Lookup(ttok.Value.Reveal())
	assert.True(t, live, "the Tencent token still works at Tencent")
	again, err := tcache.Get(ctx, treq)
	require.NoError(t, err)
	assert.Equal(t, ttok.Value.Reveal(), again.Value.Reveal(), "and is still served")

	ytok, err = ycache.Get(ctx, yreq)
	require.NoError(t, err)
	require.NoError(t, tcache.RevokeUser(ctx, treq), "Tencent's revocation sees no Youshu token")
	_, live = tsrv.Lookup(ttok.Value.Reveal())
	assert.False(t, live, "the Tencent token is cleared")
	assert.Equal(t, 1, tsrv.Count("ClearEmbedToken"))
	info, _ = ysrv.Lookup(ytok.Value.Reveal())
	assert.False(t, info.Removed, "the new Youshu token still works at Youshu")
	assert.Equal(t, 1, ysrv.Count("rmToken"))
	again2, err := ycache.Get(ctx, yreq)
	require.NoError(t, err)
	assert.Equal(t, ytok.Value.Reveal(), again2.Value.Reveal(), "and is still served")
	assert.Zero(t, tcache.Stats().Errors+ycache.Stats().Errors)
}
