package redisstore

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// bounded runs f with a deadline of timeout that holds whatever the client's
// settings. go-redis applies a context's deadline to its socket only with
// Options.ContextTimeoutEnabled; without it a call to a stalled Redis waits
// for the client's ReadTimeout (3s by default). So unless the client is known
// to honour deadlines (direct), f runs aside and is abandoned when the time is
// up: it ends by itself within the client's own timeouts.
func bounded[V any](ctx context.Context, timeout time.Duration, direct bool, f func(context.Context) (V, error)) (V, error) {
	rctx, cancel := context.WithTimeout(ctx, timeout)
	if direct {
		defer cancel()
		return f(rctx)
	}
	type result struct {
		v   V
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer cancel()
		v, err := f(rctx)
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-rctx.Done():
		select {
		case r := <-done: // answered just as the time ran out, or ctx ended
			return r.v, r.err
		default:
		}
		var zero V
		return zero, fmt.Errorf("redisstore: Redis gave no answer within %v: %w", timeout, rctx.Err())
	}
}

// honoursDeadlines reports whether rdb applies context deadlines to its
// socket, so that bounded may call it directly.
func honoursDeadlines(rdb redis.UniversalClient) bool {
	switch c := rdb.(type) {
	case *redis.Client:
		return c.Options().ContextTimeoutEnabled
	case *redis.ClusterClient:
		return c.Options().ContextTimeoutEnabled
	}
	return false
}
