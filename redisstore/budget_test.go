package redisstore_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/biembed/biembed-go/internal/testkit/redistest"
	"github.com/biembed/biembed-go/redisstore"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
)

// stepClock is a virtual clock that moves only when every participant is
// asleep on it (or done): then it jumps to the earliest wake-up. Time at the
// fake is then exactly the time the limiter admitted a request, whatever
// the machine's speed, so counts per virtual second are exact.
type stepClock struct {
	mu       sync.Mutex
	cond     *sync.Cond
	now      time.Time
	active   int // participants not yet done
	sleeping []*sleeper
}

type sleeper struct {
	until time.Time
	wake  chan struct{}
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
		return ctx.Err() // the test's contexts never end
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

// steppedLimiter is redisstore.RateLimiter waiting on the virtual clock.
type steppedLimiter struct {
	rl    *redisstore.RateLimiter
	clock *stepClock
}

func (l steppedLimiter) Wait(ctx context.Context, action string) error {
	for {
		d, err := l.rl.Reserve(ctx, action)
		if err != nil || d == 0 {
			return err
		}
		if err := l.clock.Sleep(ctx, d); err != nil {
			return err
		}
	}
}

// stampedFake records the virtual time of every request the fake gets.
type stampedFake struct {
	fake  *tencenttest.Server
	clock *stepClock
	mu    sync.Mutex
	times []time.Time
}

func (s *stampedFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("X-TC-Action") == tencent.ActionCreateEmbedToken {
		s.mu.Lock()
		s.times = append(s.times, s.clock.Now())
		s.mu.Unlock()
	}
	s.fake.ServeHTTP(w, r)
}

// maxInOneSecond is the most requests in any closed one-second window.
func maxInOneSecond(times []time.Time) int {
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	most := 0
	for i, start := range times {
		n := 0
		for _, t := range times[i:] {
			if t.Sub(start) > time.Second {
				break
			}
			n++
		}
		most = max(most, n)
	}
	return most
}

// Four replicas each asking for 40 distinct tokens at once, all through one
// Redis budget of 20/s (burst 1): the fake, itself limiting at 20/s, never
// sees more than rate+burst = 21 in any one-second window, and every Get
// succeeds without a retry (WithMaxRetries(0)). With each replica's own
// limiter the fleet sends up to 80 a second.
func TestFleetSharesOneRateBudget(t *testing.T) {
	const (
		replicas, perReplica = 4, 40
		rate, burst          = 20, 1
	)
	clock := newStepClock(time.Now(), replicas*perReplica)
	fake := tencenttest.NewTestServer(t, tencenttest.WithClock(clock), tencenttest.WithRateLimit(rate))
	stamped := &stampedFake{fake: fake, clock: clock}
	front := httptest.NewServer(stamped)
	t.Cleanup(front.Close)

	f := &fleet{fake: fake}
	f.redis = redistest.Start(t)
	f.add(t, replicas, fleetConfig{
		client: func(int) []tencent.Option {
			rl, err := redisstore.NewRateLimiter(f.redis.Client(), redisstore.LimiterOptions{
				Prefix: "fleet:", Rate: rate, Burst: burst, Clock: clock, Timeout: 10 * time.Second,
			})
			if err != nil {
				t.Fatal(err)
			}
			return []tencent.Option{tencent.WithEndpoint(front.URL), tencent.WithClock(clock),
				tencent.WithRateLimiter(steppedLimiter{rl: rl, clock: clock})}
		},
		cache: tencent.CacheOptions{Clock: clock},
		store: redisstore.Options{Clock: clock},
	})

	var wg sync.WaitGroup
	errs := make(chan error, replicas*perReplica)
	for r, rep := range f.replicas {
		for i := range perReplica {
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer clock.Done()
				user := r*perReplica + i
				if _, err := rep.cache.Get(context.Background(), fmt.Sprintf("user-%d", user), userRequest(user)); err != nil {
					errs <- err
				}
			}()
		}
	}
	clock.Run()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("Get failed: %v", err)
	}
	if n := len(stamped.times); n != replicas*perReplica {
		t.Fatalf("the fake got %d CreateEmbedToken requests, want %d", n, replicas*perReplica)
	}
	if most := maxInOneSecond(stamped.times); most > rate+burst {
		t.Fatalf("the fake saw %d requests in one second, want at most rate+burst = %d", most, rate+burst)
	}
}
