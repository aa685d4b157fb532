// Package redisstore lets the replicas of a fleet share, through one Redis,
// the embed tokens of the vendor caches, the lock that lets one replica mint
// while the others wait, and the vendor's rate budget: NewFleet's Store goes
// into tokencache.Options.Store, its Limiter into tencent.WithRateLimiter
// or youshu.WithRateLimiter.
//
// Entries are sealed with AES-GCM under Options.SealKey, bound to their key;
// Redis names hold only HMACs. Every Redis call is bounded by Timeout, and a
// failed one (a panic included) turns that side (store or limiter) to a
// local fallback for Cooldown: its own memory, its share of the rate.
// Failures are counted (Fleet.Stats) and logged once per episode, never with
// what Redis said. Bad input, a nil receiver or ctx get a
// *biembed.ValidationError naming the field, never the value.
// SECURITY-fleet.md lists what holds against whoever can write to Redis.
package redisstore

import (
	"cmp"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/internal/validate"
	"github.com/biembed/biembed-go/internal/warn"
	"github.com/biembed/biembed-go/tokencache"
)

// Options configure everything a fleet shares.
type Options struct {
	// Prefix starts every Redis name; replicas sharing Redis and Prefix share
	// tokens, locks and budget. Required: 1 to 128 bytes of printable ASCII
	// without spaces. On Redis Cluster put a hash tag in it ("{myapp}:").
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
	// paces itself at Rate/Replicas with a burst of max(Burst/Replicas, 1),
	// starting empty. The fleet sends at most Rate+max(Burst, Replicas) in
	// any one-second window, across outages too. Default 1.
	Replicas int
	// Logger receives one WARN line when a degraded mode starts (Redis
	// unavailable, unreadable entries) and one when it ends. Default: none.
	Logger *slog.Logger
	// Now, for tests only, replaces the system clock (entry TTLs, Cooldown,
	// the local fallback) and Redis's TIME (the limiter). Lock TTLs always
	// run on Redis's clock.
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
	if err = cmp.Or(checkClient(rdb), err); err != nil {
		return nil, err
	}
	return &Fleet{Store: newStore(c), Limiter: newLimiter(c), c: c}, nil
}

func newCore(rdb redis.UniversalClient, o Options) (*core, error) {
	if err := checkOptions(&o); err != nil {
		return nil, err
	}
	c := &core{rdb: rdb, o: o, now: time.Now, kid: "plain"}
	if o.Now != nil {
		c.now = o.Now
	}
	if key := []byte(o.SealKey.Reveal()); !o.Plaintext {
		block, _ := aes.NewCipher(key) // checkOptions checked its length
		c.aead, _ = cipher.NewGCMWithRandomNonce(block)
		m := hmac.New(sha256.New, key)
		m.Write([]byte("biembed redisstore names"))
		c.names = m.Sum(nil)
		c.kid = c.hash('i', "key id")[:8]
	}
	c.o.SealKey = biembed.Secret{}
	return c, nil
}

// checkClient accepts the three go-redis clients, not nil, with
// ContextTimeoutEnabled (only then does a deadline bound a call).
func checkClient(rdb redis.UniversalClient) error {
	if validate.IsNil(rdb) {
		return validate.Fieldf("rdb", "must not be nil")
	}
	var deadlines bool
	switch c := rdb.(type) {
	case *redis.Client:
		deadlines = c.Options().ContextTimeoutEnabled
	case *redis.ClusterClient:
		deadlines = c.Options().ContextTimeoutEnabled
	case *redis.Ring:
		deadlines = c.Options().ContextTimeoutEnabled
	default:
		return validate.Fieldf("rdb", "must be a *redis.Client, *redis.ClusterClient or *redis.Ring")
	}
	if !deadlines {
		return validate.Fieldf("rdb", "must set ContextTimeoutEnabled in its options, so that Options.Timeout bounds each call")
	}
	return nil
}

// checkOptions refuses bad options and fills in the defaults.
func checkOptions(o *Options) error {
	noKey := o.SealKey == (biembed.Secret{})
	for _, c := range []struct {
		bad         bool
		field, rule string
	}{
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

// breaker is one side's (the store's or the limiter's) view of Redis. An
// episode runs from a failure to the next answer; it calls onStart and
// onEnd and logs (cond) at each end.
type breaker struct {
	c              *core
	until          atomic.Int64 // unix nanos (c.now) before which Redis is not asked
	on             atomic.Bool  // an episode is running
	cond           warn.Condition
	onStart, onEnd func()
}

func (b *breaker) open() bool { return b.c.now().UnixNano() < b.until.Load() }

// eval runs script under a deadline of Timeout (ContextTimeoutEnabled: on
// the caller's goroutine) and reads its answer with get. A failure, a panic
// included, unless it was the caller's ctx that ended, counts as a Redis
// error and opens b for Cooldown; its error names the call (what) and the
// kind of failure, never what Redis answered.
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

// redisError is a failed Redis call. It prints the call and the kind of
// failure only, for every verb: what Redis (or a hook, or whatever answers
// at its address) said may quote data. Unwrap still reaches it.
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
	var ne net.Error
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
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.As(err, &ne):
		return "connection failed"
	}
	return "failed"
}
