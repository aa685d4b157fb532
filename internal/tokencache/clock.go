package tokencache

import (
	"time"

	"github.com/biembed/biembed-go/biembedtest"
)

// Clock tells the time. The Cache reads it for every Get; tests pass a
// FakeClock.
type Clock interface {
	Now() time.Time
}

// systemClock is the Clock used when Config.Clock is nil.
type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// FakeClock is the manual clock of package biembedtest, the one every clock
// option of the SDK and both fakes take, so engine tests and users' tests move
// one kind of clock.
type FakeClock = biembedtest.Clock

// NewFakeClock returns a FakeClock reading start.
func NewFakeClock(start time.Time) *FakeClock { return biembedtest.NewClock(start) }
