package redisstore

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"

	"github.com/biembed/biembed-go/internal/warn"
)

// call runs fn on the caller's goroutine under a deadline of Timeout (the
// client honours it: ContextTimeoutEnabled). A failure counts as a Redis
// error and turns b's side of the replica to its local fallback for
// Cooldown, unless it was the caller's own ctx that ended.
func (c *core) call(ctx context.Context, b *breaker, what string, fn func(ctx context.Context) error) error {
	rctx, cancel := context.WithTimeout(ctx, c.o.Timeout)
	defer cancel()
	err := fn(rctx)
	if err == nil {
		b.ok(ctx)
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	err = fmt.Errorf("redisstore: Redis %s: %w", what, err)
	b.fail(ctx, err)
	return err
}

// breaker is one side's (the store's or the limiter's) view of Redis: after
// a failure it keeps to its local fallback for Cooldown. An episode runs
// from the first failure to the next answer; each logs one WARN line when it
// starts and one when it ends (warn.Condition).
type breaker struct {
	c       *core
	until   atomic.Int64 // unix nanos (c.now) before which Redis is not asked
	on      atomic.Bool  // an episode is running
	cond    warn.Condition
	onStart func() // when an episode starts
	onEnd   func() // when Redis answers again
}

// open reports whether Redis is skipped now.
func (b *breaker) open() bool { return b.c.now().UnixNano() < b.until.Load() }

// fail counts a Redis failure and keeps to the local fallback for Cooldown.
func (b *breaker) fail(ctx context.Context, err error) {
	b.c.redisErrors.Add(1)
	b.until.Store(b.c.now().Add(b.c.o.Cooldown).UnixNano())
	if b.on.CompareAndSwap(false, true) {
		b.c.fallbacks.Add(1)
		if b.onStart != nil {
			b.onStart()
		}
	}
	b.cond.Set(ctx, b.c.o.Logger, true, slog.String("error", err.Error()))
}

// ok ends the episode, if one runs: Redis answered.
func (b *breaker) ok(ctx context.Context) {
	if b.on.CompareAndSwap(true, false) {
		if b.onEnd != nil {
			b.onEnd()
		}
		b.cond.Set(ctx, b.c.o.Logger, false)
	}
}
