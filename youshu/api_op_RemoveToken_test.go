package youshu_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/biembedtest"
	"github.com/biembed/biembed-go/youshu"
	"github.com/biembed/biembed-go/youshu/youshutest"
)

func TestRemoveToken(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	c := newClient(t, srv)
	var mu sync.Mutex
	var revoked []string
	c.OnRevoke(func(token string) {
		mu.Lock()
		defer mu.Unlock()
		revoked = append(revoked, token)
	})
	c.OnRevoke(nil) // ignored

	tok, err := c.GenToken(context.Background(), &youshu.GenTokenRequest{AuthUniqueID: "user", Expiry: time.Hour})
	require.NoError(t, err)
	link, _ := tok.ReportURL(1, nil)
	require.Equal(t, http.StatusOK, visit(t, link))

	require.NoError(t, c.RemoveToken(context.Background(), tok.Value.Reveal()))
	assert.Equal(t, []string{tok.Value.Reveal()}, revoked)
	assert.Equal(t, http.StatusUnauthorized, visit(t, link), "a removed token cannot be used")

	reqs := srv.Requests() // genToken, visit, genToken (helper), rmToken, visit
	helper := reqs[2].GenToken
	assert.Equal(t, youshu.UseDeleteToken, helper.UseType)
	assert.Equal(t, youshu.HelperTokenExpiry, helper.Expiry)
	rm := reqs[3]
	assert.Equal(t, youshu.EndpointRmToken, rm.Endpoint)
	assert.Equal(t, http.MethodGet, rm.Method)
	assert.Equal(t, tok.Value.Reveal(), rm.Query.Get("t"))

	err = c.RenewToken(context.Background(), tok.Value.Reveal())
	var e *youshu.Error
	require.ErrorAs(t, err, &e, "a removed token cannot be renewed")
	assert.Equal(t, 404, e.Code)
	assert.Equal(t, youshu.EndpointRenewToken, e.Endpoint)

	err = c.RemoveToken(context.Background(), tok.Value.Reveal())
	require.ErrorAs(t, err, &e, "nor removed again")
	assert.Len(t, revoked, 1, "listeners hear only of confirmed removals")
}

func TestRenewToken(t *testing.T) {
	t.Parallel()
	clock := biembedtest.NewClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	srv := youshutest.NewTestServer(t, youshutest.WithClock(clock))
	c := newClient(t, srv)
	tok, err := c.GenToken(context.Background(), &youshu.GenTokenRequest{Expiry: time.Hour})
	require.NoError(t, err)

	clock.Advance(50 * time.Minute)
	require.NoError(t, c.RenewToken(context.Background(), tok.Value.Reveal()))
	clock.Advance(30 * time.Minute) // 80 minutes after minting
	link, _ := tok.ReportURL(1, nil)
	assert.Equal(t, http.StatusOK, visit(t, link), "renewed for another hour from the renewal")
	assert.Equal(t, youshu.UseUpdateToken, srv.Requests()[1].GenToken.UseType, "genToken, helper genToken, renewToken, visit")
}

func TestHelperTokens(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	c := newClient(t, srv)
	ctx := context.Background()
	tok, err := c.GenToken(ctx, &youshu.GenTokenRequest{})
	require.NoError(t, err)
	deleter, err := c.NewHelperToken(ctx, youshu.UseDeleteToken)
	require.NoError(t, err)
	updater, err := c.NewHelperToken(ctx, youshu.UseUpdateToken)
	require.NoError(t, err)

	err = c.RenewTokenWith(ctx, deleter.Value.Reveal(), tok.Value.Reveal())
	assert.ErrorIs(t, err, youshu.ErrUnauthorized, "a deleteToken helper only removes")
	err = c.RemoveTokenWith(ctx, updater.Value.Reveal(), tok.Value.Reveal())
	assert.ErrorIs(t, err, youshu.ErrUnauthorized, "an updateToken helper only renews")
	err = c.RemoveTokenWith(ctx, tok.Value.Reveal(), tok.Value.Reveal())
	assert.ErrorIs(t, err, youshu.ErrUnauthorized, "a normal token is no helper")

	require.NoError(t, c.RenewTokenWith(ctx, updater.Value.Reveal(), tok.Value.Reveal()))
	require.NoError(t, c.RemoveTokenWith(ctx, deleter.Value.Reveal(), tok.Value.Reveal()))

	_, err = c.NewHelperToken(ctx, "readToken")
	assert.ErrorIs(t, err, youshu.ErrInvalid)
}

func TestHelperTokenInputs(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	c := newClient(t, srv)
	noCred, err := youshu.NewClient(srv.URL(), youshu.WithInsecureHTTP())
	require.NoError(t, err)
	user := newClient(t, srv, youshu.WithCredential(youshutest.UserCredential()))
	ctx := context.Background()

	for name, err := range map[string]error{
		"remove empty t":        c.RemoveToken(ctx, ""),
		"renew empty t":         c.RenewToken(ctx, ""),
		"remove empty helper":   c.RemoveTokenWith(ctx, "", "t"),
		"renew empty t (with)":  c.RenewTokenWith(ctx, "h", ""),
		"no default credential": noCred.RemoveToken(ctx, "t"),
	} {
		assert.ErrorIs(t, err, youshu.ErrInvalid, name)
	}
	assert.Zero(t, srv.Count(""))

	err = user.RemoveToken(ctx, "t")
	assert.ErrorIs(t, err, youshu.ErrUnauthorized, "only super admins mint helper tokens")
	assert.Zero(t, srv.Count(youshu.EndpointRmToken))
}
