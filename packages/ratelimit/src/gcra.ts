import type { Decision } from './decision.js';
import type { RateLimitRule } from './rule.js';

/**
 * Float slack so that `limit` units of `periodMs / limit` each fit exactly into `periodMs`: 1 µs, or a
 * billionth of the tolerance for very long periods, but always below half an emission interval (so
 * the slack can never add a unit). The Lua script uses the same, in microseconds.
 */
function gcraSlack(interval: number, tolerance: number, unit: number): number {
  return Math.min(interval / 2, Math.max(unit, tolerance * 1e-9));
}

/**
 * GCRA (the generic cell rate algorithm, token-bucket semantics). A call of `cost` is allowed when
 * `debt + cost·T <= burst·T`, where T is the emission interval and `debt` the time until the bucket is
 * full again (the theoretical arrival time minus now); then the debt grows by `cost·T`.
 *
 * State: `state[at]` = the time of the last write (0 = never seen), `state[at + 1]` = the debt then.
 * Keeping the debt apart from the (large) epoch time keeps it exact: adding `T` to an epoch-ms value
 * rounds by up to 0.12 µs, which added up over a burst used to refuse its last unit. A clock that
 * steps back is taken as no time passing (never as extra debt).
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
  const slack = gcraSlack(interval, tolerance, 1e-3);
  let elapsed = now - state[at]!;
  if (elapsed < 0) {
    // The clock stepped back: restart the debt's clock from here rather than adding the step.
    elapsed = 0;
    state[at] = now;
  }
  let debt = state[at + 1]! - elapsed;
  if (!(debt > 0)) debt = 0;
  const ahead = debt + cost * interval;
  if (ahead - tolerance > slack) {
    return {
      allowed: false,
      remaining: Math.max(0, Math.floor((tolerance + slack - debt) / interval)),
      resetAfterMs: Math.max(0, Math.ceil(debt - slack)),
      retryAfterMs: Math.max(1, Math.ceil(ahead - tolerance - slack)),
    };
  }
  state[at] = now;
  state[at + 1] = ahead;
  return {
    allowed: true,
    remaining: Math.max(0, Math.floor((tolerance + slack - ahead) / interval)),
    resetAfterMs: Math.max(0, Math.ceil(ahead - slack)),
    retryAfterMs: 0,
  };
}
