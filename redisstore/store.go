package redisstore

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/internal/validate"
	"github.com/biembed/biembed-go/tokencache"
)

// epochTTL is how long an invalidation counter lives after its last bump
// (at least: a Save stretches it to the life of the entries that depend
// on it). It only has to outlast a mint.
const epochTTL = 48 * time.Hour

// store is the Fleet's tokencache.Store. Under Prefix P it keeps, for a key
// hashed to kh and tags hashed to th:
//
//	P e:kh   hash: b = the (sealed) blob, m = "idh th1 th2 ..." (the hashed ID, or -, then the hashed tags)
//	P x:th   set of the kh of the entries saved with tag (or ID) th
//	P ck:kh  invalidation counter of the key
//	P ct:th  invalidation counter of the tag
//	P l:kh   the key's mint lock
type store struct {
	c *core
	b breaker

	mu    sync.Mutex
	local tokencache.Store // the local fallback
}

func newStore(c *core) *store {
	s := &store{c: c, local: tokencache.NewMemoryStore(0, 0)}
	s.b.c, s.b.onEnd = c, s.dropLocal
	s.b.cond.Msg = "redisstore: Redis unavailable; tokens are cached on this replica only"
	return s
}

// ready refuses a nil or zero store and a nil ctx.
func (s *store) ready(ctx context.Context) error {
	if s == nil {
		return ready(nil, ctx, "Store")
	}
	return ready(s.c, ctx, "Store")
}

// check is ready and checkKey.
func (s *store) check(ctx context.Context, key string) error {
	if err := s.ready(ctx); err != nil {
		return err
	}
	return checkKey("key", key)
}

// Names of the keys under Prefix.
func (s *store) entryKey(kh string) string { return s.c.o.Prefix + "e:" + kh }
func (s *store) keyEpoch(kh string) string { return s.c.o.Prefix + "ck:" + kh }
func (s *store) tagEpoch(th string) string { return s.c.o.Prefix + "ct:" + th }
func (s *store) lockKey(kh string) string  { return s.c.o.Prefix + "l:" + kh }

// fallback returns the local fallback.
func (s *store) fallback() tokencache.Store {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.local
}

// dropLocal forgets the local fallback once Redis answers again: Redis is
// the truth, and it may have been told of invalidations this replica missed.
func (s *store) dropLocal() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.local = tokencache.NewMemoryStore(0, 0)
}

// loadScript returns, in one step, an entry's blob and meta and the
// current sum of the counters of its key and of the tags its meta names:
// {1, blob, meta, sum}, or {0} when there is none. ARGV: prefix, kh.
var loadScript = redis.NewScript(`
local p, kh = ARGV[1], ARGV[2]
local e = KEYS[1]
local b = redis.call('HGET', e, 'b')
if not b then return {0} end
local m = redis.call('HGET', e, 'm') or ''
local sum = tonumber(redis.call('GET', p .. 'ck:' .. kh) or '0')
local first = true
for h in string.gmatch(m, '%S+') do
  if first then first = false else sum = sum + tonumber(redis.call('GET', p .. 'ct:' .. h) or '0') end
end
return {1, b, m, sum}
`)

// Load returns the entry under key. One Redis call reads the entry with
// the current epoch of its key and tags; the entry is served only if it
// opens under the SealKey, was sealed for key, its meta names exactly the
// sealed tags (stripping one cannot hide it from an invalidation) and its
// sealed epoch is the current one (an entry written back after it was
// invalidated is a replay). Anything else is a miss, counted Unreadable.
func (s *store) Load(ctx context.Context, key string) (tokencache.Entry, bool, error) {
	if err := s.check(ctx, key); err != nil {
		return tokencache.Entry{}, false, err
	}
	if s.b.open() {
		return s.fallback().Load(ctx, key)
	}
	kh := s.c.hash(domainKey, key)
	var reply []any
	err := s.c.call(ctx, &s.b, "load", func(ctx context.Context) error {
		var err error
		reply, err = loadScript.Run(ctx, s.c.rdb, []string{s.entryKey(kh)}, s.c.o.Prefix, kh).Slice()
		return err
	})
	if err != nil {
		return tokencache.Entry{}, false, err
	}
	status, _ := reply[0].(int64)
	if status == 0 {
		return tokencache.Entry{}, false, nil
	}
	if len(reply) != 4 {
		return s.unreadable(ctx, "malformed answer")
	}
	blob, _ := reply[1].(string)
	meta, _ := reply[2].(string)
	sum, _ := reply[3].(int64)
	w, why := s.c.open(kh, []byte(blob))
	switch {
	case why != "":
		return s.unreadable(ctx, why)
	case w.Key != key:
		return s.unreadable(ctx, "stored under another key")
	case meta != s.meta(w.ID, w.Tags):
		return s.unreadable(ctx, "its meta does not name its sealed tags")
	case sum < 0 || w.Epoch != uint64(sum):
		return s.unreadable(ctx, "its epoch is not the current one (replayed, or its counters were changed)")
	}
	return entryOf(w), true, nil
}

// unreadable counts an entry that did not open and answers a miss.
func (s *store) unreadable(context.Context, string) (tokencache.Entry, bool, error) {
	s.c.unreadable.Add(1)
	return tokencache.Entry{}, false, nil
}

func entryOf(w wire) tokencache.Entry {
	return tokencache.Entry{Key: w.Key, Token: biembed.Secret(w.Token), IssuedAt: w.IssuedAt, ExpiresAt: w.ExpiresAt,
		ID: w.ID, Tags: w.Tags, Epoch: w.Epoch}
}

// Epoch returns the sum of the invalidation counters of key and tags.
func (s *store) Epoch(ctx context.Context, key string, tags []string) (uint64, error) {
	if err := s.check(ctx, key); err != nil {
		return 0, err
	}
	if err := checkTags("tags", tags, maxEntryTags); err != nil {
		return 0, err
	}
	if s.b.open() {
		return s.fallback().Epoch(ctx, key, tags)
	}
	names := []string{s.keyEpoch(s.c.hash(domainKey, key))}
	for _, t := range tags {
		names = append(names, s.tagEpoch(s.c.hash(domainTag, t)))
	}
	var vals []any
	err := s.c.call(ctx, &s.b, "epoch", func(ctx context.Context) error {
		var err error
		vals, err = s.c.rdb.MGet(ctx, names...).Result()
		return err
	})
	if err != nil {
		return 0, err
	}
	var sum uint64
	for _, v := range vals {
		if str, ok := v.(string); ok {
			n, _ := strconv.ParseUint(str, 10, 64)
			sum += n
		}
	}
	return sum, nil
}

// meta lists the hashed ID (or -) and the hashed tags of an entry.
func (s *store) meta(id string, tags []string) string {
	var b strings.Builder
	if id == "" {
		b.WriteString("-")
	} else {
		b.WriteString(s.c.hash(domainTag, id))
	}
	for _, t := range tags {
		b.WriteString(" ")
		b.WriteString(s.c.hash(domainTag, t))
	}
	return b.String()
}

// dropLua deletes the entry kh, unlinks it from the index sets its meta
// names, and appends kh and its blob to out.
const dropLua = `
local function drop(p, kh, out)
  local e = p .. 'e:' .. kh
  local b = redis.call('HGET', e, 'b')
  local m = redis.call('HGET', e, 'm')
  if m then
    for h in string.gmatch(m, '%S+') do
      if h ~= '-' then redis.call('SREM', p .. 'x:' .. h, kh) end
    end
  end
  redis.call('DEL', e)
  if b and out then
    out[#out + 1] = kh
    out[#out + 1] = b
  end
end
`

// saveScript stores an entry unless an invalidation moved its epoch since
// its mint began: checked and stored in one step. ARGV: prefix, kh, epoch,
// blob, TTL (ms), meta.
var saveScript = redis.NewScript(dropLua + `
local p, kh, ttl, meta = ARGV[1], ARGV[2], tonumber(ARGV[5]), ARGV[6]
local counters = {p .. 'ck:' .. kh}
local first = true
for h in string.gmatch(meta, '%S+') do
  if first then first = false else counters[#counters + 1] = p .. 'ct:' .. h end
end
local sum = 0
for _, k in ipairs(counters) do sum = sum + tonumber(redis.call('GET', k) or '0') end
if sum ~= tonumber(ARGV[3]) then return 0 end
drop(p, kh, nil)
local e = p .. 'e:' .. kh
redis.call('HSET', e, 'b', ARGV[4], 'm', meta)
redis.call('PEXPIRE', e, ttl)
for h in string.gmatch(meta, '%S+') do
  if h ~= '-' then
    local x = p .. 'x:' .. h
    redis.call('SADD', x, kh)
    if redis.call('PTTL', x) < ttl then redis.call('PEXPIRE', x, ttl) end
  end
end
for _, k in ipairs(counters) do
  local left = redis.call('PTTL', k)
  if left ~= -2 and left < ttl then redis.call('PEXPIRE', k, ttl) end
end
return 1
`)

// Save stores e under key for the rest of its life, unless key or one of
// e.Tags was invalidated after e.Epoch was read: then tokencache.ErrStale.
func (s *store) Save(ctx context.Context, key string, e tokencache.Entry) error {
	if err := s.check(ctx, key); err != nil {
		return err
	}
	if err := checkEntry(e); err != nil {
		return err
	}
	ttl := e.ExpiresAt.Sub(s.c.now())
	if ttl < time.Millisecond {
		return nil // expired: nothing worth keeping
	}
	if s.b.open() {
		return s.fallback().Save(ctx, key, e)
	}
	e.Key = key
	kh := s.c.hash(domainKey, key)
	blob, err := s.c.sealEntry(kh, e)
	if err != nil {
		return err
	}
	var stored int64
	err = s.c.call(ctx, &s.b, "save", func(ctx context.Context) error {
		var err error
		stored, err = saveScript.Run(ctx, s.c.rdb, []string{s.entryKey(kh)}, s.c.o.Prefix, kh,
			strconv.FormatUint(e.Epoch, 10), blob, ttl.Milliseconds(), s.meta(e.ID, e.Tags)).Int64()
		return err
	})
	switch {
	case err != nil:
		return err
	case stored == 0:
		return tokencache.ErrStale
	}
	return nil
}

// invalidateScript advances the counters of the keys and tags, then drops
// the entries under the keys and those linked to the tags, and returns kh,
// blob for each. ARGV: prefix, counter TTL (ms), number of keys, then the
// kh of the keys, then the th of the tags.
var invalidateScript = redis.NewScript(dropLua + `
local p, ettl, nk = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local out = {}
local function bump(k)
  redis.call('INCR', k)
  if redis.call('PTTL', k) < ettl then redis.call('PEXPIRE', k, ettl) end
end
for i = 4, 3 + nk do
  bump(p .. 'ck:' .. ARGV[i])
  drop(p, ARGV[i], out)
end
for i = 4 + nk, #ARGV do
  local th = ARGV[i]
  bump(p .. 'ct:' .. th)
  for _, kh in ipairs(redis.call('SMEMBERS', p .. 'x:' .. th)) do drop(p, kh, out) end
  redis.call('DEL', p .. 'x:' .. th)
end
return out
`)

// Invalidate advances the epochs of keys and tags and drops the entries
// under keys or saved with one of tags, in every replica at once, and
// returns them. The local fallback is invalidated too. A Redis failure is
// returned: other replicas may then still serve what was to be dropped.
func (s *store) Invalidate(ctx context.Context, keys, tags []string) ([]tokencache.Entry, error) {
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	if len(keys) > maxInvalidate {
		return nil, validate.Fieldf("keys", "must be at most %d", maxInvalidate)
	}
	for i, k := range keys {
		if err := checkKey(validate.Index("keys", i), k); err != nil {
			return nil, err
		}
	}
	if err := checkTags("tags", tags, maxInvalidate); err != nil {
		return nil, err
	}
	dropped, _ := s.fallback().Invalidate(ctx, keys, tags)
	args := []any{s.c.o.Prefix, epochTTL.Milliseconds(), len(keys)}
	for _, k := range keys {
		args = append(args, s.c.hash(domainKey, k))
	}
	for _, t := range tags {
		args = append(args, s.c.hash(domainTag, t))
	}
	var out []any
	err := s.c.call(ctx, &s.b, "invalidate", func(ctx context.Context) error {
		var err error
		out, err = invalidateScript.Run(ctx, s.c.rdb, []string{s.c.o.Prefix}, args...).Slice()
		return err
	})
	if err != nil {
		return dropped, err
	}
	for i := 0; i+1 < len(out); i += 2 {
		kh, _ := out[i].(string)
		blob, _ := out[i+1].(string)
		w, why := s.c.open(kh, []byte(blob))
		if why != "" {
			s.c.unreadable.Add(1)
			continue
		}
		dropped = append(dropped, entryOf(w))
	}
	return dropped, nil
}
