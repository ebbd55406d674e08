"""The server-side scripts of the Redis governor and cache: each call is one atomic step.

Why scripts and not MULTI/WATCH: a grant reads the lease count and the caller's place in line and
writes in the same step; under WATCH that is an optimistic retry loop whose retries grow with
the fleet, a script runs once and never conflicts. Time is Redis's own ``TIME`` (one clock for
every host) unless the caller passes a time in milliseconds (tests inject a clock that way).

Numbers handed back to Redis are formatted with ``%d``: Lua 5.1 would print a large number
with ``%.14g`` and lose digits.
"""

from __future__ import annotations

# Priority classes are 10**12 apart in the queue score; the arrival sequence stays below that.
PRIORITY_STRIDE = 10**12

_PRELUDE = """
local function fmt(n) return string.format('%d', n) end
local function now_ms(arg)
  local n = tonumber(arg)
  if n and n > 0 then return n end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
"""

_GOVERNOR_PRELUDE = (
    _PRELUDE
    + """
local STRIDE = 1000000000000
-- Drop expired leases and the tickets of waiters that stopped renewing them.
local function purge(leases, queue, tickets, now)
  local freed = redis.call('ZREMRANGEBYSCORE', leases, '-inf', fmt(now))
  local dead = redis.call('ZRANGEBYSCORE', tickets, '-inf', fmt(now), 'LIMIT', 0, 500)
  if #dead > 0 then
    redis.call('ZREM', queue, unpack(dead))
    redis.call('ZREM', tickets, unpack(dead))
  end
  return freed + #dead
end
local function announce(channel, what, leases, queue)
  redis.call('PUBLISH', channel, what .. ':' .. redis.call('ZCARD', leases) .. ':'
    .. redis.call('ZCARD', queue))
end
local function register(queue, seq, ticket, priority)
  local score = redis.call('ZSCORE', queue, ticket)
  if score then return tonumber(score), false end
  score = tonumber(priority) * STRIDE + redis.call('INCR', seq)
  redis.call('ZADD', queue, fmt(score), ticket)
  return score, true
end
"""
)

# KEYS: leases, queue, tickets, seq
# ARGV: now_ms (0 = TIME), ticket, priority, limit, lease_id, lease_ttl_ms, ticket_ttl_ms,
#       keep (1: stay in line when not granted, 0: try once), channel
# -> {granted 0/1, leases in use, waiters, queue score, rank}
ACQUIRE = (
    _GOVERNOR_PRELUDE
    + """
local now = now_ms(ARGV[1])
local ticket, lease_id, channel = ARGV[2], ARGV[5], ARGV[9]
local limit = tonumber(ARGV[4])
local purged = purge(KEYS[1], KEYS[2], KEYS[3], now)
if redis.call('ZSCORE', KEYS[1], lease_id) then
  -- granted by an earlier call whose answer was lost: the same lease, counted once
  redis.call('ZADD', KEYS[1], fmt(now + tonumber(ARGV[6])), lease_id)
  redis.call('ZREM', KEYS[2], ticket)
  redis.call('ZREM', KEYS[3], ticket)
  return {1, redis.call('ZCARD', KEYS[1]), redis.call('ZCARD', KEYS[2]), 0, 0}
end
local score, fresh = register(KEYS[2], KEYS[4], ticket, ARGV[3])
redis.call('ZADD', KEYS[3], fmt(now + tonumber(ARGV[7])), ticket)
local used = redis.call('ZCARD', KEYS[1])
local rank = redis.call('ZRANK', KEYS[2], ticket)
if used + rank < limit then
  redis.call('ZREM', KEYS[2], ticket)
  redis.call('ZREM', KEYS[3], ticket)
  redis.call('ZADD', KEYS[1], fmt(now + tonumber(ARGV[6])), lease_id)
  if purged > 0 then announce(channel, 'freed', KEYS[1], KEYS[2]) end
  return {1, used + 1, redis.call('ZCARD', KEYS[2]), score, rank}
end
if ARGV[8] == '0' then
  redis.call('ZREM', KEYS[2], ticket)
  redis.call('ZREM', KEYS[3], ticket)
elseif fresh then
  announce(channel, 'waiting', KEYS[1], KEYS[2])
end
if purged > 0 then announce(channel, 'freed', KEYS[1], KEYS[2]) end
return {0, used, redis.call('ZCARD', KEYS[2]), score, rank}
"""
)

# KEYS: leases, queue, tickets
# ARGV: channel, number of lease ids, lease ids..., tickets...
# -> number of leases and tickets removed (announces "freed" when any)
DROP = (
    _GOVERNOR_PRELUDE
    + """
local n = tonumber(ARGV[2])
local removed = 0
for i = 3, 2 + n do removed = removed + redis.call('ZREM', KEYS[1], ARGV[i]) end
for i = 3 + n, #ARGV do
  removed = removed + redis.call('ZREM', KEYS[2], ARGV[i])
  redis.call('ZREM', KEYS[3], ARGV[i])
end
if removed > 0 then announce(ARGV[1], 'freed', KEYS[1], KEYS[2]) end
return removed
"""
)

# KEYS: leases, queue, tickets, seq
# ARGV: now_ms, lease_ttl_ms, ticket_ttl_ms, channel, number of lease ids, lease ids...,
#       then (ticket, priority) pairs
# Renews every lease and ticket given; one Redis lost (restart, outage past the TTL) is added
# again: a held lease is never taken away, a waiter goes to the back of its priority class.
# -> {leases re-added, leases in use, waiters, score of each ticket...}
HEARTBEAT = (
    _GOVERNOR_PRELUDE
    + """
local now = now_ms(ARGV[1])
local lease_until = fmt(now + tonumber(ARGV[2]))
local ticket_until = fmt(now + tonumber(ARGV[3]))
local n = tonumber(ARGV[5])
local purged = purge(KEYS[1], KEYS[2], KEYS[3], now)
local restored = 0
for i = 6, 5 + n do
  restored = restored + redis.call('ZADD', KEYS[1], lease_until, ARGV[i])
end
local scores = {}
for i = 6 + n, #ARGV, 2 do
  local score = register(KEYS[2], KEYS[4], ARGV[i], ARGV[i + 1])
  redis.call('ZADD', KEYS[3], ticket_until, ARGV[i])
  scores[#scores + 1] = score
end
if purged > 0 then announce(ARGV[4], 'freed', KEYS[1], KEYS[2]) end
local out = {restored, redis.call('ZCARD', KEYS[1]), redis.call('ZCARD', KEYS[2])}
for i = 1, #scores do out[#out + 1] = scores[i] end
return out
"""
)

# The cache's scores are in microseconds, so least-recently-used order holds between calls
# within one millisecond; 2**53 us is 285 years, exact in Lua's doubles.
_CACHE_PRELUDE = (
    _PRELUDE
    + """
local function now_us(arg)
  local n = tonumber(arg)
  if n and n > 0 then return n end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000000 + tonumber(t[2])
end
-- Entries past their expiry go first; the index score is the expiry, renewed on every hit,
-- so the lowest score is also the least recently used entry.
local function purge(index, data, meta, now)
  local dead = redis.call('ZRANGEBYSCORE', index, '-inf', fmt(now), 'LIMIT', 0, 200)
  if #dead == 0 then return 0 end
  local freed = 0
  for _, digest in ipairs(dead) do
    freed = freed + redis.call('HSTRLEN', data, digest)
    redis.call('HDEL', data, digest)
  end
  redis.call('ZREM', index, unpack(dead))
  redis.call('HINCRBY', meta, 'bytes', -freed)
  return #dead
end
local function held(meta)
  return tonumber(redis.call('HGET', meta, 'bytes') or '0')
end
"""
)

# KEYS: index, data, meta      ARGV: now_us, ttl_us, digest
# -> {1, bytes, entries, audio} on a hit (its expiry renewed), {0, bytes, entries} on a miss
CACHE_GET = (
    _CACHE_PRELUDE
    + """
local now = now_us(ARGV[1])
purge(KEYS[1], KEYS[2], KEYS[3], now)
local audio = redis.call('HGET', KEYS[2], ARGV[3])
if not audio then
  redis.call('ZREM', KEYS[1], ARGV[3])
  return {0, held(KEYS[3]), redis.call('ZCARD', KEYS[1])}
end
redis.call('ZADD', KEYS[1], fmt(now + tonumber(ARGV[2])), ARGV[3])
return {1, held(KEYS[3]), redis.call('ZCARD', KEYS[1]), audio}
"""
)

# KEYS: index, data, meta      ARGV: now_us, ttl_us, max_bytes, digest, audio
# Stores complete audio in one step (no reader ever sees part of it) and evicts the least
# recently used entries until the audio bytes held are within max_bytes.
# -> {stored 1 / already there 0 / too big -1 / evicted at once -2, bytes, entries, evicted}
CACHE_PUT = (
    _CACHE_PRELUDE
    + """
local now = now_us(ARGV[1])
local until_ = fmt(now + tonumber(ARGV[2]))
local cap, digest, audio = tonumber(ARGV[3]), ARGV[4], ARGV[5]
purge(KEYS[1], KEYS[2], KEYS[3], now)
if redis.call('HEXISTS', KEYS[2], digest) == 1 then
  redis.call('ZADD', KEYS[1], until_, digest)
  return {0, held(KEYS[3]), redis.call('ZCARD', KEYS[1]), 0}
end
local size = string.len(audio)
if size > cap or size == 0 then
  return {-1, held(KEYS[3]), redis.call('ZCARD', KEYS[1]), 0}
end
redis.call('HSET', KEYS[2], digest, audio)
redis.call('ZADD', KEYS[1], until_, digest)
local bytes = redis.call('HINCRBY', KEYS[3], 'bytes', size)
local evicted, status = 0, 1
while bytes > cap do
  local victim = redis.call('ZRANGE', KEYS[1], 0, 0)[1]
  if not victim then break end
  local vsize = redis.call('HSTRLEN', KEYS[2], victim)
  redis.call('HDEL', KEYS[2], victim)
  redis.call('ZREM', KEYS[1], victim)
  bytes = redis.call('HINCRBY', KEYS[3], 'bytes', -vsize)
  evicted = evicted + 1
  if victim == digest then status = -2 end
end
local entries = redis.call('ZCARD', KEYS[1])
if entries == 0 and bytes ~= 0 then
  redis.call('HSET', KEYS[3], 'bytes', 0)
  bytes = 0
end
if evicted > 0 then redis.call('HINCRBY', KEYS[3], 'evictions', evicted) end
return {status, bytes, entries, evicted}
"""
)

# KEYS: index, data      ARGV: now_us, digest
# -> 1 when a live entry exists (nothing renewed, nothing counted)
CACHE_CONTAINS = (
    _CACHE_PRELUDE
    + """
local score = redis.call('ZSCORE', KEYS[1], ARGV[2])
if score and tonumber(score) > now_us(ARGV[1]) and redis.call('HEXISTS', KEYS[2], ARGV[2]) == 1 then
  return 1
end
return 0
"""
)
