package redisstore

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"

	"github.com/biembed/biembed-go/internal/validate"
)

// gcraScript is the generic cell rate algorithm over one key per action:
// the key holds the theoretical arrival time (TAT) in microseconds. A
// request may go when TAT - now <= (burst-1) * interval; it then moves TAT
// on by one interval. The time is Redis's own (TIME), so every replica
// agrees on it, unless ARGV[3] gives one (Options.Now, tests).
//
// A TAT no replica could have written (not a number, or outside
// [now - lo, now + hi]: see limiter.bounds) is deleted and reported (-1):
// trusting it could make the fleet wait an hour for a value an hour ahead.
// Otherwise it answers 0 (go) or the microseconds to wait.
//
// KEYS: the action's key. ARGV: interval (µs), burst, now (µs, or ”), lo
// (µs), hi (µs).
var gcraScript = redis.NewScript(`
local now
if ARGV[3] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
else
  now = tonumber(ARGV[3])
end
local interval, burst, lo, hi, debt = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local raw = redis.pcall('GET', KEYS[1])
local tat = now
if type(raw) == 'table' then
  redis.call('DEL', KEYS[1])
  return -1
elseif raw then
  tat = tonumber(raw)
  if tat == nil or tat ~= tat or tat < now - lo or tat > now + hi then
    redis.call('DEL', KEYS[1])
    return -1
  end
end
if tat < now then tat = now end
tat = tat + debt * interval
local function store(t)
  redis.call('SET', KEYS[1], string.format('%.0f', t), 'PX', math.ceil((t - now) / 1000) + 60000)
end
local wait = tat - (burst - 1) * interval - now
if wait > 0 then
  if debt > 0 then store(tat) end
  return math.ceil(wait)
end
store(tat + interval)
return 0
`)

// limiter is the Fleet's biembed.RateLimiter: GCRA in Redis, shared by
// every replica on the same Redis and Prefix, with a local x/time/rate
// limiter at this replica's share while Redis is unavailable. The local
// limiter runs on the Fleet's clock (Options.Now in tests) and sleeps with
// sleep, so a test's virtual clock drives both.
type limiter struct {
	c        *core
	b        breaker
	interval time.Duration
	share    rate.Limit                                       // Rate/Replicas
	burst    int                                              // max(Burst/Replicas, 1)
	sleep    func(ctx context.Context, d time.Duration) error // tests put a virtual clock's here

	mu    sync.Mutex
	lanes map[string]*lane
}

// lane is one action's state on this replica.
type lane struct {
	key string // its GCRA key

	mu     sync.Mutex
	local  *rate.Limiter // the local share; nil until a fallback, and again after its recovery
	until  time.Time     // the end of the recovery (zero: while falling back)
	grants []time.Time   // local grants of the last second or so, oldest first
	owed   bool          // grants not yet charged to the GCRA key

	// The line of this replica's waiters: only the first asks Redis, the
	// others sleep an interval per waiter ahead of them, so a hundred
	// waiters cost about one call per grant, not a hundred.
	next, head uint64          // the next ticket; the first still waiting
	left       map[uint64]bool // tickets past head that left the line
}

// enter gives a waiter its ticket.
func (ln *lane) enter() uint64 {
	ln.mu.Lock()
	defer ln.mu.Unlock()
	t := ln.next
	ln.next++
	return t
}

// leave takes ticket t out of the line.
func (ln *lane) leave(t uint64) {
	ln.mu.Lock()
	defer ln.mu.Unlock()
	if t != ln.head {
		if ln.left == nil {
			ln.left = map[uint64]bool{}
		}
		ln.left[t] = true
		return
	}
	for ln.head++; ln.left[ln.head]; ln.head++ {
		delete(ln.left, ln.head)
	}
}

// ahead counts the waiters before ticket t.
func (ln *lane) ahead(t uint64) uint64 {
	ln.mu.Lock()
	defer ln.mu.Unlock()
	return t - ln.head
}

// maxLanes bounds the actions one limiter tracks (the clients use a few).
const maxLanes = 256

// minSleep is the shortest sleep of Wait.
const minSleep = time.Millisecond

func newLimiter(c *core) *limiter {
	l := &limiter{c: c, interval: time.Duration(float64(time.Second) / c.o.Rate),
		share: rate.Limit(c.o.Rate / float64(c.o.Replicas)), burst: max(c.o.Burst/c.o.Replicas, 1),
		lanes: map[string]*lane{}, sleep: sleep}
	l.b.c, l.b.onStart, l.b.onEnd = c, l.fallingBack, l.recovering
	l.b.cond.Msg = "redisstore: Redis unavailable; the rate limiter paces this replica at its share"
	return l
}

// recovery is how long a replica back on Redis still keeps to its local
// share as well. Replicas do not come back together: each asks Redis again
// only when its own Cooldown ends, up to Cooldown (and a call's Timeout)
// after Redis answers again, and meanwhile spends its local share. A
// replica back on an empty (or older) GCRA key could spend the whole
// budget on top of theirs; holding it to its share until every replica
// must be back, and their last local grants are over a second old, keeps
// the fleet within Rate plus the shares' bursts in every one-second window
// (debts alone cover a Cooldown of up to a second only).
func (l *limiter) recovery() time.Duration {
	return l.c.o.Cooldown + l.c.o.Timeout + time.Second + l.interval
}

// fallingBack makes every lane's local share apply until the next
// recovery ends (an episode may start during a recovery).
func (l *limiter) fallingBack() {
	l.eachLane(func(ln *lane) { ln.until = time.Time{} })
}

// recovering starts the recovery of the lanes that used their local share.
func (l *limiter) recovering() {
	until := l.c.now().Add(l.recovery())
	l.eachLane(func(ln *lane) {
		if ln.local != nil {
			ln.until = until
		}
	})
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

// lane returns action's lane, made on first use.
func (l *limiter) lane(action string) (*lane, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ln := l.lanes[action]
	if ln == nil {
		if len(l.lanes) >= maxLanes {
			return nil, validate.Fieldf("action", "must be one of at most %d actions per limiter", maxLanes)
		}
		ln = &lane{key: l.c.o.Prefix + "r:" + action}
		l.lanes[action] = ln
	}
	return ln, nil
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
	ln, err := l.lane(action)
	if err != nil {
		return err
	}
	ticket := ln.enter()
	defer ln.leave(ticket)
	// Each sleep lasts from a millisecond (so that an answer of "wait a
	// microsecond", forever, cannot make Wait spin) to an interval plus
	// Timeout (so that a TAT far ahead cannot hold it: it asks again).
	most := l.interval + l.c.o.Timeout
	nap := func(d time.Duration) error { return l.sleep(ctx, min(max(d, minSleep), most)) }
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		local := l.b.open()
		if n := ln.ahead(ticket); !local && n > 0 {
			if err := nap(time.Duration(n) * l.interval); err != nil {
				return err
			}
			continue
		}
		var d time.Duration
		if !local {
			share, wait := l.reserveShare(ln)
			if wait > 0 { // recovering, and the local share says wait
				if err := nap(wait); err != nil {
					return err
				}
				continue
			}
			wait, err := l.reserve(ctx, ln)
			switch {
			case err != nil && ctx.Err() != nil:
				share.cancel(l.c.now())
				return ctx.Err()
			case err != nil && share != nil:
				share.keep(l.c.now()) // the share's request goes, as a local grant
				return nil
			case err != nil:
				local = true // this request takes the local share (Cooldown may be shorter than a call)
			case wait == 0:
				return nil // on both the GCRA key and, recovering, the share
			default:
				share.cancel(l.c.now())
				d = wait
			}
		}
		if local {
			ok, wait := l.takeLocal(ln)
			if ok {
				return nil
			}
			d = wait
		}
		if err := nap(d); err != nil {
			return err
		}
	}
}

// takeLocal takes one request from the lane's local share now, or says how
// long until the next one.
func (l *limiter) takeLocal(ln *lane) (bool, time.Duration) {
	now := l.c.now()
	ln.mu.Lock()
	defer ln.mu.Unlock()
	if ln.local == nil {
		// It starts empty: what the fleet granted just before the outage
		// is on the GCRA key, out of reach; a full bucket would add to it.
		ln.local = rate.NewLimiter(l.share, l.burst)
		ln.local.AllowN(now, l.burst)
	}
	if ln.local.AllowN(now, 1) {
		ln.grant(now)
		return true, 0
	}
	missing := 1 - ln.local.TokensAt(now)
	return false, max(time.Duration(missing/float64(l.share)*float64(time.Second)), time.Microsecond)
}

// share is one request taken from a recovering lane's local share, until
// GCRA says it may go too.
type share struct {
	ln *lane
	r  *rate.Reservation
}

// reserveShare takes one request from the lane's local share while it
// recovers (nil, 0 when it does not), or says how long until there is one.
func (l *limiter) reserveShare(ln *lane) (*share, time.Duration) {
	now := l.c.now()
	ln.mu.Lock()
	defer ln.mu.Unlock()
	if ln.local == nil {
		return nil, 0
	}
	if !ln.until.IsZero() && !now.Before(ln.until) {
		ln.local, ln.until = nil, time.Time{} // recovered
		return nil, 0
	}
	r := ln.local.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return nil, d
	}
	return &share{ln, r}, 0
}

// cancel gives the request back to the share (GCRA said wait, or ctx ended).
func (s *share) cancel(now time.Time) {
	if s != nil {
		s.r.CancelAt(now)
	}
}

// keep makes the request a local grant (Redis failed as it was asked).
func (s *share) keep(now time.Time) {
	s.ln.mu.Lock()
	s.ln.grant(now)
	s.ln.mu.Unlock()
}

// grant records a local grant at now, for the debt; the list keeps the
// last second only (at most the local share of a second and its burst).
func (ln *lane) grant(now time.Time) {
	i := 0
	for i < len(ln.grants) && now.Sub(ln.grants[i]) > time.Second {
		i++
	}
	ln.grants = append(ln.grants[i:], now)
	ln.owed = true
}

// takeDebt returns the local grants of the last second not yet charged to
// the GCRA key, and marks them charged.
func (ln *lane) takeDebt(now time.Time) int {
	ln.mu.Lock()
	defer ln.mu.Unlock()
	if !ln.owed {
		return 0
	}
	ln.owed = false
	n := 0
	for _, g := range ln.grants {
		if now.Sub(g) <= time.Second {
			n++
		}
	}
	return n
}

// owe marks the lane's grants uncharged again (the call that would have
// charged them failed).
func (ln *lane) owe() {
	ln.mu.Lock()
	ln.owed = true
	ln.mu.Unlock()
}

// reserve asks Redis once whether a request for action may go: 0 means it
// may (and is counted), anything else is how long to wait.
func (l *limiter) reserve(ctx context.Context, ln *lane) (time.Duration, error) {
	now := ""
	if l.c.fixedNow {
		now = strconv.FormatInt(l.c.now().UnixMicro(), 10)
	}
	debt := ln.takeDebt(l.c.now())
	lo, hi := l.bounds()
	var us int64
	err := l.c.call(ctx, &l.b, "rate limit", func(ctx context.Context) error {
		var err error
		us, err = gcraScript.Run(ctx, l.c.rdb, []string{ln.key},
			l.interval.Microseconds(), l.c.o.Burst, now, lo.Microseconds(), hi.Microseconds(), debt).Int64()
		if err == nil && us < 0 {
			err = errPoisoned
		}
		return err
	})
	if err != nil && debt > 0 {
		ln.owe()
	}
	return time.Duration(us) * time.Microsecond, err
}

// bounds are how far behind and ahead of now a stored TAT may be.
//
// Behind: an hour. A replica's key expires a minute after its TAT passes,
// so an older one was not written by the fleet on this clock: a clock jump
// or a writer; it is harmless, but reported.
//
// Ahead: a TAT is at most Burst intervals ahead after a request goes
// ((Burst+1) with a margin of one), plus what returning replicas charge for
// their local grants (each at most its share of a second, Rate/Replicas,
// plus its local burst and one: in all, a second and Replicas*(burst+1)+1
// intervals), plus Cooldown for good measure. Anything further would make
// the fleet wait longer than any sequence of grants can.
func (l *limiter) bounds() (lo, hi time.Duration) {
	o := l.c.o
	localBurst := max(o.Burst/o.Replicas, 1)
	slack := time.Second + time.Duration(o.Replicas*(localBurst+1)+1)*l.interval
	return time.Hour, time.Duration(o.Burst+1)*l.interval + o.Cooldown + slack
}
