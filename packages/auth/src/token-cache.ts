import { hash } from 'node:crypto';

/** Options of the verified-token cache. */
export interface TokenCacheOptions {
  /** Most entries kept; the oldest inserted goes first. Default 10000. */
  readonly maxEntries?: number;
  /** Longest time an entry is trusted, whatever the token's `exp`. Default 300 s. */
  readonly maxTtlSec?: number;
}

interface Entry<T> {
  readonly value: T;
  readonly expiresAtMs: number;
}

/** The key a token is cached under: its SHA-256, so the cache never holds tokens. */
export function tokenCacheKey(token: string): string {
  return hash('sha256', token, 'base64url');
}

/**
 * A bounded (insertion-ordered) cache of verified tokens keyed by token hash. An entry never outlives the expiry it was
 * stored with (the caller passes `min(exp, …)`), so a cached token is never accepted past `exp`.
 */
export class TokenCache<T> {
  readonly #entries = new Map<string, Entry<T>>();
  readonly #maxEntries: number;
  readonly #maxTtlMs: number;

  constructor(options: TokenCacheOptions = {}) {
    this.#maxEntries = Math.max(1, Math.floor(options.maxEntries ?? 10_000));
    this.#maxTtlMs = Math.max(0, (options.maxTtlSec ?? 300) * 1000);
  }

  /** Entries currently held. */
  get size(): number {
    return this.#entries.size;
  }

  get(key: string, nowMs: number): T | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (nowMs >= entry.expiresAtMs) {
      this.#entries.delete(key);
      return undefined;
    }
    // No reordering on a hit (it would double the cost of the hot path): the oldest insertion is evicted
    // first, and a hot token evicted that way is simply verified and stored again.
    return entry.value;
  }

  /** Stores `value` until `min(expiresAtMs, now + maxTtl)`; nothing is stored when that is not in the future. */
  set(key: string, value: T, expiresAtMs: number, nowMs: number): void {
    const until = Math.min(expiresAtMs, nowMs + this.#maxTtlMs);
    if (!(until > nowMs)) return;
    this.#entries.delete(key);
    this.#entries.set(key, { value, expiresAtMs: until });
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
  }

  clear(): void {
    this.#entries.clear();
  }
}
