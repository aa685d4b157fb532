package redisstore_test

import (
	"context"
	"testing"

	"github.com/biembed/biembed-go/internal/testkit/redistest"
	"github.com/biembed/biembed-go/redisstore"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
	"github.com/biembed/biembed-go/tokencache"
)

// benchCache returns a tencent.Cache on the fake, over store (nil:
// memory), with one token for user 1 already cached.
func benchCache(b *testing.B, fake *tencenttest.Server, store tokencache.Store) *tencent.Cache {
	b.Helper()
	client, err := tencent.NewClient(tencent.WithSecret(tencenttest.SecretID, tencenttest.SecretKey),
		tencent.WithEndpoint(fake.URL()), tencent.WithTransport(transport(b)), tencent.WithRateLimiter(unlimited()))
	if err != nil {
		b.Fatal(err)
	}
	cache, err := tencent.NewCache(client, tokencache.Options{Store: store})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cache.Close() })
	if _, err := cache.Get(context.Background(), userRequest(1)); err != nil {
		b.Fatal(err)
	}
	return cache
}

// BenchmarkHit compares a cache hit in memory, a hit through the fleet's
// store (sealed, and Plaintext), and one raw Redis GET of a value of the
// same size, in the same run; extra-mints must stay 0.
func BenchmarkHit(b *testing.B) {
	srv := redistest.Start(b)
	rdb := srv.Client()
	ctx := context.Background()
	fake := tencenttest.NewTestServer(b)
	sealed := newFleet(b, rdb, redisstore.Options{Prefix: "bench:"})
	plain := newFleet(b, rdb, redisstore.Options{Prefix: "bench-plain:", Plaintext: true})
	hit := func(cache *tencent.Cache) func(b *testing.B) {
		return func(b *testing.B) {
			before := fake.Count("CreateEmbedToken")
			b.ReportAllocs()
			for b.Loop() {
				if _, err := cache.Get(ctx, userRequest(1)); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(fake.Count("CreateEmbedToken")-before), "extra-mints")
		}
	}
	b.Run("memory", hit(benchCache(b, fake, nil)))
	b.Run("redis-sealed", hit(benchCache(b, fake, sealed.Store)))
	b.Run("redis-plaintext", hit(benchCache(b, fake, plain.Store)))
	b.Run("raw-GET", func(b *testing.B) {
		keys := rdb.Keys(ctx, "bench:e:*").Val()
		if len(keys) != 1 {
			b.Fatalf("entries: %v", keys)
		}
		rdb.Set(ctx, "bench:raw", rdb.HGet(ctx, keys[0], "b").Val(), 0)
		b.ReportAllocs()
		for b.Loop() {
			if err := rdb.Get(ctx, "bench:raw").Err(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
