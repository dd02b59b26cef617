import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryStore, rateLimitRule } from '../src/index.js';

function clock(start: number) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('fixed window', () => {
  it('allows limit units per window and resets at the boundary', () => {
    const time = clock(1_000_000); // a window boundary for periodMs 1000
    const store = new MemoryStore({ now: time.now });
    const rule = rateLimitRule({ limit: 3, periodMs: 1000, algorithm: 'fixed-window' });
    time.advance(250);
    expect([1, 2, 3].map(() => store.consumeSync('k', rule, 1).remaining)).toEqual([2, 1, 0]);
    expect(store.consumeSync('k', rule, 1)).toEqual({
      allowed: false,
      remaining: 0,
      resetAfterMs: 750,
      retryAfterMs: 750,
    });
    time.advance(750);
    expect(store.consumeSync('k', rule, 1)).toMatchObject({
      allowed: true,
      remaining: 2,
      resetAfterMs: 1000,
    });
  });
});

describe('sliding window (counter approximation)', () => {
  it('weighs the previous window by the part of it still inside the sliding period', () => {
    const time = clock(1_000_000);
    const store = new MemoryStore({ now: time.now });
    const rule = rateLimitRule({ limit: 10, periodMs: 1000, algorithm: 'sliding-window' });
    time.advance(500);
    for (let i = 0; i < 10; i++) expect(store.consumeSync('k', rule, 1).allowed).toBe(true);
    expect(store.consumeSync('k', rule, 1).allowed).toBe(false);
    // 25% into the next window: estimate = 10 · 0.75 = 7.5, so 2 more fit (9.5), a third does not.
    time.advance(750);
    expect(store.consumeSync('k', rule, 1).allowed).toBe(true);
    expect(store.consumeSync('k', rule, 1).allowed).toBe(true);
    const denied = store.consumeSync('k', rule, 1);
    expect(denied.allowed).toBe(false);
    // Needs 10·(1 - f) + 2 + 1 <= 10 → f >= 0.3: 50 ms later.
    expect(denied.retryAfterMs).toBe(50);
    time.advance(50);
    expect(store.consumeSync('k', rule, 1).allowed).toBe(true);
  });

  it('property: allowed units in any window-aligned pair never exceed 2 × limit, and retryAfterMs suffices', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 10, max: 5000 }),
        fc.array(fc.nat({ max: 1000 }), { maxLength: 150 }),
        fc.constantFrom('sliding-window' as const, 'fixed-window' as const),
        (limit, periodMs, waits, algorithm) => {
          const time = clock(periodMs * 1000);
          const store = new MemoryStore({ now: time.now });
          const rule = rateLimitRule({ limit, periodMs, algorithm });
          const perWindow = new Map<number, number>();
          for (const wait of waits) {
            time.advance(wait);
            const decision = store.consumeSync('k', rule, 1);
            if (decision.allowed) {
              const window = Math.floor(time.now() / periodMs);
              perWindow.set(window, (perWindow.get(window) ?? 0) + 1);
            } else {
              time.advance(decision.retryAfterMs);
              expect(store.consumeSync('k', rule, 1).allowed).toBe(true);
              const window = Math.floor(time.now() / periodMs);
              perWindow.set(window, (perWindow.get(window) ?? 0) + 1);
            }
          }
          for (const [window, count] of perWindow) {
            expect(count).toBeLessThanOrEqual(limit);
            if (algorithm === 'sliding-window') {
              expect(count + (perWindow.get(window - 1) ?? 0)).toBeLessThanOrEqual(2 * limit);
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('rule validation', () => {
  it('rejects non-finite, zero and negative limits with ERR_INVALID_RATE_LIMIT', () => {
    for (const spec of [
      { limit: 0, periodMs: 1000 },
      { limit: 1.5, periodMs: 1000 },
      { limit: Number.NaN, periodMs: 1000 },
      { limit: 10, periodMs: 0 },
      { limit: 10, periodMs: Number.POSITIVE_INFINITY },
      { limit: 10, periodMs: 1000, burst: 0 },
      { limit: 10, periodMs: 1000, name: 'has space' },
      { limit: 10, periodMs: 1000, burst: 5, algorithm: 'fixed-window' as const },
    ]) {
      expect(() => rateLimitRule(spec)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_RATE_LIMIT' }));
    }
  });
});

describe('option validation from untyped callers', () => {
  it('answers options that are not objects, and a fallback store that is not a store, with ERR_INVALID_RATE_LIMIT', async () => {
    const { MemoryStore, RedisStore, rateLimitGuard } = await import('../src/index.js');
    const scripts = { evalSha: async () => [], eval: async () => [] };
    const attempts: (() => unknown)[] = [
      () => rateLimitRule(null as never),
      () => rateLimitRule('60/min' as never),
      () => rateLimitGuard({ store: new MemoryStore(), tools: { export: null as never } }),
      () => new RedisStore({ scripts, onFailure: { mode: 'fallback', instances: 2, store: {} as never } }),
    ];
    for (const attempt of attempts) {
      expect(attempt).toThrow(expect.objectContaining({ code: 'ERR_INVALID_RATE_LIMIT' }));
    }
  });
});
