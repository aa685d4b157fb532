package tencent

import (
	"context"
	"fmt"

	"golang.org/x/time/rate"

	"github.com/biembed/biembed-go/internal/validate"
)

// RateLimiter paces a Client's requests. Wait blocks until one request for
// action (ActionCreateEmbedToken, ...) may be sent, or returns an error when
// ctx ends first. The client calls it before every attempt, retries
// included. It must be safe for concurrent use.
//
// The default is one token bucket per action in the client (WithRateLimit,
// WithRateBurst). Replicas that share one Tencent account share its limit of
// 20 requests per second per action: give them all a limiter backed by one
// store, such as redisstore.RateLimiter.
type RateLimiter interface {
	Wait(ctx context.Context, action string) error
}

// WithRateLimiter makes the client wait on l before each request, instead of
// its own per-action limiter; WithRateLimit and WithRateBurst are then
// ignored.
func WithRateLimiter(l RateLimiter) Option {
	return func(c *config) error {
		if l == nil {
			return validate.Fieldf("WithRateLimiter", "must not be nil")
		}
		c.rateLimiter = l
		return nil
	}
}

// localLimiter is the default RateLimiter: one x/time/rate bucket per action.
type localLimiter map[string]*rate.Limiter

func newLocalLimiter(perSecond float64, burst int) localLimiter {
	l := localLimiter{}
	if rate.Limit(perSecond) == rate.Inf {
		return l // no buckets: Wait lets everything through without reading the clock
	}
	for _, action := range []string{ActionCreateEmbedToken, ActionApplyEmbedInterval, ActionClearEmbedToken} {
		l[action] = rate.NewLimiter(rate.Limit(perSecond), burst)
	}
	return l
}

// Wait waits for action's bucket; an action without one is not limited.
func (l localLimiter) Wait(ctx context.Context, action string) error {
	lim := l[action]
	if lim == nil {
		return ctx.Err()
	}
	if err := lim.Wait(ctx); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		return fmt.Errorf("waiting for the rate limit would pass the deadline: %w", context.DeadlineExceeded)
	}
	return nil
}
