// Package benchtest runs interleaved ratio benchmarks: two or more ways of
// doing the same call take turns in short blocks against the same server,
// so the load drift of a shared machine (other processes, GC, a fake that
// grows) hits every side alike, and the ratio of their times is taken per
// round before the median is. `-count N` of separate sub-benchmarks instead
// runs all of one side, then all of the other, and drift reads as overhead.
package benchtest

import (
	"bytes"
	"context"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
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
	b.Helper()
	if len(sides) < 2 || block < 1 {
		b.Fatal("benchtest: Interleave needs two sides and a positive block")
	}
	perCall := make([][]float64, len(sides)) // µs per call, by side, by round
	for _, s := range sides {
		runBlock(b, s, block)
	}
	b.ResetTimer()
	round := 0
	for b.Loop() {
		for k := range sides {
			i := (round + k) % len(sides)
			perCall[i] = append(perCall[i], runBlock(b, sides[i], block))
		}
		round++
	}
	b.StopTimer()
	first := sides[0].Name
	for i, s := range sides {
		b.ReportMetric(Quantile(perCall[i], 0.5), "us/call-"+s.Name)
		if i == 0 {
			continue
		}
		ratios := make([]float64, round)
		diffs := make([]float64, round)
		for r := range round {
			ratios[r] = perCall[0][r] / perCall[i][r]
			diffs[r] = perCall[0][r] - perCall[i][r]
		}
		name := first + "/" + s.Name
		b.ReportMetric(Quantile(ratios, 0.5), name)
		b.ReportMetric(Quantile(ratios, 0.1), name+"-p10")
		b.ReportMetric(Quantile(ratios, 0.9), name+"-p90")
		b.ReportMetric(Quantile(diffs, 0.5), "us-"+first+"-"+s.Name)
	}
}

// runBlock makes n calls of s and returns the time per call in µs.
func runBlock(b *testing.B, s Side, n int) float64 {
	start := time.Now()
	for range n {
		if err := s.Call(); err != nil {
			b.Fatalf("%s: %v", s.Name, err)
		}
	}
	return float64(time.Since(start)) / float64(n) / 1e3
}

// Quantile returns the q-quantile (0 <= q <= 1) of samples, by the nearest
// rank; NaN for no samples. samples is not changed.
func Quantile(samples []float64, q float64) float64 {
	if len(samples) == 0 {
		return math.NaN()
	}
	sorted := slices.Clone(samples)
	slices.Sort(sorted)
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// Durations is a sample of durations, for percentiles of single operations.
type Durations []time.Duration

// Quantile returns the q-quantile of d (by the nearest rank), 0 for none.
func (d Durations) Quantile(q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	sorted := slices.Clone(d)
	slices.Sort(sorted)
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
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
type Floor struct {
	srv *httptest.Server
	hc  *http.Client
}

// NewFloor starts the trivial server; Close stops it.
func NewFloor() *Floor {
	answer := []byte(`{"code":200,"result":"0123456789abcdef0123456789abcdef01234"}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(answer)
	}))
	return &Floor{srv: srv, hc: &http.Client{Transport: &http.Transport{}}}
}

// Side returns the floor as a contender named "floor".
func (f *Floor) Side(ctx context.Context) Side {
	return Side{Name: "floor", Call: func() error { return f.call(ctx) }}
}

func (f *Floor) call(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.srv.URL, bytes.NewReader([]byte(`{"k":"v"}`)))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := f.hc.Do(req)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return err
}

// Close stops the server and closes idle connections.
func (f *Floor) Close() {
	f.hc.CloseIdleConnections()
	f.srv.Close()
}

// Sample calls op with random indexes below n, b.N times, times each call
// on its own and reports the p50, p99 and p999 of those times (p50-ns,
// p99-ns, p999-ns; each includes one clock read) with the allocations per
// call. A failing call fails b.
func Sample(b *testing.B, n int, op func(i int) error) {
	b.Helper()
	rng := rand.New(rand.NewPCG(uint64(n), 7))
	const ring = 1 << 20
	samples := make(Durations, 0, ring)
	b.ReportAllocs()
	b.ResetTimer()
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
	b.StopTimer()
	b.ReportMetric(float64(samples.Quantile(0.50)), "p50-ns")
	b.ReportMetric(float64(samples.Quantile(0.99)), "p99-ns")
	b.ReportMetric(float64(samples.Quantile(0.999)), "p999-ns")
}
