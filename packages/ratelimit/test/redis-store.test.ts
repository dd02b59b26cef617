import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ioredisScripts,
  MemoryStore,
  nodeRedisScripts,
  RATE_LIMIT_SCRIPT_SHA,
  type RateLimitStore,
  RedisStore,
  rateLimitRule,
} from '../src/index.js';
import { connectRedis, deleteKeys, type NodeRedisClient, sleep, uniquePrefix } from './redis-helpers.js';

const prefix = uniquePrefix();
let client: NodeRedisClient;
let ioredis: Redis;

beforeAll(async () => {
  client = await connectRedis();
  ioredis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
  await ioredis.connect();
});

afterAll(async () => {
  await deleteKeys(client, prefix);
  ioredis.disconnect();
  await client.quit();
});

const hour = 3_600_000;

describe('RedisStore on the real Redis', () => {
  for (const [label, makeStore] of [
    [
      'the official redis client',
      () => new RedisStore({ scripts: nodeRedisScripts(client), prefix: `${prefix}a:`, timeoutMs: 10_000 }),
    ],
    [
      'ioredis through the adapter',
      () => new RedisStore({ scripts: ioredisScripts(ioredis), prefix: `${prefix}b:`, timeoutMs: 10_000 }),
    ],
  ] as const) {
    it(`1,000 concurrent calls on one key with a limit of 100 allow exactly 100 (${label})`, async () => {
      const store: RateLimitStore = makeStore();
      for (const algorithm of ['gcra', 'sliding-window', 'fixed-window'] as const) {
        const rule = rateLimitRule({ limit: 100, periodMs: hour, algorithm, name: algorithm });
        const decisions = await Promise.all(
          Array.from({ length: 1000 }, () => store.consume('one-key', rule, 1)),
        );
        expect(decisions.filter((decision) => decision.allowed)).toHaveLength(100);
        const last = decisions.at(-1)!;
        expect(last).toMatchObject({ allowed: false, remaining: 0 });
        expect(last.retryAfterMs).toBeGreaterThan(0);
      }
    }, 30_000);
  }

  it('1,000 calls split across two processes sharing Redis allow exactly 100', async () => {
    const worker = fileURLToPath(new URL('./fixtures/consume-worker.ts', import.meta.url));
    const workerPrefix = `${prefix}two:`;
    const run = () =>
      new Promise<number>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', worker, workerPrefix, '500'], {
          cwd: fileURLToPath(new URL('..', import.meta.url)),
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        let err = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
        });
        child.stderr.on('data', (chunk: Buffer) => {
          err += chunk.toString();
        });
        child.once('exit', (code) => {
          if (code === 0) resolve(Number(out.trim()));
          else reject(new Error(`worker exited ${code}: ${err}`));
        });
      });
    const [first, second] = await Promise.all([run(), run()]);
    expect(first + second).toBe(100);
  }, 60_000);

  it('GCRA in real time: the burst at once, then one call per emission interval, on Redis time', async () => {
    const store = new RedisStore({
      scripts: nodeRedisScripts(client),
      prefix: `${prefix}t:`,
      timeoutMs: 10_000,
    });
    // 3 per 6 s: a burst of 3, then one call every 2 s.
    const rule = rateLimitRule({ limit: 3, periodMs: 6000 });
    const burst = [];
    for (let i = 0; i < 4; i++) burst.push(await store.consume('k', rule, 1));
    expect(burst.map((decision) => decision.allowed)).toEqual([true, true, true, false]);
    expect(burst.map((decision) => decision.remaining)).toEqual([2, 1, 0, 0]);
    const denied = burst[3]!;
    expect(denied.retryAfterMs).toBeGreaterThan(0);
    expect(denied.retryAfterMs).toBeLessThanOrEqual(2000);
    await sleep(denied.retryAfterMs + 50);
    const steady = await store.consume('k', rule, 1);
    expect(steady).toMatchObject({ allowed: true, remaining: 0 });
    const tooSoon = await store.consume('k', rule, 1);
    expect(tooSoon.allowed).toBe(false);
    expect(tooSoon.retryAfterMs).toBeGreaterThan(1000); // about 2 s minus the time since `steady`
  }, 30_000);

  it('stores one key per limiter key, in a hash tag, with a TTL that ends with the state', async () => {
    const keyPrefix = `${prefix}ttl:`;
    const store = new RedisStore({ scripts: nodeRedisScripts(client), prefix: keyPrefix, timeoutMs: 10_000 });
    await store.consume('sub:ann', rateLimitRule({ limit: 1, periodMs: 3000 }), 1);
    await store.consume(
      'sub:ann',
      rateLimitRule({ limit: 10, periodMs: 1500, algorithm: 'sliding-window', name: 'sw' }),
      1,
    );
    await store.consume(
      'a{b}',
      rateLimitRule({ limit: 10, periodMs: 3000, algorithm: 'fixed-window', name: 'fw' }),
      1,
    );
    const keys: string[] = [];
    for await (const batch of client.scanIterator({ MATCH: `${keyPrefix}*` })) keys.push(...batch);
    expect(keys).toHaveLength(3);
    expect(keys).toEqual(
      expect.arrayContaining([
        `${keyPrefix}{default:gcra:sub:ann}`,
        `${keyPrefix}{sw:sliding-window:sub:ann}`,
        expect.stringMatching(/\{fw:fixed-window:#[\w-]{43}\}$/),
      ]),
    );
    for (const key of keys) {
      const ttl = await client.pTTL(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(3001);
    }
    // Nothing is left behind once the state no longer matters.
    await sleep(3300);
    expect(await client.exists(keys)).toBe(0);
  }, 30_000);

  it('reloads the script after SCRIPT FLUSH (NOSCRIPT) and keeps deciding', async () => {
    const store = new RedisStore({
      scripts: nodeRedisScripts(client),
      prefix: `${prefix}ns:`,
      timeoutMs: 10_000,
    });
    const rule = rateLimitRule({ limit: 2, periodMs: hour });
    await store.consume('k', rule, 1);
    await client.scriptFlush();
    expect(await client.scriptExists(RATE_LIMIT_SCRIPT_SHA)).toEqual([0]);
    expect((await store.consume('k', rule, 1)).allowed).toBe(true);
    expect(await client.scriptExists(RATE_LIMIT_SCRIPT_SHA)).toEqual([1]);
    expect((await store.consume('k', rule, 1)).allowed).toBe(false);
  });

  it('agrees with the memory store on costs and remaining', async () => {
    const store = new RedisStore({
      scripts: nodeRedisScripts(client),
      prefix: `${prefix}cost:`,
      timeoutMs: 10_000,
    });
    const rule = rateLimitRule({ limit: 10, periodMs: hour });
    expect(await store.consume('k', rule, 7)).toMatchObject({ allowed: true, remaining: 3 });
    expect(await store.consume('k', rule, 4)).toMatchObject({ allowed: false, remaining: 3 });
    expect(await store.consume('k', rule, 3)).toMatchObject({ allowed: true, remaining: 0 });
    await expect(store.consume('k', rule, 11)).rejects.toMatchObject({ code: 'ERR_COST_EXCEEDS_LIMIT' });
  });

  it('property: the Lua script decides exactly as the memory store for any sequence of costs', async () => {
    const store = new RedisStore({
      scripts: nodeRedisScripts(client),
      prefix: `${prefix}prop:`,
      timeoutMs: 10_000,
    });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('gcra' as const, 'sliding-window' as const, 'fixed-window' as const),
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.integer({ min: 0, max: 60 }), { minLength: 1, maxLength: 30 }),
        async (algorithm, limit, rawCosts) => {
          // A fresh key and a long period: no time-dependent term changes during the sequence.
          const rule = rateLimitRule({ limit, periodMs: 10 * hour, algorithm });
          const now = Date.now();
          const memory = new MemoryStore({ now: () => now });
          const key = `k${run++}`;
          for (const raw of rawCosts) {
            const cost = Math.min(raw, limit);
            const expected = memory.consumeSync(key, rule, cost);
            const actual = await store.consume(key, rule, cost);
            expect({ allowed: actual.allowed, remaining: actual.remaining }).toEqual({
              allowed: expected.allowed,
              remaining: expected.remaining,
            });
          }
        },
      ),
      { numRuns: 40 },
    );
  }, 60_000);
});
