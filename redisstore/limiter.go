package redisstore

import (
	"cmp"
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"

	"github.com/biembed/biembed-go/internal/validate"
	"github.com/biembed/biembed-go/internal/warn"
)

// limiter is the Fleet's biembed.RateLimiter: GCRA in Redis (gcraScript)
// shared by the replicas on one Redis and Prefix, and a local x/time/rate
// limiter at this replica's share while Redis is unavailable.
//
// Back on Redis, a replica keeps to its local share as well until every
// replica must be back (each when its own Cooldown ends) and their local
// grants are over a second old: Cooldown + Timeout + 1s + an interval. Its
// local grants of the last second are charged to the GCRA key as a debt.
type limiter struct {
	c        *core
	b        breaker
	interval time.Duration
	share    rate.Limit                                       // Rate/Replicas
	burst    int                                              // max(Burst/Replicas, 1)
	sleep    func(ctx context.Context, d time.Duration) error // tests put a virtual clock's here

	mu    sync.Mutex
	lanes map[string]*lane // at most 256 actions (the clients use a few)
}

// lane is one action's state on this replica.
type lane struct {
	key string // its GCRA key

	mu     sync.Mutex
	local  *rate.Limiter // the local share; nil until a fallback, and again after its recovery
	until  time.Time     // the end of the recovery (zero: while falling back)
	grants []time.Time   // local grants of the last second or so, oldest first
	owed   bool          // grants not yet charged to the GCRA key

	// The line of waiters: only the first asks Redis, the others sleep an
	// interval per waiter ahead, so waiters cost one call per grant.
	next, head uint64          // the next ticket; the first still waiting
	left       map[uint64]bool // tickets that left the line, from head on
}

func newLimiter(c *core) *limiter {
	l := &limiter{c: c, interval: time.Duration(float64(time.Second) / c.o.Rate),
		share: rate.Limit(c.o.Rate / float64(c.o.Replicas)), burst: max(c.o.Burst/c.o.Replicas, 1),
		lanes: map[string]*lane{}, sleep: sleep,
		b: breaker{c: c, cond: warn.Condition{Msg: "redisstore: Redis unavailable; the rate limiter paces this replica at its share"}}}
	// Falling back, every lane keeps to its local share until the next
	// recovery ends; back on Redis, the lanes that used it start one.
	l.b.onStart = func() { l.eachLane(func(ln *lane) { ln.until = time.Time{} }) }
	l.b.onEnd = func() {
		until := c.now().Add(c.o.Cooldown + c.o.Timeout + time.Second + l.interval)
		l.eachLane(func(ln *lane) { ln.until = until }) // only lanes with a local share read it
	}
	return l
}

func (l *limiter) eachLane(f func(ln *lane)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, ln := range l.lanes {
		ln.mu.Lock()
		f(ln)
		ln.mu.Unlock()
	}
}

// Wait blocks until one request for action may go, or ctx ends.
func (l *limiter) Wait(ctx context.Context, action string) error {
	if err := cmp.Or(ready(l == nil || l.c == nil, ctx, "Limiter"), ascii("action", action, maxAction, false)); err != nil {
		return err
	}
	l.mu.Lock()
	ln := l.lanes[action]
	if ln == nil && len(l.lanes) < 256 {
		ln = &lane{key: l.c.o.Prefix + "r:" + action, left: map[uint64]bool{}}
		l.lanes[action] = ln
	}
	l.mu.Unlock()
	if ln == nil {
		return validate.Fieldf("action", "must be one of at most 256 actions per limiter")
	}
	ln.mu.Lock()
	ticket := ln.next
	ln.next++
	ln.mu.Unlock()
	defer func() { // leave the line: head moves past every ticket that left
		ln.mu.Lock()
		defer ln.mu.Unlock()
		for ln.left[ticket] = true; ln.left[ln.head]; ln.head++ {
			delete(ln.left, ln.head)
		}
	}()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		done, d, err := l.try(ctx, ln, ticket)
		if done || err != nil {
			return err
		}
		// A sleep lasts from a millisecond (so that an answer of "wait a
		// microsecond", forever, cannot make Wait spin) to an interval plus
		// Timeout (so that a TAT far ahead cannot hold it: it asks again).
		if err := l.sleep(ctx, min(max(d, time.Millisecond), l.interval+l.c.o.Timeout)); err != nil {
			return err
		}
	}
}

// try is one attempt of the waiter t: done, or how long to sleep.
func (l *limiter) try(ctx context.Context, ln *lane, t uint64) (bool, time.Duration, error) {
	if !l.b.open() {
		share, wait := l.reserveShare(ln, t)
		if wait > 0 {
			return false, wait, nil
		}
		wait, err := l.reserve(ctx, ln)
		switch {
		case err == nil && wait == 0:
			return true, 0, nil // on both the GCRA key and, recovering, the share
		case err == nil:
			share.CancelAt(l.c.now())
			return false, wait, nil
		case ctx.Err() != nil:
			share.CancelAt(l.c.now())
			return true, 0, ctx.Err()
		case share.OK(): // Redis failed: the share's request goes, as a local grant
			ln.mu.Lock()
			defer ln.mu.Unlock()
			ln.grant(l.c.now())
			return true, 0, nil
		}
	} // Redis failed: this request takes the local share (Cooldown may be shorter than a call)
	now := l.c.now()
	ln.mu.Lock()
	defer ln.mu.Unlock()
	if ln.local == nil {
		ln.local = rate.NewLimiter(l.share, l.burst) // empty: a full bucket would add to the fleet's last grants
		ln.local.AllowN(now, l.burst)
	}
	if ln.local.AllowN(now, 1) {
		ln.grant(now)
		return true, 0, nil
	}
	missing := 1 - ln.local.TokensAt(now)
	return false, max(time.Duration(missing/float64(l.share)*float64(time.Second)), time.Microsecond), nil
}

// reserveShare says how long the waiter t must wait for those ahead, or for
// the local share while the lane recovers; else it reserves one request of
// that share (not OK, cancelling as nothing, when the lane does not recover).
func (l *limiter) reserveShare(ln *lane, t uint64) (*rate.Reservation, time.Duration) {
	now := l.c.now()
	ln.mu.Lock()
	defer ln.mu.Unlock()
	if ahead := t - ln.head; ahead > 0 {
		return nil, time.Duration(ahead) * l.interval
	}
	if ln.local != nil && !ln.until.IsZero() && !now.Before(ln.until) {
		ln.local, ln.until = nil, time.Time{} // recovered
	}
	if ln.local == nil {
		return &rate.Reservation{}, 0
	}
	r := ln.local.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return nil, d
	}
	return r, 0
}

// grant records a local grant at now, for the debt; it keeps the last second.
func (ln *lane) grant(now time.Time) {
	i := 0
	for i < len(ln.grants) && now.Sub(ln.grants[i]) > time.Second {
		i++
	}
	ln.grants = append(ln.grants[i:], now)
	ln.owed = true
}

// reserve asks Redis once whether a request may go on the lane: 0 means it
// may (and is counted), else how long to wait. The lane's local grants of
// the last second not yet charged go with it as a debt.
//
// A TAT over an hour behind was not written on this clock (a key expires a
// minute after its TAT); one ahead by more than (Burst+1) intervals, plus
// the debts of returning replicas (a second and Replicas*(burst+1)+1
// intervals), plus Cooldown, was written by no replica: both are reported.
func (l *limiter) reserve(ctx context.Context, ln *lane) (time.Duration, error) {
	now, o := l.c.now(), l.c.o
	ln.mu.Lock()
	debt := 0
	for _, g := range ln.grants {
		if ln.owed && now.Sub(g) <= time.Second {
			debt++
		}
	}
	ln.owed = false
	ln.mu.Unlock()
	at := ""
	if o.Now != nil {
		at = strconv.FormatInt(now.UnixMicro(), 10)
	}
	hi := time.Duration(o.Burst+1)*l.interval + o.Cooldown + time.Second + time.Duration(o.Replicas*(l.burst+1)+1)*l.interval
	us, err := eval(ctx, &l.b, "rate limit", func(c *redis.Cmd) (int64, error) {
		us, err := c.Int64()
		if err == nil && us < 0 {
			err = errPoisoned
		}
		return us, err
	}, gcraScript, []string{ln.key}, l.interval.Microseconds(), o.Burst, at, time.Hour.Microseconds(), hi.Microseconds(), debt)
	if err != nil && debt > 0 {
		ln.mu.Lock()
		ln.owed = true // the call that would have charged them failed
		ln.mu.Unlock()
	}
	return time.Duration(us) * time.Microsecond, err
}
