import { ConfigError } from '@mcp-warden/core';

/** Options of {@link ConcurrencyLimiter}. */
export interface ConcurrencyLimiterOptions {
  /** The most calls in flight per key. An integer >= 1. */
  readonly maxInFlight: number;
}

/**
 * Keys whose count fell back to zero are kept, up to this many, then swept: deleting a key on every
 * release and adding it back on the next call makes the `Map` rebuild its table every few calls.
 */
const MAX_IDLE_KEYS = 1_024;

/**
 * Counts calls in flight per key, in this process. Memory is bounded by the number of concurrent
 * calls plus at most 1,024 keys that recently had one.
 */
export class ConcurrencyLimiter {
  readonly maxInFlight: number;
  readonly #counts = new Map<string, number>();
  /** Keys in `#counts` whose count is zero. */
  #idle = 0;

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
    const current = this.#counts.get(key);
    if (current === undefined) this.#counts.set(key, 1);
    else {
      if (current >= this.maxInFlight) return undefined;
      if (current === 0) this.#idle--;
      this.#counts.set(key, current + 1);
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#release(key);
    };
  }

  #release(key: string): void {
    // Only idle keys are ever swept, so a key with a call in flight is always present.
    const now = (this.#counts.get(key) ?? 1) - 1;
    this.#counts.set(key, now);
    if (now === 0 && ++this.#idle > MAX_IDLE_KEYS) this.#sweep();
  }

  #sweep(): void {
    for (const [key, count] of this.#counts) if (count === 0) this.#counts.delete(key);
    this.#idle = 0;
  }

  /** Calls in flight for `key`. */
  inFlight(key: string): number {
    return this.#counts.get(key) ?? 0;
  }

  /** Keys with at least one call in flight. */
  get size(): number {
    return this.#counts.size - this.#idle;
  }
}
