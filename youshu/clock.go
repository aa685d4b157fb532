package youshu

import (
	"time"

	"github.com/biembed/biembed-go/internal/validate"
)

// Clock tells the time. *biembedtest.Clock implements it, and so does any
// type with a Now method; every clock option of the SDK takes this shape.
type Clock interface {
	Now() time.Time
}

// WithClock sets the clock that stamps Token.IssuedAt and ExpiresAt. The
// default is the system clock. Tests share one manual clock
// (biembedtest.Clock) between the client, its Cache (CacheOptions.Clock) and
// youshutest.WithClock, so token lifetimes pass without sleeping.
func WithClock(clock Clock) Option {
	return func(cfg *config) error {
		if clock == nil {
			return validate.Fieldf("WithClock", "must not be nil")
		}
		cfg.now = clock.Now
		return nil
	}
}
