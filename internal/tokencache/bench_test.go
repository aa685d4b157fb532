package tokencache

import (
	"context"
	"strconv"
	"testing"
	"time"
)

// BenchmarkCacheHit measures Get for a cached token, from many goroutines.
func BenchmarkCacheHit(b *testing.B) {
	for _, keys := range []int{1, 1024} {
		b.Run("keys="+strconv.Itoa(keys), func(b *testing.B) {
			c, err := New(Config[req, token]{
				Mint: func(context.Context, req) (token, error) {
					now := time.Now()
					return token{ID: "t", Issued: now, ExpiresAt: now.Add(time.Hour)}, nil
				},
				Lifetime: lifetime,
			})
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			ctx := context.Background()
			names := make([]string, keys)
			for i := range names {
				names[i] = "tenant/user/" + strconv.Itoa(i)
				if _, err := c.Get(ctx, names[i], req{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					if _, err := c.Get(ctx, names[i%keys], req{}); err != nil {
						b.Error(err)
						return
					}
					i++
				}
			})
			b.StopTimer()
			if s := c.Stats(); s.Misses != uint64(keys) || s.Refreshes != 0 {
				b.Fatalf("not all hits: %+v", s)
			}
		})
	}
}
