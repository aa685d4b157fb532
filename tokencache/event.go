package tokencache

import "sync/atomic"

// EventKind says what happened in an Event. Each kind has one counter in
// Stats, which goes up exactly when an event of that kind is sent.
type EventKind int

// The kinds of Event.
const (
	EventHit           EventKind = iota + 1 // a Get was served a cached token
	EventMiss                               // a Get found no token it may serve and waits for a mint
	EventMint                               // a mint returned a usable token
	EventRefresh                            // a background refresh of a token inside its margin began
	EventRefreshFailed                      // a background refresh failed; Err says why (the old token is still served)
	EventError                              // a mint or a Store call failed; Err says why
	EventBypass                             // a Get minted a token that is never cached
	EventForget                             // Forget or ForgetUser dropped tokens, or the client revoked some outside the cache
	EventRevoke                             // Revoke, RevokeUser or RevokeSuperseded revoked tokens at the vendor
	EventStale                              // a minted token was not cached: what it was minted for was invalidated meanwhile
	EventExtend                             // Extend extended a token at the vendor in place

	numKinds = iota
)

// String returns the kind's name, such as "hit".
func (k EventKind) String() string {
	names := [...]string{"unknown", "hit", "miss", "mint", "refresh", "refresh_failed", "error", "bypass", "forget", "revoke", "stale", "extend"}
	if k < 0 || int(k) >= len(names) {
		return "unknown"
	}
	return names[k]
}

// Event reports one thing a Cache did, for Options.OnEvent. It never holds a
// token: Key is the request's fingerprint (a hash) or empty.
type Event struct {
	Kind EventKind
	Key  string
	Err  error // set for EventRefreshFailed and EventError
}

// Stats counts what a Cache has done since it was made, one field per
// EventKind, in the same order.
type Stats struct {
	Hits, Misses, Mints, Refreshes, RefreshFailed, Errors uint64
	Bypasses, Forgets, Revokes, StaleSaves, Extends       uint64
}

// counters holds one atomic counter per EventKind.
type counters [numKinds + 1]atomic.Uint64

// Stats returns the counts so far (zero for a nil Cache).
func (c *Cache[R, T]) Stats() Stats {
	if c == nil {
		return Stats{}
	}
	return Stats{Hits: c.counts[EventHit].Load(), Misses: c.counts[EventMiss].Load(), Mints: c.counts[EventMint].Load(),
		Refreshes: c.counts[EventRefresh].Load(), RefreshFailed: c.counts[EventRefreshFailed].Load(), Errors: c.counts[EventError].Load(),
		Bypasses: c.counts[EventBypass].Load(), Forgets: c.counts[EventForget].Load(), Revokes: c.counts[EventRevoke].Load(),
		StaleSaves: c.counts[EventStale].Load(), Extends: c.counts[EventExtend].Load()}
}
