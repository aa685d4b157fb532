package redisstore_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/biembed/biembed-go/biembedtest"
	"github.com/biembed/biembed-go/internal/testkit/redistest"
	"github.com/biembed/biembed-go/redisstore"
)

// errWouldWait is what a test's sleep returns instead of sleeping: Wait
// then returns it, so a test sees that it would have waited.
var errWouldWait = errors.New("would wait")

// noSleep records the waits a limiter asks for and refuses them.
type noSleep struct{ waits []time.Duration }

func (n *noSleep) sleep(_ context.Context, d time.Duration) error {
	n.waits = append(n.waits, d)
	return errWouldWait
}

// Two replicas on one Redis and Prefix share one budget: at one instant
// they admit Burst requests between them, then each must wait one interval;
// each action has its own budget.
func TestLimiterSharesOneBudget(t *testing.T) {
	srv := redistest.Start(t)
	clock := biembedtest.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	opts := redisstore.Options{Rate: 20, Burst: 3, Now: clock.Now}
	a, b := newFleet(t, srv.Client(), opts), newFleet(t, srv.Client(), opts)
	var ns noSleep
	redisstore.SetSleep(a, ns.sleep)
	redisstore.SetSleep(b, ns.sleep)
	ctx := context.Background()
	admitted := 0
	for i := range 10 {
		l := a.Limiter
		if i%2 == 1 {
			l = b.Limiter
		}
		switch err := l.Wait(ctx, "CreateEmbedToken"); {
		case err == nil:
			admitted++
		case !errors.Is(err, errWouldWait):
			t.Fatalf("Wait: %v", err)
		}
	}
	if admitted != 3 {
		t.Fatalf("admitted %d at one instant across two replicas, want Burst = 3", admitted)
	}
	for _, w := range ns.waits {
		if w != 50*time.Millisecond {
			t.Fatalf("a refused request was told to wait %v, want one interval (50ms)", w)
		}
	}
	if err := a.Limiter.Wait(ctx, "ApplyEmbedInterval"); err != nil {
		t.Fatalf("another action: %v; budgets are per action", err)
	}
	clock.Advance(50 * time.Millisecond)
	if err := b.Limiter.Wait(ctx, "CreateEmbedToken"); err != nil {
		t.Fatalf("after one interval: %v", err)
	}
	if err := a.Limiter.Wait(ctx, "CreateEmbedToken"); !errors.Is(err, errWouldWait) {
		t.Fatalf("the one after: %v, want a wait", err)
	}
	if s := a.Stats(); s.RedisErrors != 0 || s.Fallbacks != 0 {
		t.Fatalf("stats %+v, want no errors", s)
	}
}

// Redis killed: Wait still lets the request go (local limiter), the error
// is counted; Redis back: the limiter uses it again by itself.
func TestLimiterFallsBackAndRecovers(t *testing.T) {
	srv := redistest.Start(t)
	fl := newFleet(t, srv.Client(), redisstore.Options{Cooldown: time.Nanosecond, Rate: 1000, Burst: 10})
	ctx := context.Background()
	srv.Kill()
	if err := fl.Limiter.Wait(ctx, "CreateEmbedToken"); err != nil {
		t.Fatalf("Wait with Redis down: %v", err)
	}
	if s := fl.Stats(); s.RedisErrors == 0 || s.Fallbacks != 1 {
		t.Fatalf("stats %+v; want the failure counted and one fallback", s)
	}
	srv.Restart()
	before := fl.Stats()
	if err := fl.Limiter.Wait(ctx, "CreateEmbedToken"); err != nil {
		t.Fatalf("Wait after restart: %v", err)
	}
	if s := fl.Stats(); s.RedisErrors != before.RedisErrors {
		t.Fatalf("an error was counted after Redis came back: %+v", s)
	}
}

// A Wait whose ctx ends returns ctx's error.
func TestLimiterWaitEndsWithContext(t *testing.T) {
	srv := redistest.Start(t)
	clock := biembedtest.NewClock(time.Now()) // never advances: the second request waits forever
	fl := newFleet(t, srv.Client(), redisstore.Options{Now: clock.Now})
	ctx, cancel := context.WithCancel(context.Background())
	if err := fl.Limiter.Wait(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	redisstore.SetSleep(fl, func(ctx context.Context, _ time.Duration) error {
		cancel()
		<-ctx.Done()
		return ctx.Err()
	})
	if err := fl.Limiter.Wait(ctx, "a"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait = %v, want context.Canceled", err)
	}
}

// fastForward is a limiter sleep that moves clock instead of waiting, and
// adds what it slept to *slept.
func fastForward(clock *biembedtest.Clock, slept *time.Duration) func(context.Context, time.Duration) error {
	return func(ctx context.Context, d time.Duration) error {
		*slept += d
		clock.Advance(d)
		return ctx.Err()
	}
}

// Redis down: a limiter told how many replicas share the budget paces its
// local fallback at its share, on the Fleet's clock: with 40 replicas
// sharing 20/s, five requests take at least four times 2s; the whole rate
// (one replica) lets them go within a quarter second.
func TestLimiterFallbackTakesItsShare(t *testing.T) {
	srv := redistest.Start(t)
	srv.Kill()
	ctx := context.Background()
	for _, c := range []struct {
		replicas int
		min, max time.Duration
	}{{40, 8 * time.Second, 10 * time.Second}, {1, 0, 250 * time.Millisecond}} {
		clock := biembedtest.NewClock(time.Now())
		fl := newFleet(t, srv.Client(), redisstore.Options{Rate: 20, Burst: 4, Replicas: c.replicas, Cooldown: time.Hour, Now: clock.Now})
		var slept time.Duration
		redisstore.SetSleep(fl, fastForward(clock, &slept))
		for range 5 {
			if err := fl.Limiter.Wait(ctx, "CreateEmbedToken"); err != nil {
				t.Fatalf("Wait with Redis down: %v", err)
			}
		}
		if slept < c.min || slept > c.max {
			t.Fatalf("%d replicas: five requests took %v of the clock, want %v to %v", c.replicas, slept, c.min, c.max)
		}
	}
}

// Fifty requests waiting on one replica do not each ask Redis at every
// interval: only the first in line asks, the others sleep their turn. The
// GCRA script runs at most three times per request (virtual clock).
func TestLimiterWaitersDoNotStampede(t *testing.T) {
	srv := redistest.Start(t)
	const waiters = 50
	clock := newStepClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), waiters)
	rdb := srv.Client()
	calls := &callCounter{}
	rdb.AddHook(calls)
	fl := newFleet(t, rdb, redisstore.Options{Rate: 20, Burst: 1, Now: clock.Now})
	redisstore.SetSleep(fl, clock.Sleep)
	var admitted []time.Time
	var mu sync.Mutex
	for range waiters {
		go func() {
			defer clock.Done()
			if err := fl.Limiter.Wait(context.Background(), "CreateEmbedToken"); err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			admitted = append(admitted, clock.Now())
			mu.Unlock()
		}()
	}
	clock.Run()
	if len(admitted) != waiters {
		t.Fatalf("%d of %d admitted", len(admitted), waiters)
	}
	if most, _ := maxInOneSecond(admitted); most > 21 {
		t.Fatalf("%d admitted in one second, want at most 21", most)
	}
	if n := calls.scripts(); n > 3*waiters {
		t.Fatalf("the GCRA script ran %d times for %d requests, want at most %d", n, waiters, 3*waiters)
	}
}
