package youshu_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

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
	require.Equal(t, []string{youshu.EndpointGenToken}, lim.endpoints)
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
	var ve *youshu.ValidationError
	require.ErrorAs(t, err, &ve)
	require.Equal(t, "WithRateLimiter", ve.Field)
}
