package youshu_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/internal/testkit/hostiletest"
	"github.com/biembed/biembed-go/internal/testkit/secrettest"
	"github.com/biembed/biembed-go/youshu"
)

// endAfterAnswer is a transport that reads each answer whole and then ends
// the call's context (through end) before handing the answer on: the
// deadline falls exactly between the server's answer and the client's
// reading of it, on any machine, with no timer.
type endAfterAnswer struct {
	base *http.Transport
	end  func()
}

func (e *endAfterAnswer) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := e.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	e.end()
	return resp, nil
}

// deadlineContext passes its deadline when end is called and remembers
// when that was.
type deadlineContext struct {
	context.Context
	once  sync.Once
	done  chan struct{}
	mu    sync.Mutex
	err   error
	ended time.Time
}

func newDeadlineContext() *deadlineContext {
	return &deadlineContext{Context: context.Background(), done: make(chan struct{})}
}

func (c *deadlineContext) end() {
	c.once.Do(func() {
		c.mu.Lock()
		c.err, c.ended = context.DeadlineExceeded, time.Now()
		c.mu.Unlock()
		close(c.done)
	})
}

func (c *deadlineContext) Done() <-chan struct{} { return c.done }

func (c *deadlineContext) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

func (c *deadlineContext) endedAt() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ended
}

// TestHostileEchoDoesNotHoldTheCallPastItsDeadline: a server answers
// genToken with an error whose message is 64 KiB of near-copies of the
// call's 4 KiB token key (each copy wrong in its last byte, so a scrubber
// must look far into every one). The deadline falls once the answer is in
// hand (driven by the test, no timer): cleaning the message must give way
// to it and return within a few milliseconds, not grind through the echo;
// and nothing of the key may reach the error.
//
// The only wall clock here is a hang guard two orders of magnitude above
// the few milliseconds expected: a sanitiser that does not stop at the
// deadline takes tens of seconds on this input.
func TestHostileEchoDoesNotHoldTheCallPastItsDeadline(t *testing.T) {
	t.Parallel()
	key := strings.Repeat("ab", 2048) // 4 KiB: periodic, the worst case for a backtracking match
	near := key[:len(key)-1] + "!"
	echo := strings.Repeat(near, (64<<10)/len(near))
	srv := hostiletest.New(t, hostiletest.JSON(200, envelopeWith("401", "message", "bad key: "+echo)))
	rec := secrettest.New(t, key, key[:64], near[len(near)-64:])
	ctx := newDeadlineContext()
	tr := &endAfterAnswer{base: &http.Transport{}, end: ctx.end}
	t.Cleanup(tr.base.CloseIdleConnections)
	c, err := youshu.NewClient(srv.URL, youshu.WithInsecureHTTP(), youshu.WithCredential(youshu.TokenKey(key)),
		youshu.WithTransport(tr), youshu.WithLogger(rec.Logger()))
	require.NoError(t, err)

	done := make(chan error, 1)
	go func() {
		_, err := c.GenToken(ctx, &youshu.GenTokenRequest{})
		done <- err
	}()
	const hangGuard = 2 * time.Second
	select {
	case err = <-done:
	case <-ctx.Done():
		select {
		case err = <-done:
		case <-time.After(hangGuard):
			t.Fatalf("the call was held more than %v past its deadline cleaning a 64 KiB echo of its secret", hangGuard)
		}
	}
	held := time.Since(ctx.endedAt())
	t.Logf("returned %v after the deadline", held)
	require.Error(t, rec.Err(err))
	checkSentinels(t, err, "genToken", "ErrUnauthorized")
	require.LessOrEqual(t, len(err.Error()), 1024)
	require.Equal(t, 1, srv.Hits())
}
