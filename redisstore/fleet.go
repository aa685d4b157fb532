package redisstore

import (
	"log/slog"
	"math"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/internal/validate"
	"github.com/biembed/biembed-go/tokencache"
)

// Options configure everything a fleet shares, in one value. Every replica
// of a fleet passes the same Prefix, SealKey, Rate, Burst and Replicas.
type Options struct {
	// Prefix starts every key; replicas share tokens, locks and the rate
	// budget when they share Redis and Prefix. Required: 1 to 128 bytes of
	// printable ASCII without spaces. On Redis Cluster put a hash tag in it,
	// such as "{myapp}:", so that each script's keys share one slot.
	Prefix string
	// SealKey is the AES key (16, 24 or 32 raw bytes) that seals every
	// entry with AES-GCM and keys the HMAC that names keys. Required unless
	// Plaintext. Make one with `openssl rand -hex 32`, hex-decode it, and
	// give every replica the same one from your secret store.
	SealKey biembed.Secret
	// Plaintext stores tokens in Redis in the clear (JSON, base64): anyone
	// who can read Redis can use them, and anyone who can write it can plant
	// tokens. UNSAFE: for tests only.
	Plaintext bool
	// Timeout bounds each Redis call. Default 100ms.
	Timeout time.Duration
	// Cooldown is how long a replica uses its local fallback after a Redis
	// error before it asks Redis again, and the most a token saved in the
	// local fallback is served after it was saved. Default 1s.
	Cooldown time.Duration
	// LockTTL is how long one replica's mint lock lasts: the longest the
	// others wait for its mint. It should exceed the longest mint. Default
	// 10s.
	LockTTL time.Duration
	// Rate is the shared limit, in requests per second per action (at most
	// 1,000,000). Default 20, Tencent BI's documented limit.
	Rate float64
	// Burst is how many requests may go at once. At most Rate+Burst go in
	// any one-second window, across an outage and its end too when Burst is
	// at least Replicas (see Replicas). Default 1.
	Burst int
	// Replicas is how many replicas share the budget. While Redis is
	// unavailable each paces itself at Rate/Replicas per second with a burst
	// of max(Burst/Replicas, 1), starting empty; the fleet then sends at
	// most Rate+max(Burst, Replicas) in any one-second window. Default 1.
	Replicas int
	// Logger receives one WARN line when a degraded mode starts (Redis
	// unavailable, unreadable entries) and one when it ends, never a token
	// or key. Default: none.
	Logger *slog.Logger
	// Now is for tests only: it replaces the system clock for entry TTLs,
	// Cooldown and the local fallback, and replaces Redis's TIME for the
	// limiter. Lock TTLs always run on Redis's clock.
	Now func() time.Time
}

// Fleet is what NewFleet returns: the two things a replica wires into its
// vendor cache and client.
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

// Defaults and bounds of Options.
const (
	defaultTimeout  = 100 * time.Millisecond
	defaultCooldown = time.Second
	defaultLockTTL  = 10 * time.Second
	defaultRate     = 20.0
	maxRate         = 1e6
	maxDuration     = time.Hour
	maxCount        = 1_000_000
	maxPrefix       = 128
)

// core is what the store and the limiter of one Fleet share.
type core struct {
	rdb      redis.UniversalClient
	o        Options // defaults applied
	seal     *sealer // nil in Plaintext mode
	now      func() time.Time
	fixedNow bool // Options.Now was given: the limiter reads it, not Redis TIME

	redisErrors, unreadable, fallbacks atomic.Uint64
}

// NewFleet checks rdb and opts and returns the Fleet of one replica. Bad
// input gets a *biembed.ValidationError naming the field (never its value).
// rdb must be a *redis.Client, *redis.ClusterClient or *redis.Ring whose
// options set ContextTimeoutEnabled: every call then runs on the caller's
// goroutine under a deadline of Options.Timeout.
func NewFleet(rdb redis.UniversalClient, opts Options) (*Fleet, error) {
	if err := checkClient(rdb); err != nil {
		return nil, err
	}
	if err := checkOptions(&opts); err != nil {
		return nil, err
	}
	c := &core{rdb: rdb, o: opts, now: time.Now}
	if opts.Now != nil {
		c.now, c.fixedNow = opts.Now, true
	}
	if !opts.Plaintext {
		seal, err := newSealer([]byte(opts.SealKey.Reveal()))
		if err != nil {
			return nil, err
		}
		c.seal = seal
	}
	c.o.SealKey = biembed.Secret{} // the sealer holds what it needs
	return &Fleet{Store: newStore(c), Limiter: newLimiter(c), c: c}, nil
}

// checkClient accepts the three go-redis clients, not nil, with
// ContextTimeoutEnabled: only then does a call's deadline bound it on the
// socket, on the caller's goroutine.
func checkClient(rdb redis.UniversalClient) error {
	deadlines := false
	switch c := rdb.(type) {
	case *redis.Client:
		if c == nil {
			return validate.Fieldf("rdb", "must not be nil")
		}
		deadlines = c.Options().ContextTimeoutEnabled
	case *redis.ClusterClient:
		if c == nil {
			return validate.Fieldf("rdb", "must not be nil")
		}
		deadlines = c.Options().ContextTimeoutEnabled
	case *redis.Ring:
		if c == nil {
			return validate.Fieldf("rdb", "must not be nil")
		}
		deadlines = c.Options().ContextTimeoutEnabled
	case nil:
		return validate.Fieldf("rdb", "must not be nil")
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
	if err := checkPrefix(o.Prefix); err != nil {
		return err
	}
	switch {
	case o.Plaintext && o.SealKey != (biembed.Secret{}):
		return validate.Fieldf("SealKey", "must be empty with Plaintext (choose one)")
	case !o.Plaintext && o.SealKey == (biembed.Secret{}):
		return validate.Fieldf("SealKey", "is required (or set Plaintext, for tests only): 32 random bytes from your secret store, the same on every replica, e.g. `openssl rand -hex 32` hex-decoded")
	case o.Timeout < 0 || o.Timeout > maxDuration:
		return validate.Fieldf("Timeout", "must be from 0 (default 100ms) to 1h")
	case o.Cooldown < 0 || o.Cooldown > maxDuration:
		return validate.Fieldf("Cooldown", "must be from 0 (default 1s) to 1h")
	case o.LockTTL < 0 || o.LockTTL > maxDuration:
		return validate.Fieldf("LockTTL", "must be from 0 (default 10s) to 1h")
	case math.IsNaN(o.Rate) || o.Rate < 0 || o.Rate > maxRate:
		return validate.Fieldf("Rate", "must be from 0 (default 20) to 1,000,000 requests per second")
	case o.Burst < 0 || o.Burst > maxCount:
		return validate.Fieldf("Burst", "must be from 0 (default 1) to 1,000,000")
	case o.Replicas < 0 || o.Replicas > maxCount:
		return validate.Fieldf("Replicas", "must be from 0 (default 1) to 1,000,000")
	}
	o.Timeout = or(o.Timeout, defaultTimeout)
	o.Cooldown = or(o.Cooldown, defaultCooldown)
	o.LockTTL = or(o.LockTTL, defaultLockTTL)
	o.Rate = or(o.Rate, defaultRate)
	o.Burst = or(o.Burst, 1)
	o.Replicas = or(o.Replicas, 1)
	return nil
}

// checkPrefix accepts 1 to 128 bytes of printable ASCII without spaces.
func checkPrefix(p string) error {
	if p == "" || len(p) > maxPrefix {
		return validate.Fieldf("Prefix", "must be 1 to 128 bytes (it keeps these keys apart from the rest of the Redis)")
	}
	for i := 0; i < len(p); i++ {
		if p[i] <= ' ' || p[i] > '~' {
			return validate.Fieldf("Prefix", "must be printable ASCII without spaces")
		}
	}
	return nil
}

func or[V comparable](v, def V) V {
	var zero V
	if v == zero {
		return def
	}
	return v
}
