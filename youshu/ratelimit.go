package youshu

import (
	"context"

	"github.com/biembed/biembed-go/internal/validate"
)

// RateLimiter paces a Client's requests. Wait blocks until one request to
// endpoint (EndpointGenToken, EndpointRmToken, EndpointRenewToken) may be
// sent, or returns an error when ctx ends first. The client calls it before
// every attempt, retries included. It must be safe for concurrent use.
//
// Youshu documents no rate limit, so by default a Client has no limiter.
// Replicas that must share a budget on one Youshu host can all use a
// limiter backed by one store, such as redisstore.RateLimiter.
type RateLimiter interface {
	Wait(ctx context.Context, endpoint string) error
}

// WithRateLimiter makes the client wait on l before each request attempt.
func WithRateLimiter(l RateLimiter) Option {
	return func(cfg *config) error {
		if l == nil {
			return validate.Fieldf("WithRateLimiter", "must not be nil")
		}
		cfg.limiter = l
		return nil
	}
}

// waitTurn waits for the client's RateLimiter, if it has one.
func (c *Client) waitTurn(ctx context.Context, k *call) error {
	if c.cfg.limiter == nil {
		return nil
	}
	return c.cfg.limiter.Wait(ctx, k.endpoint)
}
