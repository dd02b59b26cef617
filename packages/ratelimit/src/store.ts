import type { Decision } from './decision.js';
import type { RateLimitRule } from './rule.js';

/** Where rate-limit state lives. The memory store and the Redis store implement it. */
export interface RateLimitStore {
  /** A short name for events (`memory`, `redis`). */
  readonly name: string;
  /**
   * Spends `cost` units of `rule` for `key` if the rule allows it, atomically. A denial spends
   * nothing. Rejects with a `WardenError` when no decision can be made (fail closed).
   */
  consume(key: string, rule: RateLimitRule, cost: number): Promise<Decision>;
  /**
   * The same decision made synchronously, for stores that keep their state in this process. When
   * present, the guard uses it instead of `consume`. Throws instead of rejecting.
   */
  consumeSync?(key: string, rule: RateLimitRule, cost: number): Decision;
}
