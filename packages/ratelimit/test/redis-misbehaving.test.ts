import { memorySink } from '@mcp-warden/core';
import { createClient } from 'redis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { nodeRedisScripts, RedisStore, rateLimitRule } from '../src/index.js';
import { FakeRedis, integers } from './fake-redis.js';
import { sleep } from './redis-helpers.js';

const rule = rateLimitRule({ limit: 10, periodMs: 60_000 });
const opened: { close(): Promise<void> | void }[] = [];

afterEach(async () => {
  for (const item of opened.splice(0)) await item.close();
});

async function clientOf(fake: FakeRedis) {
  const client = createClient({
    socket: { host: '127.0.0.1', port: fake.port, reconnectStrategy: false },
    disableOfflineQueue: true,
  });
  client.on('error', () => undefined);
  await client.connect();
  opened.push({ close: () => client.destroy() });
  return client;
}

/** A fake Redis whose EVALSHA replies are `reply` (everything else: +OK). */
async function answering(reply: string): Promise<FakeRedis> {
  const fake = await FakeRedis.start((command) =>
    command[0]?.toUpperCase() === 'EVALSHA' ? reply : '+OK\r\n',
  );
  opened.push(fake);
  return fake;
}

describe('RedisStore against a server that answers garbage', () => {
  const garbage: readonly [string, string][] = [
    ['a denial with a negative retry', integers([0, 0, 0, -5])],
    ['a denial with no wait at all', integers([0, 0, 0, 0])],
    ['an allowance with negative remaining units', integers([1, -1, 0, 0])],
    ['an allowed flag that is neither 0 nor 1', integers([2, 3, 0, 0])],
    ['nested arrays', '*4\r\n*1\r\n:1\r\n*1\r\n:3\r\n*1\r\n:0\r\n*1\r\n:0\r\n'],
    ['fractions', '*4\r\n$1\r\n1\r\n$3\r\n0.5\r\n$1\r\n0\r\n$1\r\n0\r\n'],
    ['too few numbers', integers([1, 3, 0])],
    ['a plain status', '+OK\r\n'],
  ];
  for (const [label, reply] of garbage) {
    it(`fails closed on ${label}, never handing out a decision`, async () => {
      const fake = await answering(reply);
      const events = memorySink();
      const store = new RedisStore({
        scripts: nodeRedisScripts(await clientOf(fake)),
        timeoutMs: 1000,
        events,
      });
      await expect(store.consume('k', rule, 1)).rejects.toMatchObject({ code: 'ERR_RATE_LIMIT_UNAVAILABLE' });
      expect(store.degraded).toBe(true);
      expect(events.events.map((event) => event.type)).toEqual(['ratelimit_store_degraded']);
    });
  }

  it('accepts a well-formed reply from the same fake server (the checks are not too strict)', async () => {
    const fake = await answering(integers([1, 9, 6000, 0]));
    const store = new RedisStore({ scripts: nodeRedisScripts(await clientOf(fake)), timeoutMs: 1000 });
    expect(await store.consume('k', rule, 1)).toEqual({
      allowed: true,
      remaining: 9,
      resetAfterMs: 6000,
      retryAfterMs: 0,
    });
  });
});

describe('RedisStore against a server that stops answering', () => {
  it('answers every call within the timeout, sends no new command while its probe is unanswered, and recovers after the server answers again', async () => {
    const fake = await answering(integers([1, 9, 6000, 0]));
    const events = memorySink();
    const store = new RedisStore({
      scripts: nodeRedisScripts(await clientOf(fake)),
      timeoutMs: 50,
      retryIntervalMs: 20,
      events,
    });
    expect((await store.consume('k', rule, 1)).allowed).toBe(true);
    fake.freeze();
    let slowest = 0;
    for (let i = 0; i < 40; i++) {
      const started = Date.now();
      await expect(store.consume('k', rule, 1)).rejects.toMatchObject({ code: 'ERR_RATE_LIMIT_UNAVAILABLE' });
      slowest = Math.max(slowest, Date.now() - started);
      await sleep(10);
    }
    // Bounded wait: no call waited much longer than the timeout.
    expect(slowest).toBeLessThan(500);
    // The first call after the freeze went out and hangs, and then one probe; while that probe is
    // unanswered no further command piles up in the client (about 30 would have, one per interval).
    expect(fake.count('EVALSHA')).toBeLessThanOrEqual(3);
    fake.thaw();
    for (let i = 0; i < 100 && store.degraded; i++) {
      await store.consume('k', rule, 1).catch(() => undefined);
      await sleep(10);
    }
    expect(store.degraded).toBe(false);
    expect((await store.consume('k', rule, 1)).allowed).toBe(true);
    expect(events.events.map((event) => event.type)).toEqual([
      'ratelimit_store_degraded',
      'ratelimit_store_recovered',
    ]);
  }, 30_000);
});

describe('RedisStore timeouts and the wall clock', () => {
  it('times a call out even when the wall clock steps back meanwhile (the timeout runs on a monotonic clock)', async () => {
    const fake = await answering(integers([1, 9, 6000, 0]));
    const scripts = nodeRedisScripts(await clientOf(fake));
    const real = Date.now.bind(Date);
    let step = 0;
    const clock = vi.spyOn(Date, 'now').mockImplementation(() => real() - step);
    try {
      const store = new RedisStore({ scripts, timeoutMs: 50 });
      expect((await store.consume('k', rule, 1)).allowed).toBe(true);
      fake.freeze();
      const call = store.consume('k', rule, 1);
      // An NTP correction sets the wall clock back by an hour while the call waits.
      step = 3_600_000;
      const outcome = await Promise.race([
        call.then(
          () => 'decided',
          (error: { code?: string }) => error.code,
        ),
        sleep(2000).then(() => 'still waiting after 2 s'),
      ]);
      expect(outcome).toBe('ERR_RATE_LIMIT_UNAVAILABLE');
    } finally {
      clock.mockRestore();
      fake.thaw();
    }
  }, 30_000);
});
