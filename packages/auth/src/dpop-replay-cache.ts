import { ConfigError } from '@mcp-warden/core';

/**
 * Remembers DPoP proof `jti`s for as long as a proof could be accepted. `claim` returns true the first
 * time a key is seen (and stores it until `expiresAtMs`), false for a replay. A shared implementation
 * (e.g. Redis `SET key 1 NX PX ttl`) catches replays across instances.
 */
export interface ReplayCache {
  claim(key: string, expiresAtMs: number): boolean | Promise<boolean>;
}

/** Options of {@link memoryReplayCache}. */
export interface MemoryReplayCacheOptions {
  /** Most remembered proofs. Default 100000. When full of live entries, new proofs are refused (fail closed). */
  readonly maxEntries?: number;
  readonly now?: () => number;
}

/** A bounded in-memory {@link ReplayCache} for one process. */
export interface MemoryReplayCache extends ReplayCache {
  readonly size: number;
}

/** Creates a bounded in-memory replay cache. */
export function memoryReplayCache(options: MemoryReplayCacheOptions = {}): MemoryReplayCache {
  const max = options.maxEntries ?? 100_000;
  if (!Number.isInteger(max) || max < 1)
    throw new ConfigError('ERR_AUTH_CONFIG_INVALID', 'maxEntries must be a positive integer');
  const now = options.now ?? Date.now;
  // Insertion order ≈ expiry order (every entry gets the same window), so pruning scans from the front.
  const seen = new Map<string, number>();
  const prune = (at: number): void => {
    for (const [key, expires] of seen) {
      if (expires > at) break;
      seen.delete(key);
    }
  };
  return {
    get size() {
      return seen.size;
    },
    claim(key, expiresAtMs) {
      const at = now();
      const existing = seen.get(key);
      if (existing !== undefined && existing > at) return false;
      if (existing !== undefined) seen.delete(key);
      if (seen.size >= max) prune(at);
      if (seen.size >= max) {
        // Refusing is safer than forgetting a live jti (which would let that proof be replayed).
        throw new ConfigError('ERR_DPOP_REPLAY_CACHE_FULL', 'DPoP replay cache is full');
      }
      seen.set(key, expiresAtMs);
      return true;
    },
  };
}
