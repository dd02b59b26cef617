import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryStore, rateLimitRule } from '../src/index.js';

function clock(start = 1_700_000_000_000) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('GCRA in memory with an injected clock', () => {
  it('allows the burst at once, then one call per emission interval', () => {
    const time = clock();
    const store = new MemoryStore({ now: time.now });
    const rule = rateLimitRule({ limit: 10, periodMs: 1000, burst: 5 });
    for (let i = 0; i < 5; i++) {
      const decision = store.consumeSync('k', rule, 1);
      expect(decision).toMatchObject({ allowed: true, remaining: 4 - i, retryAfterMs: 0 });
    }
    const denied = store.consumeSync('k', rule, 1);
    expect(denied).toEqual({ allowed: false, remaining: 0, resetAfterMs: 500, retryAfterMs: 100 });
    time.advance(99);
    expect(store.consumeSync('k', rule, 1).allowed).toBe(false);
    time.advance(1);
    expect(store.consumeSync('k', rule, 1).allowed).toBe(true);
    // Steady state: exactly one call per 100 ms.
    for (let step = 0; step < 20; step++) {
      expect(store.consumeSync('k', rule, 1).allowed).toBe(false);
      time.advance(100);
      expect(store.consumeSync('k', rule, 1)).toMatchObject({ allowed: true, remaining: 0 });
    }
    time.advance(500);
    expect(store.consumeSync('k', rule, 1)).toMatchObject({ allowed: true, remaining: 4, resetAfterMs: 100 });
  });

  it('allows exactly limit units per period with a non-integer emission interval', () => {
    const time = clock();
    const store = new MemoryStore({ now: time.now });
    const rule = rateLimitRule({ limit: 3, periodMs: 1000 });
    expect([1, 2, 3, 4].map(() => store.consumeSync('k', rule, 1).allowed)).toEqual([
      true,
      true,
      true,
      false,
    ]);
    time.advance(333);
    expect(store.consumeSync('k', rule, 1).allowed).toBe(false);
    time.advance(1);
    expect(store.consumeSync('k', rule, 1).allowed).toBe(true);
  });

  it('charges the cost, and a denial spends nothing', () => {
    const time = clock();
    const store = new MemoryStore({ now: time.now });
    const rule = rateLimitRule({ limit: 10, periodMs: 10_000 });
    expect(store.consumeSync('k', rule, 7)).toMatchObject({ allowed: true, remaining: 3 });
    expect(store.consumeSync('k', rule, 4)).toMatchObject({
      allowed: false,
      remaining: 3,
      retryAfterMs: 1000,
    });
    expect(store.consumeSync('k', rule, 3)).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('refuses a cost above the burst and an invalid cost as configuration errors', () => {
    const store = new MemoryStore();
    const rule = rateLimitRule({ limit: 10, periodMs: 1000 });
    expect(() => store.consumeSync('k', rule, 11)).toThrow(
      expect.objectContaining({ code: 'ERR_COST_EXCEEDS_LIMIT' }),
    );
    for (const cost of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => store.consumeSync('k', rule, cost)).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_COST' }),
      );
    }
  });

  it('rejects (never throws) the same configuration errors through the Promise API, spending nothing', async () => {
    const store = new MemoryStore();
    const rule = rateLimitRule({ limit: 10, periodMs: 60_000 });
    const over = store.consume('k', rule, 11);
    await expect(over).rejects.toMatchObject({ code: 'ERR_COST_EXCEEDS_LIMIT' });
    for (const cost of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expect(store.consume('k', rule, cost)).rejects.toMatchObject({ code: 'ERR_INVALID_COST' });
    }
    expect(await store.consume('k', rule, 10)).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('keeps keys and rules apart', () => {
    const store = new MemoryStore();
    const a = rateLimitRule({ limit: 1, periodMs: 60_000, name: 'a' });
    const b = rateLimitRule({ limit: 1, periodMs: 60_000, name: 'b' });
    expect(store.consumeSync('k', a, 1).allowed).toBe(true);
    expect(store.consumeSync('k', a, 1).allowed).toBe(false);
    expect(store.consumeSync('k', b, 1).allowed).toBe(true);
    expect(store.consumeSync('other', a, 1).allowed).toBe(true);
  });

  it('property: in any time span, granted units never exceed burst + span / interval', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.array(fc.record({ wait: fc.nat({ max: 2000 }), cost: fc.integer({ min: 0, max: 5 }) }), {
          maxLength: 200,
        }),
        (limit, periodMs, steps) => {
          const time = clock();
          const store = new MemoryStore({ now: time.now });
          const rule = rateLimitRule({ limit, periodMs });
          const granted: { at: number; cost: number }[] = [];
          for (const step of steps) {
            time.advance(step.wait);
            const cost = Math.min(step.cost, limit);
            const decision = store.consumeSync('k', rule, cost);
            expect(decision.remaining).toBeGreaterThanOrEqual(0);
            expect(decision.remaining).toBeLessThanOrEqual(limit);
            if (decision.allowed) {
              expect(decision.retryAfterMs).toBe(0);
              granted.push({ at: time.now(), cost });
            } else {
              expect(decision.retryAfterMs).toBeGreaterThan(0);
            }
          }
          for (let i = 0; i < granted.length; i++) {
            let units = 0;
            for (let j = i; j < granted.length; j++) {
              units += granted[j]!.cost;
              const span = granted[j]!.at - granted[i]!.at;
              expect(units).toBeLessThanOrEqual(limit + (span * limit) / periodMs + 1e-6);
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('property: after waiting retryAfterMs the same call is allowed', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.array(fc.nat({ max: 500 }), { minLength: 1, maxLength: 100 }),
        fc.integer({ min: 1, max: 100 }),
        (limit, periodMs, waits, rawCost) => {
          const time = clock();
          const store = new MemoryStore({ now: time.now });
          const rule = rateLimitRule({ limit, periodMs });
          const cost = Math.min(rawCost, limit);
          for (const wait of waits) {
            time.advance(wait);
            const decision = store.consumeSync('k', rule, cost);
            if (!decision.allowed) {
              time.advance(decision.retryAfterMs);
              expect(store.consumeSync('k', rule, cost).allowed).toBe(true);
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
