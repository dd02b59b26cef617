import { createHash } from 'node:crypto';

/**
 * The one Lua script every Redis decision runs: the same arithmetic as `gcra.ts`,
 * `sliding-window.ts` and `fixed-window.ts`, in microseconds of the Redis server's own clock
 * (`TIME`), so instances with skewed clocks agree. Every key it writes gets a TTL that ends when its
 * state no longer matters, so nothing is left behind.
 *
 * One key (`#KEYS == 1`): KEYS[1] = the key; ARGV = algorithm (1 gcra, 2 sliding window, 3 fixed
 * window), period µs, limit, burst, then one cost per decision.
 * Several distinct keys (only sent where one server holds them all): ARGV holds one group per rule:
 * algorithm, period µs, limit, burst, number of keys m, then for each of the group's m keys (the
 * next m of KEYS, in order) the number of decisions n and their n costs.
 * The decisions on a key are applied in order, atomically, as if each were its own call at the same
 * instant: the key is read once and written once (only if one was allowed, or GCRA found the server
 * clock stepped back). GCRA keeps `<time of last write µs> <debt µs>` so that its debt stays exact.
 * Returns `{ allowed, remaining, resetAfterMs, retryAfterMs }` as integers, four per decision, in
 * the order of the decisions.
 */
export const RATE_LIMIT_SCRIPT: string = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local ceil, floor = math.ceil, math.floor
local reply = {}
local function ms(us)
  local v = ceil(us / 1000 - 1e-3)
  if v < 0 then return 0 end
  return v
end
local function up(us)
  local v = ceil(us / 1000)
  if v < 0 then return 0 end
  return v
end
local function gcra(key, period, limit, burst, first, count, r)
  local interval = period / limit
  local tolerance = burst * interval
  local slack = math.min(interval / 2, math.max(1, tolerance * 1e-9))
  -- State: "<time of the last write, us> <debt then, us>" (debt: until the bucket is full again),
  -- kept apart so that the debt stays exact; a bare number is an older theoretical arrival time.
  local s = redis.call('GET', key)
  local anchor, debt = now, 0
  if s then
    local sp = string.find(s, ' ', 1, true)
    if sp then
      anchor = tonumber(string.sub(s, 1, sp - 1)) or now
      debt = tonumber(string.sub(s, sp + 1)) or 0
    else
      debt = (tonumber(s) or now) - now
    end
  end
  -- A server clock that stepped back (failover to a host whose clock lags) is taken as no time passing.
  local write = false
  local elapsed = now - anchor
  if elapsed < 0 then elapsed = 0; write = true end
  debt = debt - elapsed
  if not (debt > 0) then debt = 0 end
  for i = first, first + count - 1 do
    local ahead = debt + tonumber(ARGV[i]) * interval
    if ahead - tolerance > slack then
      local retry = ceil((ahead - tolerance - slack) / 1000)
      if retry < 1 then retry = 1 end
      local remaining = floor((tolerance + slack - debt) / interval)
      if remaining < 0 then remaining = 0 end
      reply[r + 1] = 0; reply[r + 2] = remaining; reply[r + 3] = up(debt - slack); reply[r + 4] = retry
    else
      debt = ahead
      write = true
      local remaining = floor((tolerance + slack - ahead) / interval)
      if remaining < 0 then remaining = 0 end
      reply[r + 1] = 1; reply[r + 2] = remaining; reply[r + 3] = up(ahead - slack); reply[r + 4] = 0
    end
    r = r + 4
  end
  if write then redis.call('SET', key, string.format('%.0f %.17g', now, debt), 'PX', ms(debt) + 1) end
end
local function fixed_window(key, period, limit, first, count, r)
  local window = floor(now / period) + 1
  local elapsed = now - (window - 1) * period
  local v = redis.call('HMGET', key, 'w', 'c')
  local used = 0
  if tonumber(v[1]) == window then used = tonumber(v[2]) or 0 end
  local reset = ms(period - elapsed)
  if reset < 1 then reset = 1 end
  local spent = false
  for i = first, first + count - 1 do
    local cost = tonumber(ARGV[i])
    if used + cost > limit then
      reply[r + 1] = 0; reply[r + 2] = limit - used; reply[r + 3] = reset; reply[r + 4] = reset
    else
      used = used + cost
      spent = true
      reply[r + 1] = 1; reply[r + 2] = limit - used; reply[r + 3] = reset; reply[r + 4] = 0
    end
    r = r + 4
  end
  if spent then
    redis.call('HSET', key, 'w', window, 'c', used)
    redis.call('PEXPIRE', key, reset + 1)
  end
end
local function sliding_window(key, period, limit, first, count, r)
  local window = floor(now / period) + 1
  local elapsed = now - (window - 1) * period
  local v = redis.call('HMGET', key, 'w', 'p', 'c')
  local stored = tonumber(v[1])
  local previous = 0
  local current = 0
  if stored == window then
    previous = tonumber(v[2]) or 0
    current = tonumber(v[3]) or 0
  elseif stored == window - 1 then
    previous = tonumber(v[3]) or 0
  end
  local decay = previous * (1 - elapsed / period)
  local function reset_after(c)
    if c > 0 then return ms(2 * period - elapsed) end
    if previous > 0 then return ms(period - elapsed) end
    return 0
  end
  local spent = false
  for i = first, first + count - 1 do
    local cost = tonumber(ARGV[i])
    local estimate = decay + current
    if estimate + cost > limit + 1e-9 then
      local retry
      local room = limit - current - cost
      if room >= 0 and previous > 0 then
        retry = ms((1 - room / previous) * period - elapsed)
      else
        local fraction = 0
        if current > 0 then fraction = math.max(0, 1 - (limit - cost) / current) end
        retry = ms(period - elapsed + fraction * period)
      end
      if retry < 1 then retry = 1 end
      local remaining = floor(limit - estimate + 1e-9)
      if remaining < 0 then remaining = 0 end
      reply[r + 1] = 0; reply[r + 2] = remaining; reply[r + 3] = reset_after(current); reply[r + 4] = retry
    else
      current = current + cost
      spent = true
      local remaining = floor(limit - estimate - cost + 1e-9)
      if remaining < 0 then remaining = 0 end
      reply[r + 1] = 1; reply[r + 2] = remaining; reply[r + 3] = reset_after(current); reply[r + 4] = 0
    end
    r = r + 4
  end
  if spent then
    redis.call('HSET', key, 'w', window, 'p', previous, 'c', current)
    redis.call('PEXPIRE', key, ms(2 * period - elapsed) + 1)
  end
end
local function decide(key, algorithm, period, limit, burst, first, count, r)
  if algorithm == '1' then
    gcra(key, period, limit, burst, first, count, r)
  elseif algorithm == '3' then
    fixed_window(key, period, limit, first, count, r)
  else
    sliding_window(key, period, limit, first, count, r)
  end
end
if #KEYS == 1 then
  decide(KEYS[1], ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), 5, #ARGV - 4, 0)
  return reply
end
local a, k, r = 1, 1, 0
while a <= #ARGV do
  local algorithm, period, limit, burst = ARGV[a], tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
  local keys = tonumber(ARGV[a + 4])
  a = a + 5
  for _ = 1, keys do
    local count = tonumber(ARGV[a])
    decide(KEYS[k], algorithm, period, limit, burst, a + 1, count, r)
    k = k + 1
    a = a + 1 + count
    r = r + count * 4
  end
end
return reply
`;

/** SHA-1 of {@link RATE_LIMIT_SCRIPT}, as `EVALSHA` names it. */
export const RATE_LIMIT_SCRIPT_SHA: string = createHash('sha1').update(RATE_LIMIT_SCRIPT).digest('hex');
