import { createHash } from 'node:crypto';

/**
 * The one Lua script every Redis decision runs: the same arithmetic as `gcra.ts`,
 * `sliding-window.ts` and `fixed-window.ts`, in microseconds of the Redis server's own clock
 * (`TIME`), so instances with skewed clocks agree. One key per call, with a TTL that ends when the
 * state no longer matters, so nothing is left behind.
 *
 * KEYS[1] = the key; ARGV = algorithm (1 gcra, 2 sliding window, 3 fixed window), period µs, limit,
 * burst, cost. Returns `{ allowed, remaining, resetAfterMs, retryAfterMs }` as integers.
 */
export const RATE_LIMIT_SCRIPT: string = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local algorithm = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local burst = tonumber(ARGV[4])
local cost = tonumber(ARGV[5])
local function ms(us)
  local v = math.ceil(us / 1000 - 1e-3)
  if v < 0 then return 0 end
  return v
end
if algorithm == 1 then
  local interval = period / limit
  local tolerance = burst * interval
  local tat = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
  if tat < now then tat = now end
  local nxt = tat + cost * interval
  local ahead = nxt - now
  if ahead - tolerance > 1e-3 then
    local retry = ms(ahead - tolerance)
    if retry < 1 then retry = 1 end
    local remaining = math.floor((tolerance - (tat - now)) / interval + 1e-9)
    if remaining < 0 then remaining = 0 end
    return {0, remaining, ms(tat - now), retry}
  end
  redis.call('SET', KEYS[1], string.format('%.3f', nxt), 'PX', ms(ahead) + 1)
  local remaining = math.floor((tolerance - ahead) / interval + 1e-9)
  if remaining < 0 then remaining = 0 end
  return {1, remaining, ms(ahead), 0}
end
local window = math.floor(now / period) + 1
local elapsed = now - (window - 1) * period
if algorithm == 3 then
  local v = redis.call('HMGET', KEYS[1], 'w', 'c')
  local used = 0
  if tonumber(v[1]) == window then used = tonumber(v[2]) or 0 end
  local reset = ms(period - elapsed)
  if reset < 1 then reset = 1 end
  if used + cost > limit then return {0, limit - used, reset, reset} end
  redis.call('HSET', KEYS[1], 'w', window, 'c', used + cost)
  redis.call('PEXPIRE', KEYS[1], reset + 1)
  return {1, limit - used - cost, reset, 0}
end
local v = redis.call('HMGET', KEYS[1], 'w', 'p', 'c')
local stored = tonumber(v[1])
local previous = 0
local current = 0
if stored == window then
  previous = tonumber(v[2]) or 0
  current = tonumber(v[3]) or 0
elseif stored == window - 1 then
  previous = tonumber(v[3]) or 0
end
local estimate = previous * (1 - elapsed / period) + current
local function reset_after(c)
  if c > 0 then return ms(2 * period - elapsed) end
  if previous > 0 then return ms(period - elapsed) end
  return 0
end
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
  local remaining = math.floor(limit - estimate + 1e-9)
  if remaining < 0 then remaining = 0 end
  return {0, remaining, reset_after(current), retry}
end
redis.call('HSET', KEYS[1], 'w', window, 'p', previous, 'c', current + cost)
redis.call('PEXPIRE', KEYS[1], ms(2 * period - elapsed) + 1)
local remaining = math.floor(limit - estimate - cost + 1e-9)
if remaining < 0 then remaining = 0 end
return {1, remaining, reset_after(current + cost), 0}
`;

/** SHA-1 of {@link RATE_LIMIT_SCRIPT}, as `EVALSHA` names it. */
export const RATE_LIMIT_SCRIPT_SHA: string = createHash('sha1').update(RATE_LIMIT_SCRIPT).digest('hex');
