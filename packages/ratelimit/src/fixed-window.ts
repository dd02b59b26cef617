import type { Decision } from './decision.js';
import type { RateLimitRule } from './rule.js';

/**
 * Fixed window: at most `limit` units per window `[k·periodMs, (k+1)·periodMs)`. State:
 * `state[at]` = window index + 1 (0 = never seen), `state[at + 1]` = units spent in it. Cheap, but a
 * client may spend up to `2·limit` across a window boundary.
 */
export function fixedWindow(
  state: Float64Array,
  at: number,
  rule: RateLimitRule,
  cost: number,
  now: number,
): Decision {
  const window = Math.floor(now / rule.periodMs) + 1;
  const used = state[at] === window ? state[at + 1]! : 0;
  const resetAfterMs = Math.max(1, Math.ceil(window * rule.periodMs - now));
  if (used + cost > rule.limit) {
    return {
      allowed: false,
      remaining: Math.floor(rule.limit - used),
      resetAfterMs,
      retryAfterMs: resetAfterMs,
    };
  }
  state[at] = window;
  state[at + 1] = used + cost;
  return { allowed: true, remaining: Math.floor(rule.limit - used - cost), resetAfterMs, retryAfterMs: 0 };
}
