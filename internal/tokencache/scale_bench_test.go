package tokencache

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/biembed/biembed-go/internal/testkit/benchtest"
)

// scaleToken is the token of the scale benchmarks: made before the memory
// baseline, so bytes per entry exclude it.
type scaleToken struct {
	id              string // the token's identity, as Config.ID returns it
	issued, expires time.Time
}

// BenchmarkCacheScale fills a Cache with n tokens under keys shaped like
// RequestKey's (sha256:<64 hex>) and measures hits on random keys from one
// goroutine: each Get is timed on its own, and the benchmark reports the
// p50, p99 and p999 of those times (which include two time.Now calls), the
// allocations per hit, and the heap the filled cache holds per entry,
// counting the key string but not the token or its identity string
// (runtime.MemStats after GC, before and after filling, divided by n). The
// cache indexes tokens by identity (Config.ID), as both vendor caches do.
func BenchmarkCacheScale(b *testing.B) {
	for _, n := range []int{1_000, 100_000, 1_000_000} {
		b.Run("keys="+benchtest.Label(n), func(b *testing.B) { benchScale(b, n) })
	}
}

// BenchmarkMapScale is the floor of BenchmarkCacheScale on this machine: a
// bare map of entries behind a read lock, one clock read per lookup, the
// same keys, the same random access and the same timing.
func BenchmarkMapScale(b *testing.B) {
	for _, n := range []int{1_000, 100_000, 1_000_000} {
		b.Run("keys="+benchtest.Label(n), func(b *testing.B) {
			now := time.Now()
			keys := make([]string, n)
			var mu sync.RWMutex
			entries := make(map[string]Entry[*scaleToken], n)
			for i := range keys {
				keys[i] = scaleKey(i)
				entries[keys[i]] = Entry[*scaleToken]{Value: &scaleToken{}, IssuedAt: now, ExpiresAt: now.Add(time.Hour)}
			}
			load := func(key string) (Entry[*scaleToken], bool) {
				mu.RLock()
				defer mu.RUnlock()
				e, ok := entries[key]
				return e, ok
			}
			benchtest.Sample(b, n, func(i int) error {
				if e, ok := load(keys[i]); !ok || !time.Now().Before(e.ExpiresAt) {
					return ErrClosed // any error: a miss here is a bug of the benchmark
				}
				return nil
			})
		})
	}
}

func benchScale(b *testing.B, n int) {
	now := time.Now()
	tokens := make([]*scaleToken, n)
	for i := range tokens {
		tokens[i] = &scaleToken{id: "token-" + strconv.Itoa(i), issued: now, expires: now.Add(time.Hour)}
	}
	keys := make([]string, n) // headers now; the strings are made after the baseline
	before := heapInUse()

	c, err := New(Config[int, *scaleToken]{
		Mint:       func(_ context.Context, i int) (*scaleToken, error) { return tokens[i], nil },
		Lifetime:   func(t *scaleToken) (time.Time, time.Time) { return t.issued, t.expires },
		ID:         func(t *scaleToken) string { return t.id },
		MaxEntries: n,
	})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	for i := range keys {
		keys[i] = scaleKey(i)
		if _, err := c.Get(ctx, keys[i], i); err != nil {
			b.Fatal(err)
		}
	}
	perEntry := float64(heapInUse()-before) / float64(n)

	benchtest.Sample(b, n, func(i int) error {
		_, err := c.Get(ctx, keys[i], i)
		return err
	})
	if s := c.Stats(); s.Misses != uint64(n) {
		b.Fatalf("not all hits: %+v", s)
	}
	b.ReportMetric(perEntry, "B/entry")
	runtime.KeepAlive(tokens)
}

// scaleKey returns a key shaped like RequestKey's.
func scaleKey(i int) string {
	sum := sha256.Sum256([]byte(strconv.Itoa(i)))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// heapInUse returns the live heap after a full collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkCacheHitInterleaved measures hits at 100k random keys the way a
// vendor cache is used, with the floor in the same run: each call gets a
// fresh copy of its key (made before the clock starts, so warm and not the
// string the cache stored, as RequestKey's result would be), and three sides
// take turns in blocks of 1,000 calls, the first side rotating:
//
//	get    Cache.Get without a fingerprint (as BenchmarkCacheScale)
//	getfor Cache.GetFor with the key as fingerprint (the vendors' GetFor)
//	map    a bare map of entries behind a read lock, one clock read
//
// It reports each side's p50 and p99 in ns (each includes one time.Now
// besides the call's own) and the ratios of get's and getfor's p99 to map's.
// Its B/op and allocs/op count the key copies, not the hits
// (BenchmarkCacheScale shows a hit allocates nothing).
func BenchmarkCacheHitInterleaved(b *testing.B) {
	const n, block = 100_000, 1_000
	now := time.Now()
	keys := make([]string, n)
	tokens := make([]*scaleToken, n)
	var mu sync.RWMutex
	bare := make(map[string]Entry[*scaleToken], n)
	for i := range keys {
		keys[i] = scaleKey(i)
		tokens[i] = &scaleToken{id: "token-" + strconv.Itoa(i), issued: now, expires: now.Add(time.Hour)}
		bare[keys[i]] = Entry[*scaleToken]{Value: tokens[i], IssuedAt: now, ExpiresAt: now.Add(time.Hour)}
	}
	var key string // the current call's fresh key
	get := filledCache(b, tokens, keys, nil)
	getFor := filledCache(b, tokens, keys, func(int) (string, error) { return key, nil })
	ctx := context.Background()
	sides := []struct {
		name string
		call func(i int) error
	}{
		{"get", func(i int) error { _, err := get.Get(ctx, key, i); return err }},
		{"getfor", func(i int) error { _, err := getFor.GetFor(ctx, i); return err }},
		{"map", func(int) error {
			mu.RLock()
			e, ok := bare[key]
			mu.RUnlock()
			if !ok || !time.Now().Before(e.ExpiresAt) {
				return ErrClosed // any error: a miss here is a bug of the benchmark
			}
			return nil
		}},
	}
	samples := make([]benchtest.Durations, len(sides))
	rng := rand.New(rand.NewPCG(n, 7))
	b.ReportAllocs()
	b.ResetTimer()
	for r := 0; r*block*len(sides) < b.N; r++ {
		for k := range sides {
			side := (k + r) % len(sides)
			for range block {
				i := rng.IntN(n)
				key = strings.Clone(keys[i])
				start := time.Now()
				err := sides[side].call(i)
				d := time.Since(start)
				if err != nil {
					b.Fatalf("%s %d: %v", sides[side].name, i, err)
				}
				samples[side] = append(samples[side], d)
			}
		}
	}
	b.StopTimer()
	for k, s := range sides {
		b.ReportMetric(float64(samples[k].Quantile(0.50)), s.name+"-p50-ns")
		b.ReportMetric(float64(samples[k].Quantile(0.99)), s.name+"-p99-ns")
	}
	floor := float64(samples[2].Quantile(0.99))
	b.ReportMetric(float64(samples[0].Quantile(0.99))/floor, "get/map-p99")
	b.ReportMetric(float64(samples[1].Quantile(0.99))/floor, "getfor/map-p99")
}

// filledCache returns a Cache holding tokens[i] under keys[i], with
// fingerprint as Config.Fingerprint.
func filledCache(b *testing.B, tokens []*scaleToken, keys []string, fingerprint func(int) (string, error)) *Cache[int, *scaleToken] {
	var filling string
	fp := fingerprint
	if fp != nil {
		fp = func(i int) (string, error) {
			if filling != "" {
				return filling, nil
			}
			return fingerprint(i)
		}
	}
	c, err := New(Config[int, *scaleToken]{
		Mint:        func(_ context.Context, i int) (*scaleToken, error) { return tokens[i], nil },
		Lifetime:    func(t *scaleToken) (time.Time, time.Time) { return t.issued, t.expires },
		ID:          func(t *scaleToken) string { return t.id },
		Fingerprint: fp,
		MaxEntries:  len(keys),
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.Close() })
	for i, k := range keys {
		filling = k
		if _, err := c.Get(context.Background(), k, i); err != nil {
			b.Fatal(err)
		}
	}
	filling = ""
	return c
}
