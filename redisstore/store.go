package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/singleflight"

	"github.com/biembed/biembed-go/internal/tokencache"
	"github.com/biembed/biembed-go/internal/validate"
)

// Defaults of Options.
const (
	DefaultLockTTL = 10 * time.Second // how long a replica may hold a key's mint lock
	// epochTTL is how long an invalidation counter outlives its last
	// change. It only has to outlast a mint.
	epochTTL = 48 * time.Hour
)

// ErrUnreadableEntry is wrapped by Load's error for an entry it cannot use:
// sealed with another key, tampered with, unsealed where a seal is required,
// or not decodable. Such an entry is a miss; the next mint replaces it.
var ErrUnreadableEntry = errors.New("redisstore: unreadable entry")

// Codec turns a token into bytes and back. The bytes must hold the token's
// secret value in the clear (the store seals them when given a SealKey):
// encoding a token whose value masks itself in JSON with encoding/json would
// store the mask. TencentCodec and YoushuCodec do this right.
type Codec[T any] interface {
	Encode(token T) ([]byte, error)
	Decode(data []byte) (T, error)
}

// Options configure a Store.
type Options struct {
	// Prefix starts every key the store writes. Required. Replicas share
	// tokens when they share Redis and Prefix.
	Prefix string
	// SealKey, when set, is an AES key of 16, 24 or 32 bytes: every entry is
	// then sealed with AES-GCM, bound to its key, and only sealed entries are
	// read. Tokens in Redis are live credentials; set it in production.
	SealKey []byte
	// Timeout bounds each Redis call. Default (0): DefaultTimeout. Give the
	// store a client with ContextTimeoutEnabled: it then applies the bound on
	// the socket; otherwise the store runs each call on a helper goroutine
	// and abandons it when the time is up, which costs a little per call.
	Timeout time.Duration
	// Cooldown is how long the store keeps to its local fallback after a
	// Redis error before it asks Redis again. Default (0): DefaultCooldown.
	Cooldown time.Duration
	// LockTTL is how long one replica's mint lock for a key lasts: a replica
	// that dies mid-mint holds the others back at most this long. It should
	// exceed the longest mint. Default (0): DefaultLockTTL, or the engine's
	// mint timeout when that is set.
	LockTTL time.Duration
	// Clock tells the time for the Redis TTL of entries (ExpiresAt - now).
	// Default: the system clock.
	Clock Clock
	// OnError, if set, is called with every Redis error. It must be fast.
	OnError func(error)
}

// Store is a tokencache.Store in Redis, shared by every replica using the
// same Redis and Prefix, and the fleet's single-flight (Lead, Follow). Make
// one with NewStore, NewTencentStore or NewYoushuStore and pass it as
// CacheOptions.Store.
//
// When Redis fails or is slow, the store counts the error and works from an
// in-process memory store for Cooldown, then asks Redis again; the memory
// store is dropped once Redis answers, so it never serves tokens that were
// invalidated elsewhere while this replica could reach Redis. It is safe for
// concurrent use.
type Store[T any] struct {
	rdb    redis.UniversalClient
	codec  Codec[T]
	opts   Options
	seal   *sealer // nil without SealKey
	direct bool    // rdb honours context deadlines (see bounded)
	now    func() time.Time

	errs     atomic.Uint64
	localAt  atomic.Int64 // unix nanos until which Redis is skipped
	degraded atomic.Bool  // the local store holds entries from an outage

	memo    memo[T]            // the last entry decoded per key, by its blob
	loads   singleflight.Group // concurrent fetches of one key
	loadGen atomic.Uint64      // part of the fetch's key; Invalidate moves it

	mu    sync.Mutex
	local tokencache.Store[T]
}

// NewStore returns a Store on rdb that encodes tokens with codec. Bad input
// gets a *ValidationError naming the field: a nil rdb or codec, an empty
// Prefix, a SealKey that is not 16, 24 or 32 bytes long.
func NewStore[T any](rdb redis.UniversalClient, codec Codec[T], opts Options) (*Store[T], error) {
	if err := checkClient(rdb); err != nil {
		return nil, err
	}
	if codec == nil {
		return nil, validate.Fieldf("codec", "must not be nil")
	}
	if err := checkPrefix(opts.Prefix); err != nil {
		return nil, err
	}
	switch {
	case opts.Timeout < 0:
		return nil, validate.Fieldf("Timeout", "must not be negative")
	case opts.Cooldown < 0:
		return nil, validate.Fieldf("Cooldown", "must not be negative")
	case opts.LockTTL < 0:
		return nil, validate.Fieldf("LockTTL", "must not be negative")
	}
	s := &Store[T]{rdb: rdb, codec: codec, opts: opts, now: time.Now, local: tokencache.NewMemoryStore[T](),
		direct: honoursDeadlines(rdb)}
	if opts.SealKey != nil {
		seal, err := newSealer(opts.SealKey)
		if err != nil {
			return nil, err
		}
		s.seal = seal
	}
	if opts.Clock != nil {
		s.now = opts.Clock.Now
	}
	if s.opts.Timeout == 0 {
		s.opts.Timeout = DefaultTimeout
	}
	if s.opts.Cooldown == 0 {
		s.opts.Cooldown = DefaultCooldown
	}
	return s, nil
}

// Errors returns how many Redis calls have failed so far.
func (s *Store[T]) Errors() uint64 { return s.errs.Load() }

// Names of the keys under Prefix.
func (s *Store[T]) entryKey(key string) string { return s.opts.Prefix + "e:" + key }
func (s *Store[T]) epochKey(key string) string { return s.opts.Prefix + "ek:" + key }
func (s *Store[T]) tagEpochKey(tag string) string {
	return s.opts.Prefix + "et:" + s.nameHash('t', tag)
}
func (s *Store[T]) lockKey(key string) string { return s.opts.Prefix + "l:" + key }

// Load returns the entry for key. An entry it cannot read is a miss with an
// error wrapping ErrUnreadableEntry; the next Save replaces it.
func (s *Store[T]) Load(ctx context.Context, key string) (tokencache.Entry[T], bool, error) {
	if !s.useRedis() {
		return s.localStore().Load(ctx, key)
	}
	blob, err := s.fetch(ctx, key)
	switch {
	case errors.Is(err, redis.Nil):
		return tokencache.Entry[T]{}, false, nil
	case err != nil:
		if e, ok, _ := s.localStore().Load(ctx, key); ok {
			return e, true, nil
		}
		return tokencache.Entry[T]{}, false, fmt.Errorf("redisstore: load: %w", err)
	}
	if e, ok := s.memo.get(key, blob); ok {
		return e, true, nil
	}
	e, err := s.decode(key, blob)
	if err != nil {
		return tokencache.Entry[T]{}, false, err
	}
	s.memo.put(key, blob, e)
	return e, true, nil
}

// fetch reads key's blob. Concurrent fetches of one key share one Redis
// call, so a burst of Gets for a key costs one round trip, not one each;
// whatever changes the key (Save, Invalidate, Lead, Follow) forgets the
// shared call, so a fetch that follows it never sees the state before it.
func (s *Store[T]) fetch(ctx context.Context, key string) ([]byte, error) {
	v, err, _ := s.loads.Do(strconv.FormatUint(s.loadGen.Load(), 10)+":"+key, func() (any, error) {
		shared := context.WithoutCancel(ctx) // one caller giving up must not fail the others
		blob, err := bounded(shared, s.opts.Timeout, s.direct, func(ctx context.Context) ([]byte, error) {
			return s.rdb.HGet(ctx, s.entryKey(key), "b").Bytes()
		})
		if err != nil && !errors.Is(err, redis.Nil) {
			s.fail(shared, err)
			return nil, err
		}
		s.recovered()
		return blob, err
	})
	blob, _ := v.([]byte)
	return blob, err
}

// forget makes the next fetch of key a new Redis call.
func (s *Store[T]) forget(key string) {
	s.loads.Forget(strconv.FormatUint(s.loadGen.Load(), 10) + ":" + key)
}

// Epoch returns the sum of the invalidation counters of key and tags.
func (s *Store[T]) Epoch(ctx context.Context, key string, tags []string) (uint64, error) {
	if !s.useRedis() {
		return s.localStore().Epoch(ctx, key, tags)
	}
	names := []string{s.epochKey(key)}
	for _, t := range tags {
		names = append(names, s.tagEpochKey(t))
	}
	vals, err := bounded(ctx, s.opts.Timeout, s.direct, func(ctx context.Context) ([]any, error) {
		return s.rdb.MGet(ctx, names...).Result()
	})
	if err != nil {
		s.fail(ctx, err)
		return s.localStore().Epoch(ctx, key, tags)
	}
	s.recovered()
	var sum uint64
	for _, v := range vals {
		if str, ok := v.(string); ok {
			n, _ := strconv.ParseUint(str, 10, 64)
			sum += n
		}
	}
	return sum, nil
}

// saveScript stores an entry unless an invalidation moved its epoch since
// the mint began (checked and stored in one step). The entry is a hash: b
// is the (sealed) blob, m the names of its ID and tag sets, so that
// replacing or dropping it unlinks it from them.
var saveScript = redis.NewScript(dropLua + `
local p, key, ttl = ARGV[1], ARGV[2], tonumber(ARGV[5])
local sum = 0
for _, h in ipairs(cjson.decode(ARGV[7])) do
  sum = sum + tonumber(redis.call('GET', p .. h) or '0')
end
if sum ~= tonumber(ARGV[3]) then return 0 end
drop(p, key)
local ek = p .. 'e:' .. key
redis.call('HSET', ek, 'b', ARGV[4], 'm', ARGV[6])
redis.call('PEXPIRE', ek, ttl)
local first = true
for h in string.gmatch(ARGV[6], '%S+') do
  local set
  if first then
    first = false
    if h ~= '-' then set = p .. 'i:' .. h end
  else
    set = p .. 't:' .. h
  end
  if set then
    redis.call('SADD', set, key)
    if redis.call('PTTL', set) < ttl then redis.call('PEXPIRE', set, ttl) end
  end
end
return 1
`)

// dropLua deletes the entry of key and unlinks it from its ID and tag sets.
const dropLua = `
local function drop(p, key)
  local ek = p .. 'e:' .. key
  local meta = redis.call('HGET', ek, 'm')
  if meta then
    local first = true
    for h in string.gmatch(meta, '%S+') do
      if first then
        first = false
        if h ~= '-' then redis.call('SREM', p .. 'i:' .. h, key) end
      else
        redis.call('SREM', p .. 't:' .. h, key)
      end
    end
  end
  redis.call('DEL', ek)
end
`

// Save stores e under key for the rest of its lifetime, unless key or one
// of e.Tags was invalidated after e.Epoch was read: then it returns
// tokencache.ErrStale.
func (s *Store[T]) Save(ctx context.Context, key string, e tokencache.Entry[T]) error {
	ttl := e.ExpiresAt.Sub(s.now())
	if ttl < time.Millisecond {
		return nil // expired: nothing worth keeping
	}
	if !s.useRedis() {
		return s.localStore().Save(ctx, key, e)
	}
	blob, err := s.encode(key, e)
	if err != nil {
		return err
	}
	epochs := []string{"ek:" + key}
	meta := []string{"-"}
	if e.ID != "" {
		meta[0] = s.nameHash('i', e.ID)
	}
	for _, t := range e.Tags {
		h := s.nameHash('t', t)
		epochs = append(epochs, "et:"+h)
		meta = append(meta, h)
	}
	defer s.forget(key)
	stored, err := bounded(ctx, s.opts.Timeout, s.direct, func(ctx context.Context) (int, error) {
		return saveScript.Run(ctx, s.rdb, []string{s.entryKey(key)},
			s.opts.Prefix, key, e.Epoch, blob, ttl.Milliseconds(), strings.Join(meta, " "), jsonList(epochs)).Int()
	})
	if err != nil {
		s.fail(ctx, err)
		return s.localStore().Save(ctx, key, e)
	}
	s.recovered()
	if stored == 0 {
		return tokencache.ErrStale
	}
	return nil
}

// Delete drops key's entry without changing any epoch.
func (s *Store[T]) Delete(ctx context.Context, key string) error {
	defer s.forget(key)
	_ = s.localStore().Delete(ctx, key)
	if !s.useRedis() {
		return nil
	}
	_, err := bounded(ctx, s.opts.Timeout, s.direct, func(ctx context.Context) (any, error) {
		return nil, deleteScript.Run(ctx, s.rdb, []string{s.entryKey(key)}, s.opts.Prefix, key).Err()
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		s.fail(ctx, err)
		return fmt.Errorf("redisstore: delete: %w", err)
	}
	s.recovered()
	return nil
}

var deleteScript = redis.NewScript(dropLua + `drop(ARGV[1], ARGV[2]) return 1`)

// invalidateScript advances the epochs of the keys and tags, then drops the
// entries under the keys, those linked to the tags and those linked to the
// IDs. ARGV: prefix, epoch TTL, then three JSON lists: keys, tag hashes, ID
// hashes.
var invalidateScript = redis.NewScript(dropLua + `
local p, ettl = ARGV[1], tonumber(ARGV[2])
local function bump(k)
  redis.call('INCR', k)
  redis.call('PEXPIRE', k, ettl)
end
for _, key in ipairs(cjson.decode(ARGV[3])) do
  bump(p .. 'ek:' .. key)
  drop(p, key)
end
for _, h in ipairs(cjson.decode(ARGV[4])) do
  bump(p .. 'et:' .. h)
  for _, key in ipairs(redis.call('SMEMBERS', p .. 't:' .. h)) do drop(p, key) end
  redis.call('DEL', p .. 't:' .. h)
end
for _, h in ipairs(cjson.decode(ARGV[5])) do
  for _, key in ipairs(redis.call('SMEMBERS', p .. 'i:' .. h)) do drop(p, key) end
  redis.call('DEL', p .. 'i:' .. h)
end
return 1
`)

// Invalidate advances the epochs of t's keys and tags and drops the entries
// under its keys, saved with its tags or holding one of its IDs, for every
// replica at once. Unlike the other calls it reports a Redis failure, since
// the other replicas then still serve what was to be dropped (this replica's
// local fallback is cleared either way).
func (s *Store[T]) Invalidate(ctx context.Context, t tokencache.Target) error {
	defer s.loadGen.Add(1) // no later Load shares a fetch begun before this
	_ = s.localStore().Invalidate(ctx, t)
	tags := make([]string, len(t.Tags))
	for i, tag := range t.Tags {
		tags[i] = s.nameHash('t', tag)
	}
	ids := make([]string, len(t.IDs))
	for i, id := range t.IDs {
		ids[i] = s.nameHash('i', id)
	}
	_, err := bounded(ctx, s.opts.Timeout, s.direct, func(ctx context.Context) (any, error) {
		return nil, invalidateScript.Run(ctx, s.rdb, []string{s.opts.Prefix + "ek:"},
			s.opts.Prefix, epochTTL.Milliseconds(), jsonList(t.Keys), jsonList(tags), jsonList(ids)).Err()
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		s.fail(ctx, err)
		return fmt.Errorf("redisstore: invalidate (other replicas may still serve it): %w", err)
	}
	s.recovered()
	return nil
}

// useRedis reports whether to ask Redis, false during Cooldown after an error.
func (s *Store[T]) useRedis() bool { return time.Now().UnixNano() >= s.localAt.Load() }

// fail counts a Redis error and turns to the local store for Cooldown. An
// error caused by the caller's own ctx is not Redis's fault.
func (s *Store[T]) fail(ctx context.Context, err error) {
	if ctx.Err() != nil {
		return
	}
	s.errs.Add(1)
	s.degraded.Store(true)
	s.localAt.Store(time.Now().Add(s.opts.Cooldown).UnixNano())
	if s.opts.OnError != nil {
		s.opts.OnError(err)
	}
}

// recovered drops what the local store gathered during an outage, once
// Redis answers again: Redis is the truth, and it may have been told of
// invalidations that this replica missed.
func (s *Store[T]) recovered() {
	if !s.degraded.Load() {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.degraded.CompareAndSwap(true, false) {
		s.local = tokencache.NewMemoryStore[T]()
	}
}

func (s *Store[T]) localStore() tokencache.Store[T] {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.local
}

// jsonList encodes names as a JSON array for a script (cjson.decode).
func jsonList(names []string) string {
	if len(names) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(names) // a []string always marshals
	return string(b)
}
