package youshu_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/internal/testkit/secrettest"
	"github.com/biembed/biembed-go/tokencache"
	"github.com/biembed/biembed-go/youshu"
	"github.com/biembed/biembed-go/youshu/youshutest"
)

// TestNoSecretLeaks drives every call, successes and failures, through the
// client and a cache with debug logging on, and fails (at cleanup) if a
// password, key, integrate token, helper token or minted token shows in a
// log line or an error.
func TestNoSecretLeaks(t *testing.T) {
	t.Parallel()
	rec := secrettest.New(t, append(youshutest.Secrets(), secrettest.Password, secrettest.TokenKey, secrettest.IntegrateToken)...)
	srv := youshutest.NewTestServer(t)
	c := newClient(t, srv, youshu.WithLogger(rec.Logger()))
	ctx := context.Background()
	mint := func(req *youshu.GenTokenRequest) *youshu.EmbedToken {
		tok, err := c.GenToken(ctx, req)
		require.NoError(t, rec.Err(err))
		rec.AddSecret(tok.Value.Reveal())
		_ = rec.Err(fmt.Errorf("%v %+v %#v %v", tok, tok, tok, *tok)) // printing a token is safe too
		return tok
	}

	// Successes with all three credential kinds.
	for _, cred := range []youshu.Credential{youshutest.UserCredential(), youshu.TokenKey(youshutest.User().TokenKey), youshu.SSO("", youshutest.User().IntegrateToken)} {
		mint(&youshu.GenTokenRequest{Credential: cred})
	}
	tok := mint(&youshu.GenTokenRequest{AuthUniqueID: "user", Expiry: time.Hour})
	require.NoError(t, rec.Err(c.RenewToken(ctx, tok.Value.Reveal())))
	require.NoError(t, rec.Err(c.RemoveToken(ctx, tok.Value.Reveal())))

	// Failures: wrong secrets, a removed token, server faults that echo secrets.
	for _, cred := range []youshu.Credential{youshu.Password(youshutest.User().Email, secrettest.Password), youshu.TokenKey(secrettest.TokenKey), youshu.SSO("", secrettest.IntegrateToken)} {
		_, err := c.GenToken(ctx, &youshu.GenTokenRequest{Credential: cred})
		require.Error(t, rec.Err(err))
	}
	assert.Error(t, rec.Err(c.RenewToken(ctx, tok.Value.Reveal())))
	live := mint(&youshu.GenTokenRequest{})
	srv.Inject(youshutest.Fault{Code: 500, Message: "failed for " + live.Value.Reveal() + " / " + youshutest.Admin().Password})
	_, err := c.GenToken(ctx, &youshu.GenTokenRequest{})
	require.Error(t, rec.Err(err))
	srv.ClearFaults()
	for _, fault := range []youshutest.Fault{
		{Endpoint: "rmToken", HTTPStatus: 503, Message: "busy: t=" + live.Value.Reveal()},
		{Endpoint: "rmToken", Code: 401, Message: "bad helper " + live.Value.Reveal()},
		{Endpoint: "rmToken", CloseMidBody: true},
		{Endpoint: "rmToken", Body: []byte("<html>" + live.Value.Reveal() + "</html>"), ContentType: "text/html"},
	} {
		srv.ClearFaults()
		srv.Inject(fault)
		assert.Error(t, rec.Err(c.RemoveToken(ctx, live.Value.Reveal())))
	}
	srv.ClearFaults()
	stalled := make(chan struct{}, 1)
	srv.Inject(youshutest.Fault{Endpoint: "renewToken", Delay: time.Hour, Stalled: stalled})
	short, cancel := signalDeadline(stalled)
	defer cancel()
	assert.Error(t, rec.Err(c.RenewToken(short, live.Value.Reveal())), "ctx deadline: a *url.Error that had token= and t=")
	srv.ClearFaults()

	// Through a cache: mints, hits, revocations.
	cache := newCache(t, c, tokencache.Options{Logger: rec.Logger()})
	cached, err := cache.Get(ctx, reportRequest())
	require.NoError(t, rec.Err(err))
	rec.AddSecret(cached.Value.Reveal())
	require.NoError(t, rec.Err(cache.RevokeUser(ctx, reportRequest())))
	srv.Inject(youshutest.Fault{Endpoint: "genToken", Code: 500, Message: "no token for " + youshutest.Admin().Password})
	_, err = cache.Get(ctx, reportRequest())
	assert.Error(t, rec.Err(err))
	srv.ClearFaults()

	// Transport errors with the tokens in the URL: nothing listens.
	dead, err := youshu.NewClient("http://"+closedPort(t), youshu.WithInsecureHTTP(), youshu.WithLogger(rec.Logger()),
		youshu.WithCredential(youshutest.AdminCredential()), youshu.WithBackoff(time.Millisecond, time.Millisecond))
	require.NoError(t, err)
	assert.Error(t, rec.Err(dead.RemoveToken(ctx, live.Value.Reveal())))
	assert.Error(t, rec.Err(dead.RenewToken(ctx, live.Value.Reveal())))
	_, err = dead.GenToken(ctx, &youshu.GenTokenRequest{})
	assert.Error(t, rec.Err(err))

	// Every helper token the fake saw is a secret too.
	for _, r := range srv.Requests() {
		rec.AddSecret(r.Query.Get("token"))
		_ = rec.Err(fmt.Errorf("%v %+v %#v", r, r, r)) // recorded requests print safely
	}
	assert.Contains(t, rec.Logs(), `"endpoint":"rmToken"`, "debug lines were written")
	assert.Empty(t, rec.Leaks())
}
