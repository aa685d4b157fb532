package redisstore

import (
	"context"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"

	"github.com/biembed/biembed-go/internal/validate"
)

// Defaults of LimiterOptions.
const (
	DefaultRate     = 20.0        // requests per second per action: Tencent BI's documented limit
	DefaultBurst    = 1           // requests that may go at once
	DefaultCooldown = time.Second // how long a limiter stays local after a Redis error
)

// gcraScript is the generic cell rate algorithm over one key per action: the
// key holds the theoretical arrival time (TAT) in microseconds. A request
// may go when TAT - now <= (burst-1) * interval; it then moves TAT on by one
// interval. It answers 0 (go) or the microseconds to wait. The time is
// Redis's own (TIME), so every replica agrees on it, unless ARGV[3] gives one.
var gcraScript = redis.NewScript(`
local now
if ARGV[3] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
else
  now = tonumber(ARGV[3])
end
local interval = tonumber(ARGV[1])
local tolerance = interval * (tonumber(ARGV[2]) - 1)
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local wait = tat - tolerance - now
if wait > 0 then return math.ceil(wait) end
tat = tat + interval
-- kept a minute past its use: an old TAT is harmless, and a Clock's time may run apart from Redis's
redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', math.ceil((tat - now) / 1000) + 60000)
return 0
`)

// LimiterOptions configure a RateLimiter.
type LimiterOptions struct {
	// Prefix starts every key the limiter writes ("rate:" + action follows).
	// Required. Clients share a budget when they share Redis and Prefix.
	Prefix string
	// Rate is requests per second per action. Default (0): DefaultRate.
	Rate float64
	// Burst is how many requests may go at once. Default (0): DefaultBurst.
	// At most Rate+Burst requests go in any one-second window.
	Burst int
	// Timeout bounds each Redis call. Default (0): DefaultTimeout.
	Timeout time.Duration
	// Replicas is how many replicas share the budget. While Redis is
	// unavailable each limiter falls back to Rate/Replicas per second with a
	// burst of Burst/Replicas (at least 1), so the fleet stays within the
	// budget when every replica is on its own. Default (0): 1, the whole
	// Rate, which lets a fleet in fallback exceed the shared budget.
	Replicas int
	// Cooldown is how long the limiter stays local after a Redis error
	// before it asks Redis again. Default (0): DefaultCooldown.
	Cooldown time.Duration
	// Clock, if set, supplies the time instead of Redis's TIME. Replicas
	// must then agree on it; it is meant for tests.
	Clock Clock
	// OnError, if set, is called with every Redis error (the limiter then
	// waits on its local fallback). It must be fast.
	OnError func(error)
}

// RateLimiter shares "Rate requests per second per action" among every
// client using the same Redis and Prefix. It implements tencent.RateLimiter
// and youshu.RateLimiter. When Redis fails or is slow, it waits on a local
// x/time/rate limiter at its share of the rate (LimiterOptions.Replicas),
// counts the error, and asks Redis again after Cooldown. It is safe for
// concurrent use.
type RateLimiter struct {
	rdb      redis.UniversalClient
	opts     LimiterOptions
	interval time.Duration
	direct   bool // rdb honours context deadlines (see bounded)
	errs     atomic.Uint64
	localAt  atomic.Int64 // unix nanos until which Redis is skipped

	mu    sync.Mutex
	local map[string]*rate.Limiter
}

// NewRateLimiter returns a RateLimiter on rdb. Bad options get a
// *ValidationError naming the field.
func NewRateLimiter(rdb redis.UniversalClient, opts LimiterOptions) (*RateLimiter, error) {
	if err := checkClient(rdb); err != nil {
		return nil, err
	}
	if err := checkPrefix(opts.Prefix); err != nil {
		return nil, err
	}
	switch {
	case math.IsNaN(opts.Rate) || math.IsInf(opts.Rate, 0) || opts.Rate < 0:
		return nil, validate.Fieldf("Rate", "must be a positive number of requests per second (0 means %v)", DefaultRate)
	case opts.Burst < 0:
		return nil, validate.Fieldf("Burst", "must not be negative (0 means %d)", DefaultBurst)
	case opts.Timeout < 0:
		return nil, validate.Fieldf("Timeout", "must not be negative")
	case opts.Cooldown < 0:
		return nil, validate.Fieldf("Cooldown", "must not be negative")
	case opts.Replicas < 0:
		return nil, validate.Fieldf("Replicas", "must not be negative (0 means 1)")
	}
	if opts.Rate == 0 {
		opts.Rate = DefaultRate
	}
	if opts.Burst == 0 {
		opts.Burst = DefaultBurst
	}
	if opts.Timeout == 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Cooldown == 0 {
		opts.Cooldown = DefaultCooldown
	}
	opts.Replicas = max(opts.Replicas, 1)
	interval := time.Duration(float64(time.Second) / opts.Rate)
	if interval < time.Microsecond {
		return nil, validate.Fieldf("Rate", "must be at most 1,000,000 per second")
	}
	return &RateLimiter{rdb: rdb, opts: opts, interval: interval, direct: honoursDeadlines(rdb),
		local: map[string]*rate.Limiter{}}, nil
}

// Wait blocks until one request for action may go, or ctx ends.
func (l *RateLimiter) Wait(ctx context.Context, action string) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		if time.Now().UnixNano() < l.localAt.Load() {
			return l.waitLocal(ctx, action)
		}
		d, err := l.Reserve(ctx, action)
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return ctxErr
			}
			return l.waitLocal(ctx, action)
		}
		if d == 0 {
			return nil
		}
		if err := sleep(ctx, d); err != nil {
			return err
		}
	}
}

// Reserve asks Redis once whether a request for action may go: 0 means it
// may (and is counted), anything else is how long to wait before asking
// again. A Redis error is counted, reported to OnError and returned.
func (l *RateLimiter) Reserve(ctx context.Context, action string) (time.Duration, error) {
	now := ""
	if l.opts.Clock != nil {
		now = fmt.Sprint(l.opts.Clock.Now().UnixMicro())
	}
	us, err := bounded(ctx, l.opts.Timeout, l.direct, func(ctx context.Context) (int64, error) {
		return gcraScript.Run(ctx, l.rdb, []string{l.opts.Prefix + "rate:" + action},
			l.interval.Microseconds(), l.opts.Burst, now).Int64()
	})
	if err != nil {
		if ctx.Err() == nil {
			l.fail(err)
		}
		return 0, fmt.Errorf("redisstore: rate limiter: %w", err)
	}
	return time.Duration(us) * time.Microsecond, nil
}

// Errors returns how many Redis calls have failed so far.
func (l *RateLimiter) Errors() uint64 { return l.errs.Load() }

// fail counts a Redis error and makes the limiter local for Cooldown.
func (l *RateLimiter) fail(err error) {
	l.errs.Add(1)
	l.localAt.Store(time.Now().Add(l.opts.Cooldown).UnixNano())
	if l.opts.OnError != nil {
		l.opts.OnError(err)
	}
}

// waitLocal waits on the in-process limiter of action.
func (l *RateLimiter) waitLocal(ctx context.Context, action string) error {
	l.mu.Lock()
	lim := l.local[action]
	if lim == nil {
		share := l.opts.Replicas
		lim = rate.NewLimiter(rate.Limit(l.opts.Rate/float64(share)), max(l.opts.Burst/share, 1))
		l.local[action] = lim
	}
	l.mu.Unlock()
	if err := lim.Wait(ctx); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		return fmt.Errorf("redisstore: waiting for the local rate limit would pass the deadline: %w", context.DeadlineExceeded)
	}
	return nil
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
