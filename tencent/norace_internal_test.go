//go:build !race

package tencent

const raceEnabled = false
