package redisstore_test

import (
	"context"
	"errors"
	"math"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/biembed/biembed-go/internal/testkit/redistest"
	"github.com/biembed/biembed-go/redisstore"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/youshu"
)

func newLimiter(t *testing.T, rdb redis.UniversalClient, opts redisstore.LimiterOptions) *redisstore.RateLimiter {
	t.Helper()
	if opts.Prefix == "" {
		opts.Prefix = "test:"
	}
	l, err := redisstore.NewRateLimiter(rdb, opts)
	if err != nil {
		t.Fatalf("NewRateLimiter: %v", err)
	}
	return l
}

// Two limiters on one Redis and Prefix (two replicas) share one budget: at
// one instant they admit Burst requests between them, then each must wait.
func TestRateLimiterSharesOneBudget(t *testing.T) {
	srv := redistest.Start(t)
	clock := newManualClock()
	opts := redisstore.LimiterOptions{Rate: 20, Burst: 3, Clock: clock}
	a, b := newLimiter(t, srv.Client(), opts), newLimiter(t, srv.Client(), opts)
	ctx := context.Background()
	admitted := 0
	for i := range 10 {
		l := a
		if i%2 == 1 {
			l = b
		}
		d, err := l.Reserve(ctx, "CreateEmbedToken")
		if err != nil {
			t.Fatalf("Reserve: %v", err)
		}
		if d == 0 {
			admitted++
		} else if d != 50*time.Millisecond {
			t.Fatalf("wait = %v, want one interval (50ms)", d)
		}
	}
	if admitted != 3 {
		t.Fatalf("admitted %d at one instant across two limiters, want Burst = 3", admitted)
	}
	if d, _ := a.Reserve(ctx, "ApplyEmbedInterval"); d != 0 {
		t.Fatalf("another action waits %v; budgets are per action", d)
	}
	clock.Advance(50 * time.Millisecond)
	if d, _ := b.Reserve(ctx, "CreateEmbedToken"); d != 0 {
		t.Fatalf("after one interval the next request waits %v, want 0", d)
	}
	if d, _ := a.Reserve(ctx, "CreateEmbedToken"); d != 50*time.Millisecond {
		t.Fatalf("the one after waits %v, want 50ms", d)
	}
}

// Redis killed: Wait still lets the request go (local limiter), the error is
// counted and reported; Redis back: the limiter uses it again by itself.
func TestRateLimiterFallsBackAndRecovers(t *testing.T) {
	srv := redistest.Start(t)
	var reported atomic.Int64
	l := newLimiter(t, srv.Client(), redisstore.LimiterOptions{
		Cooldown: time.Nanosecond, OnError: func(error) { reported.Add(1) },
	})
	ctx := context.Background()
	srv.Kill()
	if err := l.Wait(ctx, "CreateEmbedToken"); err != nil {
		t.Fatalf("Wait with Redis down: %v", err)
	}
	if l.Errors() == 0 || reported.Load() == 0 {
		t.Fatalf("Errors() = %d, reported %d; want the failure counted and reported", l.Errors(), reported.Load())
	}
	srv.Restart()
	before := l.Errors()
	if d, err := l.Reserve(ctx, "CreateEmbedToken"); err != nil || d != 0 {
		t.Fatalf("Reserve after restart = %v, %v; want 0, nil", d, err)
	}
	if l.Errors() != before {
		t.Fatal("an error was counted after Redis came back")
	}
}

// A Redis slower than Timeout counts as down for that call.
func TestRateLimiterSlowRedisFallsBack(t *testing.T) {
	srv := redistest.Start(t)
	admin := srv.Client()
	l := newLimiter(t, srv.Client(), redisstore.LimiterOptions{Timeout: 20 * time.Millisecond})
	ctx := context.Background()
	if err := admin.Do(ctx, "CLIENT", "PAUSE", "300", "ALL").Err(); err != nil {
		t.Fatalf("CLIENT PAUSE: %v", err)
	}
	if err := l.Wait(ctx, "CreateEmbedToken"); err != nil {
		t.Fatalf("Wait with a paused Redis: %v", err)
	}
	if l.Errors() != 1 {
		t.Fatalf("Errors() = %d, want 1", l.Errors())
	}
}

func TestRateLimiterWaitEndsWithContext(t *testing.T) {
	srv := redistest.Start(t)
	clock := newManualClock() // never advances: the second request waits forever
	l := newLimiter(t, srv.Client(), redisstore.LimiterOptions{Clock: clock})
	ctx, cancel := context.WithCancel(context.Background())
	if err := l.Wait(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := l.Wait(ctx, "a"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait = %v, want context.Canceled", err)
	}
}

func TestNewRateLimiterValidation(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	t.Cleanup(func() { _ = rdb.Close() })
	var nilClient *redis.Client
	for _, tc := range []struct {
		name  string
		rdb   redis.UniversalClient
		opts  redisstore.LimiterOptions
		field string
	}{
		{"nil client", nil, redisstore.LimiterOptions{Prefix: "p:"}, "rdb"},
		{"typed nil client", nilClient, redisstore.LimiterOptions{Prefix: "p:"}, "rdb"},
		{"empty prefix", rdb, redisstore.LimiterOptions{}, "Prefix"},
		{"NaN rate", rdb, redisstore.LimiterOptions{Prefix: "p:", Rate: math.NaN()}, "Rate"},
		{"negative burst", rdb, redisstore.LimiterOptions{Prefix: "p:", Burst: -1}, "Burst"},
		{"negative timeout", rdb, redisstore.LimiterOptions{Prefix: "p:", Timeout: -1}, "Timeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := redisstore.NewRateLimiter(tc.rdb, tc.opts)
			var ve *redisstore.ValidationError
			if !errors.As(err, &ve) || ve.Field != tc.field {
				t.Fatalf("err = %v, want a ValidationError naming %s", err, tc.field)
			}
		})
	}
}

// RateLimiter is the limiter both vendor clients wait on.
var (
	_ tencent.RateLimiter = (*redisstore.RateLimiter)(nil)
	_ youshu.RateLimiter  = (*redisstore.RateLimiter)(nil)
)

// Redis down: a limiter told how many replicas share the budget paces its
// local fallback at that share, so the fleet stays within the budget while
// each replica is on its own.
func TestRateLimiterFallbackTakesItsShare(t *testing.T) {
	srv := redistest.Start(t)
	shared := newLimiter(t, srv.Client(), redisstore.LimiterOptions{Rate: 20, Burst: 4, Replicas: 40, Cooldown: time.Hour})
	whole := newLimiter(t, srv.Client(), redisstore.LimiterOptions{Rate: 20, Burst: 4, Cooldown: time.Hour, Prefix: "other:"})
	srv.Kill()
	ctx := context.Background()
	for _, l := range []*redisstore.RateLimiter{shared, whole} {
		if err := l.Wait(ctx, "CreateEmbedToken"); err != nil {
			t.Fatalf("first Wait with Redis down: %v", err)
		}
	}
	// A share of 20/40 = 0.5 per second with a burst of 1: the next request
	// is 2s away, so a 10ms deadline fails at once; the whole rate's burst
	// of 4 lets it go.
	soon, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	if err := shared.Wait(soon, "CreateEmbedToken"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second Wait on a 1/40 share = %v, want it refused as past the deadline", err)
	}
	if err := whole.Wait(soon, "CreateEmbedToken"); err != nil {
		t.Fatalf("second Wait on the whole rate = %v, want nil (burst 4)", err)
	}
}
