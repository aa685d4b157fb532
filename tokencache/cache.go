package tokencache

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/internal/validate"
	"github.com/biembed/biembed-go/internal/warn"
)

// DefaultSkew is Options.Skew when it is zero.
const DefaultSkew = 30 * time.Second

const (
	defaultRefreshFraction  = 0.2
	defaultMinRefreshMargin = 30 * time.Second
	defaultMaxEntries       = 10_000
	refreshPause            = time.Second      // a failed background refresh waits this, doubled per failure,
	maxRefreshPause         = 30 * time.Second // up to this, before the next hit tries again
	maxFollows              = 3                // waits for other replicas' mints before minting anyway
)

// Errors of a Cache, for errors.Is.
var (
	ErrClosed     = errors.New("tokencache: cache is closed")                                      // a call after Close
	ErrShortLived = errors.New("tokencache: minted token expires within the clock-skew allowance") // neither served nor cached
	ErrPanicked   = errors.New("tokencache: a callback panicked")                                  // recovered: the cache stays usable
)

// Options tune a Cache; a zero field means the default it names.
type Options struct {
	Store            Store            // shared with other replicas (redisstore); default: this process's memory
	Now              func() time.Time // the clock (tests pass biembedtest.Clock's); default: time.Now
	Logger           *slog.Logger     // gets the WARN lines of degraded modes; default: none
	OnEvent          func(Event)      // called for every Event, synchronously, never under a lock: must not block
	RefreshFraction  float64          // the refresh margin as a fraction of the lifetime, 0 to 0.5; default: 0.2
	MinRefreshMargin time.Duration    // the least refresh margin; default: 30s
	Skew             time.Duration    // how long before its expiry a token stops being served; default: DefaultSkew
	MintTimeout      time.Duration    // bounds a mint and a fleet's wait for one; default: the client's own bounds
	MaxEntries       int              // bounds the tokens kept in memory; default: 10,000
	// RevokeSuperseded revokes at the vendor a user's earlier tokens when one
	// is minted for a request of theirs that differs (their permissions
	// changed), so the old, wider token stops working at once. Use it when
	// each user has one embed request at a time; only vendors that can
	// revoke one token alone (Youshu) allow it.
	RevokeSuperseded bool
}

// Config is what a vendor package gives New; users get a Cache from
// tencent.NewCache or youshu.NewCache instead. Namespace, Mint, Key,
// Lifetime, Encode and Decode are required.
type Config[R, T any] struct {
	Options
	// Namespace names the vendor and where its tokens work ("youshu:" and a
	// hash of the host, then ":") so that caches of different vendors and
	// deployments can share one Store: every key Key returns starts with
	// it, the cache puts it before every tag, and it decodes and revokes
	// only entries whose key starts with it.
	Namespace string
	// Mint mints a token for req, without the first caller's cancellation,
	// under MintTimeout; Close cancels it.
	Mint     func(ctx context.Context, req R) (T, error)
	Key      func(req R) (string, error)                   // validates req and returns its fingerprint, the cache key
	Lifetime func(token T) (issuedAt, expiresAt time.Time) // a zero issuedAt means: when its mint began
	ID       func(token T) string                          // the token's value; the cache keeps only its hash
	User     func(req R) string                            // whom req's token is for ("" for no one)
	Tags     func(req R) []string                          // further groups, such as what a vendor revocation reaches
	Bypass   func(req R) bool                              // a request whose token is never cached or shared
	// Extend extends a token at the vendor in place and returns it with its
	// new lifetime; nil when the vendor cannot.
	Extend       func(ctx context.Context, token T) (T, error)
	Revoke       func(ctx context.Context, tokens []T) error // revokes at the vendor; nil when the vendor cannot
	RevokesAlone bool                                        // Revoke reaches only the tokens given (RevokeSuperseded may be used)
	Encode       func(token T) ([]byte, error)               // a token as bytes, value included, for a shared Store
	Decode       func(b []byte) (T, error)                   // Encode's inverse
	// Watch, if set, is called once by New with drop, which forgets tokens
	// fleet-wide by tag or by value; the vendor calls it before and after
	// its client revokes tokens outside the cache.
	Watch func(drop func(ctx context.Context, tags, values []string) error)
}

// Cache serves live tokens for requests and mints only when needed. It is
// safe for concurrent use; Close it when done.
type Cache[R, T any] struct {
	cfg     Config[R, T] // defaults applied, Store included
	counts  counters
	closed  atomic.Bool
	closing context.Context // cancelled by Close: ends background mints
	stop    context.CancelFunc

	refreshing, following warn.Condition

	mu      sync.Mutex // guards flights and retry
	flights map[string]*flight[T]
	retry   map[string]backoff // keys whose last background refresh failed
	wg      sync.WaitGroup     // one per running flight
}

// record is an Entry with its token decoded.
type record[T any] struct {
	Entry
	value T
}

// flight is one mint in progress for a key; every Get for the key waits on it.
type flight[T any] struct {
	done chan struct{} // closed once val and err are set
	val  T
	err  error
}

// backoff is when a key whose background refresh failed may try again.
type backoff struct {
	after    time.Time
	failures int
}

// New checks cfg, fills in its defaults and returns a Cache. A bad cfg gets
// a *biembed.ValidationError naming the field.
func New[R, T any](cfg Config[R, T]) (*Cache[R, T], error) {
	o := &cfg.Options
	switch {
	case cfg.Namespace == "" || cfg.Mint == nil || cfg.Key == nil || cfg.Lifetime == nil || cfg.Encode == nil || cfg.Decode == nil:
		return nil, validate.Fieldf("Config", "Namespace, Mint, Key, Lifetime, Encode and Decode must be set")
	case validate.IsNil(o.Store) && o.Store != nil:
		return nil, validate.Fieldf("Options.Store", "must not be a nil pointer (leave it nil for memory)")
	case math.IsNaN(o.RefreshFraction) || o.RefreshFraction < 0 || o.RefreshFraction > 0.5:
		return nil, validate.Fieldf("Options.RefreshFraction", "must be from 0 to 0.5 (0 means %v)", defaultRefreshFraction)
	case o.MinRefreshMargin < 0 || o.Skew < 0 || o.MintTimeout < 0:
		return nil, validate.Fieldf("Options", "MinRefreshMargin, Skew and MintTimeout must not be negative")
	case o.MaxEntries < 0:
		return nil, validate.Fieldf("Options.MaxEntries", "must not be negative")
	case o.RevokeSuperseded && (cfg.Revoke == nil || !cfg.RevokesAlone):
		return nil, validate.Fieldf("Options.RevokeSuperseded", "needs a vendor that can revoke one token alone (Youshu)")
	}
	o.RefreshFraction = cmp.Or(o.RefreshFraction, defaultRefreshFraction)
	o.MinRefreshMargin = cmp.Or(o.MinRefreshMargin, defaultMinRefreshMargin)
	o.Skew = cmp.Or(o.Skew, DefaultSkew)
	o.MaxEntries = cmp.Or(o.MaxEntries, defaultMaxEntries)
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Store == nil {
		o.Store = newMemStore(o.MaxEntries, 0, o.Now)
	}
	c := &Cache[R, T]{cfg: cfg, flights: map[string]*flight[T]{}, retry: map[string]backoff{},
		refreshing: warn.Condition{Msg: "tokencache: background refreshes failing (tokens are served until they expire)"},
		following:  warn.Condition{Msg: "tokencache: waiting for another replica's mint timed out; minting here"}}
	c.closing, c.stop = context.WithCancel(context.Background())
	if cfg.Watch != nil { // the vendor's client revoked tokens: forget them by tag or value
		cfg.Watch(func(ctx context.Context, tags, values []string) error {
			var all []string // the vendor's own tags are its to keep
			for _, t := range tags {
				all = append(all, c.tag(t))
			}
			for _, v := range values {
				all = append(all, c.tag("id:"+hash(v)))
			}
			_, err := c.invalidate(ctx, nil, all)
			return err
		})
	}
	return c, nil
}

// Get returns a live token minted for a request equal to req, minting one
// if the cache holds none. A Get whose ctx ends returns ctx's error without
// stopping the mint others share. A request that must not be shared
// (single-use, ticket-limited) is minted for this call alone.
func (c *Cache[R, T]) Get(ctx context.Context, req R) (T, error) {
	var zero T
	if err := c.ready(ctx); err != nil {
		return zero, err
	}
	alone := false
	err := guard("Config.Bypass", func() error { alone = c.cfg.Bypass != nil && c.cfg.Bypass(req); return nil })
	if err == nil && alone {
		c.record(EventBypass, "", nil)
		var r record[T]
		if r, err = c.mint(ctx, req); err == nil {
			c.record(EventMint, "", nil)
			return r.value, nil
		}
	}
	if err != nil {
		return zero, c.fail("", err)
	}
	key, err := c.key(req)
	if errors.Is(err, ErrPanicked) {
		return zero, c.fail("", err)
	} else if err != nil {
		return zero, err
	}
	r, ok, err := c.load(ctx, key)
	if err != nil {
		c.record(EventError, key, err)
	}
	if now := c.cfg.Now(); ok && now.Before(r.ExpiresAt.Add(-c.cfg.Skew)) {
		c.record(EventHit, key, nil)
		if !now.Before(r.ExpiresAt.Add(-c.margin(r))) { // inside its margin: one background mint replaces it
			if f, started := c.join(key, now); started {
				c.record(EventRefresh, key, nil)
				go c.fly(ctx, key, req, f, false)
			}
		}
		return r.value, nil
	}
	f, started := c.join(key, time.Time{})
	if f == nil {
		return zero, ErrClosed
	}
	c.record(EventMiss, key, nil)
	if started {
		go c.fly(ctx, key, req, f, true)
	}
	select {
	case <-f.done:
		return f.val, f.err
	case <-ctx.Done():
		return zero, ctx.Err()
	}
}

// ready refuses a nil or zero Cache, a nil ctx and a closed Cache.
func (c *Cache[R, T]) ready(ctx context.Context) error {
	switch {
	case c == nil || c.cfg.Store == nil:
		return validate.Fieldf("Cache", "must be made by NewCache (is nil or zero)")
	case ctx == nil:
		return validate.Fieldf("ctx", "must not be nil")
	case c.closed.Load():
		return ErrClosed
	}
	return nil
}

// key returns req's fingerprint, checked to be a printable key in the
// cache's Namespace.
func (c *Cache[R, T]) key(req R) (key string, err error) {
	defer catch("Config.Key", &err)
	if key, err = c.cfg.Key(req); err != nil {
		return "", err
	}
	if !strings.HasPrefix(key, c.cfg.Namespace) || validate.Text("key", key, 1024) != nil {
		return "", validate.Fieldf("Config.Key", "returned an unprintable key or one outside Config.Namespace")
	}
	return key, nil
}

// user returns whom req's token is for ("" for no one).
func (c *Cache[R, T]) user(req R) (user string, err error) {
	if c.cfg.User != nil {
		err = guard("Config.User", func() error { user = c.cfg.User(req); return nil })
	}
	return user, err
}

// margin is how long before its expiry r should be replaced.
func (c *Cache[R, T]) margin(r record[T]) time.Duration {
	lifetime := r.ExpiresAt.Sub(r.IssuedAt)
	m := max(time.Duration(c.cfg.RefreshFraction*float64(lifetime)), c.cfg.MinRefreshMargin)
	return min(m, lifetime/2)
}

// join returns the running flight for key, or a new one the caller must
// start; nil once closed, or for a refresh (refreshAt) still backing off.
func (c *Cache[R, T]) join(key string, refreshAt time.Time) (f *flight[T], started bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed.Load() {
		return nil, false
	}
	if f = c.flights[key]; f != nil {
		return f, false
	}
	if b, ok := c.retry[key]; ok && !refreshAt.IsZero() && refreshAt.Before(b.after) {
		return nil, false
	}
	f = &flight[T]{done: make(chan struct{})}
	c.flights[key] = f
	c.wg.Add(1)
	return f, true
}

// fly runs f and hands its outcome to the waiters, whatever panics, with
// ctx's values but not its cancellation, until Close.
func (c *Cache[R, T]) fly(ctx context.Context, key string, req R, f *flight[T], miss bool) {
	defer c.wg.Done()
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	defer context.AfterFunc(c.closing, cancel)()
	var val T
	err := guard("the cache", func() (err error) { val, err = c.outcome(ctx, key, req, miss); return err })
	if errors.Is(err, ErrPanicked) {
		c.record(EventError, key, err)
	}
	c.mu.Lock()
	delete(c.flights, key)
	c.mu.Unlock()
	f.val, f.err = val, err
	close(f.done)
}

// outcome mints for key and stores the token, recording its events before
// any waiter sees it. A miss looks again first: a flight that ended after
// the Get's load saved its token before it let go of the key.
func (c *Cache[R, T]) outcome(ctx context.Context, key string, req R, miss bool) (zero T, err error) {
	if miss {
		if r, ok := c.fresh(ctx, key, c.cfg.Skew); ok {
			return r.value, nil
		}
	}
	release, r, found := c.fleetTurn(ctx, key)
	defer release()
	if found {
		return r.value, nil
	}
	user, err := c.user(req)
	tags := []string{c.tag("u:" + user)}
	if user == "" {
		tags = nil
	}
	if err == nil && c.cfg.Tags != nil {
		err = guard("Config.Tags", func() error {
			for _, t := range c.cfg.Tags(req) {
				tags = append(tags, c.tag(t))
			}
			return nil
		})
	}
	if err != nil {
		return zero, c.fail(key, err)
	}
	if miss && user != "" && c.cfg.RevokeSuperseded { // revoke the user's tokens for other requests
		dropped, _ := c.invalidate(ctx, nil, tags[:1])
		_ = c.revoke(ctx, slices.DeleteFunc(dropped, func(d record[T]) bool { return d.Key == key }))
	}
	var epoch uint64
	epochErr := guard("Store.Epoch", func() (err error) { epoch, err = c.cfg.Store.Epoch(ctx, key, tags); return err })
	r, err = c.mint(ctx, req)
	c.noteOutcome(key, !miss, err)
	if err != nil && !miss {
		c.record(EventRefreshFailed, key, err)
		return zero, err
	} else if err != nil {
		return zero, c.fail(key, err)
	}
	c.record(EventMint, key, nil)
	if epochErr != nil { // without an epoch the save could outlive an invalidation
		c.record(EventError, key, epochErr)
		return r.value, nil
	}
	r.Tags, r.Epoch = tags, epoch
	switch err := c.save(ctx, key, r); {
	case errors.Is(err, ErrStale):
		c.record(EventStale, key, nil)
	case err != nil:
		c.record(EventError, key, err)
	}
	return r.value, nil
}

// fresh returns the record for key if it is served for margin more (with
// margin < 0: its whole refresh margin, as one another replica just minted).
func (c *Cache[R, T]) fresh(ctx context.Context, key string, margin time.Duration) (record[T], bool) {
	r, ok, err := c.load(ctx, key)
	if err != nil || !ok {
		return r, false
	}
	if margin < 0 {
		margin = c.margin(r)
	}
	return r, c.cfg.Now().Before(r.ExpiresAt.Add(-margin))
}

// fleetTurn lets a mint take its turn in the fleet: it leads (and must call
// release after saving), or finds the record the leading replica saved
// (found). On any error, or after maxFollows waits, it mints on its own.
func (c *Cache[R, T]) fleetTurn(ctx context.Context, key string) (release func(), r record[T], found bool) {
	release = func() {}
	for range maxFollows {
		var rel func()
		led := false
		err := guard("Store.Lead", func() (err error) { rel, led, err = c.cfg.Store.Lead(ctx, key, c.cfg.MintTimeout); return err })
		if err == nil && !led {
			if err = guard("Store.Follow", func() error { return c.cfg.Store.Follow(ctx, key) }); err != nil {
				c.following.Set(ctx, c.cfg.Logger, true, slog.String("error", err.Error()))
			} else {
				c.following.Set(ctx, c.cfg.Logger, false)
			}
		}
		if err != nil {
			c.record(EventError, key, err)
			return release, record[T]{}, false
		}
		if led && rel != nil {
			release = func() {
				if err := guard("Store.Lead's release", func() error { rel(); return nil }); err != nil {
					c.record(EventError, key, err)
				}
			}
		}
		if r, ok := c.fresh(ctx, key, -1); ok { // a leader's: saved just before its lead
			release()
			return func() {}, r, true
		} else if led {
			return release, record[T]{}, false
		}
	}
	return release, record[T]{}, false
}

// mint calls Config.Mint under MintTimeout and checks the token's lifetime.
func (c *Cache[R, T]) mint(ctx context.Context, req R) (record[T], error) {
	if c.cfg.MintTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.cfg.MintTimeout)
		defer cancel()
	}
	start := c.cfg.Now()
	var v T
	if err := guard("Config.Mint", func() (err error) { v, err = c.cfg.Mint(ctx, req); return err }); err != nil {
		return record[T]{}, err
	}
	r, err := c.stamp(v, start)
	if err == nil && !c.cfg.Now().Before(r.ExpiresAt.Add(-c.cfg.Skew)) {
		err = fmt.Errorf("%w (expires %s, skew %s)", ErrShortLived, r.ExpiresAt.UTC().Format(time.RFC3339), c.cfg.Skew)
	}
	if err != nil {
		return record[T]{}, err
	}
	return r, nil
}

// stamp returns v's record with its ID and lifetime (from start if unsaid).
func (c *Cache[R, T]) stamp(v T, start time.Time) (r record[T], err error) {
	r.value = v
	err = guard("Config.Lifetime or Config.ID", func() error {
		r.IssuedAt, r.ExpiresAt = c.cfg.Lifetime(v)
		if c.cfg.ID != nil {
			r.ID = c.tag("id:" + hash(c.cfg.ID(v)))
		}
		return nil
	})
	if r.IssuedAt.IsZero() {
		r.IssuedAt = start
	}
	return r, err
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
		if len(c.retry) == 0 {
			c.refreshing.Set(context.Background(), c.cfg.Logger, false)
		}
	case err != nil && background:
		if !failing && len(c.retry) >= c.cfg.MaxEntries {
			clear(c.retry) // bounded: forgetting only means an earlier retry
		}
		pause := min(refreshPause<<min(b.failures, 16), maxRefreshPause)
		c.retry[key] = backoff{after: c.cfg.Now().Add(pause), failures: b.failures + 1}
		c.refreshing.Set(context.Background(), c.cfg.Logger, true, slog.String("error", err.Error()))
	}
}

// load returns the record under key, decoded unless kept in memory as it is.
func (c *Cache[R, T]) load(ctx context.Context, key string) (r record[T], ok bool, err error) {
	defer catch("Store.Load", &err)
	e, ok, err := c.cfg.Store.Load(ctx, key)
	if err == nil && ok {
		r, err = c.decode(e)
	}
	return r, ok && err == nil, err
}

func (c *Cache[R, T]) decode(e Entry) (record[T], error) {
	if v, ok := e.decoded.(T); ok {
		return record[T]{e, v}, nil
	}
	v, err := c.cfg.Decode([]byte(e.Token.Reveal()))
	if err != nil {
		return record[T]{}, errors.New("tokencache: a stored token does not decode")
	}
	return record[T]{e, v}, nil
}

// save stores r under key, its token encoded and, for memory, as it is.
func (c *Cache[R, T]) save(ctx context.Context, key string, r record[T]) error {
	return guard("Store.Save", func() error {
		b, err := c.cfg.Encode(r.value)
		if err != nil {
			return err
		}
		r.Token, r.decoded = biembed.NewSecret(string(b)), r.value
		return c.cfg.Store.Save(ctx, key, r.Entry)
	})
}

// Close stops the Cache: later calls return ErrClosed and the running
// mints are cancelled; Close waits for them to land. Again, it is harmless.
func (c *Cache[R, T]) Close() error {
	if err := c.ready(context.Background()); err != nil && err != ErrClosed {
		return err
	}
	c.mu.Lock()
	c.closed.Store(true)
	c.mu.Unlock()
	c.stop()
	c.wg.Wait()
	return nil
}

// Format prints the Cache by its counts, whatever the verb.
func (c *Cache[R, T]) Format(f fmt.State, _ rune) {
	s := c.Stats()
	fmt.Fprintf(f, "tokencache.Cache{hits: %d, misses: %d, mints: %d, refreshes: %d, errors: %d}",
		s.Hits, s.Misses, s.Mints, s.Refreshes, s.Errors)
}

// record counts an event and sends it to OnEvent; a panicking OnEvent is
// counted as an error and reported once, never recursively.
func (c *Cache[R, T]) record(kind EventKind, key string, err error) {
	c.counts[kind].Add(1)
	if c.cfg.OnEvent == nil {
		return
	}
	if perr := guard("OnEvent", func() error { c.cfg.OnEvent(Event{kind, key, err}); return nil }); perr != nil {
		c.counts[EventError].Add(1)
		_ = guard("OnEvent", func() error { c.cfg.OnEvent(Event{EventError, key, perr}); return nil })
	}
}

// fail records err as an EventError and returns it.
func (c *Cache[R, T]) fail(key string, err error) error {
	c.record(EventError, key, err)
	return err
}

// guard runs f, turning a panic into an ErrPanicked error naming where and
// the value's type only (a runtime error's text holds no caller data), so
// a token passed to panic cannot reach an error.
func guard(where string, f func() error) (err error) {
	defer catch(where, &err)
	return f()
}

// catch, deferred, is guard for the rest of the function.
func catch(where string, err *error) {
	switch r := recover().(type) {
	case nil:
	case runtime.Error:
		*err = fmt.Errorf("%w: %s panicked: %s", ErrPanicked, where, r.Error())
	default:
		*err = fmt.Errorf("%w: %s panicked with a %T", ErrPanicked, where, r)
	}
}

// tag puts the cache's Namespace before name.
func (c *Cache[R, T]) tag(name string) string { return c.cfg.Namespace + name }

// hash names a token by its value, which it does not reveal.
func hash(value string) string {
	sum := sha256.Sum256([]byte(value))
	return hex.EncodeToString(sum[:16])
}
