export type {} from './call-policy.js';
export {
  addressKey,
  type ClientAddressOptions,
  clientAddressResolver,
  normalizeAddress,
  type RequestLike,
  trustedProxyList,
} from './client-address.js';
export { ConcurrencyLimiter, type ConcurrencyLimiterOptions } from './concurrency-limiter.js';
export { type ConnectionLimit, type ConnectionLimitOptions, limitConnections } from './connection-limit.js';
export type { Decision } from './decision.js';
export { fixedWindow } from './fixed-window.js';
export { gcra } from './gcra.js';
export { type RateLimitGuardOptions, type RuleInput, rateLimitGuard } from './guard.js';
export { type HttpRateLimiter, type HttpRateLimitOptions, httpRateLimit } from './http-rate-limit.js';
export {
  byClientId,
  byPrincipal,
  byRemoteAddress,
  byTarget,
  combinedKey,
  defaultKey,
  firstKey,
  type KeyBuilder,
} from './key-builders.js';
export { RATE_LIMIT_SCRIPT, RATE_LIMIT_SCRIPT_SHA } from './lua-script.js';
export { MemoryStore, type MemoryStoreOptions, type MemoryStoreStats } from './memory-store.js';
export { rateLimitHeaders } from './rate-limit-headers.js';
export {
  type IoredisLike,
  ioredisScripts,
  type NodeRedisLike,
  nodeRedisScripts,
  type RedisScriptRunner,
} from './redis-client.js';
export { type RedisFallbackPolicy, RedisStore, type RedisStoreOptions } from './redis-store.js';
export {
  assertCost,
  type RateLimitAlgorithm,
  type RateLimitRule,
  type RateLimitRuleSpec,
  rateLimitRule,
} from './rule.js';
export { slidingWindow } from './sliding-window.js';
export type { RateLimitStore } from './store.js';
export { boundedKey, storeKey } from './store-key.js';
