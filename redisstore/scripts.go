package redisstore

import "github.com/redis/go-redis/v9"

// The Lua scripts, each one step. Whatever a hostile writer put at a name
// they touch (another type, garbage, huge values) is repaired or reported,
// never a script error, which would turn every replica to its fallback.
// Names under the prefix p, for a key hashed to kh and a tag or ID to th:
//
//	p e:kh   hash: b = the sealed blob, m = "idh th1 th2 ..." (the ID's hash or -, then the tags')
//	p x:th   set of the kh of the entries linked to th
//	p ck:kh  the key's invalidation counter
//	p ct:th  the tag's invalidation counter
//	p kid    the core.kid of the last save
//	p l:kh   the key's mint lock: a random token
//	p r:act  the GCRA key of a limiter action: its TAT (µs)

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
  if type(v) ~= 'string' or #v > 14 or not string.find(v, '^%d+$') or tonumber(v) >= 70368744177664 then return nil end
  return tonumber(v)
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
// deletes it if it holds ARGV[2]. holder returns its token, nil when there
// is none, or "" for another type.
var lockScript = redis.NewScript(`
local v = redis.pcall('GET', KEYS[1])
if ARGV[1] == 'holder' then return type(v) == 'table' and '' or v end
if ARGV[1] == 'release' then return v == ARGV[2] and redis.call('DEL', KEYS[1]) or 0 end
if type(v) == 'string' and redis.call('PTTL', KEYS[1]) ~= -1 then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
`)

// gcraScript is the generic cell rate algorithm: KEYS[1] holds the
// theoretical arrival time (TAT, µs). A request may go when TAT - now <=
// (burst-1) * interval, and moves TAT on by an interval; the debt (local
// grants of an outage) by as many. now is Redis's TIME unless given (tests).
// A TAT no replica wrote (not a number, or outside [now-lo, now+hi]) is
// deleted and reported (-1); else it answers 0 (go) or the µs to wait.
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
