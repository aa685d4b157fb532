package redisstore_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/biembed/biembed-go/internal/testkit/redistest"
	"github.com/biembed/biembed-go/redisstore"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
	"github.com/biembed/biembed-go/tokencache"
)

// stepClock is a virtual clock that moves only when every participant is
// asleep on it (or done): then it jumps to the earliest wake-up, or to the
// next scheduled event, which runs while everyone sleeps. Time at the fake
// is then exactly the time the limiter admitted a request, whatever the
// machine's speed, so counts per virtual second are exact.
type stepClock struct {
	mu       sync.Mutex
	cond     *sync.Cond
	now      time.Time
	active   int // participants not yet done
	sleeping []*sleeper
	events   []event
}

type sleeper struct {
	until time.Time
	wake  chan struct{}
}

// event is something the test does at a virtual time (kill Redis, ...).
type event struct {
	at time.Time
	do func()
}

func newStepClock(start time.Time, participants int) *stepClock {
	c := &stepClock{now: start, active: participants}
	c.cond = sync.NewCond(&c.mu)
	return c
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// At schedules do at the virtual time at (events run in the order given).
func (c *stepClock) At(at time.Time, do func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events = append(c.events, event{at, do})
}

// Sleep blocks until the clock reaches now+d.
func (c *stepClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	s := &sleeper{until: c.now.Add(d), wake: make(chan struct{})}
	c.sleeping = append(c.sleeping, s)
	c.cond.Broadcast()
	c.mu.Unlock()
	select {
	case <-s.wake:
		return nil
	case <-ctx.Done():
		return ctx.Err() // the tests' contexts never end
	}
}

// Done says one participant has finished.
func (c *stepClock) Done() {
	c.mu.Lock()
	c.active--
	c.cond.Broadcast()
	c.mu.Unlock()
}

// Run moves the clock until every participant is done.
func (c *stepClock) Run() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		for len(c.sleeping) < c.active {
			c.cond.Wait()
		}
		if c.active == 0 {
			return
		}
		next := c.sleeping[0].until
		for _, s := range c.sleeping {
			if s.until.Before(next) {
				next = s.until
			}
		}
		if len(c.events) > 0 && !c.events[0].at.After(next) {
			e := c.events[0]
			c.events = c.events[1:]
			if e.at.After(c.now) {
				c.now = e.at
			}
			c.mu.Unlock()
			e.do() // everyone sleeps: nothing else moves
			c.mu.Lock()
			continue
		}
		if next.After(c.now) {
			c.now = next
		}
		still := c.sleeping[:0]
		for _, s := range c.sleeping {
			if s.until.After(c.now) {
				still = append(still, s)
			} else {
				close(s.wake)
			}
		}
		c.sleeping = still
	}
}

// stampedFake records the virtual time of every mint the fake gets.
type stampedFake struct {
	fake  *tencenttest.Server
	clock func() time.Time
	mu    sync.Mutex
	times []time.Time
}

func (s *stampedFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("X-TC-Action") == "CreateEmbedToken" {
		s.mu.Lock()
		s.times = append(s.times, s.clock())
		s.mu.Unlock()
	}
	s.fake.ServeHTTP(w, r)
}

func (s *stampedFake) stamps() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.times)
}

// maxInOneSecond is the most requests in any closed one-second window
// [t, t+1s], and where that window starts.
func maxInOneSecond(times []time.Time) (most int, at time.Time) {
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	for i, start := range times {
		n := 0
		for _, t := range times[i:] {
			if t.Sub(start) > time.Second {
				break
			}
			n++
		}
		if n > most {
			most, at = n, start
		}
	}
	return most, at
}

// budgetRun is replicas goroutine replicas, each with its own Redis
// client, Fleet (store and limiter) and tencent Client, each asking for
// perReplica distinct tokens at once on a virtual clock; the fake stamps
// every mint with the virtual time.
type budgetRun struct {
	clock   *stepClock
	stamped *stampedFake
	f       *fleet
}

func newBudgetRun(t *testing.T, replicas, perReplica int, opts redisstore.Options) *budgetRun {
	t.Helper()
	clock := newStepClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), replicas*perReplica)
	fake := tencenttest.NewTestServer(t, tencenttest.WithClock(clock.Now))
	stamped := &stampedFake{fake: fake, clock: clock.Now}
	front := httptest.NewServer(stamped)
	t.Cleanup(front.Close)
	f := &fleet{fake: fake, redis: redistest.Start(t)}
	opts.Now = clock.Now
	f.add(t, replicas, fleetConfig{
		opts:    opts,
		limited: true,
		// go-redis, after PoolSize failed dials, probes a dead server once a
		// second in the background: with PoolSize this large it never gets
		// there, so a replica reaches a restarted Redis at once (the pool
		// dials on demand; this is no number of connections).
		rdb: func(int) *redis.Client {
			o := f.redis.Options()
			o.PoolSize = 1 << 16
			c := redis.NewClient(o)
			t.Cleanup(func() { _ = c.Close() })
			return c
		},
		client: func(int) []tencent.Option {
			return []tencent.Option{tencent.WithEndpoint(front.URL), tencent.WithClock(clock.Now)}
		},
		cache: tokencache.Options{Now: clock.Now},
	})
	for _, r := range f.replicas {
		redisstore.SetSleep(r.fleet, clock.Sleep)
	}
	return &budgetRun{clock: clock, stamped: stamped, f: f}
}

// run makes every replica Get perReplica distinct tokens at once (replica
// r from start(r) on the clock, when start is set) and moves the clock
// until all are done; it returns the errors. With direct, the replicas
// mint with their clients instead: the limiter alone between them and the
// fake.
func (b *budgetRun) run(perReplica int, direct bool, start func(r int) time.Duration) []error {
	var wg sync.WaitGroup
	errs := make(chan error, len(b.f.replicas)*perReplica)
	for r, rep := range b.f.replicas {
		for i := range perReplica {
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer b.clock.Done()
				if start != nil && start(r) > 0 {
					_ = b.clock.Sleep(context.Background(), start(r))
				}
				var err error
				if direct {
					_, err = rep.client.CreateEmbedToken(context.Background(), userRequest(r*perReplica+i))
				} else {
					_, err = rep.cache.Get(context.Background(), userRequest(r*perReplica+i))
				}
				if err != nil {
					errs <- err
				}
			}()
		}
	}
	b.clock.Run()
	wg.Wait()
	close(errs)
	var out []error
	for err := range errs {
		out = append(out, err)
	}
	return out
}

// Four replicas each asking for 40 distinct tokens at once, all through one
// Redis budget of 20/s (burst 1): the fake never sees more than
// rate+burst = 21 in any one-second window, and every Get succeeds.
func TestFleetSharesOneRateBudget(t *testing.T) {
	const (
		replicas, perReplica = 4, 40
		rate, burst          = 20, 1
	)
	b := newBudgetRun(t, replicas, perReplica, redisstore.Options{Rate: rate, Burst: burst, Replicas: replicas})
	for _, err := range b.run(perReplica, false, nil) {
		t.Errorf("Get failed: %v", err)
	}
	stamps := b.stamped.stamps()
	if n := len(stamps); n != replicas*perReplica {
		t.Fatalf("the fake got %d mints, want %d", n, replicas*perReplica)
	}
	if most, at := maxInOneSecond(stamps); most > rate+burst {
		t.Fatalf("the fake saw %d mints in the second from %v, want at most rate+burst = %d", most, at, rate+burst)
	}
}

// Item 12: four replicas share 20/s (burst 4, so Burst = Replicas: the
// local shares add up to the budget) on a virtual clock. Replica 0 alone
// spends the budget at first; redis-server is killed at 1s; the other
// replicas start asking later, one after the other, so each learns of the
// outage (and ends its Cooldown) at a different time; Redis comes back,
// empty or from a snapshot taken at 0.5s (an older TAT), and the replicas
// return to it one by one, the last a Cooldown after the first. Before,
// during and after the outage, and across its start and its staggered end,
// the fake never sees more than Rate+Burst = 24 mints in any one-second
// window, and every mint succeeds. (The replicas mint with their clients
// directly: the limiter is what is under test, and the store's own
// fallback is proven elsewhere.)
func TestFleetBudgetAcrossRedisOutage(t *testing.T) {
	for _, c := range []struct {
		name     string
		snapshot bool          // restart from a snapshot taken at 1s, else empty
		cooldown time.Duration // each replica's
		stagger  time.Duration // replica r starts asking at 1s + r*stagger
		back     time.Duration // when Redis answers again
	}{
		// Returns at 3.25s, 3.5s, 3.75s and 4s.
		{"empty", false, time.Second, 250 * time.Millisecond, 3100 * time.Millisecond},
		{"stale", true, time.Second, 250 * time.Millisecond, 3100 * time.Millisecond},
		// Returns at 4.75s, 5.5s, 6.25s and 7s: replicas still on their
		// local share for over two seconds after the first is back.
		{"long_cooldown", false, 3 * time.Second, 750 * time.Millisecond, 4200 * time.Millisecond},
	} {
		t.Run(c.name, func(t *testing.T) {
			const (
				replicas, perReplica = 4, 40
				rate, burst          = 20, 4
			)
			b := newBudgetRun(t, replicas, perReplica, redisstore.Options{Rate: rate, Burst: burst, Replicas: replicas,
				Cooldown: c.cooldown, Timeout: time.Second})
			t0, srv := b.clock.Now(), b.f.redis
			if c.snapshot {
				b.clock.At(t0.Add(500*time.Millisecond), srv.Snapshot)
			}
			b.clock.At(t0.Add(time.Second), srv.Kill)
			b.clock.At(t0.Add(c.back), func() {
				if c.snapshot {
					srv.RestartFromSnapshot()
				} else {
					srv.Restart()
				}
				b.f.waitReconnected(t)
			})
			start := func(r int) time.Duration {
				if r == 0 {
					return 0
				}
				return time.Second + time.Duration(r)*c.stagger
			}
			for _, err := range b.run(perReplica, true, start) {
				t.Errorf("Get failed: %v", err)
			}
			stamps := b.stamped.stamps()
			if n := len(stamps); n != replicas*perReplica {
				t.Fatalf("the fake got %d mints, want %d", n, replicas*perReplica)
			}
			most, at := maxInOneSecond(stamps)
			t.Logf("most mints in one second: %d, from %v; last mint at %v", most, at.Sub(t0), stamps[len(stamps)-1].Sub(t0))
			for _, r := range b.f.replicas {
				if r.fleet.Stats().Fallbacks == 0 {
					t.Fatal("a replica never fell back: the outage proved nothing")
				}
			}
			if most > rate+burst {
				t.Fatalf("the fake saw %d mints in the second from %v, want at most rate+burst = %d", most, at.Sub(t0), rate+burst)
			}
		})
	}
}
