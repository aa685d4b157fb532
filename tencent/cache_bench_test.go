package tencent_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/biembed/biembed-go/internal/testkit/benchtest"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tokencache"
)

// mintingTransport answers every CreateEmbedToken in memory with a new
// token, so a benchmark can fill a cache with 100,000 tokens in seconds.
type mintingTransport struct{ n atomic.Uint64 }

func (m *mintingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
	}
	id := strconv.FormatUint(m.n.Add(1), 10)
	body := []byte(`{"Response":{"Data":{"Id":` + id + `,"BIToken":"tok-bench-` + id + `","ProjectId":"117","ExpireTime":240},"RequestId":"r-` + id + `"}}`)
	return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)), Request: r}, nil
}

// hitCache is a cache holding a token for each of its requests.
type hitCache struct {
	cache *tencent.Cache
	reqs  []*tencent.CreateEmbedTokenRequest
}

var (
	hitCachesMu sync.Mutex
	hitCaches   = map[int]*hitCache{}
)

// filledCache returns a cache holding n tokens, one per page of one user,
// made once per process (benchmarks run again with -count reuse it).
func filledCache(b *testing.B, n int) *hitCache {
	hitCachesMu.Lock()
	defer hitCachesMu.Unlock()
	if h := hitCaches[n]; h != nil {
		return h
	}
	client, err := tencent.NewClient(tencent.WithSecret("AKIDbench", "bench-key"), tencent.WithTransport(&mintingTransport{}),
		tencent.WithRateLimiter(unlimited()))
	if err != nil {
		b.Fatal(err)
	}
	cache, err := tencent.NewCache(client, tokencache.Options{MaxEntries: 2 * n})
	if err != nil {
		b.Fatal(err)
	}
	h := &hitCache{cache: cache, reqs: make([]*tencent.CreateEmbedTokenRequest, n)}
	for i := range h.reqs {
		req := tencent.NewPageRequest(117, uint64(i+1))
		req.Expiry = 240 * time.Minute
		req.UserCorpID, req.UserID, req.TokenType = "corp-1", "user-1", tencent.TokenTypeSingleUser
		h.reqs[i] = req
	}
	var g errgroup.Group
	g.SetLimit(8)
	for _, req := range h.reqs {
		g.Go(func() error { _, err := cache.Get(context.Background(), req); return err })
	}
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}
	if s := cache.Stats(); s.Mints != uint64(n) {
		b.Fatalf("filling the cache: %+v", s)
	}
	hitCaches[n] = h
	return h
}

// BenchmarkCacheGetHit measures what a handler pays per cached embed token:
// cache.Get on random requests among n cached ones (one per page), with
// per-call p50/p99/p999 and allocations. Get derives the request's key
// (requestKey: validation, the wire body, SHA-256) and looks it up.
func BenchmarkCacheGetHit(b *testing.B) {
	ctx := context.Background()
	for _, n := range []int{1_000, 100_000} {
		b.Run(benchtest.Label(n), func(b *testing.B) {
			h := filledCache(b, n)
			before := h.cache.Stats()
			benchtest.Sample(b, n, func(i int) error {
				_, err := h.cache.Get(ctx, h.reqs[i])
				return err
			})
			if s := h.cache.Stats(); s.Misses != before.Misses || s.Mints != before.Mints {
				b.Fatalf("not all hits: %+v, before %+v", s, before)
			}
		})
	}
}
