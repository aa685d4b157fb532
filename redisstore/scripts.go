package redisstore

import "github.com/redis/go-redis/v9"

// The store's Lua scripts. Each runs in one step in Redis, so no other
// client sees half of it. Anything a hostile writer may have put at a name
// they touch (another type, garbage, huge values) is either repaired or
// reported; it never makes a script fail, which would turn every replica
// to its local fallback for one bad key.
//
// Names under the prefix p, for a key hashed to kh and a tag (or an ID)
// hashed to th (HMAC-SHA256 under the SealKey, see core.hash):
//
//	p e:kh   hash: b = the sealed blob, m = "idh th1 th2 ..." (the ID's hash or -, then the tags')
//	p x:th   set of the kh of the entries linked to th
//	p ck:kh  the key's invalidation counter
//	p ct:th  the tag's invalidation counter
//	p kid    the key id of the SealKey of the last save ("plain" in Plaintext mode)
//	p l:kh   the key's mint lock (lock.go)
//	p r:act  the GCRA key of a limiter action (limiter.go)

// libLua is what every store script shares. ARGV[1] is always the prefix,
// ARGV[2] the TTL of counters when they are bumped or repaired (ms).
const libLua = `
local p, ettl = ARGV[1], tonumber(ARGV[2])

-- A hash name as the store writes it: 32 lower-case hex digits.
local function ishash(h)
  return #h == 32 and string.find(h, '^[0-9a-f]+$') ~= nil
end

-- The counter at k: 0 when absent, nil when it holds what no replica
-- writes (another type, not a decimal count, 2^46 or more).
local function count(k)
  local v = redis.pcall('GET', k)
  if type(v) == 'table' then return nil end
  if not v then return 0 end
  if #v > 14 or not string.find(v, '^%d+$') then return nil end
  local n = tonumber(v)
  if n >= 70368744177664 then return nil end
  return n
end

-- repair replaces a counter that holds what no replica writes with Redis's
-- time in milliseconds: more than any count it held before, so every entry
-- sealed with the old value stops matching (a repair is an invalidation).
local function repair(k)
  local t = redis.call('TIME')
  local v = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  redis.call('DEL', k)
  redis.call('SET', k, string.format('%d', v), 'PX', ettl)
  return v
end

-- The tag hashes of a meta, the ID's apart; nil when it is not one.
local function parse(m)
  local id, tags, first = nil, {}, true
  if #m > 4096 then return nil end
  for h in string.gmatch(m, '%S+') do
    if first then
      first = false
      if h ~= '-' then
        if not ishash(h) then return nil end
        id = h
      end
    else
      if not ishash(h) then return nil end
      tags[#tags + 1] = h
    end
  end
  if first then return nil end
  return id, tags
end

local function kind(k) return redis.call('TYPE', k).ok end

-- drop deletes the entry kh whatever it holds, unlinks it from the index
-- sets its meta names, and appends kh and its blob to out (when given, the
-- blob is at most maxb bytes and out holds fewer than maxout entries).
local function drop(kh, out, maxb, maxout)
  local e = p .. 'e:' .. kh
  local t = kind(e)
  if t == 'none' then return end
  if t == 'hash' then
    local m = redis.call('HGET', e, 'm')
    if m and #m <= 4096 then
      local id, tags = parse(m)
      if tags then
        if id then tags[#tags + 1] = id end
        for _, h in ipairs(tags) do
          local x = p .. 'x:' .. h
          if kind(x) == 'set' then redis.call('SREM', x, kh) end
        end
      end
    end
    if out and #out < 2 * maxout and redis.call('HSTRLEN', e, 'b') <= maxb then
      local b = redis.call('HGET', e, 'b')
      if b then
        out[#out + 1] = kh
        out[#out + 1] = b
      end
    end
  end
  redis.call('DEL', e)
end
`

// loadScript returns, in one step, an entry's blob and meta and the current
// sum of the counters of its key and of the tags its meta names:
// {1, blob, meta, sum}; {0} when there is no entry; {2} when what is there
// is no entry the store could have written (another type, no blob, a blob
// over the bound, a bad meta or counter): never transferred.
// KEYS: the entry. ARGV: prefix, -, kh, max blob bytes.
var loadScript = redis.NewScript(libLua + `
local e, kh, maxb = KEYS[1], ARGV[3], tonumber(ARGV[4])
local t = kind(e)
if t == 'none' then return {0} end
if t ~= 'hash' then return {2} end
local bl = redis.call('HSTRLEN', e, 'b')
if bl == 0 or bl > maxb or redis.call('HSTRLEN', e, 'm') > 4096 then return {2} end
local m = redis.call('HGET', e, 'm') or ''
local _, tags = parse(m)
if not tags then return {2} end
local sum = count(p .. 'ck:' .. kh)
if not sum then return {2} end
for _, h in ipairs(tags) do
  local c = count(p .. 'ct:' .. h)
  if not c then return {2} end
  sum = sum + c
end
return {1, redis.call('HGET', e, 'b'), m, sum}
`)

// epochScript returns the sum of the counters named in KEYS, repairing
// those that hold what no replica writes. ARGV: prefix, counter TTL (ms).
var epochScript = redis.NewScript(libLua + `
local sum = 0
for _, k in ipairs(KEYS) do
  sum = sum + (count(k) or repair(k))
end
return sum
`)

// saveScript stores an entry unless an invalidation moved its epoch since
// its mint began: checked and stored in one step. It answers {stored,
// foreign}: stored is 1, or 0 when stale; foreign is 1 when the save before
// it came from a replica with another SealKey (such replicas never see
// each other's entries, which are under other names: this is how a fleet
// learns it is split). Whatever held the entry's or its index sets' names
// is replaced. KEYS: the entry. ARGV: prefix, counter TTL, kh, epoch,
// blob, TTL (ms), meta (the store's own: well-formed), key id.
var saveScript = redis.NewScript(libLua + `
local e, kh, epoch, blob, ttl, m, kid = KEYS[1], ARGV[3], tonumber(ARGV[4]), ARGV[5], tonumber(ARGV[6]), ARGV[7], ARGV[8]
local prev = redis.pcall('GET', p .. 'kid')
if type(prev) == 'table' then
  redis.call('DEL', p .. 'kid')
  prev = false
end
redis.call('SET', p .. 'kid', kid, 'PX', ettl)
local foreign = 0
if prev and prev ~= kid then foreign = 1 end
local id, tags = parse(m)
local counters = {p .. 'ck:' .. kh}
for _, h in ipairs(tags) do counters[#counters + 1] = p .. 'ct:' .. h end
local sum = 0
for _, k in ipairs(counters) do
  local c = count(k)
  if not c then return {0, foreign} end -- Epoch repairs it: this mint read another value
  sum = sum + c
end
if sum ~= epoch then return {0, foreign} end
drop(kh)
redis.call('HSET', e, 'b', blob, 'm', m)
redis.call('PEXPIRE', e, ttl)
if id then tags[#tags + 1] = id end
for _, h in ipairs(tags) do
  local x = p .. 'x:' .. h
  local t = kind(x)
  if t ~= 'set' and t ~= 'none' then redis.call('DEL', x) end
  redis.call('SADD', x, kh)
  local left = redis.call('PTTL', x)
  if left >= 0 and left < ttl or left == -1 then redis.call('PEXPIRE', x, ttl) end
end
for _, k in ipairs(counters) do
  local left = redis.call('PTTL', k)
  if left >= 0 and left < ttl or left == -1 then redis.call('PEXPIRE', k, ttl) end
end
return {1, foreign}
`)

// invalidateScript advances the counters of the keys and tags (repairing
// bad ones), then drops the entries under the keys and those linked to the
// tags, and returns kh, blob for each (at most maxout, blobs of at most
// maxb bytes; all are dropped). KEYS: none. ARGV: prefix, counter TTL,
// number of keys, max blob bytes, maxout, then the kh of the keys, then
// the th of the tags.
var invalidateScript = redis.NewScript(libLua + `
local nk, maxb, maxout = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local out = {}
local function bump(k)
  if not count(k) then repair(k) end
  redis.call('INCR', k)
  local left = redis.call('PTTL', k)
  if left < ettl then redis.call('PEXPIRE', k, ettl) end
end
for i = 6, 5 + nk do
  bump(p .. 'ck:' .. ARGV[i])
  drop(ARGV[i], out, maxb, maxout)
end
for i = 6 + nk, #ARGV do
  local th = ARGV[i]
  bump(p .. 'ct:' .. th)
  local x = p .. 'x:' .. th
  if kind(x) == 'set' then
    for _, kh in ipairs(redis.call('SMEMBERS', x)) do
      if ishash(kh) then drop(kh, out, maxb, maxout) end
    end
  end
  redis.call('DEL', x)
end
return out
`)
