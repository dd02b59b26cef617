import type { Decision } from './decision.js';
import type { RateLimitRule } from './rule.js';

/**
 * Float slack so that `limit` units of `periodMs / limit` each fit exactly into `periodMs`. 1 µs: above
 * the rounding of doubles at epoch-millisecond magnitude (~0.24 µs), and the same as the Lua script's.
 */
const EPSILON_MS = 1e-3;

/**
 * GCRA (the generic cell rate algorithm, token-bucket semantics) over one stored number, the
 * theoretical arrival time `tat` at `state[at]` (0 = never seen). A call of `cost` is allowed when
 * `max(tat, now) + cost·T - now <= burst·T`, where T is the emission interval; then `tat` advances.
 */
export function gcra(
  state: Float64Array,
  at: number,
  rule: RateLimitRule,
  cost: number,
  now: number,
): Decision {
  const interval = rule.emissionIntervalMs;
  const tolerance = rule.burst * interval;
  const tat = Math.max(state[at]!, now);
  const next = tat + cost * interval;
  const ahead = next - now;
  if (ahead - tolerance > EPSILON_MS) {
    return {
      allowed: false,
      remaining: Math.max(0, Math.floor((tolerance - (tat - now)) / interval + EPSILON_MS)),
      resetAfterMs: Math.ceil(tat - now - EPSILON_MS),
      retryAfterMs: Math.max(1, Math.ceil(ahead - tolerance - EPSILON_MS)),
    };
  }
  state[at] = next;
  return {
    allowed: true,
    remaining: Math.max(0, Math.floor((tolerance - ahead) / interval + EPSILON_MS)),
    resetAfterMs: Math.max(0, Math.ceil(ahead - EPSILON_MS)),
    retryAfterMs: 0,
  };
}
