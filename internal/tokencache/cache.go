package tokencache

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/biembed/biembed-go/internal/validate"
)

// Defaults for the Config fields left zero.
const (
	DefaultRefreshFraction  = 0.2
	DefaultMinRefreshMargin = 30 * time.Second
	DefaultSkew             = 30 * time.Second
	DefaultMaxEntries       = 10_000
)

// ErrClosed is returned by Get once Close has been called.
var ErrClosed = errors.New("tokencache: cache is closed")

// Config describes what a Cache caches and how. Mint and Lifetime are
// required; every other field has a default.
type Config[R, T any] struct {
	// Mint creates a token for req. It runs with the first waiting caller's
	// context values but without its cancellation (and with MintTimeout, if
	// set), so that one caller giving up does not fail the others.
	Mint func(ctx context.Context, req R) (T, error)
	// Lifetime reports when token was issued and when it expires. A zero
	// issuedAt means "when the mint started". A token that expires within
	// Skew of the time it arrives is an error (ErrShortLived).
	Lifetime func(token T) (issuedAt, expiresAt time.Time)
	// ID returns the token's identity for InvalidateValue: HashID of the
	// token string, never the token itself, since stores index entries by
	// it. Optional; without it InvalidateValue is an error.
	ID func(token T) string
	// Fingerprint identifies everything in req that shapes the token (user,
	// permissions, filters). A cached entry is served only to a Get whose
	// request has the entry's fingerprint; any other is a miss, and its
	// token replaces the entry. GetFor uses it as the key too. An error
	// fails the Get before anything is minted. Optional; without it every
	// request of a key matches and GetFor is an error.
	Fingerprint func(req R) (string, error)
	// Tags returns the invalidation tags of the token minted for req (such
	// as the group a vendor's "clear tokens" call clears); InvalidateTag
	// drops every entry saved with a tag. Optional.
	Tags func(req R) []string
	// Bypass reports whether req asks for a token that must never be cached
	// or shared (single-use, ticket-limited). Optional.
	Bypass func(req R) bool
	// Store keeps the tokens. Default: in memory.
	Store Store[T]
	// Clock tells the time. Default: the system clock.
	Clock Clock
	// RefreshFraction is the refresh margin as a fraction of the token's
	// lifetime, from 0 to 0.5. Default (0): 0.2.
	RefreshFraction float64
	// MinRefreshMargin is the least refresh margin. Default (0): 30s. The
	// margin never exceeds half the token's lifetime, whatever this says.
	MinRefreshMargin time.Duration
	// Skew is how long before its expiry a token stops being served, to allow
	// for clock differences and the time the token takes to reach its user.
	// Default (0): 30s.
	Skew time.Duration
	// MintTimeout bounds each mint. Default (0): no bound beyond what Mint
	// itself applies.
	MintTimeout time.Duration
	// MaxEntries is how many tokens the Cache keeps. Default (0): 10,000.
	// The Cache tracks the keys it saved and deletes those it evicts from
	// the Store, whichever Store it is.
	MaxEntries int
	// OnEvent, if set, is called for every Event, synchronously and never
	// under the Cache's lock. It must be fast and must not block.
	OnEvent func(Event)
}

// Cache serves live tokens by key and mints only when needed. It is safe for
// concurrent use. Close it to wait for its background refreshes.
type Cache[R, T any] struct {
	cfg    Config[R, T]    // defaults applied
	mem    *memoryStore[T] // cfg.Store when it is the memory store itself, for the hit path
	closed atomic.Bool
	counts counters

	mu      sync.Mutex // guards flights, index and retry
	flights map[flightKey]*flight[T]
	index   index
	retry   map[string]backoff // keys whose last background refresh failed
	wg      sync.WaitGroup     // one per running flight
}

// backoff is when a key whose background refresh failed may try again.
type backoff struct {
	after    time.Time
	failures int
}

// Background refreshes that fail wait refreshPause, doubled at each failure
// up to maxRefreshPause, before the next hit tries again.
const (
	refreshPause    = time.Second
	maxRefreshPause = 30 * time.Second
)

// flightKey names a flight: one mint per key and request fingerprint, so a
// waiter never gets a token minted for another request.
type flightKey struct{ key, fp string }

// flight is one mint in progress for a key; every Get for the key waits on it.
type flight[T any] struct {
	done chan struct{} // closed once val and err are set
	val  T
	err  error
}

// New checks cfg, fills in its defaults and returns a Cache. A bad cfg gets a
// *validate.Error naming the field.
func New[R, T any](cfg Config[R, T]) (*Cache[R, T], error) {
	if err := check(cfg); err != nil {
		return nil, err
	}
	cfg = withDefaults(cfg)
	mem, _ := cfg.Store.(*memoryStore[T]) // exactly it: a Store embedding it may change Load
	return &Cache[R, T]{cfg: cfg, mem: mem, flights: make(map[flightKey]*flight[T]), index: newIndex(),
		retry: make(map[string]backoff)}, nil
}

func check[R, T any](cfg Config[R, T]) error {
	switch {
	case cfg.Mint == nil:
		return validate.Fieldf("Mint", "must be set")
	case cfg.Lifetime == nil:
		return validate.Fieldf("Lifetime", "must be set")
	case math.IsNaN(cfg.RefreshFraction) || cfg.RefreshFraction < 0 || cfg.RefreshFraction > 0.5:
		return validate.Fieldf("RefreshFraction", "must be from 0 to 0.5 (0 means %v)", DefaultRefreshFraction)
	case cfg.MinRefreshMargin < 0:
		return validate.Fieldf("MinRefreshMargin", "must not be negative")
	case cfg.Skew < 0:
		return validate.Fieldf("Skew", "must not be negative")
	case cfg.MintTimeout < 0:
		return validate.Fieldf("MintTimeout", "must not be negative")
	case cfg.MaxEntries < 0:
		return validate.Fieldf("MaxEntries", "must not be negative")
	}
	return nil
}

func withDefaults[R, T any](cfg Config[R, T]) Config[R, T] {
	if cfg.Store == nil {
		cfg.Store = newMemoryStore[T]()
	}
	if cfg.Clock == nil {
		cfg.Clock = systemClock{}
	}
	if cfg.RefreshFraction == 0 {
		cfg.RefreshFraction = DefaultRefreshFraction
	}
	if cfg.MinRefreshMargin == 0 {
		cfg.MinRefreshMargin = DefaultMinRefreshMargin
	}
	if cfg.Skew == 0 {
		cfg.Skew = DefaultSkew
	}
	if cfg.MaxEntries == 0 {
		cfg.MaxEntries = DefaultMaxEntries
	}
	return cfg
}

// Get returns a live token for key, minting one with req when the cache has
// none it may serve. A cached token is served only if it was minted for a
// request with req's fingerprint (Config.Fingerprint). Concurrent Gets for
// one key and request share one mint; a Get whose ctx ends returns ctx.Err()
// without stopping that mint. If Config.Bypass says req must not be shared,
// Get mints a token for this call alone. key must be valid UTF-8 of 1 to
// MaxKeyLen bytes without control characters.
func (c *Cache[R, T]) Get(ctx context.Context, key string, req R) (T, error) {
	var zero T
	switch {
	case ctx == nil:
		return zero, validate.Fieldf("ctx", "must not be nil")
	case checkKey(key) != nil:
		return zero, checkKey(key)
	}
	return c.get(ctx, key, req, false)
}

// GetFor is Get with the key derived from req: its fingerprint
// (Config.Fingerprint, which must be set).
func (c *Cache[R, T]) GetFor(ctx context.Context, req R) (T, error) {
	var zero T
	switch {
	case ctx == nil:
		return zero, validate.Fieldf("ctx", "must not be nil")
	case c.cfg.Fingerprint == nil:
		return zero, validate.Fieldf("Fingerprint", "must be set in Config to derive keys from requests")
	}
	return c.get(ctx, "", req, true)
}

func (c *Cache[R, T]) get(ctx context.Context, key string, req R, keyIsFingerprint bool) (T, error) {
	var zero T
	if c.closed.Load() {
		return zero, ErrClosed
	}
	alone, err := c.bypass(req)
	if err != nil {
		c.record(EventError, key, err)
		return zero, err
	}
	if alone {
		return c.mintAlone(ctx, key, req)
	}
	fp, err := c.fingerprint(req)
	if err != nil {
		if errors.Is(err, ErrPanicked) {
			c.record(EventError, key, err)
		}
		return zero, err
	}
	if keyIsFingerprint {
		if fp == "" {
			return zero, validate.Fieldf("Fingerprint", "returned an empty fingerprint, which cannot be a key")
		}
		key = fp
	}
	fk := flightKey{key: key, fp: fp}
	if h, ok := c.lookup(ctx, fk, req); ok {
		return h.value, nil
	}
	return c.await(ctx, fk, req)
}

// lookup returns the stored entry for fk.key if it may be served for fk.fp,
// and starts a background refresh when the entry is inside its refresh margin.
func (c *Cache[R, T]) lookup(ctx context.Context, fk flightKey, req R) (hit[T], bool) {
	h, ok := c.loadFor(ctx, fk)
	if !ok {
		return h, false
	}
	now := c.cfg.Clock.Now()
	if !now.Before(h.expiresAt.Add(-c.cfg.Skew)) {
		return h, false
	}
	c.record(EventHit, fk.key, nil)
	if !now.Before(h.expiresAt.Add(-c.margin(h.issuedAt, h.expiresAt))) {
		c.refresh(ctx, fk, req, now)
	}
	return h, true
}

// hit is what a Get needs of a stored entry it may serve: less to copy
// than an Entry.
type hit[T any] struct {
	value               T
	issuedAt, expiresAt time.Time
}

// loadFor returns the stored entry for fk.key if it was saved for fk.fp.
// The memory store answers that from the entry's map slot alone
// (memoryStore.loadFor); any other Store is asked through Load.
func (c *Cache[R, T]) loadFor(ctx context.Context, fk flightKey) (hit[T], bool) {
	if c.mem != nil {
		return c.mem.loadFor(fk.key, fk.fp)
	}
	e, ok, err := c.load(ctx, fk.key)
	if err != nil {
		c.record(EventError, fk.key, err)
		return hit[T]{}, false
	}
	return hit[T]{value: e.Value, issuedAt: e.IssuedAt, expiresAt: e.ExpiresAt}, ok && e.Fingerprint == fk.fp
}

// refreshMargin is how long before its expiry e should be replaced.
func (c *Cache[R, T]) refreshMargin(e Entry[T]) time.Duration {
	return c.margin(e.IssuedAt, e.ExpiresAt)
}

// margin is the refresh margin of a token issued at issuedAt that expires
// at expiresAt.
func (c *Cache[R, T]) margin(issuedAt, expiresAt time.Time) time.Duration {
	lifetime := expiresAt.Sub(issuedAt)
	margin := max(time.Duration(c.cfg.RefreshFraction*float64(lifetime)), c.cfg.MinRefreshMargin)
	return min(margin, lifetime/2)
}

// refresh starts a background mint for fk unless one is running already or
// the last one failed too recently.
func (c *Cache[R, T]) refresh(ctx context.Context, fk flightKey, req R, now time.Time) {
	f, started := c.join(fk, now)
	if started {
		c.record(EventRefresh, fk.key, nil)
		go c.fly(ctx, fk, req, f, false)
	}
}

// await waits for the mint of fk, starting it if no Get has yet.
func (c *Cache[R, T]) await(ctx context.Context, fk flightKey, req R) (T, error) {
	var zero T
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	f, started := c.join(fk, time.Time{})
	if f == nil {
		return zero, ErrClosed
	}
	c.record(EventMiss, fk.key, nil)
	if started {
		go c.fly(ctx, fk, req, f, true)
	}
	select {
	case <-f.done:
		return f.val, f.err
	case <-ctx.Done():
		return zero, ctx.Err()
	}
}

// join returns the running flight for fk, or registers a new one that the
// caller must start (started is true). It returns nil once the Cache is
// closed, and for a refresh (refreshAt set) that must wait after a failure.
func (c *Cache[R, T]) join(fk flightKey, refreshAt time.Time) (f *flight[T], started bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed.Load() {
		return nil, false
	}
	if f = c.flights[fk]; f != nil {
		return f, false
	}
	if b, ok := c.retry[fk.key]; ok && !refreshAt.IsZero() && refreshAt.Before(b.after) {
		return nil, false
	}
	f = &flight[T]{done: make(chan struct{})}
	c.flights[fk] = f
	c.wg.Add(1)
	return f, true
}

// fly runs the flight fk and hands its outcome to the waiters. It always
// lands the flight, whatever panics.
func (c *Cache[R, T]) fly(ctx context.Context, fk flightKey, req R, f *flight[T], recheck bool) {
	defer c.wg.Done()
	val, err := c.outcome(context.WithoutCancel(ctx), fk, req, recheck)
	c.land(fk, f, val, err)
}

// outcome mints for fk and stores the token; its events are recorded before
// it returns, so before any waiter sees the token. With recheck it first
// looks in the Store again: a flight that ended after this Get's lookup
// missed has saved its token before it let go of the key, so the recheck
// finds that token instead of minting a second one.
func (c *Cache[R, T]) outcome(ctx context.Context, fk flightKey, req R, recheck bool) (val T, err error) {
	defer func() {
		if r := recover(); r != nil { // the wrappers recover everything; this is the last resort
			var zero T
			val, err = zero, panicError("the cache", r)
			c.record(EventError, fk.key, err)
		}
	}()
	if recheck {
		if e, ok, err := c.load(ctx, fk.key); err == nil && ok && e.Fingerprint == fk.fp &&
			c.cfg.Clock.Now().Before(e.ExpiresAt.Add(-c.cfg.Skew)) {
			return e.Value, nil
		}
	}
	release, shared, found := c.fleetTurn(ctx, fk) // a fleet's one minter, or its token
	defer release()
	if found {
		return shared.Value, nil
	}
	tags, err := c.tags(req)
	if err != nil {
		c.record(EventError, fk.key, err)
		return val, err
	}
	epoch, epochErr := c.epoch(ctx, fk.key, tags)
	e, err := c.mint(ctx, req)
	c.noteOutcome(fk.key, !recheck, err)
	if err != nil {
		c.record(EventError, fk.key, err)
		return val, err
	}
	if epochErr != nil {
		c.record(EventError, fk.key, epochErr) // without an epoch the save could outlive a clear
	} else {
		e.Fingerprint, e.Tags, e.Epoch = fk.fp, tags, epoch
		c.save(ctx, fk.key, e)
	}
	c.record(EventMint, fk.key, nil)
	return e.Value, nil
}

// noteOutcome records a failed background refresh of key, so the next one
// waits, and forgets the failures once a mint of key succeeds.
func (c *Cache[R, T]) noteOutcome(key string, background bool, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, failing := c.retry[key]
	switch {
	case err == nil && failing:
		delete(c.retry, key)
	case err != nil && background:
		if !failing && len(c.retry) >= c.cfg.MaxEntries {
			clear(c.retry) // bounded: forgetting only means an earlier retry
		}
		pause := min(refreshPause<<min(b.failures, 16), maxRefreshPause)
		c.retry[key] = backoff{after: c.cfg.Clock.Now().Add(pause), failures: b.failures + 1}
	}
}

// land ends the flight fk and hands val and err to its waiters.
func (c *Cache[R, T]) land(fk flightKey, f *flight[T], val T, err error) {
	c.mu.Lock()
	delete(c.flights, fk)
	c.mu.Unlock()
	f.val, f.err = val, err
	close(f.done)
}

// mintAlone mints a token for one bypassing Get, outside the cache.
func (c *Cache[R, T]) mintAlone(ctx context.Context, key string, req R) (T, error) {
	c.record(EventBypass, key, nil)
	e, err := c.mint(ctx, req)
	c.recordMint(key, err)
	return e.Value, err
}

// save stores e and records it in the index, evicting what no longer fits.
// A save refused as stale (invalidated while minting) is counted apart.
func (c *Cache[R, T]) save(ctx context.Context, key string, e Entry[T]) {
	if err := c.storeSave(ctx, key, e); errors.Is(err, ErrStale) {
		c.record(EventStale, key, nil)
		return
	} else if err != nil {
		c.record(EventError, key, err)
		return
	}
	cutoff := c.cfg.Clock.Now().Add(c.cfg.Skew)
	c.mu.Lock()
	c.index.remove(key) // replaced, not evicted
	evicted := c.index.evict(cutoff, c.cfg.MaxEntries-1)
	c.index.add(key, e.ExpiresAt)
	c.mu.Unlock()
	for _, k := range evicted {
		c.evict(ctx, k)
	}
}

// Invalidate drops the token cached for key, so the next Get mints a new one;
// a mint for key already running is not cached. It returns the Store's
// error, if any.
func (c *Cache[R, T]) Invalidate(ctx context.Context, key string) error {
	switch {
	case ctx == nil:
		return validate.Fieldf("ctx", "must not be nil")
	case checkKey(key) != nil:
		return checkKey(key)
	}
	c.mu.Lock()
	c.index.remove(key)
	c.mu.Unlock()
	return c.invalidate(ctx, key, Target{Keys: []string{key}})
}

// InvalidateValue drops the cached token whose identity (Config.ID) is id,
// such as a token the client has just revoked. An unknown id is not an error.
func (c *Cache[R, T]) InvalidateValue(ctx context.Context, id string) error {
	switch {
	case ctx == nil:
		return validate.Fieldf("ctx", "must not be nil")
	case c.cfg.ID == nil:
		return validate.Fieldf("ID", "must be set in Config to invalidate by value")
	}
	return c.invalidate(ctx, "", Target{IDs: []string{id}})
}

// InvalidateTag drops every token saved with tag (Config.Tags), and voids
// the saves of the mints for such tokens already running.
func (c *Cache[R, T]) InvalidateTag(ctx context.Context, tag string) error {
	if ctx == nil {
		return validate.Fieldf("ctx", "must not be nil")
	}
	return c.invalidate(ctx, "", Target{Tags: []string{tag}})
}

// invalidate passes t to the Store and records it under key.
func (c *Cache[R, T]) invalidate(ctx context.Context, key string, t Target) error {
	c.record(EventInvalidate, key, nil)
	if err := c.storeInvalidate(ctx, t); err != nil {
		c.record(EventError, key, err)
		return fmt.Errorf("tokencache: invalidate in store: %w", err)
	}
	return nil
}

// evict deletes key from the Store to make room.
func (c *Cache[R, T]) evict(ctx context.Context, key string) {
	c.record(EventEvict, key, nil)
	if err := c.storeDelete(ctx, key); err != nil {
		c.record(EventError, key, err)
	}
}

// Skew is the Config.Skew in force: a token is not served this close to its
// expiry, so a token that lives no longer can never be served.
func (c *Cache[R, T]) Skew() time.Duration { return c.cfg.Skew }

// Stats returns the counters so far.
func (c *Cache[R, T]) Stats() Stats { return c.counts.stats() }

// Close stops the Cache: later Gets return ErrClosed and no refresh starts.
// It waits for the mints already running (it does not cancel them, so set
// MintTimeout if Mint might hang), then returns nil. Calling it again is
// harmless.
func (c *Cache[R, T]) Close() error {
	c.mu.Lock()
	c.closed.Store(true)
	c.mu.Unlock()
	c.wg.Wait()
	return nil
}

// Format prints the Cache without its contents, whatever the verb, so no
// token can reach a log through fmt.
func (c *Cache[R, T]) Format(f fmt.State, _ rune) {
	s := c.Stats()
	fmt.Fprintf(f, "tokencache.Cache{hits: %d, misses: %d, mints: %d}", s.Hits, s.Misses, s.Mints)
}

func (c *Cache[R, T]) recordMint(key string, err error) {
	if err != nil {
		c.record(EventError, key, err)
		return
	}
	c.record(EventMint, key, nil)
}
