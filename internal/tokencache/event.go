package tokencache

import "sync/atomic"

// EventKind says what happened in an Event. Each kind has one counter in
// Stats, which goes up exactly when an event of that kind is sent.
type EventKind int

// The kinds of Event.
const (
	// EventHit: a Get was served a cached token.
	EventHit EventKind = iota + 1
	// EventMiss: a Get found no token it may serve and waits for a mint.
	EventMiss
	// EventMint: a mint returned a usable token (and it was stored, unless
	// the Get bypassed the cache or the Store failed).
	EventMint
	// EventRefresh: a background refresh of a token inside its margin began.
	EventRefresh
	// EventError: a mint or a Store call failed; Event.Err says why.
	EventError
	// EventBypass: a Get minted a token that is never cached (Config.Bypass).
	EventBypass
	// EventEvict: an entry was dropped to respect MaxEntries or because it
	// can no longer be served.
	EventEvict
	// EventInvalidate: Invalidate, InvalidateValue or InvalidateTag was
	// called (Key is empty for the last two).
	EventInvalidate
	// EventStale: a minted token was not cached because its key or one of
	// its tags was invalidated while it was minted (Store.Save returned
	// ErrStale). The Gets that waited for it still got it.
	EventStale

	numKinds = iota
)

// String returns the kind's name, such as "hit".
func (k EventKind) String() string {
	switch k {
	case EventHit:
		return "hit"
	case EventMiss:
		return "miss"
	case EventMint:
		return "mint"
	case EventRefresh:
		return "refresh"
	case EventError:
		return "error"
	case EventBypass:
		return "bypass"
	case EventEvict:
		return "evict"
	case EventInvalidate:
		return "invalidate"
	case EventStale:
		return "stale"
	default:
		return "unknown"
	}
}

// Event reports one thing the Cache did, for Config.OnEvent. It never holds a
// token.
type Event struct {
	Kind EventKind
	Key  string
	Err  error // set for EventError only
}

// Stats counts what a Cache has done since New. Each field counts the events
// of one kind.
type Stats struct {
	Hits          uint64 // Gets served from the cache
	Misses        uint64 // Gets that waited for a mint
	Mints         uint64 // mints that returned a usable token
	Refreshes     uint64 // background refreshes started
	Errors        uint64 // failed mints and failed Store calls
	Bypasses      uint64 // Gets that minted outside the cache
	Evictions     uint64 // entries dropped for room or because they expired
	Invalidations uint64 // calls of Invalidate, InvalidateValue and InvalidateTag
	StaleSaves    uint64 // minted tokens not cached: invalidated while minting
}

// counters holds one atomic counter per EventKind.
type counters [numKinds + 1]atomic.Uint64

func (c *counters) stats() Stats {
	return Stats{
		Hits:          c[EventHit].Load(),
		Misses:        c[EventMiss].Load(),
		Mints:         c[EventMint].Load(),
		Refreshes:     c[EventRefresh].Load(),
		Errors:        c[EventError].Load(),
		Bypasses:      c[EventBypass].Load(),
		Evictions:     c[EventEvict].Load(),
		Invalidations: c[EventInvalidate].Load(),
		StaleSaves:    c[EventStale].Load(),
	}
}
