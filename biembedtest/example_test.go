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
	now := clock.Now // what every clock option takes

	expires := now().Add(time.Hour)
	clock.Advance(59 * time.Minute)
	fmt.Println("live:", now().Before(expires))
	clock.Advance(time.Minute)
	fmt.Println("live:", now().Before(expires))

	clock.Set(time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC))
	fmt.Println(clock.Now().Format(time.Kitchen))
	// Output:
	// live: true
	// live: false
	// 9:00AM
}
