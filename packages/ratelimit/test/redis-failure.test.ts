import { memorySink, type SecurityEvent } from '@mcp-warden/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore, nodeRedisScripts, RedisStore, rateLimitRule } from '../src/index.js';
import { connectRedis, type NodeRedisClient, OwnRedis, sleep } from './redis-helpers.js';

let redis: OwnRedis;
let client: NodeRedisClient;

beforeAll(async () => {
  redis = await OwnRedis.start();
  client = await connectRedis(redis.port);
}, 30_000);

afterAll(async () => {
  redis.thaw();
  client.destroy();
  await redis.stop();
});

const types = (events: readonly SecurityEvent[]) => events.map((event) => event.type);

/** Calls until one is allowed by Redis again (the store reports recovery), bounded. */
async function untilRecovered(store: RedisStore, attempt: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < 200 && store.degraded; i++) {
    await attempt().catch(() => undefined);
    if (store.degraded) await sleep(100);
  }
}

describe('RedisStore when its Redis stops mid-test', () => {
  it('fails closed with ERR_RATE_LIMIT_UNAVAILABLE, emits one degraded event, and recovers', async () => {
    const events = memorySink();
    const store = new RedisStore({
      scripts: nodeRedisScripts(client),
      prefix: 'deny:',
      timeoutMs: 300,
      retryIntervalMs: 200,
      events,
    });
    const rule = rateLimitRule({ limit: 100, periodMs: 3_600_000 });
    expect((await store.consume('k', rule, 1)).allowed).toBe(true);

    await redis.stop();
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, () => store.consume('k', rule, 1)));
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      expect(outcome.status === 'rejected' && outcome.reason).toMatchObject({
        code: 'ERR_RATE_LIMIT_UNAVAILABLE',
        kind: 'rate_limit',
        data: { retryAfterMs: 200 },
      });
    }
    expect(store.degraded).toBe(true);
    // While degraded, calls are answered without waiting for Redis.
    await expect(store.consume('k', rule, 1)).rejects.toMatchObject({ code: 'ERR_RATE_LIMIT_UNAVAILABLE' });
    expect(types(events.events)).toEqual(['ratelimit_store_degraded']);
    expect(events.events[0]).toMatchObject({
      store: 'redis',
      mode: 'deny',
      level: 'critical',
      outcome: 'error',
    });

    await redis.restart();
    await untilRecovered(store, () => store.consume('k', rule, 1));
    expect(store.degraded).toBe(false);
    expect(types(events.events)).toEqual(['ratelimit_store_degraded', 'ratelimit_store_recovered']);
    expect((await store.consume('k', rule, 1)).allowed).toBe(true);
  }, 60_000);

  it('does not hang when Redis stops answering: the per-call timeout denies, and thawing recovers', async () => {
    const events = memorySink();
    const store = new RedisStore({
      scripts: nodeRedisScripts(client),
      prefix: 'hang:',
      timeoutMs: 250,
      retryIntervalMs: 200,
      events,
    });
    const rule = rateLimitRule({ limit: 100, periodMs: 3_600_000 });
    await untilRecovered(store, () => store.consume('k', rule, 1));
    expect((await store.consume('k', rule, 1)).allowed).toBe(true);
    redis.freeze();
    try {
      await expect(store.consume('k', rule, 1)).rejects.toMatchObject({ code: 'ERR_RATE_LIMIT_UNAVAILABLE' });
      expect(events.events.at(-1)).toMatchObject({
        type: 'ratelimit_store_degraded',
        reason: expect.stringMatching(/^timeout/),
      });
    } finally {
      redis.thaw();
    }
    await untilRecovered(store, () => store.consume('k', rule, 1));
    expect(types(events.events)).toEqual(['ratelimit_store_degraded', 'ratelimit_store_recovered']);
  }, 60_000);

  it('falls back to a local limit of limit / instances while Redis is down, and warns at start', async () => {
    const events = memorySink();
    const store = new RedisStore({
      scripts: nodeRedisScripts(client),
      prefix: 'fallback:',
      timeoutMs: 300,
      retryIntervalMs: 200,
      onFailure: { mode: 'fallback', instances: 4, store: new MemoryStore() },
      events,
    });
    expect(events.events[0]).toMatchObject({ type: 'sys_startup', level: 'warn' });
    expect(String((events.events[0] as unknown as { warnings: string[] }).warnings)).toMatch(/1\/4/);
    const rule = rateLimitRule({ limit: 20, periodMs: 3_600_000 });
    expect((await store.consume('k', rule, 1)).allowed).toBe(true);

    await redis.stop();
    const decisions = [];
    for (let i = 0; i < 10; i++) decisions.push(await store.consume('k', rule, 1));
    expect(decisions.filter((decision) => decision.allowed)).toHaveLength(5);
    expect(events.events.at(-1)).toMatchObject({
      type: 'ratelimit_store_degraded',
      mode: 'fallback',
      level: 'warn',
    });

    await redis.restart();
    await untilRecovered(store, () => store.consume('other', rule, 1));
    expect(events.events.at(-1)).toMatchObject({ type: 'ratelimit_store_recovered' });
    // Redis restarted empty (no persistence): the shared limit holds again from there. (Calls the
    // client had queued while offline may have run on reconnect and spent a unit each.)
    const after = await store.consume('k', rule, 1);
    expect(after.allowed).toBe(true);
    expect(after.remaining).toBeLessThanOrEqual(19);
    expect(store.degraded).toBe(false);
  }, 60_000);
});
