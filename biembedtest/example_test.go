package biembedtest_test

import (
	"fmt"
	"time"

	"github.com/biembed/biembed-go/biembedtest"
)

// One clock for the client, the cache and the fake: advancing it moves all of
// them, with no sleeping.
func Example() {
	clock := biembedtest.NewClock(time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC))
	var now interface{ Now() time.Time } = clock // what every clock option takes

	expires := now.Now().Add(time.Hour)
	clock.Advance(59 * time.Minute)
	fmt.Println("live:", now.Now().Before(expires))
	clock.Advance(time.Minute)
	fmt.Println("live:", now.Now().Before(expires))

	clock.Set(time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC))
	fmt.Println(clock.Now().Format(time.Kitchen))
	// Output:
	// live: true
	// live: false
	// 9:00AM
}

// ClockFunc turns a function into a clock, here one stuck at an instant.
func ExampleClockFunc() {
	sent := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	clock := biembedtest.ClockFunc(func() time.Time { return sent })
	fmt.Println(clock.Now().Equal(sent))
	// Output: true
}
