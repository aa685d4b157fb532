//go:build !race

package youshutest

const raceEnabled = false
