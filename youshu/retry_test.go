package youshu_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/internal/testkit/hostiletest"
	"github.com/biembed/biembed-go/youshu"
	"github.com/biembed/biembed-go/youshu/youshutest"
)

// countingTransport counts round trips and may run a hook after each one.
type countingTransport struct {
	base  *http.Transport
	n     atomic.Int32
	after func(n int32)
}

func newCountingTransport(t *testing.T) *countingTransport {
	ct := &countingTransport{base: &http.Transport{}}
	t.Cleanup(ct.base.CloseIdleConnections)
	return ct
}

func (ct *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := ct.base.RoundTrip(r)
	n := ct.n.Add(1)
	if ct.after != nil {
		ct.after(n)
	}
	return resp, err
}

func TestRetryGETUntilSuccess(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	c := newClient(t, srv)
	tok, err := c.GenToken(context.Background(), &youshu.GenTokenRequest{})
	require.NoError(t, err)
	srv.Inject(youshutest.Fault{Endpoint: youshu.EndpointRmToken, HTTPStatus: 503, Times: 2})

	require.NoError(t, c.RemoveToken(context.Background(), tok.Value.Reveal()))
	assert.Equal(t, 3, srv.Count(youshu.EndpointRmToken), "503, 503, ok")
	_, live := srv.Lookup(tok.Value.Reveal())
	assert.True(t, live)
}

func TestRetryPolicyForGenToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		opts  []youshu.Option
		sent  int
		fails bool
	}{
		{"not retried by default", nil, 1, true},
		{"retried when opted in", []youshu.Option{youshu.WithRetryGenToken()}, 3, false},
		{"opted in but retries off", []youshu.Option{youshu.WithRetryGenToken(), youshu.WithRetries(0)}, 1, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := youshutest.NewTestServer(t)
			c := newClient(t, srv, tc.opts...)
			srv.Inject(youshutest.Fault{Endpoint: youshu.EndpointGenToken, HTTPStatus: 503, Times: 2})
			_, err := c.GenToken(context.Background(), &youshu.GenTokenRequest{})
			assert.Equal(t, tc.fails, err != nil, "%v", err)
			assert.Equal(t, tc.sent, srv.Count(youshu.EndpointGenToken))
		})
	}
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

func TestRetryGenTokenWhenConnectionRefused(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		retries int
		want    int32
	}{"default retries": {youshu.DefaultRetries, 3}, "retries off": {0, 1}} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ct := newCountingTransport(t)
			c, err := youshu.NewClient("http://"+closedPort(t), youshu.WithInsecureHTTP(), youshu.WithTransport(ct),
				youshu.WithCredential(youshutest.AdminCredential()), youshu.WithRetries(tc.retries),
				youshu.WithBackoff(time.Millisecond, time.Millisecond))
			require.NoError(t, err)
			_, err = c.GenToken(context.Background(), &youshu.GenTokenRequest{})
			var op *net.OpError
			require.ErrorAs(t, err, &op)
			assert.Equal(t, "dial", op.Op)
			assert.Equal(t, tc.want, ct.n.Load(), "a request that was never sent may be retried")
			var e *youshu.Error
			require.ErrorAs(t, err, &e)
			assert.Zero(t, e.HTTPStatus)
		})
	}
}

func TestContextCancelledBeforeCall(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	c := newClient(t, srv)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.GenToken(ctx, &youshu.GenTokenRequest{})
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, c.RemoveTokenWith(ctx, "helper", "t"), context.Canceled)
	assert.ErrorIs(t, c.RenewToken(ctx, "t"), context.Canceled)
	assert.Zero(t, srv.Count(""), "no request after the context is done")
}

func TestContextCancelledDuringBackoff(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	ct := newCountingTransport(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// An hour of backoff: the test ends only if the wait gives way to ctx.
	c := newClient(t, srv, youshu.WithTransport(ct), youshu.WithBackoff(time.Hour, time.Hour))
	srv.Inject(youshutest.Fault{Endpoint: youshu.EndpointRmToken, HTTPStatus: 503})
	ct.after = func(int32) { time.AfterFunc(5*time.Millisecond, cancel) }

	err := c.RemoveTokenWith(ctx, "helper", "t")
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 1, srv.Count(youshu.EndpointRmToken), "no retry once ctx is done")
}

// TestContextDeadlineEndsSlowCall: the ctx deadline ends a call whose server
// holds its answer back, and nothing is retried after it. The deadline passes
// once the server has the request and stalls (no wall clock: a 20 ms deadline
// used to pass before the request arrived on a loaded machine).
func TestContextDeadlineEndsSlowCall(t *testing.T) {
	t.Parallel()
	srv := hostiletest.New(t, hostiletest.SlowHeaders())
	c, err := youshu.NewClient(srv.URL, youshu.WithInsecureHTTP(), youshu.WithBackoff(time.Millisecond, time.Millisecond))
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)
	ctx, cancel := hostiletest.StalledDeadline(srv)
	defer cancel()
	err = c.RenewTokenWith(ctx, "helper", "t")
	assert.True(t, errors.Is(err, context.DeadlineExceeded), "%v", err)
	assert.Equal(t, 1, srv.Hits())
}

// TestPerAttemptTimeoutRetriesGET: an attempt that hits the per-attempt
// timeout is retried (a GET). Deterministic: the server holds the first
// attempt until the client hangs up (if it ever gets it: under load the
// deadline may pass before), and the second attempt runs without the
// deadline, so no wall-clock race decides the outcome.
func TestPerAttemptTimeoutRetriesGET(t *testing.T) {
	t.Parallel()
	srv := hostiletest.New(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(attemptHeader) == "1" {
			<-r.Context().Done() // until the client gives up on its first attempt
			return
		}
		hostiletest.JSON(200, `{"code":404,"message":"token not found"}`)(w, r)
	}))
	tr := &undeadlinedRetries{base: &http.Transport{}}
	t.Cleanup(tr.base.CloseIdleConnections)
	c, err := youshu.NewClient(srv.URL, youshu.WithInsecureHTTP(), youshu.WithTransport(tr),
		youshu.WithTimeout(20*time.Millisecond), youshu.WithBackoff(time.Millisecond, time.Millisecond))
	require.NoError(t, err)

	err = c.RenewTokenWith(context.Background(), "helper", "t")
	var e *youshu.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 404, e.Code, "the timed-out attempt was retried")
	assert.ErrorIs(t, tr.firstErr, context.DeadlineExceeded, "the first attempt ended at its own deadline")
	assert.Equal(t, int32(2), tr.n.Load())
}

const attemptHeader = "X-Test-Attempt"

// undeadlinedRetries numbers attempts in a header, passes the first through
// and strips the per-attempt deadline from later ones, recording the first
// attempt's error.
type undeadlinedRetries struct {
	base     *http.Transport
	n        atomic.Int32
	firstErr error
}

func (u *undeadlinedRetries) RoundTrip(r *http.Request) (*http.Response, error) {
	n := u.n.Add(1)
	r = r.Clone(r.Context())
	r.Header.Set(attemptHeader, strconv.Itoa(int(n)))
	if n > 1 {
		return u.base.RoundTrip(r.WithContext(context.WithoutCancel(r.Context())))
	}
	resp, err := u.base.RoundTrip(r)
	u.firstErr = err
	return resp, err
}
