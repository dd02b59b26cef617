import { once } from 'node:events';
import { createServer, get } from 'node:http';
import { memorySink, type SecurityEvent } from '@mcp-warden/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRateLimit, MemoryStore, nodeRedisScripts, RedisStore, rateLimitRule } from '../src/index.js';
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

describe('RedisStore script loading', () => {
  // Per key (as on a Cluster): five script calls meet NOSCRIPT at once; the other four wait for the
  // one EVAL and retry EVALSHA. Across keys (a single server): one script call, loaded by one EVAL.
  for (const [label, standalone, evalShaCalls] of [
    ['per key', false, 9],
    ['across keys', true, 1],
  ] as const) {
    it(`sends the script body once when a burst of calls meets NOSCRIPT (${label})`, async () => {
      const scripts = { ...nodeRedisScripts(client), standalone };
      const store = new RedisStore({ scripts, prefix: 'load:', timeoutMs: 10_000 });
      const rule = rateLimitRule({ limit: 1000, periodMs: 3_600_000 });
      await untilRecovered(store, () => store.consume('k', rule, 1));
      await client.scriptFlush();
      await client.configResetStat();
      const keys = ['k', 'k1', 'k2', 'k3', 'k4'];
      const decisions = await Promise.all(
        Array.from({ length: 50 }, (_, i) => store.consume(keys[i % 5]!, rule, 1)),
      );
      expect(decisions.every((decision) => decision.allowed)).toBe(true);
      const stats = await client.info('commandstats');
      expect(stats).toMatch(/cmdstat_eval:calls=1,/);
      expect(stats).toMatch(new RegExp(`cmdstat_evalsha:calls=${evalShaCalls},`));
      for (const [index] of keys.entries()) {
        const remaining = decisions.filter((_, i) => i % 5 === index).map((decision) => decision.remaining);
        expect(new Set(remaining).size).toBe(10);
      }
    }, 30_000);
  }
});

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

  it('applies the per-call timeout and the fallback to every decision of a batch', async () => {
    const events = memorySink();
    const store = new RedisStore({
      scripts: nodeRedisScripts(client),
      prefix: 'batch-hang:',
      timeoutMs: 250,
      retryIntervalMs: 60_000,
      onFailure: { mode: 'fallback', instances: 2, store: new MemoryStore() },
      events,
    });
    const rule = rateLimitRule({ limit: 10, periodMs: 3_600_000 });
    await untilRecovered(store, () => store.consume('k', rule, 1));
    expect((await store.consume('k', rule, 1)).allowed).toBe(true);
    redis.freeze();
    try {
      const started = Date.now();
      // One batch of 10 on one key, with a denial in the middle: the local limit is 10 / 2 = 5.
      const costs = [1, 1, 4, 1, 1, 1, 1, 1, 1, 1];
      const decisions = await Promise.all(costs.map((cost) => store.consume('k', rule, cost)));
      expect(Date.now() - started).toBeGreaterThanOrEqual(200);
      expect(decisions.map((decision) => decision.allowed)).toEqual([
        true,
        true,
        false,
        true,
        true,
        true,
        false,
        false,
        false,
        false,
      ]);
      expect(types(events.events)).toEqual(['sys_startup', 'ratelimit_store_degraded']);
      expect(events.events.at(-1)).toMatchObject({ reason: expect.stringMatching(/^timeout/) });
    } finally {
      redis.thaw();
    }
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

  it('makes the HTTP limiter answer 503 with Retry-After while Redis is down (never 200)', async () => {
    const store = new RedisStore({
      scripts: nodeRedisScripts(client),
      prefix: 'http:',
      timeoutMs: 300,
      retryIntervalMs: 2000,
    });
    const limiter = httpRateLimit({ store });
    let handled = 0;
    const server = createServer(async (req, res) => {
      if (!(await limiter.check(req, res))) return;
      handled++;
      res.end('ok');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    const fetchStatus = () =>
      new Promise<{ status: number; retryAfter: string | undefined; body: string }>((resolve, reject) => {
        get({ host: '127.0.0.1', port, path: '/mcp', agent: false }, (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => {
            body += chunk.toString();
          });
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              retryAfter: res.headers['retry-after'] as string | undefined,
              body,
            }),
          );
        }).on('error', reject);
      });
    try {
      await untilRecovered(store, () =>
        store.consume('warm', rateLimitRule({ limit: 10, periodMs: 1000 }), 1),
      );
      expect((await fetchStatus()).status).toBe(200);
      await redis.stop();
      const down = await fetchStatus();
      expect(down.status).toBe(503);
      expect(down.retryAfter).toBe('2');
      expect(JSON.parse(down.body)).toEqual({ error: 'unavailable', code: 'ERR_RATE_LIMIT_UNAVAILABLE' });
      expect(handled).toBe(1);
    } finally {
      server.close();
      await redis.restart();
    }
  }, 60_000);
});
