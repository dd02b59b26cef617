import type { Decision } from './decision.js';
import type { RateLimitRule } from './rule.js';

/**
 * The headers of draft-ietf-httpapi-ratelimit-headers (structured fields, draft 08 and later):
 * `RateLimit-Policy: "name";q=<quota>;w=<window s>` and `RateLimit: "name";r=<remaining>;t=<reset s>`,
 * plus `Retry-After` (seconds) on a denial.
 */
export function rateLimitHeaders(rule: RateLimitRule, decision: Decision): Record<string, string> {
  const window = Math.max(1, Math.ceil(rule.periodMs / 1000));
  const reset = Math.ceil(decision.resetAfterMs / 1000);
  const headers: Record<string, string> = {
    'RateLimit-Policy': `"${rule.name}";q=${rule.burst};w=${window}`,
    RateLimit: `"${rule.name}";r=${Math.max(0, Math.floor(decision.remaining))};t=${reset}`,
  };
  if (!decision.allowed)
    headers['Retry-After'] = String(Math.max(1, Math.ceil(decision.retryAfterMs / 1000)));
  return headers;
}
