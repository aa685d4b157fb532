package youshu_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/youshu"
	"github.com/biembed/biembed-go/youshu/youshutest"
)

// countingLimiter records the endpoints it was asked for and can refuse.
type countingLimiter struct {
	mu        sync.Mutex
	endpoints []string
	refuse    error
}

func (l *countingLimiter) Wait(_ context.Context, endpoint string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.endpoints = append(l.endpoints, endpoint)
	return l.refuse
}

func TestWithRateLimiterIsAskedBeforeEachRequest(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	lim := &countingLimiter{}
	c := newClient(t, srv, youshu.WithRateLimiter(lim))
	_, err := c.GenToken(context.Background(), &youshu.GenTokenRequest{})
	require.NoError(t, err)
	require.Equal(t, []string{"genToken"}, lim.endpoints)
}

func TestWithRateLimiterRefusalSendsNothing(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	refusal := errors.New("budget store says no")
	c := newClient(t, srv, youshu.WithRateLimiter(&countingLimiter{refuse: refusal}))
	_, err := c.GenToken(context.Background(), &youshu.GenTokenRequest{})
	require.ErrorIs(t, err, refusal)
	require.Zero(t, srv.Count(""))
}

func TestWithRateLimiterNil(t *testing.T) {
	t.Parallel()
	_, err := youshu.NewClient("http://127.0.0.1:1", youshu.WithRateLimiter(nil))
	var ve *biembed.ValidationError
	require.ErrorAs(t, err, &ve)
	require.Equal(t, "WithRateLimiter", ve.Field)
}

// TestWithRateLimiterIsAskedBeforeEveryAttempt: retries wait on the limiter
// too, and a RemoveToken waits for its helper's genToken and its rmToken.
func TestWithRateLimiterIsAskedBeforeEveryAttempt(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	lim := &countingLimiter{}
	c := newClient(t, srv, youshu.WithRateLimiter(lim))
	srv.Inject(youshutest.Fault{Endpoint: "genToken", HTTPStatus: 503, Times: 2})
	tok, err := c.GenToken(context.Background(), &youshu.GenTokenRequest{})
	require.NoError(t, err)
	require.NoError(t, c.RemoveToken(context.Background(), tok.Value.Reveal()))
	require.Equal(t, []string{"genToken", "genToken", "genToken",
		"genToken", "rmToken"}, lim.endpoints)
}

// TestLocalRateLimiterPaces: biembed.NewRateLimiter's bucket lets a burst
// through and makes the next call wait; a ctx that ends first ends the call
// before anything is sent.
func TestLocalRateLimiterPaces(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	lim, err := biembed.NewRateLimiter(1.0/86400, 1) // one now, the next in a day
	require.NoError(t, err)
	c := newClient(t, srv, youshu.WithRateLimiter(lim))
	_, err = c.GenToken(context.Background(), &youshu.GenTokenRequest{})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	_, err = c.GenToken(ctx, &youshu.GenTokenRequest{})
	require.ErrorIs(t, err, context.DeadlineExceeded, "the wait would pass the deadline")
	require.True(t, strings.HasPrefix(err.Error(), "youshu genToken: "), err.Error())
	require.Equal(t, 1, srv.Count(""))

	_, err = biembed.NewRateLimiter(0, 1)
	require.ErrorIs(t, err, biembed.ErrInvalid)
}
