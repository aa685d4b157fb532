package youshu_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/biembedtest"
	"github.com/biembed/biembed-go/youshu"
	"github.com/biembed/biembed-go/youshu/youshutest"
)

// helpersSeen returns the helper tokens the fake was sent, by endpoint.
func helpersSeen(srv *youshutest.Server) map[string][]string {
	out := map[string][]string{}
	for _, r := range srv.Requests() {
		if h := r.Query.Get("token"); h != "" && r.Endpoint != youshutest.EndpointIntegration {
			out[r.Endpoint] = append(out[r.Endpoint], h)
		}
	}
	return out
}

func TestRemoveToken(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	c := newClient(t, srv)
	ctx := context.Background()

	tok, err := c.GenToken(ctx, &youshu.GenTokenRequest{AuthUniqueID: "user", Expiry: time.Hour})
	require.NoError(t, err)
	link, _ := tok.URL(youshu.Report(1))
	require.Equal(t, http.StatusOK, visit(t, link))

	require.NoError(t, c.RemoveToken(ctx, tok.Value.Reveal()))
	assert.Equal(t, http.StatusUnauthorized, visit(t, link), "a removed token cannot be used")

	reqs := srv.Requests() // genToken, visit, genToken (helper), rmToken, visit
	require.Len(t, reqs, 5)
	helper := reqs[2].GenToken
	assert.Equal(t, youshu.UseDeleteToken, helper.UseType)
	assert.Equal(t, 5*time.Minute, helper.Expiry, "helpers live about five minutes")
	assert.Equal(t, youshutest.AdminCredential(), helper.Credential, "minted with the client's credential")
	rm := reqs[3]
	assert.Equal(t, "rmToken", rm.Endpoint)
	assert.Equal(t, http.MethodGet, rm.Method)
	assert.Equal(t, tok.Value.Reveal(), rm.Query.Get("t"))

	err = c.RenewToken(ctx, tok.Value.Reveal())
	checkSentinels(t, err, "renewToken", "ErrNotFound")
	assert.False(t, biembed.Retryable(err))

	err = c.RemoveToken(ctx, tok.Value.Reveal())
	checkSentinels(t, err, "rmToken", "ErrNotFound")
}

func TestRenewToken(t *testing.T) {
	t.Parallel()
	clock := biembedtest.NewClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	srv := youshutest.NewTestServer(t, youshutest.WithClock(clock.Now))
	c := newClient(t, srv, youshu.WithClock(clock.Now))
	tok, err := c.GenToken(context.Background(), &youshu.GenTokenRequest{Expiry: time.Hour})
	require.NoError(t, err)

	clock.Advance(50 * time.Minute)
	require.NoError(t, c.RenewToken(context.Background(), tok.Value.Reveal()))
	clock.Advance(30 * time.Minute) // 80 minutes after minting
	link, _ := tok.URL(youshu.Report(1))
	assert.Equal(t, http.StatusOK, visit(t, link), "renewed for another hour from the renewal")
	assert.Equal(t, youshu.UseUpdateToken, srv.Requests()[1].GenToken.UseType, "genToken, helper genToken, renewToken, visit")
}

// TestHelperTokensAreReused: RemoveToken and RenewToken keep one helper
// token per use type and reuse it for a few minutes, so N calls mint two
// helpers, not N; a kept helper near its expiry is replaced.
func TestHelperTokensAreReused(t *testing.T) {
	t.Parallel()
	clock := biembedtest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	srv := youshutest.NewTestServer(t, youshutest.WithClock(clock.Now))
	c := newClient(t, srv, youshu.WithClock(clock.Now))
	ctx := context.Background()
	const n = 6
	tokens := make([]string, n)
	for i := range tokens {
		tok, err := c.GenToken(ctx, &youshu.GenTokenRequest{Expiry: time.Hour})
		require.NoError(t, err)
		tokens[i] = tok.Value.Reveal()
	}
	srv.ResetRequests()

	for i, tok := range tokens {
		require.NoError(t, c.RenewToken(ctx, tok))
		require.NoError(t, c.RemoveToken(ctx, tok))
		if i == n/2 {
			clock.Advance(3 * time.Minute) // within the helpers' reuse
		}
	}
	assert.Equal(t, 2, srv.Count("genToken"), "one deleteToken and one updateToken helper for %d calls of each", n)
	assert.Equal(t, n, srv.Count("rmToken"))
	assert.Equal(t, n, srv.Count("renewToken"))
	seen := helpersSeen(srv)
	for _, endpoint := range []string{"rmToken", "renewToken"} {
		for _, h := range seen[endpoint] {
			assert.Equal(t, seen[endpoint][0], h, "%s reuses its helper", endpoint)
		}
	}
	assert.NotEqual(t, seen["rmToken"][0], seen["renewToken"][0], "one helper per use type")

	// Past the reuse window (a helper is replaced a minute before its
	// five-minute expiry) a new one is minted, once.
	clock.Advance(2 * time.Minute)
	more, err := c.GenToken(ctx, &youshu.GenTokenRequest{Expiry: time.Hour})
	require.NoError(t, err)
	srv.ResetRequests()
	require.NoError(t, c.RenewToken(ctx, more.Value.Reveal()))
	require.NoError(t, c.RenewToken(ctx, more.Value.Reveal()))
	assert.Equal(t, 1, srv.Count("genToken"), "an updateToken helper near its expiry is replaced once")
}

// TestRefusedHelperIsReplacedOnce: a kept helper the server refuses (here
// removed at the fake) is replaced by a fresh one, once, and the call
// succeeds; a fresh helper that is refused too ends the call.
func TestRefusedHelperIsReplacedOnce(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	c := newClient(t, srv)
	ctx := context.Background()
	mint := func() string {
		tok, err := c.GenToken(ctx, &youshu.GenTokenRequest{Expiry: time.Hour})
		require.NoError(t, err)
		return tok.Value.Reveal()
	}
	a, b, d := mint(), mint(), mint()
	require.NoError(t, c.RemoveToken(ctx, a))
	deleter := helpersSeen(srv)["rmToken"][0]

	// The kept deleteToken helper removes itself: the client does not know.
	require.NoError(t, c.RemoveToken(ctx, deleter))
	srv.ResetRequests()
	require.NoError(t, c.RemoveToken(ctx, b), "the refused helper was replaced")
	assert.Equal(t, 1, srv.Count("genToken"), "one fresh helper")
	assert.Equal(t, 2, srv.Count("rmToken"), "refused, then done with the fresh helper")
	info, _ := srv.Lookup(b)
	assert.True(t, info.Removed)

	// The same for the updateToken helper.
	srv.ResetRequests()
	require.NoError(t, c.RenewToken(ctx, d))
	updater := helpersSeen(srv)["renewToken"][0]
	require.NoError(t, c.RemoveToken(ctx, updater))
	srv.ResetRequests()
	require.NoError(t, c.RenewToken(ctx, d))
	assert.Equal(t, 1, srv.Count("genToken"))
	assert.Equal(t, 2, srv.Count("renewToken"))

	// A fresh helper refused as well ends the call: no loop.
	srv.Inject(youshutest.Fault{Endpoint: "rmToken", Code: 401, Message: "invalid token"})
	srv.ResetRequests()
	err := c.RemoveToken(ctx, d)
	checkSentinels(t, err, "rmToken", "ErrUnauthorized")
	assert.Equal(t, 1, srv.Count("genToken"))
	assert.Equal(t, 2, srv.Count("rmToken"))
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
		"no default credential": noCred.RemoveToken(ctx, "t"),
	} {
		assert.ErrorIs(t, err, biembed.ErrInvalid, name)
	}
	assert.Zero(t, srv.Count(""))

	err = user.RemoveToken(ctx, "t")
	checkSentinels(t, err, "genToken", "ErrUnauthorized")
	assert.Contains(t, err.Error(), "only super admins", "only super admins mint helper tokens")
	assert.Zero(t, srv.Count("rmToken"))
}

// TestConcurrentCalls shares one client among 100 goroutines (run with
// -race): every call succeeds, removed tokens are removed at the fake and
// renewed ones are not.
func TestConcurrentCalls(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	c := newClient(t, srv)
	const n = 100
	tokens := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := c.GenToken(context.Background(), &youshu.GenTokenRequest{AuthUniqueID: "user", FilterMap: rowFilters()})
			if err != nil {
				errs[i] = err
				return
			}
			tokens[i] = tok.Value.Reveal()
			if i%2 == 0 {
				errs[i] = c.RemoveToken(context.Background(), tok.Value.Reveal())
			} else {
				errs[i] = c.RenewToken(context.Background(), tok.Value.Reveal())
			}
		}()
	}
	wg.Wait()
	for i := range n {
		require.NoError(t, errs[i])
		info, ok := srv.Lookup(tokens[i])
		require.True(t, ok)
		assert.Equal(t, i%2 == 0, info.Removed, "token %d", i)
	}
	// Helpers are kept per use type; goroutines that find none at once
	// may each mint one (there is no single flight for helpers).
	helpers := srv.Count("genToken") - n
	assert.GreaterOrEqual(t, helpers, 2)
	assert.LessOrEqual(t, helpers, n)
	assert.Equal(t, n/2, srv.Count("rmToken"))
	assert.Equal(t, n/2, srv.Count("renewToken"))
}
