import type { Decision } from './decision.js';
import type { RateLimitRule } from './rule.js';

const EPSILON = 1e-9;
/** Rounds a duration up, ignoring float noise below a nanosecond. */
const ceilMs = (ms: number): number => Math.ceil(ms - 1e-6);

/**
 * Sliding window, counter approximation (as Cloudflare and Redis' own examples use): the units of
 * the previous fixed window are assumed spread evenly, so the estimate at fraction `f` of the
 * current window is `previous·(1 - f) + current`. A call is allowed when `estimate + cost <= limit`.
 * State: `state[at]` = window index + 1, `state[at + 1]` = previous window's units,
 * `state[at + 2]` = current window's units.
 */
export function slidingWindow(
  state: Float64Array,
  at: number,
  rule: RateLimitRule,
  cost: number,
  now: number,
): Decision {
  const period = rule.periodMs;
  const limit = rule.limit;
  const window = Math.floor(now / period) + 1;
  const stored = state[at]!;
  let previous = 0;
  let current = 0;
  if (stored === window) {
    previous = state[at + 1]!;
    current = state[at + 2]!;
  } else if (stored === window - 1) {
    previous = state[at + 2]!;
  }
  const elapsed = now - (window - 1) * period;
  const estimate = previous * (1 - elapsed / period) + current;
  if (estimate + cost > limit + EPSILON) {
    return {
      allowed: false,
      remaining: Math.max(0, Math.floor(limit - estimate + EPSILON)),
      resetAfterMs: resetAfter(previous, current, elapsed, period),
      retryAfterMs: retryAfter(previous, current, elapsed, period, limit, cost),
    };
  }
  state[at] = window;
  state[at + 1] = previous;
  state[at + 2] = current + cost;
  return {
    allowed: true,
    remaining: Math.max(0, Math.floor(limit - estimate - cost + EPSILON)),
    resetAfterMs: resetAfter(previous, current + cost, elapsed, period),
    retryAfterMs: 0,
  };
}

function resetAfter(previous: number, current: number, elapsed: number, period: number): number {
  if (current > 0) return ceilMs(2 * period - elapsed);
  if (previous > 0) return ceilMs(period - elapsed);
  return 0;
}

/** When `estimate + cost <= limit` first holds again, as the previous window's share decays. */
function retryAfter(
  previous: number,
  current: number,
  elapsed: number,
  period: number,
  limit: number,
  cost: number,
): number {
  const room = limit - current - cost;
  if (room >= 0 && previous > 0) {
    // previous·(1 - f) <= room  ⇔  f >= 1 - room / previous
    const fraction = 1 - room / previous;
    return Math.max(1, ceilMs(fraction * period - elapsed));
  }
  // Wait for the next window, where the current window becomes the decaying previous one.
  const fraction = current > 0 ? Math.max(0, 1 - (limit - cost) / current) : 0;
  return Math.max(1, ceilMs(period - elapsed + fraction * period));
}
