import type { RateLimitRule, RateLimitRuleSpec } from './rule.js';

declare module '@mcp-warden/core' {
  interface CallPolicy {
    /**
     * A rate limit for this tool, resource or prompt alone, on top of the guard's default rule
     * (`false` exempts the call from the default rule). Read by `rateLimitGuard`.
     */
    readonly rateLimit?: RateLimitRuleSpec | RateLimitRule | false;
  }
}
