// Package benchtest runs interleaved ratio benchmarks: two or more ways of
// doing the same call take turns in short blocks against the same server,
// so the load drift of a shared machine (other processes, GC, a fake that
// grows) hits every side alike, and the ratio of their times is taken per
// round before the median is. `-count N` of separate sub-benchmarks instead
// runs all of one side, then all of the other, and drift reads as overhead.
package benchtest

import (
	"math"
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
