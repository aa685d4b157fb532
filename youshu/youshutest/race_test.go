//go:build race

package youshutest

// raceEnabled is true under the race detector, which makes the 100k-call
// test too slow for CI; it then makes 10k.
const raceEnabled = true
