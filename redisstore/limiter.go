package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"
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
redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', math.ceil((tat - now) / 1000) + 60000)
return 0
`)

// limiter is the Fleet's biembed.RateLimiter: GCRA in Redis, shared by
// every replica on the same Redis and Prefix, with a local x/time/rate
// limiter at this replica's share while Redis is unavailable.
type limiter struct {
	c        *core
	b        breaker
	interval time.Duration
	sleep    func(ctx context.Context, d time.Duration) error // tests put a virtual clock's here

	mu    sync.Mutex
	local map[string]*rate.Limiter
}

func newLimiter(c *core) *limiter {
	l := &limiter{c: c, interval: time.Duration(float64(time.Second) / c.o.Rate), local: map[string]*rate.Limiter{}, sleep: sleep}
	l.b.c = c
	l.b.cond.Msg = "redisstore: Redis unavailable; the rate limiter paces this replica at its share"
	return l
}

// Wait blocks until one request for action may go, or ctx ends.
func (l *limiter) Wait(ctx context.Context, action string) error {
	if l == nil {
		return ready(nil, ctx, "Limiter")
	}
	if err := ready(l.c, ctx, "Limiter"); err != nil {
		return err
	}
	if err := checkAction(action); err != nil {
		return err
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		if l.b.open() {
			return l.waitLocal(ctx, action)
		}
		d, err := l.reserve(ctx, action)
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return ctxErr
			}
			return l.waitLocal(ctx, action)
		}
		if d == 0 {
			return nil
		}
		if err := l.sleep(ctx, d); err != nil {
			return err
		}
	}
}

// reserve asks Redis once whether a request for action may go: 0 means it
// may (and is counted), anything else is how long to wait.
func (l *limiter) reserve(ctx context.Context, action string) (time.Duration, error) {
	now := ""
	if l.c.fixedNow {
		now = strconv.FormatInt(l.c.now().UnixMicro(), 10)
	}
	var us int64
	err := l.c.call(ctx, &l.b, "rate limit", func(ctx context.Context) error {
		var err error
		us, err = gcraScript.Run(ctx, l.c.rdb, []string{l.c.o.Prefix + "r:" + action},
			l.interval.Microseconds(), l.c.o.Burst, now).Int64()
		return err
	})
	return time.Duration(us) * time.Microsecond, err
}

// waitLocal waits on the in-process limiter of action.
func (l *limiter) waitLocal(ctx context.Context, action string) error {
	l.mu.Lock()
	lim := l.local[action]
	if lim == nil {
		share := l.c.o.Replicas
		lim = rate.NewLimiter(rate.Limit(l.c.o.Rate/float64(share)), max(l.c.o.Burst/share, 1))
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
