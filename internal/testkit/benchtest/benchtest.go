// Package benchtest runs interleaved ratio benchmarks: ways of doing the
// same call take turns in short blocks against the same server, so the load
// drift of a shared machine hits every side alike, and the ratio of their
// times is taken per round before the median is (separate sub-benchmarks
// run all of one side, then all of the other, and drift reads as overhead).
package benchtest

import (
	"cmp"
	"context"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Side is one contender: Call does the work once.
type Side struct {
	Name string
	Call func() error
}

// Interleave runs b.N rounds (use -benchtime=60x for 60). In each round every
// side makes block calls in a row, the sides in turn, the first side rotating
// from round to round. It reports through b.ReportMetric, with sides[0] as
// "sdk" and another side as "raw":
//
//	us/call-raw      median over rounds of raw's time per call, in µs
//	sdk/raw          median over rounds of sdk's time / raw's time in that round
//	sdk/raw-p10/-p90 the 10th and 90th percentiles of that ratio
//	us-sdk-raw       median over rounds of the difference per call, in µs
//
// Every side is warmed up with one block first. A failing call fails b.
func Interleave(b *testing.B, block int, sides ...Side) {
	if len(sides) < 2 || block < 1 {
		b.Fatal("benchtest: Interleave needs two sides and a positive block")
	}
	perCall := make([][]float64, len(sides)) // µs per call, by side, by round
	run := func(i int) {
		start := time.Now()
		for range block {
			if err := sides[i].Call(); err != nil {
				b.Fatalf("%s: %v", sides[i].Name, err)
			}
		}
		perCall[i] = append(perCall[i], float64(time.Since(start))/float64(block)/1e3)
	}
	for i := range sides {
		run(i)
		perCall[i] = perCall[i][:0]
	}
	for round := 0; b.Loop(); round++ {
		for k := range sides {
			run((round + k) % len(sides))
		}
	}
	sdk := sides[0].Name
	for i, s := range sides {
		b.ReportMetric(Quantile(perCall[i], 0.5), "us/call-"+s.Name)
		if i == 0 {
			continue
		}
		var ratios, diffs []float64
		for r, t := range perCall[0] {
			ratios, diffs = append(ratios, t/perCall[i][r]), append(diffs, t-perCall[i][r])
		}
		name := sdk + "/" + s.Name
		b.ReportMetric(Quantile(ratios, 0.5), name)
		b.ReportMetric(Quantile(ratios, 0.1), name+"-p10")
		b.ReportMetric(Quantile(ratios, 0.9), name+"-p90")
		b.ReportMetric(Quantile(diffs, 0.5), "us-"+sdk+"-"+s.Name)
	}
}

// Quantile returns the q-quantile (0 <= q <= 1) of samples, by the nearest
// rank, of samples (not empty, not changed).
func Quantile[S ~[]E, E cmp.Ordered](samples S, q float64) E {
	sorted := slices.Sorted(slices.Values(samples))
	return sorted[min(max(int(math.Ceil(q*float64(len(sorted))))-1, 0), len(sorted)-1)]
}

// Label formats n for a sub-benchmark name: 1k, 100k, 1M.
func Label(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return strconv.Itoa(n/1_000_000) + "M"
	case n >= 1000 && n%1000 == 0:
		return strconv.Itoa(n/1000) + "k"
	}
	return strconv.Itoa(n)
}

// Floor is the least an HTTP client can cost on this machine: a bare
// net/http POST of a small JSON body over loopback to a handler that answers
// a constant small JSON body, which is read and discarded. Put it beside the
// raw baselines so a reader sees what the network stack itself costs.
type Floor struct{ srv *httptest.Server }

// NewFloor starts the trivial server; Close stops it.
func NewFloor() *Floor {
	return &Floor{httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"code":200,"result":"0123456789abcdef0123456789abcdef01234"}`)
	}))}
}

// Side returns the floor as a contender named "floor".
func (f *Floor) Side(ctx context.Context) Side {
	return Side{Name: "floor", Call: func() error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, f.srv.URL, strings.NewReader(`{"k":"v"}`))
		req.Header.Set("Content-Type", "application/json")
		resp, err := f.srv.Client().Do(req)
		if err == nil {
			_, err = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
		}
		return err
	}}
}

// Close stops the server and closes idle connections.
func (f *Floor) Close() { f.srv.Close() }

// Sample calls op with random indexes below n, b.N times, times each call
// on its own (keeping at most 2^20 times) and reports p50-ns,
// p99-ns and p999-ns (each with one clock read) and the allocations per
// call. A failing call fails b.
func Sample(b *testing.B, n int, op func(i int) error) {
	rng := rand.New(rand.NewPCG(uint64(n), 7))
	const ring = 1 << 20
	samples := make([]time.Duration, 0, ring)
	b.ReportAllocs()
	for b.Loop() {
		i := rng.IntN(n)
		start := time.Now()
		err := op(i)
		d := time.Since(start)
		if err != nil {
			b.Fatalf("call %d: %v", i, err)
		}
		if len(samples) < ring {
			samples = append(samples, d)
		} else {
			samples[rng.IntN(ring)] = d
		}
	}
	b.ReportMetric(float64(Quantile(samples, 0.50)), "p50-ns")
	b.ReportMetric(float64(Quantile(samples, 0.99)), "p99-ns")
	b.ReportMetric(float64(Quantile(samples, 0.999)), "p999-ns")
}
