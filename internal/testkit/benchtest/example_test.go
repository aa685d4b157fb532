package benchtest_test

import (
	"fmt"
	"time"

	"github.com/biembed/biembed-go/internal/testkit/benchtest"
)

// Quantile picks by nearest rank: the median of five ratios is the third.
func ExampleQuantile() {
	ratios := []float64{1.31, 1.02, 1.08, 1.12, 1.05}
	fmt.Println(benchtest.Quantile(ratios, 0.5), benchtest.Quantile(ratios, 0.9))
	d := []time.Duration{3 * time.Microsecond, time.Microsecond, 2 * time.Microsecond}
	fmt.Println(benchtest.Quantile(d, 0.99), benchtest.Label(100_000), benchtest.Label(1_000_000))
	// Output:
	// 1.08 1.31
	// 3µs 100k 1M
}
