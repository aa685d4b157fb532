package tencent_test

import (
	"context"
	"testing"
	"time"

	"github.com/biembed/biembed-go/internal/testkit/benchtest"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
)

// BenchmarkCacheGetWithRequestKey measures what a handler pays per cached
// embed token, on random requests among 1,000 cached ones (one per page),
// with per-call p50/p99 and allocations: "GetFor" is the README's path
// (Cache.GetFor, which derives RequestKey(req) once); "RequestKey+Get" is a
// caller that derives the key itself and passes it to Get, which derives the
// request's fingerprint again. The engine alone, at more keys, is
// tokencache's BenchmarkCacheHitInterleaved.
func BenchmarkCacheGetWithRequestKey(b *testing.B) {
	srv := tencenttest.NewServer()
	defer srv.Close()
	cache, err := tencent.NewCache(benchClient(b, srv), tencent.CacheOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer cache.Close()
	ctx := context.Background()
	const n = 1000
	reqs := make([]*tencent.CreateEmbedTokenRequest, n)
	get := func(i int) error {
		key, err := tencent.RequestKey(reqs[i])
		if err != nil {
			return err
		}
		_, err = cache.Get(ctx, key, reqs[i])
		return err
	}
	getFor := func(i int) error {
		_, err := cache.GetFor(ctx, reqs[i])
		return err
	}
	for i := range reqs {
		reqs[i] = tencent.NewPageRequest(117, uint64(i+1))
		reqs[i].Expiry = 240 * time.Minute
		reqs[i].UserCorpID, reqs[i].UserID, reqs[i].TokenType = "corp-1", "user-1", tencent.TokenTypeSingleUser
		if err := get(i); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("GetFor", func(b *testing.B) { benchtest.Sample(b, n, getFor) })
	b.Run("RequestKey+Get", func(b *testing.B) { benchtest.Sample(b, n, get) })
	if s := cache.Stats(); s.Misses != n {
		b.Fatalf("not all hits: %+v", s)
	}
}
