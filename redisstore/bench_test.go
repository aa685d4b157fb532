package redisstore_test

import (
	"context"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/biembed/biembed-go/internal/testkit/redistest"
	"github.com/biembed/biembed-go/redisstore"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
)

// benchCache returns a tencent.Cache on the fake, over store (nil: memory),
// with one token for "user-1" already cached.
func benchCache(b *testing.B, fake *tencenttest.Server, store tencent.CacheStore) *tencent.Cache {
	b.Helper()
	client, err := tencent.NewClient(tencent.WithSecret(tencenttest.SecretID, tencenttest.SecretKey),
		tencent.WithEndpoint(fake.URL()), tencent.WithRateLimit(math.Inf(1)))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(client.CloseIdleConnections)
	cache, err := tencent.NewCache(client, tencent.CacheOptions{Store: store})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cache.Close() })
	if _, err := cache.Get(context.Background(), "user-1", userRequest(1)); err != nil {
		b.Fatal(err)
	}
	return cache
}

// BenchmarkHit compares a cache hit in memory, a hit through the Redis
// store (plain and sealed), and one raw Redis GET of a same-size value in
// the same run: the Redis hit's target is within 2x of the raw GET.
func BenchmarkHit(b *testing.B) {
	srv := redistest.Start(b)
	rdb := srv.Client()
	ctx := context.Background()
	fake := tencenttest.NewTestServer(b)
	plain, err := redisstore.NewTencentStore(rdb, redisstore.Options{Prefix: "bench:"})
	if err != nil {
		b.Fatal(err)
	}
	sealed, err := redisstore.NewTencentStore(rdb, redisstore.Options{Prefix: "bench-sealed:", SealKey: testKey()})
	if err != nil {
		b.Fatal(err)
	}
	hit := func(cache *tencent.Cache) func(b *testing.B) {
		return func(b *testing.B) {
			before := fake.Count(tencent.ActionCreateEmbedToken)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := cache.Get(ctx, "user-1", userRequest(1)); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(fake.Count(tencent.ActionCreateEmbedToken)-before), "extra-mints")
		}
	}
	b.Run("memory", hit(benchCache(b, fake, nil)))
	b.Run("redis", hit(benchCache(b, fake, plain)))
	b.Run("redis-sealed", hit(benchCache(b, fake, sealed)))
	b.Run("raw-GET", func(b *testing.B) {
		blob := rdb.HGet(ctx, "bench:e:user-1", "b").Val()
		rdb.Set(ctx, "bench:raw", blob, 0)
		b.ReportAllocs()
		for b.Loop() {
			if err := rdb.Get(ctx, "bench:raw").Err(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkEntryBytes reports what one cached Tencent token takes in Redis:
// the entry's blob and MEMORY USAGE of its key (plain and sealed).
func BenchmarkEntryBytes(b *testing.B) {
	srv := redistest.Start(b)
	rdb := srv.Client()
	ctx := context.Background()
	fake := tencenttest.NewTestServer(b)
	for _, sealedRun := range []bool{false, true} {
		name, opts := "plain", redisstore.Options{Prefix: "plain:"}
		if sealedRun {
			name, opts = "sealed", redisstore.Options{Prefix: "sealed:", SealKey: testKey()}
		}
		b.Run(name, func(b *testing.B) {
			store, err := redisstore.NewTencentStore(rdb, opts)
			if err != nil {
				b.Fatal(err)
			}
			benchCache(b, fake, store)
			for b.Loop() {
				_ = rdb.MemoryUsage(ctx, opts.Prefix+"e:user-1").Val()
			}
			b.ReportMetric(float64(len(rdb.HGet(ctx, opts.Prefix+"e:user-1", "b").Val())), "blob-bytes")
			b.ReportMetric(float64(rdb.MemoryUsage(ctx, opts.Prefix+"e:user-1").Val()), "redis-bytes")
		})
	}
}

// BenchmarkFleetMintRate has four replicas mint distinct tokens as fast as
// one Redis budget of 20/s (burst 1) lets them, against a fake that answers
// RequestLimitExceeded above 20/s. It reports mints per second (target:
// 20 +/- 1) and the requests the fake refused (target: 0). Run it with
// -benchtime=200x or so: b.N is the number of mints.
func BenchmarkFleetMintRate(b *testing.B) {
	srv := redistest.Start(b)
	fake := tencenttest.NewTestServer(b, tencenttest.WithRateLimit(20))
	var caches []*tencent.Cache
	for range 4 {
		rl, err := redisstore.NewRateLimiter(srv.Client(), redisstore.LimiterOptions{Prefix: "bench:", Rate: 20, Burst: 1})
		if err != nil {
			b.Fatal(err)
		}
		client, err := tencent.NewClient(tencent.WithSecret(tencenttest.SecretID, tencenttest.SecretKey),
			tencent.WithEndpoint(fake.URL()), tencent.WithRateLimiter(rl), tencent.WithMaxRetries(0))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(client.CloseIdleConnections)
		store, err := redisstore.NewTencentStore(srv.Client(), redisstore.Options{Prefix: "bench:", Timeout: time.Second})
		if err != nil {
			b.Fatal(err)
		}
		cache, err := tencent.NewCache(client, tencent.CacheOptions{Store: store})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = cache.Close() })
		caches = append(caches, cache)
	}
	var next, refused atomic.Int64
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for _, cache := range caches {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n := next.Add(1)
				if n > int64(b.N) {
					return
				}
				if _, err := cache.Get(context.Background(), fmt.Sprintf("rate-%d", n), userRequest(int(n))); err != nil {
					refused.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "mints/s")
	b.ReportMetric(float64(refused.Load()), "refused")
}

// BenchmarkHitRatio interleaves one raw Redis GET, one Redis-store hit (sealed)
// and one in-memory hit per iteration, so that a machine whose load drifts
// slows all three alike, and reports each one's mean and the ratio of the
// Redis hit to the raw GET (target: at most 2).
//
// "default" is a go-redis client as it comes: the store then bounds each call
// by running it aside (see Options.Timeout). "context-timeouts" sets
// ContextTimeoutEnabled, which lets the store call Redis directly.
func BenchmarkHitRatio(b *testing.B) {
	srv := redistest.Start(b)
	b.Run("default", func(b *testing.B) { hitRatio(b, srv.Client()) })
	opts := srv.Options()
	opts.ContextTimeoutEnabled = true
	rdb := redis.NewClient(opts)
	b.Cleanup(func() { _ = rdb.Close() })
	b.Run("context-timeouts", func(b *testing.B) { hitRatio(b, rdb) })
}

func hitRatio(b *testing.B, rdb *redis.Client) {
	ctx := context.Background()
	fake := tencenttest.NewTestServer(b)
	store, err := redisstore.NewTencentStore(rdb, redisstore.Options{Prefix: "ratio:", SealKey: testKey(), Timeout: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	shared, memory := benchCache(b, fake, store), benchCache(b, fake, nil)
	rdb.Set(ctx, "ratio:raw", rdb.HGet(ctx, "ratio:e:user-1", "b").Val(), 0)
	mints := fake.Count(tencent.ActionCreateEmbedToken)
	var get, hit, mem time.Duration
	for b.Loop() {
		t0 := time.Now()
		if err := rdb.Get(ctx, "ratio:raw").Err(); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := shared.Get(ctx, "user-1", userRequest(1)); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		if _, err := memory.Get(ctx, "user-1", userRequest(1)); err != nil {
			b.Fatal(err)
		}
		get, hit, mem = get+t1.Sub(t0), hit+t2.Sub(t1), mem+time.Since(t2)
	}
	n := float64(b.N)
	b.ReportMetric(float64(get.Nanoseconds())/n, "get-ns")
	b.ReportMetric(float64(hit.Nanoseconds())/n, "redis-hit-ns")
	b.ReportMetric(float64(mem.Nanoseconds())/n, "memory-hit-ns")
	b.ReportMetric(float64(hit)/float64(get), "hit/get")
	b.ReportMetric(float64(fake.Count(tencent.ActionCreateEmbedToken)-mints), "extra-mints")
}
