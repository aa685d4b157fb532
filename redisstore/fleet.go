// Package redisstore lets the replicas of a fleet share, through one Redis,
// the embed tokens of the vendor caches, the lock that lets one replica mint
// while the others wait, and the vendor's rate budget: NewFleet's Store goes
// into tokencache.Options.Store, its Limiter into tencent.WithRateLimiter
// or youshu.WithRateLimiter.
//
// Entries are sealed with AES-GCM under Options.SealKey, bound to their key;
// Redis names hold only HMACs. A failed Redis call (a timeout or a panic
// too) turns that side, store or limiter, to a local fallback for Cooldown:
// its own memory, its share of the rate. Failures are counted (Fleet.Stats)
// and logged once per episode, never with what Redis said. Bad input, a nil
// receiver or ctx get a *biembed.ValidationError, never quoting a value.
package redisstore

import (
	"cmp"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/internal/validate"
	"github.com/biembed/biembed-go/internal/warn"
	"github.com/biembed/biembed-go/tokencache"
)

// Options configure everything a fleet shares.
type Options struct {
	// Prefix starts every Redis name; replicas sharing Redis and Prefix share
	// tokens, locks and budget, so give each vendor account its own (a
	// Tencent cache key names the request and hosts, not the account).
	// Required: 1 to 128 bytes of printable ASCII without spaces. On Redis
	// Cluster put a hash tag in it ("{myapp}:").
	Prefix string
	// SealKey is the AES key (16, 24 or 32 bytes) that seals entries and
	// keys the HMAC of names. Required unless Plaintext: every replica the
	// same one from your secret store (`openssl rand -hex 32`, hex-decoded).
	SealKey biembed.Secret
	// Plaintext stores tokens in the clear: whoever can read Redis can use
	// them, whoever can write it can plant them. UNSAFE: for tests only.
	Plaintext bool
	// Timeout bounds each Redis call. Default 100ms.
	Timeout time.Duration
	// Cooldown is how long a replica keeps to its local fallback after a
	// Redis error, and the longest a token saved there is served. Default 1s.
	Cooldown time.Duration
	// LockTTL is how long a mint lock lasts: the longest the others wait
	// for a mint. It should exceed the longest mint. Default 10s.
	LockTTL time.Duration
	// Rate is the shared limit in requests per second per action (at most
	// 1,000,000). Default 20, Tencent BI's documented limit.
	Rate float64
	// Burst is how many requests may go at once. Default 1.
	Burst int
	// Replicas is how many replicas share the budget. Without Redis each
	// paces itself at Rate/Replicas (burst max(Burst/Replicas, 1), starting
	// empty): at most Rate+max(Burst, Replicas) go in any second. Default 1.
	Replicas int
	// Logger receives one WARN line when a degraded mode starts (Redis
	// unavailable, unreadable entries) and one when it ends. Default: none.
	Logger *slog.Logger
	// Now, for tests only, replaces the system clock and Redis's TIME (the
	// limiter's); lock TTLs always run on Redis's clock. A limiter wait
	// still sleeps on real timers: on a clock that stands still, a Wait the
	// budget refuses lasts until its ctx ends.
	Now func() time.Time
}

// Fleet is what a replica wires into its vendor cache and client.
type Fleet struct {
	Store   tokencache.Store    // pass as tokencache.Options.Store to tencent.NewCache / youshu.NewCache
	Limiter biembed.RateLimiter // pass to tencent.WithRateLimiter / youshu.WithRateLimiter

	c *core
}

// Stats counts what a Fleet met since NewFleet.
type Stats struct {
	RedisErrors uint64 // Redis calls that failed (errors, timeouts, panics, poisoned data)
	Unreadable  uint64 // entries that did not open: foreign SealKey, tampered, replayed, undecodable
	Fallbacks   uint64 // times the store or the limiter turned to its local fallback
}

// Stats returns the counts so far (zero for a nil or zero Fleet).
func (f *Fleet) Stats() Stats {
	if f == nil || f.c == nil {
		return Stats{}
	}
	return Stats{RedisErrors: f.c.redisErrors.Load(), Unreadable: f.c.unreadable.Load(), Fallbacks: f.c.fallbacks.Load()}
}

// core is what the store and the limiter of one Fleet share.
type core struct {
	rdb   redis.UniversalClient
	o     Options // defaults applied, SealKey cleared; Now nil unless given
	now   func() time.Time
	aead  cipher.AEAD // random nonces, prepended; nil in Plaintext mode
	kid   string      // names the SealKey: 8 hex digits of an HMAC under names, or "plain"
	names []byte      // the HMAC key of names: HMAC(SealKey, "biembed redisstore names")

	redisErrors, unreadable, fallbacks atomic.Uint64
}

// NewFleet returns the Fleet of one replica. Every replica passes the same
// Options. rdb must be a *redis.Client, *redis.ClusterClient or *redis.Ring
// with ContextTimeoutEnabled: each call then runs on the caller's goroutine
// under a deadline of Options.Timeout.
func NewFleet(rdb redis.UniversalClient, opts Options) (*Fleet, error) {
	c, err := newCore(rdb, opts)
	if err != nil {
		return nil, err
	}
	return &Fleet{Store: newStore(c), Limiter: newLimiter(c), c: c}, nil
}

func newCore(rdb redis.UniversalClient, o Options) (*core, error) {
	if err := check(rdb, &o); err != nil {
		return nil, err
	}
	c := &core{rdb: rdb, o: o, now: time.Now, kid: "plain"}
	if o.Now != nil {
		c.now = o.Now
	}
	if key := []byte(o.SealKey.Reveal()); !o.Plaintext {
		block, _ := aes.NewCipher(key) // check checked its length
		c.aead, _ = cipher.NewGCMWithRandomNonce(block)
		m := hmac.New(sha256.New, key)
		m.Write([]byte("biembed redisstore names"))
		c.names = m.Sum(nil)
		c.kid = c.hash('i', "key id")[:8]
	}
	c.o.SealKey = biembed.Secret{}
	return c, nil
}

const (
	formatPlain, formatSealed byte = 'p', 's' // a blob's first byte
	domainKey, domainTag      byte = 'k', 't' // keys and tags never share a name
	whyForeign                     = "sealed with another SealKey"
)

// hash names a key or tag in Redis without showing it: 16 bytes of
// HMAC-SHA256 under the SealKey (SHA-256 in Plaintext mode), in hex.
func (c *core) hash(domain byte, name string) string {
	h := sha256.New()
	if c.aead != nil {
		h = hmac.New(sha256.New, c.names)
	}
	h.Write(append([]byte{domain}, name...))
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// aad binds a sealed blob to its key and Prefix.
func (c *core) aad(kh string) []byte {
	return []byte("biembed-redisstore-v2\x00" + c.o.Prefix + "\x00" + kh)
}

// wire is an entry as its blob holds it: formatPlain and its JSON, or
// formatSealed, kid, a random nonce (12 bytes) and the AES-GCM of its JSON.
type wire struct {
	tokencache.Entry
	Token []byte // in the clear, where Entry.Token marshals masked
}

func (w wire) entry() tokencache.Entry {
	w.Entry.Token = biembed.NewSecret(string(w.Token))
	return w.Entry
}

// sealEntry makes the blob stored for e under the key whose hash is kh.
func (c *core) sealEntry(kh string, e tokencache.Entry) ([]byte, error) {
	blob, err := json.Marshal(wire{e, []byte(e.Token.Reveal())})
	switch {
	case err != nil:
		return nil, err
	case c.aead == nil:
		blob = append([]byte{formatPlain}, blob...)
	default:
		blob = c.aead.Seal(append([]byte{formatSealed}, c.kid...), nil, blob, c.aad(kh))
	}
	if len(blob) > maxBlob {
		return nil, validate.Fieldf("Entry", "must seal to at most %d bytes", maxBlob)
	}
	return blob, nil
}

// open reads the blob stored under the key whose hash is kh. why is empty
// when it opened, else what was wrong (never the content).
func (c *core) open(kh string, blob []byte) (w wire, why string) {
	if len(blob) == 0 {
		return w, "empty"
	}
	body := blob[1:]
	switch {
	case blob[0] == formatSealed && c.aead == nil:
		return w, "sealed entry in Plaintext mode"
	case blob[0] == formatPlain && c.aead != nil:
		return w, "plain entry where a seal is required"
	case blob[0] == formatSealed && !strings.HasPrefix(string(body), c.kid):
		return w, whyForeign
	case blob[0] == formatSealed:
		var err error
		if body, err = c.aead.Open(nil, nil, body[len(c.kid):], c.aad(kh)); err != nil {
			return w, "does not open (tampered with, cut short, or moved from another key)"
		}
	case blob[0] != formatPlain:
		return w, "unknown format"
	}
	if err := json.Unmarshal(body, &w); err != nil || c.hash(domainKey, w.Key) != kh {
		return wire{}, "does not decode, or is stored under another key"
	}
	return w, ""
}

// check refuses a bad client or options and fills in the defaults. The
// client must be one of go-redis's three with ContextTimeoutEnabled (only
// then does a deadline bound a call).
func check(rdb redis.UniversalClient, o *Options) error {
	known, deadlines := rdb == nil, false
	switch c := rdb.(type) {
	case *redis.Client:
		known, deadlines = true, c != nil && c.Options().ContextTimeoutEnabled
	case *redis.ClusterClient:
		known, deadlines = true, c != nil && c.Options().ContextTimeoutEnabled
	case *redis.Ring:
		known, deadlines = true, c != nil && c.Options().ContextTimeoutEnabled
	}
	noKey := o.SealKey == (biembed.Secret{})
	for _, c := range []struct {
		bad         bool
		field, rule string
	}{
		{validate.IsNil(rdb), "rdb", "must not be nil"},
		{!known, "rdb", "must be a *redis.Client, *redis.ClusterClient or *redis.Ring"},
		{!deadlines, "rdb", "must set ContextTimeoutEnabled in its options, so that Options.Timeout bounds each call"},
		{ascii("", o.Prefix, 128, false) != nil, "Prefix",
			"must be 1 to 128 bytes of printable ASCII without spaces (it keeps these keys apart from the rest of the Redis)"},
		{o.Plaintext && !noKey, "SealKey", "must be empty with Plaintext (choose one)"},
		{!o.Plaintext && noKey, "SealKey", "is required (or set Plaintext, for tests only): 32 random bytes from your secret store, the same on every replica, e.g. `openssl rand -hex 32` hex-decoded"},
		{!o.Plaintext && !validate.OneOf(len(o.SealKey.Reveal()), 16, 24, 32), "SealKey", "must be 16, 24 or 32 bytes (AES-128, -192 or -256): e.g. `openssl rand -hex 32`, hex-decoded"},
		{o.Timeout < 0 || o.Timeout > time.Hour, "Timeout", "must be from 0 (default 100ms) to 1h"},
		{o.Cooldown < 0 || o.Cooldown > time.Hour, "Cooldown", "must be from 0 (default 1s) to 1h"},
		{o.LockTTL < 0 || o.LockTTL > time.Hour, "LockTTL", "must be from 0 (default 10s) to 1h"},
		{!(o.Rate >= 0 && o.Rate <= 1e6), "Rate", "must be from 0 (default 20) to 1,000,000 requests per second"},
		{o.Burst < 0 || o.Burst > 1e6, "Burst", "must be from 0 (default 1) to 1,000,000"},
		{o.Replicas < 0 || o.Replicas > 1e6, "Replicas", "must be from 0 (default 1) to 1,000,000"},
	} {
		if c.bad {
			return validate.Fieldf(c.field, "%s", c.rule)
		}
	}
	o.Timeout = cmp.Or(o.Timeout, 100*time.Millisecond)
	o.Cooldown = cmp.Or(o.Cooldown, time.Second)
	o.LockTTL = cmp.Or(o.LockTTL, 10*time.Second)
	o.Rate = cmp.Or(o.Rate, 20)
	o.Burst = cmp.Or(o.Burst, 1)
	o.Replicas = cmp.Or(o.Replicas, 1)
	return nil
}

// Bounds of what the store and the limiter accept.
const (
	maxKey        = 1024     // bytes of a key (the caches' keys are fingerprints, far shorter)
	maxTag        = 16 << 10 // bytes of a tag or ID (a Tencent user tag may reach 8 KiB)
	maxEntryTags  = 64       // tags of one entry
	maxInvalidate = 256      // keys, and tags, of one Invalidate
	maxToken      = 64 << 10 // bytes of an encoded token
	maxAction     = 128      // bytes of a limiter action
	maxBlob       = 1 << 20  // bytes of a sealed entry: Load never reads a larger one
	maxDropped    = 10_000   // entries one Invalidate returns (it drops them all)
)

// ready refuses a nil or zero receiver (named what) and a nil ctx.
func ready(zero bool, ctx context.Context, what string) error {
	if zero {
		return validate.Fieldf(what, "must come from NewFleet (is nil)")
	} else if ctx == nil {
		return validate.Fieldf("ctx", "must not be nil")
	}
	return nil
}

// ascii accepts 1 to max bytes of printable ASCII, with spaces or not.
func ascii(field, s string, max int, spaces bool) error {
	ok := s != "" && len(s) <= max
	for i := 0; ok && i < len(s); i++ {
		ok = s[i] >= ' ' && s[i] <= '~' && (spaces || s[i] != ' ')
	}
	if !ok {
		return validate.Fieldf(field, "must be 1 to %d bytes of printable ASCII (spaces: %v)", max, spaces)
	}
	return nil
}

// checkKey accepts a key: it reaches only hashes, but no cache makes another.
func checkKey(field, key string) error { return ascii(field, key, maxKey, true) }

// checkTag accepts UTF-8 without control or format characters (user names
// may be any script; a tag only reaches hashes and the sealed blob).
func checkTag(field, tag string) error {
	if tag == "" {
		return validate.Fieldf(field, "must not be empty")
	}
	return validate.Text(field, tag, maxTag)
}

// checkEach accepts at most max elements of list, each as check does.
func checkEach(field string, list []string, max int, check func(field, s string) error) error {
	if len(list) > max {
		return validate.Fieldf(field, "must be at most %d", max)
	}
	for i, s := range list {
		if err := check(validate.Index(field, i), s); err != nil {
			return err
		}
	}
	return nil
}

// breaker is one side's view of Redis. An episode runs from a failure to
// the next answer; it calls onStart and onEnd and logs (cond) at each end.
type breaker struct {
	c              *core
	until          atomic.Int64 // unix nanos (c.now) before which Redis is not asked
	on             atomic.Bool  // an episode is running
	cond           warn.Condition
	onStart, onEnd func()
}

func (b *breaker) open() bool { return b.c.now().UnixNano() < b.until.Load() }

// eval runs script under a deadline of Timeout and reads its answer with
// get. A failure (a panic too) not of the caller's ctx is a Redis error: it
// opens b for Cooldown and names the call (what) and the kind of failure,
// never what Redis answered.
func eval[T any](ctx context.Context, b *breaker, what string, get func(*redis.Cmd) (T, error), script *redis.Script, keys []string, args ...any) (v T, err error) {
	var panicked any
	func() {
		defer func() { panicked = recover() }()
		rctx, cancel := context.WithTimeout(ctx, b.c.o.Timeout)
		defer cancel()
		v, err = get(script.Run(rctx, b.c.rdb, keys, args...))
	}()
	switch {
	case panicked == nil && err == nil:
		if b.on.CompareAndSwap(true, false) {
			b.onEnd()
			b.cond.Set(ctx, b.c.o.Logger, false)
		}
		return v, nil
	case panicked == nil && ctx.Err() != nil:
		return *new(T), ctx.Err()
	}
	err = &redisError{what: what, why: describe(err, panicked), err: err}
	b.c.redisErrors.Add(1)
	b.until.Store(b.c.now().Add(b.c.o.Cooldown).UnixNano())
	if b.on.CompareAndSwap(false, true) {
		b.c.fallbacks.Add(1)
		b.onStart()
	}
	b.cond.Set(ctx, b.c.o.Logger, true, slog.String("error", err.Error()))
	return *new(T), err
}

// redisError prints the call and the kind of failure only, for every verb:
// what Redis (or a hook) said may quote data. Unwrap still reaches it.
type redisError struct {
	what, why string
	err       error
}

func (e *redisError) Error() string              { return "redisstore: Redis " + e.what + ": " + e.why }
func (e *redisError) Unwrap() error              { return e.err }
func (e *redisError) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, e.Error()) }

// errPoisoned is a value in Redis that no replica could have written (a
// rate-limiter key out of range): reported like a failure.
var errPoisoned = errors.New("holds a value no replica wrote")

// describe names the kind of failure (err, or a recovered panic) in words
// of our own: a panic by its type, an error reply by its code.
func describe(err error, panicked any) string {
	var re redis.Error
	rt, isRT := panicked.(runtime.Error)
	switch {
	case isRT:
		return "panicked: " + rt.Error() // a runtime error's text holds no caller data
	case panicked != nil:
		return fmt.Sprintf("panicked with a %T", panicked)
	case errors.Is(err, context.DeadlineExceeded):
		return "no answer within Timeout"
	case errors.Is(err, errPoisoned):
		return errPoisoned.Error()
	case errors.As(err, &re):
		code, _, _ := strings.Cut(re.Error(), " ")
		if code == "" || len(code) > 20 || strings.Trim(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
			code = "ERR"
		}
		return "answered an error (" + code + ")"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.As(err, new(net.Error)):
		return "connection failed"
	}
	return "failed"
}

// limiter is the Fleet's biembed.RateLimiter: GCRA in Redis (gcraScript),
// and a local x/time/rate limiter at this replica's share while Redis is
// unavailable. Back on Redis, a lane keeps to its share as well until every
// replica must be back and their local grants are over a second old
// (Cooldown + Timeout + 1s + an interval); its local grants of the last
// second are charged to the GCRA key as a debt.
type limiter struct {
	c        *core
	b        breaker
	interval time.Duration
	share    rate.Limit                                       // Rate/Replicas
	burst    int                                              // max(Burst/Replicas, 1)
	sleep    func(ctx context.Context, d time.Duration) error // tests put a virtual clock's here

	mu    sync.Mutex
	lanes map[string]*lane // at most 256 actions (the clients use a few)
}

// lane is one action's state on this replica.
type lane struct {
	key string // its GCRA key

	mu     sync.Mutex
	local  *rate.Limiter // the local share; nil until a fallback, and again after its recovery
	until  time.Time     // the end of the recovery (zero: while falling back)
	grants []time.Time   // local grants of the last second or so, oldest first
	owed   bool          // grants not yet charged to the GCRA key

	// The line of waiters: only the first asks Redis, the others sleep an
	// interval per waiter ahead, so waiters cost one call per grant.
	next, head uint64          // the next ticket; the first still waiting
	left       map[uint64]bool // tickets that left the line, from head on
}

func newLimiter(c *core) *limiter {
	l := &limiter{c: c, interval: time.Duration(float64(time.Second) / c.o.Rate),
		share: rate.Limit(c.o.Rate / float64(c.o.Replicas)), burst: max(c.o.Burst/c.o.Replicas, 1),
		lanes: map[string]*lane{}, sleep: sleep,
		b: breaker{c: c, cond: warn.Condition{Msg: "redisstore: Redis unavailable; the rate limiter paces this replica at its share"}}}
	l.b.onStart = func() { l.recoverUntil(time.Time{}) }
	l.b.onEnd = func() { l.recoverUntil(c.now().Add(c.o.Cooldown + c.o.Timeout + time.Second + l.interval)) }
	return l
}

// recoverUntil sets when every lane's recovery ends (zero: falling back, it
// keeps to its local share until the next recovery ends).
func (l *limiter) recoverUntil(t time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, ln := range l.lanes {
		ln.mu.Lock()
		ln.until = t
		ln.mu.Unlock()
	}
}

// Wait blocks until one request for action may go, or ctx ends.
func (l *limiter) Wait(ctx context.Context, action string) error {
	if err := cmp.Or(ready(l == nil || l.c == nil, ctx, "Limiter"), ascii("action", action, maxAction, false)); err != nil {
		return err
	}
	l.mu.Lock()
	ln := l.lanes[action]
	if ln == nil && len(l.lanes) < 256 {
		ln = &lane{key: l.c.o.Prefix + "r:" + action, left: map[uint64]bool{}}
		l.lanes[action] = ln
	}
	l.mu.Unlock()
	if ln == nil {
		return validate.Fieldf("action", "must be one of at most 256 actions per limiter")
	}
	ln.mu.Lock()
	ticket := ln.next
	ln.next++
	ln.mu.Unlock()
	defer func() { // leave the line: head moves past every ticket that left
		ln.mu.Lock()
		defer ln.mu.Unlock()
		for ln.left[ticket] = true; ln.left[ln.head]; ln.head++ {
			delete(ln.left, ln.head)
		}
	}()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		done, d, err := l.try(ctx, ln, ticket)
		if done || err != nil {
			return err
		}
		// A sleep lasts from a millisecond (so that an answer of "wait a
		// microsecond", forever, cannot make Wait spin) to an interval plus
		// Timeout (so that a TAT far ahead cannot hold it: it asks again).
		if err := l.sleep(ctx, min(max(d, time.Millisecond), l.interval+l.c.o.Timeout)); err != nil {
			return err
		}
	}
}

// try is one attempt of the waiter t: done, or how long to sleep.
func (l *limiter) try(ctx context.Context, ln *lane, t uint64) (bool, time.Duration, error) {
	if !l.b.open() {
		share, wait := l.reserveShare(ln, t)
		if wait > 0 {
			return false, wait, nil
		}
		wait, err := l.reserve(ctx, ln)
		switch {
		case err == nil && wait == 0:
			return true, 0, nil // on both the GCRA key and, recovering, the share
		case err == nil:
			share.CancelAt(l.c.now())
			return false, wait, nil
		case ctx.Err() != nil:
			share.CancelAt(l.c.now())
			return true, 0, ctx.Err()
		case share.OK(): // Redis failed: the share's request goes, as a local grant
			ln.mu.Lock()
			defer ln.mu.Unlock()
			ln.grant(l.c.now())
			return true, 0, nil
		}
	} // Redis failed: this request takes the local share (Cooldown may be shorter than a call)
	now := l.c.now()
	ln.mu.Lock()
	defer ln.mu.Unlock()
	if ln.local == nil {
		ln.local = rate.NewLimiter(l.share, l.burst) // empty: a full bucket would add to the fleet's last grants
		ln.local.AllowN(now, l.burst)
	}
	if ln.local.AllowN(now, 1) {
		ln.grant(now)
		return true, 0, nil
	}
	return false, max(time.Duration((1-ln.local.TokensAt(now))/float64(l.share)*float64(time.Second)), time.Microsecond), nil
}

// reserveShare says how long the waiter t must wait for those ahead, or for
// the local share while the lane recovers; else it reserves one request of
// that share (not OK, cancelling as nothing, when it does not recover).
func (l *limiter) reserveShare(ln *lane, t uint64) (*rate.Reservation, time.Duration) {
	now := l.c.now()
	ln.mu.Lock()
	defer ln.mu.Unlock()
	if ahead := t - ln.head; ahead > 0 {
		return nil, time.Duration(ahead) * l.interval
	}
	if ln.local != nil && !ln.until.IsZero() && !now.Before(ln.until) {
		ln.local, ln.until = nil, time.Time{} // recovered
	}
	if ln.local == nil {
		return &rate.Reservation{}, 0
	}
	r := ln.local.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return nil, d
	}
	return r, 0
}

// grant records a local grant at now, for the debt; it keeps the last second.
func (ln *lane) grant(now time.Time) {
	for len(ln.grants) > 0 && now.Sub(ln.grants[0]) > time.Second {
		ln.grants = ln.grants[1:]
	}
	ln.grants, ln.owed = append(ln.grants, now), true
}

// reserve asks Redis once whether a request may go on the lane (0, and it
// is counted) or how long to wait, charging the lane's uncharged local
// grants of the last second. No replica writes a TAT over an hour behind (a
// key expires a minute after its TAT), nor one ahead by more than (Burst+1)
// intervals, plus the debts of returning replicas (a second and
// Replicas*(burst+1)+1 intervals), plus Cooldown.
func (l *limiter) reserve(ctx context.Context, ln *lane) (time.Duration, error) {
	now, o := l.c.now(), l.c.o
	ln.mu.Lock()
	debt := 0
	for _, g := range ln.grants {
		if ln.owed && now.Sub(g) <= time.Second {
			debt++
		}
	}
	ln.owed = false
	ln.mu.Unlock()
	at := ""
	if o.Now != nil {
		at = strconv.FormatInt(now.UnixMicro(), 10)
	}
	hi := time.Duration(o.Burst+1)*l.interval + o.Cooldown + time.Second + time.Duration(o.Replicas*(l.burst+1)+1)*l.interval
	us, err := eval(ctx, &l.b, "rate limit", func(c *redis.Cmd) (int64, error) {
		us, err := c.Int64()
		if err == nil && us < 0 {
			err = errPoisoned
		}
		return us, err
	}, gcraScript, []string{ln.key}, l.interval.Microseconds(), o.Burst, at, time.Hour.Microseconds(), hi.Microseconds(), debt)
	if err != nil && debt > 0 {
		ln.mu.Lock()
		ln.owed = true // the call that would have charged them failed
		ln.mu.Unlock()
	}
	return time.Duration(us) * time.Microsecond, err
}

// gcraScript is the generic cell rate algorithm: KEYS[1] holds the
// theoretical arrival time (TAT, µs). A request may go when TAT - now <=
// (burst-1) * interval, and moves TAT on by an interval; the debt (local
// grants of an outage) by as many. now is Redis's TIME unless given (tests).
// A TAT no replica wrote (not a number, or outside [now-lo, now+hi]: see
// reserve) is deleted and reported (-1); else it answers 0 or the µs to wait.
// ARGV: interval (µs), burst, now (µs, or ”), lo, hi (µs), debt.
var gcraScript = redis.NewScript(`
local interval, burst, now, lo, hi, debt = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local t = redis.call('TIME')
now = now or tonumber(t[1]) * 1000000 + tonumber(t[2])
local raw, tat = redis.pcall('GET', KEYS[1]), now
if raw then tat = type(raw) == 'string' and tonumber(raw) end
if not tat or tat ~= tat or tat < now - lo or tat > now + hi then
  redis.call('DEL', KEYS[1])
  return -1
end
tat = math.max(tat, now) + debt * interval
local wait = tat - (burst - 1) * interval - now
if wait <= 0 then tat = tat + interval end
if wait <= 0 or debt > 0 then
  redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', math.ceil((tat - now) / 1000) + 60000)
end
return math.max(math.ceil(wait), 0)
`)
