package redisstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"sync/atomic"

	"github.com/redis/go-redis/v9"

	"github.com/biembed/biembed-go/internal/warn"
)

// errPoisoned is what Redis holds that no replica could have written (a
// rate-limiter key out of range): reported like a failure.
var errPoisoned = errors.New("holds a value no replica wrote")

// call runs fn on the caller's goroutine under a deadline of Timeout (the
// client honours it: ContextTimeoutEnabled). A failure, a panic included
// (in go-redis or in a hook), counts as a Redis error and turns b's side of
// the replica to its local fallback for Cooldown, unless it was the
// caller's own ctx that ended. The error names what failed, never what
// Redis answered.
func (c *core) call(ctx context.Context, b *breaker, what string, fn func(ctx context.Context) error) error {
	err := c.try(ctx, fn)
	if err == nil {
		b.ok(ctx)
		return nil
	}
	var p *panicked
	if ctx.Err() != nil && !errors.As(err, &p) {
		return ctx.Err()
	}
	err = &redisError{what: what, why: describe(err), err: err}
	b.fail(ctx, err)
	return err
}

// try runs fn under Timeout, turning a panic into an error.
func (c *core) try(ctx context.Context, fn func(ctx context.Context) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &panicked{r}
		}
	}()
	rctx, cancel := context.WithTimeout(ctx, c.o.Timeout)
	defer cancel()
	return fn(rctx)
}

// panicked is a panic recovered around a Redis call.
type panicked struct{ value any }

func (p *panicked) Error() string {
	if re, ok := p.value.(runtime.Error); ok {
		return "panicked: " + re.Error() // a runtime error's text holds no caller data
	}
	return fmt.Sprintf("panicked with a %T", p.value) // the value may hold anything: only its type
}

// redisError is a failed Redis call. Error names the call and the kind of
// failure only: what Redis (or a hook, or whatever answers at its address)
// said may quote data, so it is never printed; Unwrap still reaches it for
// errors.Is (context.DeadlineExceeded, ...).
type redisError struct {
	what, why string
	err       error
}

func (e *redisError) Error() string { return "redisstore: Redis " + e.what + ": " + e.why }
func (e *redisError) Unwrap() error { return e.err }

// Format prints Error for every verb, so %#v shows no wrapped text either.
func (e *redisError) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, e.Error()) }

// describe names the kind of failure err is, in words of our own.
func describe(err error) string {
	var p *panicked
	var re redis.Error
	var ne net.Error
	switch {
	case errors.As(err, &p):
		return p.Error()
	case errors.Is(err, context.DeadlineExceeded):
		return "no answer within Timeout"
	case errors.Is(err, errPoisoned):
		return errPoisoned.Error()
	case errors.As(err, &re):
		return "answered an error (" + errorCode(re.Error()) + ")"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.As(err, &ne):
		return "connection failed"
	}
	return "failed"
}

// errorCode is the first word of an error reply when it is a code such as
// WRONGTYPE or NOSCRIPT, else ERR.
func errorCode(reply string) string {
	code, _, _ := strings.Cut(reply, " ")
	if code == "" || len(code) > 20 || strings.IndexFunc(code, func(r rune) bool { return r < 'A' || r > 'Z' }) >= 0 {
		return "ERR"
	}
	return code
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
