import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ioredisScripts,
  MemoryStore,
  nodeRedisScripts,
  type RateLimitAlgorithm,
  type RedisScriptRunner,
  RedisStore,
  rateLimitRule,
} from '../src/index.js';
import { connectRedis, deleteKeys, type NodeRedisClient, uniquePrefix } from './redis-helpers.js';

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

/** The real runner, recording the key and the number of decisions of every EVALSHA it sends. */
function recording(runner: RedisScriptRunner): {
  runner: RedisScriptRunner;
  sent: { key: string; decisions: number }[];
} {
  const sent: { key: string; decisions: number }[] = [];
  return {
    sent,
    runner: {
      evalSha: (sha, keys, args) => {
        expect(keys).toHaveLength(1);
        sent.push({ key: keys[0]!, decisions: args.length - 4 });
        return runner.evalSha(sha, keys, args);
      },
      eval: (script, keys, args) => runner.eval(script, keys, args),
    },
  };
}

const tenHours = 36_000_000;
const algorithms: readonly RateLimitAlgorithm[] = ['gcra', 'sliding-window', 'fixed-window'];

describe('RedisStore coalesces decisions on one key in the same tick', () => {
  for (const [label, side, makeRunner] of [
    ['the official redis client', 'a', () => nodeRedisScripts(client)],
    ['ioredis through the adapter', 'b', () => ioredisScripts(ioredis)],
  ] as const) {
    it(`applies a batch with mixed costs and denials in the middle exactly as sequential calls (${label})`, async () => {
      for (const algorithm of algorithms) {
        const { runner, sent } = recording(makeRunner());
        const store = new RedisStore({ scripts: runner, prefix: `${prefix}mix-${side}:`, timeoutMs: 10_000 });
        const rule = rateLimitRule({ limit: 10, periodMs: tenHours, algorithm });
        const now = Date.now();
        const memory = new MemoryStore({ now: () => now });
        const costs = [3, 4, 5, 2, 0, 1, 1, 10];
        const expected = costs.map((cost) => memory.consumeSync('k', rule, cost));
        expect(expected.map((decision) => decision.allowed)).toEqual([
          true,
          true,
          false,
          true,
          true,
          true,
          false,
          false,
        ]);

        const actual = await Promise.all(costs.map((cost) => store.consume('k', rule, cost)));
        expect(sent).toEqual([{ key: expect.stringContaining(':k}'), decisions: costs.length }]);
        expect(actual.map(({ allowed, remaining }) => ({ allowed, remaining }))).toEqual(
          expected.map(({ allowed, remaining }) => ({ allowed, remaining })),
        );
        for (const decision of actual) {
          if (decision.allowed) expect(decision.retryAfterMs).toBe(0);
          else expect(decision.retryAfterMs).toBeGreaterThan(0);
        }

        // What the batch wrote is what the sequence would have left: the next call agrees too.
        const next = await store.consume('k', rule, 1);
        const expectedNext = memory.consumeSync('k', rule, 1);
        expect({ allowed: next.allowed, remaining: next.remaining }).toEqual({
          allowed: expectedNext.allowed,
          remaining: expectedNext.remaining,
        });
        // The key lives as long as its state matters, and not much longer.
        const ttl = await client.pTTL(sent[0]!.key);
        expect(ttl).toBeGreaterThanOrEqual(next.resetAfterMs - 1000);
        expect(ttl).toBeLessThanOrEqual(2 * tenHours + 1);
      }
    });
  }

  it('bounds a batch: 300 calls in one tick take 3 script calls of at most 128, and exactly 100 pass', async () => {
    const { runner, sent } = recording(nodeRedisScripts(client));
    const store = new RedisStore({ scripts: runner, prefix: `${prefix}bound:`, timeoutMs: 10_000 });
    const rule = rateLimitRule({ limit: 100, periodMs: tenHours });
    const decisions = await Promise.all(Array.from({ length: 300 }, () => store.consume('k', rule, 1)));
    expect(sent.map((batch) => batch.decisions)).toEqual([128, 128, 44]);
    expect(decisions.filter((decision) => decision.allowed)).toHaveLength(100);
    expect(decisions.slice(0, 100).every((decision) => decision.allowed)).toBe(true);
    expect(decisions.map((decision) => decision.remaining).slice(0, 100)).toEqual(
      Array.from({ length: 100 }, (_, i) => 99 - i),
    );
  });

  it('sends one decision per script call to a sequential caller, and one script call per key', async () => {
    const { runner, sent } = recording(nodeRedisScripts(client));
    const store = new RedisStore({ scripts: runner, prefix: `${prefix}seq:`, timeoutMs: 10_000 });
    const rule = rateLimitRule({ limit: 5, periodMs: tenHours });
    for (let i = 0; i < 3; i++) expect((await store.consume('a', rule, 1)).remaining).toBe(4 - i);
    expect(sent.map((batch) => batch.decisions)).toEqual([1, 1, 1]);

    sent.length = 0;
    const decisions = await Promise.all([
      store.consume('a', rule, 1),
      store.consume('b', rule, 1),
      store.consume('a', rule, 1),
      store.consume('b', rule, 5),
    ]);
    expect(decisions.map((decision) => [decision.allowed, decision.remaining])).toEqual([
      [true, 1],
      [true, 4],
      [true, 0],
      [false, 4],
    ]);
    expect(sent).toEqual([
      { key: expect.stringContaining('{default:gcra:a}'), decisions: 2 },
      { key: expect.stringContaining('{default:gcra:b}'), decisions: 2 },
    ]);
  });

  it('gives another rule object with the same id its own script call, in order', async () => {
    const { runner, sent } = recording(nodeRedisScripts(client));
    const store = new RedisStore({ scripts: runner, prefix: `${prefix}rules:`, timeoutMs: 10_000 });
    const wide = rateLimitRule({ limit: 10, periodMs: tenHours, name: 'same' });
    const narrow = rateLimitRule({ limit: 4, periodMs: tenHours, name: 'same' });
    const decisions = await Promise.all([
      store.consume('k', wide, 8),
      store.consume('k', narrow, 1),
      store.consume('k', wide, 1),
    ]);
    expect(sent.map((batch) => batch.decisions)).toEqual([1, 1, 1]);
    expect(decisions.map((decision) => decision.allowed)).toEqual([true, false, true]);
  });
});
