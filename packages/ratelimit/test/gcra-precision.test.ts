import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore, nodeRedisScripts, RedisStore, rateLimitRule } from '../src/index.js';
import { connectRedis, deleteKeys, type NodeRedisClient, uniquePrefix } from './redis-helpers.js';

const prefix = uniquePrefix();
let client: NodeRedisClient;

beforeAll(async () => {
  client = await connectRedis();
});

afterAll(async () => {
  await deleteKeys(client, prefix);
  await client.quit();
});

describe('GCRA precision at epoch magnitudes', () => {
  it('property: the memory store grants exactly the burst at once, for any limit, period and clock value', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2000 }),
        fc.integer({ min: 1, max: 100_000_000 }),
        fc.integer({ min: 1_600_000_000_000, max: 2_100_000_000_000 }),
        (limit, periodMs, now) => {
          const store = new MemoryStore({ now: () => now });
          const rule = rateLimitRule({ limit, periodMs });
          let granted = 0;
          while (granted <= limit && store.consumeSync('k', rule, 1).allowed) granted++;
          expect(granted).toBe(limit);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('grants exactly 17 a minute and 60 a second (common limits whose interval is not a whole number of ms)', () => {
    for (const [limit, periodMs] of [
      [17, 60_000],
      [60, 1000],
      [15, 1000],
      [49, 3000],
    ] as const) {
      for (let offset = 0; offset < 50; offset++) {
        const now = Date.now() + offset;
        const store = new MemoryStore({ now: () => now });
        const rule = rateLimitRule({ limit, periodMs });
        let granted = 0;
        while (granted <= limit && store.consumeSync('k', rule, 1).allowed) granted++;
        expect({ limit, periodMs, granted }).toEqual({ limit, periodMs, granted: limit });
      }
    }
  });

  it('steady traffic at exactly the rate is always allowed after the burst (no drift from float rounding)', () => {
    let now = 1_795_000_000_123;
    const store = new MemoryStore({ now: () => now });
    const rule = rateLimitRule({ limit: 30, periodMs: 1000 }); // one unit every 33.33 ms
    for (let i = 0; i < 30; i++) expect(store.consumeSync('k', rule, 1).allowed).toBe(true);
    expect(store.consumeSync('k', rule, 1).allowed).toBe(false);
    // 30 more a second from then on, at exactly the rate: 3 units every 100 ms.
    for (let step = 0; step < 1000; step++) {
      now += 100;
      for (let i = 0; i < 3; i++) expect(store.consumeSync('k', rule, 1).allowed).toBe(true);
      expect(store.consumeSync('k', rule, 1).allowed).toBe(false);
    }
  });

  it('does not lock a key out when the wall clock steps back (NTP correction)', () => {
    let now = 1_795_000_000_000;
    const store = new MemoryStore({ now: () => now });
    const rule = rateLimitRule({ limit: 10, periodMs: 60_000 });
    for (let i = 0; i < 5; i++) expect(store.consumeSync('k', rule, 1).allowed).toBe(true);
    now -= 3_600_000; // the clock is corrected back by an hour
    const after = store.consumeSync('k', rule, 1);
    expect(after).toMatchObject({ allowed: true, remaining: 4 });
    for (let i = 0; i < 4; i++) expect(store.consumeSync('k', rule, 1).allowed).toBe(true);
    const denied = store.consumeSync('k', rule, 1);
    expect(denied.allowed).toBe(false);
    expect(denied.retryAfterMs).toBeLessThanOrEqual(6000);
    now += 6000;
    expect(store.consumeSync('k', rule, 1).allowed).toBe(true);
  });

  it('Redis grants exactly the burst at once for every limit from 1 to 120 an hour and a day', async () => {
    const store = new RedisStore({ scripts: nodeRedisScripts(client), prefix, timeoutMs: 10_000 });
    const wrong: string[] = [];
    for (const periodMs of [3_600_000, 86_400_000]) {
      for (let limit = 1; limit <= 120; limit++) {
        const rule = rateLimitRule({ limit, periodMs });
        // One tick: one script, one server instant, so no unit comes back meanwhile.
        const decisions = await Promise.all(
          Array.from({ length: limit + 1 }, () => store.consume(`k${limit}:${periodMs}`, rule, 1)),
        );
        const granted = decisions.filter((decision) => decision.allowed).length;
        if (granted !== limit) wrong.push(`${limit}/${periodMs}: ${granted}`);
      }
    }
    expect(wrong).toEqual([]);
  }, 30_000);
});

describe('fixed window with fractional costs', () => {
  it('reports whole remaining units, in memory as on Redis', async () => {
    const rule = rateLimitRule({ limit: 10, periodMs: 3_600_000, algorithm: 'fixed-window', name: 'fw' });
    const memory = new MemoryStore();
    const redis = new RedisStore({
      scripts: nodeRedisScripts(client),
      prefix: `${prefix}fw:`,
      timeoutMs: 10_000,
    });
    for (const cost of [0.5, 2.25, 7]) {
      const local = memory.consumeSync('k', rule, cost);
      const shared = await redis.consume('k', rule, cost);
      expect(Number.isInteger(local.remaining)).toBe(true);
      expect({ allowed: local.allowed, remaining: local.remaining }).toEqual({
        allowed: shared.allowed,
        remaining: shared.remaining,
      });
    }
  });
});
