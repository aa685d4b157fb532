//go:build race

package tencent

// raceEnabled is true under the race detector, which slows everything:
// BenchmarkRequestKey's guard is off then.
const raceEnabled = true
