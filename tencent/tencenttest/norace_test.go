//go:build !race

package tencenttest

const raceEnabled = false
