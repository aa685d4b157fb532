package redisstore

import (
	"context"
	"time"
)

// SetSleep makes f's limiter sleep with fn (a virtual clock's) instead of a
// timer.
func SetSleep(f *Fleet, fn func(ctx context.Context, d time.Duration) error) {
	f.Limiter.(*limiter).sleep = fn
}
