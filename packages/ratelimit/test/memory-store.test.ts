import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boundedKey, MemoryStore, rateLimitRule, storeKey } from '../src/index.js';

describe('MemoryStore', () => {
  it('1,000 concurrent calls on one key with a limit of 100 allow exactly 100', async () => {
    const store = new MemoryStore();
    for (const algorithm of ['gcra', 'sliding-window', 'fixed-window'] as const) {
      const rule = rateLimitRule({ limit: 100, periodMs: 3_600_000, algorithm, name: algorithm });
      const decisions = await Promise.all(
        Array.from({ length: 1000 }, () => store.consume('one-key', rule, 1)),
      );
      expect(decisions.filter((decision) => decision.allowed)).toHaveLength(100);
    }
  });

  it('is bounded: past maxKeys the least recently used of equally limited keys is dropped', () => {
    let now = 1_700_000_000_000;
    const store = new MemoryStore({ maxKeys: 3, now: () => now });
    const rule = rateLimitRule({ limit: 1, periodMs: 60_000 });
    for (const key of ['a', 'b', 'c']) expect(store.consumeSync(key, rule, 1).allowed).toBe(true);
    now += 1;
    expect(store.consumeSync('a', rule, 1).allowed).toBe(false); // a is now the most recent
    expect(store.consumeSync('d', rule, 1).allowed).toBe(true); // evicts b, the least recent
    expect(store.stats()).toEqual({ keys: 3, maxKeys: 3, evictions: 1 });
    expect(store.consumeSync('a', rule, 1).allowed).toBe(false);
    expect(store.consumeSync('c', rule, 1).allowed).toBe(false);
    expect(store.consumeSync('b', rule, 1).allowed).toBe(true); // b started afresh
  });

  it('property: never holds more than maxKeys, and a kept key keeps its state', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 400 }),
        (maxKeys, accesses) => {
          const store = new MemoryStore({ maxKeys, now: () => 1_700_000_000_000 });
          const rule = rateLimitRule({ limit: 1000, periodMs: 3_600_000 });
          // Model: an LRU list of key → units spent. When full, of the 16 least recently used keys the
          // one with the most units left (the least spent; the least recently used of equals) is dropped.
          const model = new Map<number, number>();
          for (const key of accesses) {
            const spent = model.get(key) ?? 0;
            if (!model.has(key) && model.size === maxKeys) {
              let victim = -1;
              let least = Number.POSITIVE_INFINITY;
              for (const [candidate, units] of [...model].slice(0, 16)) {
                if (units < least) {
                  victim = candidate;
                  least = units;
                }
              }
              model.delete(victim);
            }
            model.delete(key);
            model.set(key, spent + 1);
            const decision = store.consumeSync(`k${key}`, rule, 1);
            expect(decision.remaining).toBe(1000 - (spent + 1));
            expect(store.stats().keys).toBeLessThanOrEqual(maxKeys);
          }
          expect(store.stats().keys).toBe(model.size);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reset forgets one key', () => {
    const store = new MemoryStore();
    const rule = rateLimitRule({ limit: 1, periodMs: 60_000 });
    store.consumeSync('a', rule, 1);
    expect(store.consumeSync('a', rule, 1).allowed).toBe(false);
    store.reset('a', rule);
    expect(store.consumeSync('a', rule, 1).allowed).toBe(true);
  });

  it('rejects an unbounded or invalid maxKeys', () => {
    for (const maxKeys of [0, -1, 1.5, Number.POSITIVE_INFINITY, 1e9]) {
      expect(() => new MemoryStore({ maxKeys })).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_RATE_LIMIT' }),
      );
    }
  });
});

describe('GCRA at epoch-millisecond magnitudes', () => {
  it('grants exactly the burst when the emission interval is not a whole number of ms (float rounding)', () => {
    // Found by the Lua-vs-memory property: 10 h / 49 units, then 19 + 28 + 2 units at one instant.
    const now = 1_795_000_000_000;
    const store = new MemoryStore({ now: () => now });
    const rule = rateLimitRule({ limit: 49, periodMs: 10 * 3_600_000, algorithm: 'gcra' });
    expect(store.consumeSync('k', rule, 19)).toMatchObject({ allowed: true, remaining: 30 });
    expect(store.consumeSync('k', rule, 28)).toMatchObject({ allowed: true, remaining: 2 });
    expect(store.consumeSync('k', rule, 2)).toMatchObject({ allowed: true, remaining: 0 });
    expect(store.consumeSync('k', rule, 1)).toMatchObject({ allowed: false, remaining: 0 });
  });
});

describe('storeKey', () => {
  it('keeps plain keys and hashes anything else to a bounded, brace-free key', () => {
    expect(storeKey('default:gcra', 'sub:ann@example.com')).toBe('default:gcra:sub:ann@example.com');
    const long = storeKey('default', 'x'.repeat(100_000));
    expect(long.length).toBeLessThan(60);
    expect(storeKey('default', 'a{b}c')).toMatch(/^default:#[A-Za-z0-9_-]{43}$/);
    // Keys that start with the hash mark are hashed too, so they cannot pose as a hashed key.
    expect(boundedKey('#abc')).toMatch(/^#[A-Za-z0-9_-]{43}$/);
    expect(boundedKey('sub:ann')).toBe('sub:ann');
  });

  it('property: distinct keys stay distinct, and no store key contains a brace or exceeds 270 chars', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 300, unit: 'binary' }),
        fc.string({ maxLength: 300, unit: 'binary' }),
        (a, b) => {
          const ka = storeKey('r', a);
          const kb = storeKey('r', b);
          expect(ka === kb).toBe(a === b);
          expect(ka).not.toMatch(/[{}\s]/);
          expect(ka.length).toBeLessThanOrEqual(270);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
