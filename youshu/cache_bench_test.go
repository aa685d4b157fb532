package youshu_test

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/biembed/biembed-go/internal/testkit/benchtest"
	"github.com/biembed/biembed-go/tokencache"
	"github.com/biembed/biembed-go/youshu"
	"github.com/biembed/biembed-go/youshu/youshutest"
)

// mintTransport answers every genToken in-process with a new token, so a
// benchmark can fill a cache with 100k tokens in seconds; the hits it then
// measures never reach it.
type mintTransport struct{ n atomic.Int64 }

func (m *mintTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
	}
	body := `{"code":200,"result":"bench-token-` + strconv.FormatInt(m.n.Add(1), 10) + `-0123456789abcdef"}`
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: r}, nil
}

// BenchmarkCacheGetHit measures what a handler pays per cached token: Get
// (the request's fingerprint, then the lookup) on random requests among
// 100,000 cached ones, each for one viewer of a report limited by a
// filterMap, with per-call p50/p99/p999 and allocations.
func BenchmarkCacheGetHit(b *testing.B) {
	const n = 100_000
	client, err := youshu.NewClient("http://bi.bench.invalid", youshu.WithInsecureHTTP(),
		youshu.WithCredential(youshutest.AdminCredential()), youshu.WithTransport(&mintTransport{}))
	if err != nil {
		b.Fatal(err)
	}
	cache, err := youshu.NewCache(client, tokencache.Options{MaxEntries: 2 * n})
	if err != nil {
		b.Fatal(err)
	}
	defer cache.Close()
	ctx := context.Background()
	rows := rowFilters() // shared, read-only
	reqs := make([]*youshu.GenTokenRequest, n)
	for i := range reqs {
		reqs[i] = &youshu.GenTokenRequest{AuthUniqueID: youshutest.User().UniqueID, FilterMap: rows,
			UVID: "viewer-" + strconv.Itoa(i), Expiry: 24 * time.Hour}
	}
	var wg sync.WaitGroup
	var failed atomic.Value
	const workers = 4
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				if _, err := cache.Get(ctx, reqs[i]); err != nil {
					failed.Store(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	b.Run(benchtest.Label(n), func(b *testing.B) {
		benchtest.Sample(b, n, func(i int) error {
			_, err := cache.Get(ctx, reqs[i])
			return err
		})
	})
	if s := cache.Stats(); s.Misses != n || s.Mints != n {
		b.Fatalf("not all hits: %+v", s)
	}
}
