package redisstore

import "github.com/redis/go-redis/v9"

// The Lua scripts: each runs in one step, so no other client sees half of
// it. Whatever a hostile writer put at a name they touch (another type,
// garbage, huge values) is repaired or reported, never a script error,
// which would turn every replica to its fallback for one bad key.
//
// Names under the prefix p, for a key hashed to kh and a tag or an ID
// hashed to th (core.hash):
//
//	p e:kh   hash: b = the sealed blob, m = "idh th1 th2 ..." (the ID's hash or -, then the tags')
//	p x:th   set of the kh of the entries linked to th
//	p ck:kh  the key's invalidation counter
//	p ct:th  the tag's invalidation counter
//	p kid    the key id of the SealKey of the last save ("plain" in Plaintext mode)
//	p l:kh   the key's mint lock: a random token
//	p r:act  the GCRA key of a limiter action: its TAT (µs)

// libLua is what every store script shares. ARGV[1] is always the prefix,
// ARGV[2] the TTL of counters when they are bumped or repaired (ms).
const libLua = `
local p, ettl = ARGV[1], tonumber(ARGV[2])
local function kind(k) return redis.call('TYPE', k).ok end
local function ishash(h) return #h == 32 and string.find(h, '^[0-9a-f]+$') ~= nil end
-- stretch makes k live at least ms more (a missing k stays missing).
local function stretch(k, ms) if redis.call('PTTL', k) < ms then redis.call('PEXPIRE', k, ms) end end

-- The counter at k: 0 when absent, nil when it holds what no replica
-- writes (another type, not a decimal count, 2^46 or more).
local function count(k)
  local v = redis.pcall('GET', k)
  if not v then return 0 end
  if type(v) ~= 'string' or #v > 14 or not string.find(v, '^%d+$') or tonumber(v) >= 70368744177664 then return nil end
  return tonumber(v)
end

-- repair sets a counter that holds what no replica writes to Redis's time
-- in ms: more than any count it held, so every entry sealed with the old
-- value stops matching (a repair is an invalidation).
local function repair(k)
  local t = redis.call('TIME')
  local v = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  redis.call('SET', k, string.format('%d', v), 'PX', ettl)
  return v
end

-- The ID's hash (nil for -) and the tags' hashes of a meta; nil when it is
-- not one.
local function parse(m)
  if #m > 4096 then return nil end
  local hs = {}
  for h in string.gmatch(m, '%S+') do
    if not ishash(h) and not (#hs == 0 and h == '-') then return nil end
    hs[#hs + 1] = h
  end
  if #hs == 0 then return nil end
  local id = table.remove(hs, 1)
  if id == '-' then id = nil end
  return id, hs
end

-- The counters of the entry kh with tags, and their sum (nil when one
-- holds what no replica writes).
local function counters(kh, tags)
  local ks, sum = {p .. 'ck:' .. kh}, 0
  for _, h in ipairs(tags) do ks[#ks + 1] = p .. 'ct:' .. h end
  for _, k in ipairs(ks) do
    local c = count(k)
    if not c then return ks, nil end
    sum = sum + c
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
    if out and #out < 2 * maxout and redis.call('HSTRLEN', e, 'b') <= maxb then
      local b = redis.call('HGET', e, 'b')
      if b then out[#out + 1], out[#out + 2] = kh, b end
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
local _, sum = counters(kh, tags)
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

// saveScript stores an entry unless an invalidation moved its epoch since
// its mint began: checked and stored in one step. It answers {stored,
// foreign}: stored is 1, or 0 when stale (or a counter is bad: Epoch
// repairs it, so this mint read another value); foreign is 1 when the save
// before it came from a replica with another SealKey (such replicas never
// see each other's entries, which are under other names: this is how a
// fleet learns it is split). Whatever held the entry's or its index sets'
// names is replaced. KEYS: the entry. ARGV: prefix, counter TTL, kh,
// epoch, blob, TTL (ms), meta (the store's own: well-formed), key id.
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
  stretch(k, ettl)
end
for i = 6, 5 + nk do
  bump(p .. 'ck:' .. ARGV[i])
  drop(ARGV[i], out, maxb, maxout)
end
for i = 6 + nk, #ARGV do
  local x = p .. 'x:' .. ARGV[i]
  bump(p .. 'ct:' .. ARGV[i])
  if kind(x) == 'set' then
    for _, kh in ipairs(redis.call('SMEMBERS', x)) do
      if ishash(kh) then drop(kh, out, maxb, maxout) end
    end
  end
  redis.call('DEL', x)
end
return out
`)

// leadScript takes the lock KEYS[1] for ARGV[2] ms with the token ARGV[1]
// unless another replica holds it. A lock no replica could have set
// (another type, or no expiry: every replica sets one) is taken over.
var leadScript = redis.NewScript(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('TYPE', KEYS[1]).ok == 'string' and redis.call('PTTL', KEYS[1]) ~= -1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`)

// releaseScript deletes a lock only if it still holds the token of the
// replica releasing it: a lock that expired and was taken over, or was
// stolen, is left alone.
var releaseScript = redis.NewScript(`
if redis.pcall('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

// holderScript returns the token of the lock KEYS[1], nil when there is
// none, or "" for what no replica sets (another type: Lead takes it over).
var holderScript = redis.NewScript(`
local v = redis.pcall('GET', KEYS[1])
if type(v) == 'table' then return '' end
return v
`)

// gcraScript is the generic cell rate algorithm over one key per action:
// the key holds the theoretical arrival time (TAT) in microseconds. A
// request may go when TAT - now <= (burst-1) * interval; it then moves TAT
// on by one interval. The time is Redis's own (TIME), so every replica
// agrees on it, unless ARGV[3] gives one (Options.Now, tests). The debt
// (local grants made during an outage) moves TAT on by as many intervals.
//
// A TAT no replica could have written (not a number, or outside
// [now - lo, now + hi]: see limiter.reserve) is deleted and reported (-1):
// trusting it could make the fleet wait an hour for a value an hour ahead.
// Otherwise it answers 0 (go) or the microseconds to wait.
//
// KEYS: the action's key. ARGV: interval (µs), burst, now (µs, or ”), lo
// (µs), hi (µs), debt.
var gcraScript = redis.NewScript(`
local interval, burst, now, lo, hi, debt = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local raw, tat = redis.pcall('GET', KEYS[1]), now
if raw then
  tat = type(raw) == 'string' and tonumber(raw)
  if not tat or tat ~= tat or tat < now - lo or tat > now + hi then
    redis.call('DEL', KEYS[1])
    return -1
  end
end
tat = math.max(tat, now) + debt * interval
local wait = tat - (burst - 1) * interval - now
if wait <= 0 then tat = tat + interval end
if wait <= 0 or debt > 0 then
  redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', math.ceil((tat - now) / 1000) + 60000)
end
return math.max(math.ceil(wait), 0)
`)
