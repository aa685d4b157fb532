package redisstore

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/biembed/biembed-go/internal/validate"
	"github.com/biembed/biembed-go/internal/warn"
	"github.com/biembed/biembed-go/tokencache"
)

// epochTTL is how long a counter outlives its last bump (or its entries).
const epochTTL = 48 * time.Hour

// store is the Fleet's tokencache.Store (its Redis names: see libLua).
type store struct {
	c     *core
	b     breaker
	local atomic.Pointer[local] // the fallback

	foreign, unreadableCond warn.Condition // entries that do not open
}

func newStore(c *core) *store {
	s := &store{c: c, b: breaker{c: c, cond: warn.Condition{Msg: "redisstore: Redis unavailable; tokens are cached on this replica only"}},
		foreign:        warn.Condition{Msg: "redisstore: entries in Redis do not open: another replica seals with a different SealKey"},
		unreadableCond: warn.Condition{Msg: "redisstore: entries in Redis do not open (tampered with, replayed, or written by another version); they are minted again"}}
	// A new fallback whenever Redis answers again: it may know of invalidations this one missed.
	s.b.onStart, s.b.onEnd = func() {}, func() { s.local.Store(newLocal(c)) }
	s.b.onEnd()
	return s
}

func (s *store) check(ctx context.Context, key string) error {
	return cmp.Or(ready(s == nil || s.c == nil, ctx, "Store"), checkKey("key", key))
}

// name is the Redis name of kind (see libLua) for the hash h.
func (c *core) name(kind, h string) string { return c.o.Prefix + kind + h }

// Load returns the entry under key if it opens under the SealKey for key,
// its meta names exactly its sealed tags (stripping one cannot hide it from
// an invalidation) and its sealed epoch is current (else it is a replay):
// anything else is a miss, counted Unreadable.
func (s *store) Load(ctx context.Context, key string) (tokencache.Entry, bool, error) {
	if err := s.check(ctx, key); err != nil {
		return tokencache.Entry{}, false, err
	}
	if s.b.open() {
		return s.local.Load().Load(ctx, key)
	}
	kh := s.c.hash(domainKey, key)
	reply, err := eval(ctx, &s.b, "load", (*redis.Cmd).Slice, loadScript, []string{s.c.name("e:", kh)}, s.c.o.Prefix, 0, kh, maxBlob)
	if err != nil || len(reply) == 1 && reply[0] == any(int64(0)) {
		return tokencache.Entry{}, false, err
	}
	if len(reply) != 4 || reply[0] != any(int64(1)) {
		return s.unreadable(ctx, "not an entry the store writes (another type, no blob, too large, a bad meta or counter)")
	}
	blob, _ := reply[1].(string)
	meta, _ := reply[2].(string)
	sum, _ := reply[3].(int64)
	w, why := s.c.open(kh, []byte(blob))
	switch {
	case why != "":
	case meta != s.meta(w.ID, w.Tags):
		why = "its meta does not name its sealed tags"
	case sum < 0 || w.Epoch != uint64(sum):
		why = "its epoch is not the current one (replayed, or its counters were changed)"
	}
	if why != "" {
		return s.unreadable(ctx, why)
	}
	s.foreign.Set(ctx, s.c.o.Logger, false)
	s.unreadableCond.Set(ctx, s.c.o.Logger, false)
	return w.entry(), true, nil
}

// unreadable counts and logs an entry that did not open, and answers a miss.
func (s *store) unreadable(ctx context.Context, why string) (tokencache.Entry, bool, error) {
	s.c.unreadable.Add(1)
	if why == whyForeign {
		s.foreign.Set(ctx, s.c.o.Logger, true)
	} else {
		s.unreadableCond.Set(ctx, s.c.o.Logger, true, slog.String("reason", why))
	}
	return tokencache.Entry{}, false, nil
}

// Epoch returns the sum of the invalidation counters of key and tags.
func (s *store) Epoch(ctx context.Context, key string, tags []string) (uint64, error) {
	if err := cmp.Or(s.check(ctx, key), checkEach("tags", tags, maxEntryTags, checkTag)); err != nil {
		return 0, err
	}
	if s.b.open() {
		return s.local.Load().Epoch(ctx, key, tags)
	}
	names := []string{s.c.name("ck:", s.c.hash(domainKey, key))}
	for _, t := range tags {
		names = append(names, s.c.name("ct:", s.c.hash(domainTag, t)))
	}
	sum, err := eval(ctx, &s.b, "epoch", (*redis.Cmd).Int64, epochScript, names, s.c.o.Prefix, epochTTL.Milliseconds())
	return uint64(max(sum, 0)), err
}

// meta lists the hashed ID (or -) and the hashed tags of an entry.
func (s *store) meta(id string, tags []string) string {
	m := "-"
	if id != "" {
		m = s.c.hash(domainTag, id)
	}
	for _, t := range tags {
		m += " " + s.c.hash(domainTag, t)
	}
	return m
}

// Save stores e under key for the rest of its life, unless key or one of
// e.Tags was invalidated after e.Epoch was read: then tokencache.ErrStale.
func (s *store) Save(ctx context.Context, key string, e tokencache.Entry) error {
	if err := cmp.Or(s.check(ctx, key), validate.Text("Entry.ID", e.ID, maxTag), checkEach("Entry.Tags", e.Tags, maxEntryTags, checkTag)); err != nil {
		return err
	}
	if n := len(e.Token.Reveal()); n == 0 || n > maxToken {
		return validate.Fieldf("Entry.Token", "must be 1 byte to %d KiB", maxToken>>10)
	}
	ttl := e.ExpiresAt.Sub(s.c.now())
	if ttl < time.Millisecond {
		return nil // expired: nothing worth keeping
	}
	if s.b.open() {
		return s.local.Load().Save(ctx, key, e)
	}
	e.Key = key
	kh := s.c.hash(domainKey, key)
	blob, err := s.c.sealEntry(kh, e)
	if err != nil {
		return err
	}
	reply, err := eval(ctx, &s.b, "save", (*redis.Cmd).Int64Slice, saveScript, []string{s.c.name("e:", kh)}, s.c.o.Prefix,
		epochTTL.Milliseconds(), kh, strconv.FormatUint(e.Epoch, 10), blob, ttl.Milliseconds(), s.meta(e.ID, e.Tags), s.c.kid)
	if len(reply) == 2 && reply[1] == 1 { // the save before was sealed under another key
		s.foreign.Set(ctx, s.c.o.Logger, true)
	}
	if err == nil && (len(reply) == 0 || reply[0] != 1) {
		return tokencache.ErrStale
	}
	return err
}

// Invalidate advances the epochs of keys and tags and drops, in Redis and
// the local fallback, the entries under keys or saved with one of tags, and
// returns them. After a Redis failure other replicas may still serve them.
func (s *store) Invalidate(ctx context.Context, keys, tags []string) ([]tokencache.Entry, error) {
	if err := cmp.Or(ready(s == nil || s.c == nil, ctx, "Store"), checkEach("keys", keys, maxInvalidate, checkKey),
		checkEach("tags", tags, maxInvalidate, checkTag)); err != nil {
		return nil, err
	}
	dropped, _ := s.local.Load().Invalidate(ctx, keys, tags)
	args := []any{s.c.o.Prefix, epochTTL.Milliseconds(), len(keys), maxBlob, maxDropped}
	for _, k := range keys {
		args = append(args, s.c.hash(domainKey, k))
	}
	for _, t := range tags {
		args = append(args, s.c.hash(domainTag, t))
	}
	out, err := eval(ctx, &s.b, "invalidate", (*redis.Cmd).Slice, invalidateScript, nil, args...)
	for i := 0; i+1 < len(out); i += 2 { // out is nil after an error
		kh, _ := out[i].(string)
		blob, _ := out[i+1].(string)
		if w, why := s.c.open(kh, []byte(blob)); why != "" {
			_, _, _ = s.unreadable(ctx, why)
		} else {
			dropped = append(dropped, w.entry())
		}
	}
	return dropped, err
}

// Lead tries to make this replica the one that mints key, for LockTTL (not
// ttl: the same LockTTL everywhere bounds Follow). led is false when another
// replica holds the lock. In the local fallback it always leads.
func (s *store) Lead(ctx context.Context, key string, _ time.Duration) (release func(), led bool, err error) {
	if err := s.check(ctx, key); err != nil {
		return nil, false, err
	}
	if s.b.open() {
		return func() {}, true, nil
	}
	lock, token := []string{s.c.name("l:", s.c.hash(domainKey, key))}, rand.Text()
	n, err := eval(ctx, &s.b, "lock", (*redis.Cmd).Int64, lockScript, lock, "lead", token, s.c.o.LockTTL.Milliseconds())
	if err != nil || n != 1 {
		return nil, false, err
	}
	return func() {
		_, _ = eval(context.WithoutCancel(ctx), &s.b, "unlock", (*redis.Cmd).Result, lockScript, lock, "release", token)
	}, true, nil
}

var errFollowTimeout = errors.New("redisstore: another replica's mint lock outlasted LockTTL; minting here")

// Follow waits until the lead on key ends (its lock is gone or changed
// hands) or ctx ends, polling with a backoff from 1ms to 50ms, for at most
// LockTTL plus Timeout whatever TTL the lock claims: then the cache mints.
func (s *store) Follow(ctx context.Context, key string) error {
	if err := s.check(ctx, key); err != nil || s.b.open() {
		return err
	}
	lock := []string{s.c.name("l:", s.c.hash(domainKey, key))}
	first, err := eval(ctx, &s.b, "lock", (*redis.Cmd).Text, lockScript, lock, "holder")
	deadline := time.Now().Add(s.c.o.LockTTL + s.c.o.Timeout)
	for token, delay := first, time.Millisecond; err == nil && first != "" && token == first; delay = min(2*delay, 50*time.Millisecond) {
		left := time.Until(deadline)
		if left <= 0 {
			return errFollowTimeout
		}
		if err := sleep(ctx, min(delay, left)); err != nil {
			return err
		}
		token, err = eval(ctx, &s.b, "lock", (*redis.Cmd).Text, lockScript, lock, "holder")
	}
	return err
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// local is the store's fallback while Redis is unavailable: a memory store
// that serves an entry for at most Cooldown after its save (on the Fleet's
// clock), whatever was invalidated meanwhile elsewhere.
type local struct {
	tokencache.Store
	c *core

	mu    sync.Mutex
	saved map[string]time.Time // key -> when it was saved (c.now)
}

func newLocal(c *core) *local {
	return &local{Store: tokencache.NewMemoryStore(0, c.o.Cooldown), c: c, saved: map[string]time.Time{}}
}

func (l *local) Load(ctx context.Context, key string) (tokencache.Entry, bool, error) {
	l.mu.Lock()
	at, ok := l.saved[key]
	l.mu.Unlock()
	if !ok || !l.c.now().Before(at.Add(l.c.o.Cooldown)) {
		return tokencache.Entry{}, false, nil
	}
	return l.Store.Load(ctx, key)
}

func (l *local) Save(ctx context.Context, key string, e tokencache.Entry) error {
	err := l.Store.Save(ctx, key, e)
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.saved) >= 2*10_000 { // twice what the memory store keeps; a save time forgotten is a miss
		clear(l.saved)
	}
	if err == nil {
		l.saved[key] = l.c.now()
	}
	return err
}

// The store's Lua scripts, each one step: what a hostile writer put at a
// name (another type, garbage, huge values) is repaired or reported, never a
// script error (which would turn every replica to its fallback). Names under
// the prefix p, for a key hashed to kh and a tag or ID to th:
//
//	p e:kh   hash: b = the sealed blob, m = "idh th1 th2 ..." (the ID's hash or -, then the tags')
//	p x:th   set of the kh of the entries linked to th
//	p ck:kh  the key's invalidation counter
//	p ct:th  the tag's invalidation counter
//	p kid    the core.kid of the last save
//	p l:kh   the key's mint lock: a random token

// libLua is what every store script shares. ARGV[1] is the prefix, ARGV[2]
// the TTL (ms) of a counter bumped or repaired.
const libLua = `
local p, ettl = ARGV[1], tonumber(ARGV[2])
local function kind(k) return redis.call('TYPE', k).ok end
local function ishash(h) return #h == 32 and string.find(h, '^[0-9a-f]+$') ~= nil end
local function stretch(k, ms) if redis.call('PTTL', k) < ms then redis.call('PEXPIRE', k, ms) end end -- a missing k stays missing
-- The counter at k: 0 when absent, nil when no replica wrote it (another
-- type, not a decimal count, 2^46 or more).
local function count(k)
  local v = redis.pcall('GET', k)
  if not v then return 0 end
  return type(v) == 'string' and #v <= 14 and string.find(v, '^%d+$') and tonumber(v) < 70368744177664 and tonumber(v) or nil
end
-- repair sets a counter to Redis's time in ms: more than any count, so
-- entries sealed with the old value stop matching (it invalidates).
local function repair(k)
  local t = redis.call('TIME')
  local v = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  redis.call('SET', k, string.format('%d', v), 'PX', ettl)
  return v
end
-- The ID's hash (nil for -) and the tags' hashes of a meta; nil if none.
local function parse(m)
  local hs = {}
  for h in string.gmatch(m, '%S+') do
    if #m > 4096 or not ishash(h) and not (#hs == 0 and h == '-') then return nil end
    hs[#hs + 1] = h
  end
  if #hs == 0 then return nil end
  local id = table.remove(hs, 1)
  return id ~= '-' and id or nil, hs
end
-- The counters of the entry kh with tags, and their sum (nil if one is bad).
local function counters(kh, tags)
  local ks, sum = {p .. 'ck:' .. kh}, 0
  for _, h in ipairs(tags) do ks[#ks + 1] = p .. 'ct:' .. h end
  for _, k in ipairs(ks) do
    local c = sum and count(k)
    sum = c and sum + c
  end
  return ks, sum
end
-- drop deletes the entry kh whatever it holds, unlinks it from the index
-- sets its meta names and, with out, appends kh and its blob to out (when
-- the blob is at most maxb bytes and out holds fewer than maxout entries).
local function drop(kh, out, maxb, maxout)
  local e = p .. 'e:' .. kh
  if kind(e) == 'hash' then
    local id, tags = parse(redis.call('HGET', e, 'm') or '')
    if id then tags[#tags + 1] = id end
    for _, h in ipairs(tags or {}) do
      local x = p .. 'x:' .. h
      if kind(x) == 'set' then redis.call('SREM', x, kh) end
    end
    local b = out and #out < 2 * maxout and redis.call('HSTRLEN', e, 'b') <= maxb and redis.call('HGET', e, 'b')
    if b then out[#out + 1], out[#out + 2] = kh, b end
  end
  redis.call('DEL', e)
end
`

// loadScript returns an entry's blob, its meta and the sum of the counters
// of its key and the tags its meta names: {1, blob, meta, sum}; {0} when
// there is none; {2}, transferring nothing, for what the store never writes
// (another type, no blob, one too large, a bad meta or counter).
// KEYS: the entry. ARGV: prefix, -, kh, max blob bytes.
var loadScript = redis.NewScript(libLua + `
local e, kh, maxb = KEYS[1], ARGV[3], tonumber(ARGV[4])
local t = kind(e)
if t == 'none' then return {0} end
local bl = t == 'hash' and redis.call('HSTRLEN', e, 'b') or 0
if bl == 0 or bl > maxb or redis.call('HSTRLEN', e, 'm') > 4096 then return {2} end
local m = redis.call('HGET', e, 'm') or ''
local _, tags = parse(m)
local sum = tags and select(2, counters(kh, tags))
if not sum then return {2} end
return {1, redis.call('HGET', e, 'b'), m, sum}
`)

// epochScript returns the sum of the counters named in KEYS, repairing
// those that hold what no replica writes. ARGV: prefix, counter TTL (ms).
var epochScript = redis.NewScript(libLua + `
local sum = 0
for _, k in ipairs(KEYS) do sum = sum + (count(k) or repair(k)) end
return sum
`)

// saveScript stores an entry, replacing whatever held its names, unless an
// invalidation moved its epoch since its mint began. It answers {stored,
// foreign}: stored is 1, or 0 when stale (or a counter is bad: Epoch
// repaired it, so this mint read another value); foreign is 1 when the save
// before came from a replica with another SealKey (they never see each
// other's entries: this is how a fleet learns it is split). KEYS: the
// entry. ARGV: prefix, counter TTL, kh, epoch, blob, TTL (ms), meta, kid.
var saveScript = redis.NewScript(libLua + `
local e, kh, epoch, blob, ttl, m, kid = KEYS[1], ARGV[3], tonumber(ARGV[4]), ARGV[5], tonumber(ARGV[6]), ARGV[7], ARGV[8]
local prev = redis.pcall('GET', p .. 'kid')
redis.call('SET', p .. 'kid', kid, 'PX', ettl)
local foreign = (type(prev) == 'string' and prev ~= kid) and 1 or 0
local id, tags = parse(m)
local ks, sum = counters(kh, tags)
if sum ~= epoch then return {0, foreign} end
drop(kh)
redis.call('HSET', e, 'b', blob, 'm', m)
redis.call('PEXPIRE', e, ttl)
if id then tags[#tags + 1] = id end
for _, h in ipairs(tags) do
  local x = p .. 'x:' .. h
  if kind(x) ~= 'set' then redis.call('DEL', x) end
  redis.call('SADD', x, kh)
  ks[#ks + 1] = x
end
for _, k in ipairs(ks) do stretch(k, ttl) end
return {1, foreign}
`)

// invalidateScript advances (or repairs) the counters of the keys and tags,
// drops the entries under the keys and linked to the tags, and returns kh,
// blob of each (at most maxout, blobs of at most maxb bytes). ARGV: prefix,
// counter TTL, number of keys, maxb, maxout, the keys' kh, the tags' th.
var invalidateScript = redis.NewScript(libLua + `
local nk, maxb, maxout = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local out = {}
local function bump(k)
  if not count(k) then repair(k) end
  redis.call('INCR', k); stretch(k, ettl)
end
for i = 6, 5 + nk do
  bump(p .. 'ck:' .. ARGV[i])
  drop(ARGV[i], out, maxb, maxout)
end
for i = 6 + nk, #ARGV do
  local x = p .. 'x:' .. ARGV[i]
  bump(p .. 'ct:' .. ARGV[i])
  for _, kh in ipairs(kind(x) == 'set' and redis.call('SMEMBERS', x) or {}) do
    if ishash(kh) then drop(kh, out, maxb, maxout) end
  end
  redis.call('DEL', x)
end
return out
`)

// lockScript runs ARGV[1] on the lock KEYS[1]. lead takes it with the token
// ARGV[2] for ARGV[3] ms unless another replica holds it (one no replica
// set, of another type or without expiry, is taken over): 1 or 0. release
// deletes it if it holds ARGV[2]. holder returns its token, "" when there is
// none, or "?" for what no replica sets (another type, "").
var lockScript = redis.NewScript(`
local v = redis.pcall('GET', KEYS[1])
if ARGV[1] == 'holder' then return (type(v) == 'table' or v == '') and '?' or v or '' end
if ARGV[1] == 'release' then return v == ARGV[2] and redis.call('DEL', KEYS[1]) or 0 end
if type(v) == 'string' and redis.call('PTTL', KEYS[1]) ~= -1 then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
`)
