package biembedtest_test

import (
	"sync"
	"testing"
	"time"

	"github.com/biembed/biembed-go/biembedtest"
)

func TestClockIsSafeForConcurrentUse(t *testing.T) {
	t.Parallel()
	start := time.Unix(0, 0)
	clock := biembedtest.NewClock(start)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(2)
		go func() { defer wg.Done(); clock.Advance(time.Second) }()
		go func() { defer wg.Done(); _ = clock.Now() }()
	}
	wg.Wait()
	if got := clock.Now().Sub(start); got != 8*time.Second {
		t.Errorf("after 8 concurrent one-second advances the clock moved %v", got)
	}
}

func TestClockMovesOnlyWhenTold(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := biembedtest.NewClock(start)
	first, second := clock.Now(), clock.Now()
	if !first.Equal(start) || !second.Equal(start) {
		t.Fatal("a manual clock moved by itself")
	}
	if got := clock.Advance(-time.Hour); !got.Equal(start.Add(-time.Hour)) {
		t.Errorf("Advance(-1h) = %v", got)
	}
	var zero biembedtest.Clock
	if !zero.Now().IsZero() {
		t.Error("the zero Clock must read the zero time")
	}
}
