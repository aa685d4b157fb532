package tokencache

import (
	"context"
	"time"
)

// Flights is what a shared Store implements to make one replica of a fleet
// mint a key while the others wait for it (fleet-wide single-flight). The
// Cache uses it when its Store implements it; any error makes the Cache
// mint on its own, as it does without Flights.
type Flights interface {
	// Lead tries to become the one minter of key fleet-wide for ttl (0: the
	// Store's default). led is false when another replica leads; release,
	// set when led, ends the lead and must be called once the token is saved.
	Lead(ctx context.Context, key string, ttl time.Duration) (release func(), led bool, err error)
	// Follow waits until key's lead ends (released or expired) or ctx ends.
	Follow(ctx context.Context, key string) error
}

// maxFollows bounds how often a flight waits for other replicas before it
// mints anyway: each wait ends with a lead that saved nothing usable.
const maxFollows = 3

// fleetTurn lets a flight take its turn in the fleet before it mints: it
// either leads (and must call release after saving), or finds the entry the
// leading replica saved (found). Without Flights, or on any error, it
// returns a no-op release and found false: the flight mints on its own.
func (c *Cache[R, T]) fleetTurn(ctx context.Context, fk flightKey) (release func(), e Entry[T], found bool) {
	noop := func() {}
	fl, ok := c.cfg.Store.(Flights)
	if !ok {
		return noop, e, false
	}
	for range maxFollows {
		rel, led, err := fl.Lead(ctx, fk.key, c.cfg.MintTimeout)
		if err != nil {
			c.record(EventError, fk.key, err)
			return noop, e, false
		}
		if led {
			// Another replica may have saved just before this one led.
			if e, ok := c.fresh(ctx, fk); ok {
				rel()
				return noop, e, true
			}
			return rel, e, false
		}
		if err := fl.Follow(ctx, fk.key); err != nil {
			c.record(EventError, fk.key, err)
			return noop, e, false
		}
		if e, ok := c.fresh(ctx, fk); ok {
			return noop, e, true
		}
	}
	return noop, e, false
}

// fresh returns the stored entry for fk if it may be served and needs no
// refresh yet, as the entry another replica has just minted does.
func (c *Cache[R, T]) fresh(ctx context.Context, fk flightKey) (Entry[T], bool) {
	e, ok, err := c.load(ctx, fk.key)
	if err != nil || !ok || e.Fingerprint != fk.fp {
		return e, false
	}
	return e, c.cfg.Clock.Now().Before(e.ExpiresAt.Add(-c.refreshMargin(e)))
}
