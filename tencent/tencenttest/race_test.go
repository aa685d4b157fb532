//go:build race

package tencenttest

// raceEnabled is true under the race detector, which makes the bounded-memory
// test too slow for CI at full size; it then makes fewer calls.
const raceEnabled = true
