import { ConfigError } from '@mcp-warden/core';

/** Options of {@link ConcurrencyLimiter}. */
export interface ConcurrencyLimiterOptions {
  /** The most calls in flight per key. An integer >= 1. */
  readonly maxInFlight: number;
}

/**
 * Counts calls in flight per key, in this process. Only keys with a call in flight are kept, so the
 * memory is bounded by the number of concurrent calls.
 */
export class ConcurrencyLimiter {
  readonly maxInFlight: number;
  readonly #inFlight = new Map<string, number>();

  constructor(options: ConcurrencyLimiterOptions) {
    if (!Number.isSafeInteger(options.maxInFlight) || options.maxInFlight < 1) {
      throw new ConfigError('ERR_INVALID_RATE_LIMIT', 'maxInFlight must be an integer >= 1', {
        detail: { maxInFlight: options.maxInFlight },
      });
    }
    this.maxInFlight = options.maxInFlight;
  }

  /** Takes a slot for `key`: a release function (safe to call twice), or `undefined` when full. */
  tryAcquire(key: string): (() => void) | undefined {
    const current = this.#inFlight.get(key) ?? 0;
    if (current >= this.maxInFlight) return undefined;
    this.#inFlight.set(key, current + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const now = (this.#inFlight.get(key) ?? 1) - 1;
      if (now <= 0) this.#inFlight.delete(key);
      else this.#inFlight.set(key, now);
    };
  }

  /** Calls in flight for `key`. */
  inFlight(key: string): number {
    return this.#inFlight.get(key) ?? 0;
  }

  /** Keys with at least one call in flight. */
  get size(): number {
    return this.#inFlight.size;
  }
}
