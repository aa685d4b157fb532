package youshu_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/biembed/biembed-go/filtermap"
	"github.com/biembed/biembed-go/internal/testkit/benchtest"
	"github.com/biembed/biembed-go/youshu"
	"github.com/biembed/biembed-go/youshu/youshutest"
)

// BenchmarkCacheGetWithRequestKey measures what a handler pays per cached
// token, on random requests among 1,000 cached ones (one user, each limited
// to another store), with per-call p50/p99 and allocations: "GetFor" is the
// README's path (Cache.GetFor, which derives RequestKey(req) once);
// "RequestKey+Get" is a caller that derives the key itself and passes it to
// Get, which derives the request's fingerprint again. The engine alone, at
// more keys, is tokencache's BenchmarkCacheHitInterleaved.
func BenchmarkCacheGetWithRequestKey(b *testing.B) {
	srv := youshutest.NewServer()
	defer srv.Close()
	cache, err := youshu.NewCache(newClient(b, srv), youshu.CacheOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer cache.Close()
	ctx := context.Background()
	const n = 1000
	reqs := make([]*youshu.GenTokenRequest, n)
	get := func(i int) error {
		key, err := youshu.RequestKey(reqs[i])
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
		var rows filtermap.FilterMap
		rows.Set(700006204, filtermap.NewRowFilters(filtermap.RuleOr,
			filtermap.NewListFilter(filtermap.TableName("orders"), filtermap.Select,
				filtermap.Field("store", filtermap.TypeString), "store-"+strconv.Itoa(i))))
		reqs[i] = &youshu.GenTokenRequest{AuthUniqueID: "user", FilterMap: rows, Expiry: 24 * time.Hour}
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
