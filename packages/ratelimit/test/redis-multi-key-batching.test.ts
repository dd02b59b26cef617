import { Cluster, Redis } from 'ioredis';
import { createCluster } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Decision,
  ioredisScripts,
  MemoryStore,
  type NodeRedisLike,
  nodeRedisScripts,
  type RateLimitAlgorithm,
  type RateLimitRule,
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

interface Sent {
  readonly keys: readonly string[];
  readonly args: readonly string[];
}

/**
 * The real runner, recording the keys and arguments of every script invocation it sends. An
 * `EVALSHA` refused with `NOSCRIPT` (the script not loaded yet, or flushed by another test) is
 * dropped from the record: the store sends the same invocation again, and that one is recorded.
 */
function recording(runner: RedisScriptRunner): { runner: RedisScriptRunner; sent: Sent[] } {
  const sent: Sent[] = [];
  const record = (keys: readonly string[], args: readonly string[], reply: Promise<unknown>) => {
    const entry = { keys: [...keys], args: [...args] };
    sent.push(entry);
    reply.catch((error: unknown) => {
      if (error instanceof Error && error.message.startsWith('NOSCRIPT')) sent.splice(sent.indexOf(entry), 1);
    });
    return reply;
  };
  return {
    sent,
    runner: {
      ...(runner.standalone === undefined ? {} : { standalone: runner.standalone }),
      evalSha: (sha, keys, args) => record(keys, args, runner.evalSha(sha, keys, args)),
      eval: (script, keys, args) => record(keys, args, runner.eval(script, keys, args)),
    },
  };
}

const tenHours = 36_000_000;
const algorithms: readonly RateLimitAlgorithm[] = ['gcra', 'sliding-window', 'fixed-window'];

function outcome(decision: Decision): { allowed: boolean; remaining: number } {
  return { allowed: decision.allowed, remaining: decision.remaining };
}

describe('the adapters tell a single server from a Cluster', () => {
  it('recognises createClient and ioredis Redis as standalone', () => {
    expect(nodeRedisScripts(client).standalone).toBe(true);
    expect(ioredisScripts(ioredis).standalone).toBe(true);
  });

  it('never takes a cluster client, or an unknown one, for standalone', () => {
    const nodeCluster = createCluster({ rootNodes: [{ url: 'redis://127.0.0.1:6379' }] });
    expect(nodeRedisScripts(nodeCluster as unknown as NodeRedisLike).standalone).toBe(false);
    const ioCluster = new Cluster([{ host: '127.0.0.1', port: 6379 }], { lazyConnect: true });
    expect(ioredisScripts(ioCluster).standalone).toBe(false);
    ioCluster.disconnect();
    const unknown: NodeRedisLike = { evalSha: client.evalSha.bind(client), eval: client.eval.bind(client) };
    expect(nodeRedisScripts(unknown).standalone).toBe(false);
  });
});

describe('RedisStore on a single server coalesces decisions on several keys in the same tick', () => {
  for (const [label, side, makeRunner] of [
    ['the official redis client', 'a', () => nodeRedisScripts(client)],
    ['ioredis through the adapter', 'b', () => ioredisScripts(ioredis)],
  ] as const) {
    it(`applies mixed keys, rules, costs and denials in one script exactly as sequential calls (${label})`, async () => {
      const { runner, sent } = recording(makeRunner());
      const store = new RedisStore({ scripts: runner, prefix: `${prefix}mix-${side}:`, timeoutMs: 10_000 });
      const rules = algorithms.flatMap((algorithm) => [
        rateLimitRule({ limit: 10, periodMs: tenHours, algorithm, name: `ten-${algorithm}` }),
        rateLimitRule({ limit: 4, periodMs: tenHours / 2, algorithm, name: `four-${algorithm}` }),
      ]);
      const requests: { key: string; rule: RateLimitRule; cost: number }[] = [];
      const costs = [3, 4, 5, 2, 0, 1, 1, 10];
      // Interleaved: each key's decisions are spread over the tick, among the other keys'.
      for (const cost of costs) {
        for (const rule of rules) {
          for (const key of ['x', 'y']) {
            requests.push({ key, rule, cost: Math.min(cost, key === 'y' ? 3 : rule.limit) });
          }
        }
      }
      const now = Date.now();
      const memory = new MemoryStore({ now: () => now });
      const expected = requests.map(({ key, rule, cost }) => memory.consumeSync(key, rule, cost));
      expect(expected.some((decision) => !decision.allowed)).toBe(true);

      const actual = await Promise.all(requests.map(({ key, rule, cost }) => store.consume(key, rule, cost)));
      expect(sent).toHaveLength(1);
      expect(sent[0]!.keys).toHaveLength(rules.length * 2);
      expect(new Set(sent[0]!.keys).size).toBe(rules.length * 2);
      expect(actual.map(outcome)).toEqual(expected.map(outcome));
      for (const decision of actual) {
        if (decision.allowed) expect(decision.retryAfterMs).toBe(0);
        else expect(decision.retryAfterMs).toBeGreaterThan(0);
      }

      // What the batch wrote is what the sequences would have left, on every key.
      sent.length = 0;
      const next = await Promise.all(
        requests.slice(0, rules.length * 2).map(({ key, rule }) => store.consume(key, rule, 1)),
      );
      const expectedNext = requests
        .slice(0, rules.length * 2)
        .map(({ key, rule }) => memory.consumeSync(key, rule, 1));
      expect(next.map(outcome)).toEqual(expectedNext.map(outcome));

      // Every key has a TTL, and it ends with the state.
      for (const key of sent[0]!.keys) {
        const ttl = await client.pTTL(key);
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(2 * tenHours + 1);
      }
    });
  }

  it('answers each decision with its own result when rules alternate between keys', async () => {
    const { runner, sent } = recording(nodeRedisScripts(client));
    const store = new RedisStore({ scripts: runner, prefix: `${prefix}alternate:`, timeoutMs: 10_000 });
    const gcra = rateLimitRule({ limit: 5, periodMs: tenHours, name: 'g' });
    const fixed = rateLimitRule({ limit: 3, periodMs: tenHours, algorithm: 'fixed-window', name: 'f' });
    const requests = [
      { key: 'a', rule: gcra, cost: 4 },
      { key: 'b', rule: fixed, cost: 2 },
      { key: 'c', rule: gcra, cost: 1 },
      { key: 'b', rule: fixed, cost: 2 },
      { key: 'a', rule: gcra, cost: 2 },
      { key: 'd', rule: fixed, cost: 3 },
      { key: 'c', rule: gcra, cost: 4 },
    ];
    const now = Date.now();
    const memory = new MemoryStore({ now: () => now });
    const expected = requests.map(({ key, rule, cost }) => memory.consumeSync(key, rule, cost));
    const actual = await Promise.all(requests.map(({ key, rule, cost }) => store.consume(key, rule, cost)));
    expect(actual.map(outcome)).toEqual(expected.map(outcome));
    expect(actual.map((decision) => decision.allowed)).toEqual([true, true, true, false, false, true, true]);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.keys).toHaveLength(4);
  });

  it('keeps the order on a key whose rule object changes within the tick', async () => {
    const { runner, sent } = recording(nodeRedisScripts(client));
    const store = new RedisStore({ scripts: runner, prefix: `${prefix}rules:`, timeoutMs: 10_000 });
    const wide = rateLimitRule({ limit: 10, periodMs: tenHours, name: 'same' });
    const narrow = rateLimitRule({ limit: 4, periodMs: tenHours, name: 'same' });
    const decisions = await Promise.all([
      store.consume('other', wide, 1),
      store.consume('k', wide, 8),
      store.consume('k', narrow, 1),
      store.consume('k', wide, 1),
      store.consume('other', wide, 9),
    ]);
    expect(decisions.map((decision) => decision.allowed)).toEqual([true, true, false, true, true]);
    expect(decisions.map((decision) => decision.remaining)).toEqual([9, 2, 0, 1, 0]);
    expect(sent.map((call) => call.keys.length)).toEqual([1, 1, 2]);
  });

  it('bounds a script: 300 decisions on 200 keys take script calls of at most 128 decisions', async () => {
    const { runner, sent } = recording(nodeRedisScripts(client));
    const store = new RedisStore({ scripts: runner, prefix: `${prefix}bound:`, timeoutMs: 10_000 });
    const rule = rateLimitRule({ limit: 1, periodMs: tenHours });
    const keys = Array.from({ length: 200 }, (_, i) => `k${i}`);
    const decisions = await Promise.all(
      [...keys, ...keys.slice(0, 100)].map((key) => store.consume(key, rule, 1)),
    );
    expect(decisions.slice(0, 200).every((decision) => decision.allowed)).toBe(true);
    expect(decisions.slice(200).some((decision) => decision.allowed)).toBe(false);
    const sizes = sent.map((call) => {
      let decisionsInCall = 0;
      let keysInCall = 0;
      let at = 0;
      while (at < call.args.length) {
        expect(call.args.slice(at, at + 4)).toEqual(['1', String(tenHours * 1000), '1', '1']);
        const keyCount = Number(call.args[at + 4]);
        at += 5;
        for (let k = 0; k < keyCount; k++) {
          const count = Number(call.args[at]);
          decisionsInCall += count;
          at += 1 + count;
        }
        keysInCall += keyCount;
      }
      expect(at).toBe(call.args.length);
      expect(keysInCall).toBe(call.keys.length);
      return decisionsInCall;
    });
    expect(sizes.every((size) => size <= 128)).toBe(true);
    expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(300);
    expect(sent).toHaveLength(3);
  });

  it('sends a sequential caller one decision on one key per script, in the single-key layout', async () => {
    const { runner, sent } = recording(nodeRedisScripts(client));
    const store = new RedisStore({ scripts: runner, prefix: `${prefix}seq:`, timeoutMs: 10_000 });
    const rule = rateLimitRule({ limit: 5, periodMs: tenHours });
    for (let i = 0; i < 3; i++) expect((await store.consume(`k${i % 2}`, rule, 1)).allowed).toBe(true);
    expect(sent.map((call) => call.args)).toEqual(
      Array.from({ length: 3 }, () => ['1', String(tenHours * 1000), '5', '5', '1']),
    );
  });

  it('fails closed for every decision of a multi-key script, and reloads it after NOSCRIPT', async () => {
    const failing = new RedisStore({
      scripts: {
        standalone: true,
        evalSha: () => Promise.reject(new Error('boom')),
        eval: () => Promise.reject(new Error('boom')),
      },
      prefix: `${prefix}fail:`,
      timeoutMs: 10_000,
    });
    const rule = rateLimitRule({ limit: 5, periodMs: tenHours });
    const results = await Promise.allSettled(['a', 'b', 'c'].map((key) => failing.consume(key, rule, 1)));
    for (const result of results) {
      expect(result).toMatchObject({ status: 'rejected', reason: { code: 'ERR_RATE_LIMIT_UNAVAILABLE' } });
    }

    const real = nodeRedisScripts(client);
    let evals = 0;
    const reloading = new RedisStore({
      scripts: {
        standalone: true,
        evalSha: () => Promise.reject(new Error('NOSCRIPT No matching script.')),
        eval: (script, keys, args) => {
          evals++;
          return real.eval(script, keys, args);
        },
      },
      prefix: `${prefix}noscript:`,
      timeoutMs: 10_000,
    });
    const decisions = await Promise.all(['a', 'b', 'a', 'c'].map((key) => reloading.consume(key, rule, 2)));
    expect(evals).toBe(1);
    expect(decisions.map(outcome)).toEqual([
      { allowed: true, remaining: 3 },
      { allowed: true, remaining: 3 },
      { allowed: true, remaining: 1 },
      { allowed: true, remaining: 3 },
    ]);
  });
});

describe('RedisStore never sends a script on several keys to a Cluster or an unknown runner', () => {
  for (const [label, makeRunner] of [
    [
      'a node-redis cluster client',
      () => {
        const clusterLike = Object.assign(Object.create(null) as object, {
          masters: [],
          slots: [],
          evalSha: client.evalSha.bind(client),
          eval: client.eval.bind(client),
        }) as NodeRedisLike;
        return nodeRedisScripts(clusterLike);
      },
    ],
    [
      'an ioredis Cluster',
      () =>
        ioredisScripts({
          isCluster: true,
          evalsha: ioredis.evalsha.bind(ioredis),
          eval: ioredis.eval.bind(ioredis),
        }),
    ],
    [
      'a custom runner',
      () => {
        const real = nodeRedisScripts(client);
        return { evalSha: real.evalSha, eval: real.eval };
      },
    ],
  ] as const) {
    it(`groups by key only (${label})`, async () => {
      const { runner, sent } = recording(makeRunner());
      expect(runner.standalone).not.toBe(true);
      const store = new RedisStore({ scripts: runner, prefix: `${prefix}cluster:`, timeoutMs: 10_000 });
      const rule = rateLimitRule({ limit: 3, periodMs: tenHours });
      const keys = ['a', 'b', 'a', 'c', 'b', 'a', 'a'];
      const decisions = await Promise.all(keys.map((key) => store.consume(`${label}:${key}`, rule, 1)));
      expect(decisions.map((decision) => decision.allowed)).toEqual([
        true,
        true,
        true,
        true,
        true,
        true,
        false,
      ]);
      expect(sent.map((call) => call.keys.length)).toEqual([1, 1, 1]);
      expect(sent.map((call) => call.args.length - 4)).toEqual([4, 2, 1]);
    });
  }
});
