import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryStore, rateLimitRule } from '../src/index.js';

describe('MemoryStore eviction cannot be used to reset a limit', () => {
  for (const algorithm of ['gcra', 'sliding-window', 'fixed-window'] as const) {
    it(`flooding distinct keys does not reset an exhausted key (${algorithm})`, () => {
      let now = 1_795_000_000_000;
      const store = new MemoryStore({ maxKeys: 100, now: () => now });
      const rule = rateLimitRule({ limit: 5, periodMs: 60_000, algorithm });
      for (let i = 0; i < 5; i++) expect(store.consumeSync('tool:expensive', rule, 1).allowed).toBe(true);
      expect(store.consumeSync('tool:expensive', rule, 1).allowed).toBe(false);
      // The attacker mints 10 × maxKeys fresh keys (unknown tool names, /64s, user names...).
      for (let i = 0; i < 1000; i++) {
        now += 1;
        expect(store.consumeSync(`tool:nope-${i}`, rule, 1).allowed).toBe(true);
      }
      expect(store.stats().keys).toBe(100);
      expect(store.consumeSync('tool:expensive', rule, 1).allowed).toBe(false);
    });
  }

  it('drops a key whose state no longer matters before an older key that still limits', () => {
    let now = 1_795_000_000_000;
    const store = new MemoryStore({ maxKeys: 2, now: () => now });
    const minute = rateLimitRule({ limit: 2, periodMs: 60_000, name: 'minute' });
    const second = rateLimitRule({ limit: 2, periodMs: 1000, name: 'second' });
    store.consumeSync('busy', minute, 2); // limited for a minute; the least recently used key
    now += 1;
    store.consumeSync('brief', second, 2); // full again a second later
    now += 2000;
    expect(store.consumeSync('fresh', minute, 1).allowed).toBe(true);
    expect(store.stats()).toMatchObject({ keys: 2, evictions: 1 });
    expect(store.consumeSync('busy', minute, 1).allowed).toBe(false);
  });

  it('property: a key that spent more than any other is never the one dropped, however many keys flood in', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 40 }),
        fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 300 }),
        (maxKeys, accesses) => {
          const now = 1_795_000_000_000;
          const store = new MemoryStore({ maxKeys, now: () => now });
          const rule = rateLimitRule({ limit: 1000, periodMs: 3_600_000 });
          for (let i = 0; i < 500; i++) store.consumeSync('heavy', rule, 1);
          for (const key of accesses) store.consumeSync(`k${key}`, rule, 1);
          expect(store.consumeSync('heavy', rule, 1).remaining).toBe(1000 - 501);
        },
      ),
      { numRuns: 200 },
    );
  });
});
