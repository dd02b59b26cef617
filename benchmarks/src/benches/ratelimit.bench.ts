import { randomUUID } from 'node:crypto';
import {
  ioredisScripts,
  MemoryStore,
  nodeRedisScripts,
  RATE_LIMIT_SCRIPT,
  RATE_LIMIT_SCRIPT_SHA,
  RedisStore,
  rateLimitRule,
} from '@mcp-warden/ratelimit';
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import { createClient } from 'redis';
import { type Comparison, collectGarbage, type Measurement, type Pair, type RunOptions } from '../harness.js';

// Limits high enough that every decision is an allowed one on both sides (a denial in
// rate-limiter-flexible is a rejected promise, which would measure exception cost instead).
const POINTS = 1_000_000_000;
const HOUR_S = 3600;
const rule = rateLimitRule({ limit: POINTS, periodMs: HOUR_S * 1000 });

async function nodeRedis() {
  const client = createClient({ socket: { host: '127.0.0.1', port: 6379 } });
  client.on('error', () => {});
  await client.connect();
  return client;
}

async function ioredis(): Promise<Redis> {
  const client = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
  await client.connect();
  return client;
}

function memoryPair(): Pair {
  const store = new MemoryStore();
  const rlf = new RateLimiterMemory({ points: POINTS, duration: HOUR_S });
  return {
    candidate: () => store.consume('user:42', rule, 1),
    baseline: () => rlf.consume('user:42', 1),
  };
}

/** The same store through its synchronous API (rate-limiter-flexible has none). */
function memorySyncPair(): Pair {
  const store = new MemoryStore();
  const rlf = new RateLimiterMemory({ points: POINTS, duration: HOUR_S });
  return {
    candidate: () => store.consumeSync('user:42', rule, 1),
    baseline: () => rlf.consume('user:42', 1),
  };
}

async function redisVsRlfIoredis(): Promise<Pair> {
  const prefix = `bench-rl:${randomUUID().slice(0, 8)}`;
  const ours = await nodeRedis();
  const theirs = await ioredis();
  const store = new RedisStore({ scripts: nodeRedisScripts(ours), prefix: `${prefix}:a:`, timeoutMs: 5000 });
  const rlf = new RateLimiterRedis({
    storeClient: theirs,
    keyPrefix: `${prefix}:b`,
    points: POINTS,
    duration: HOUR_S,
  });
  return {
    candidate: () => store.consume('user:42', rule, 1),
    baseline: () => rlf.consume('user:42', 1),
    teardown: async () => {
      await ours.del([`${prefix}:a:{default:gcra:user:42}`, `${prefix}:b:user:42`]);
      await ours.quit();
      theirs.disconnect();
    },
  };
}

async function redisVsRlfNodeRedis(): Promise<Pair> {
  const prefix = `bench-rl:${randomUUID().slice(0, 8)}`;
  const ours = await nodeRedis();
  const theirs = await nodeRedis();
  const store = new RedisStore({ scripts: nodeRedisScripts(ours), prefix: `${prefix}:a:`, timeoutMs: 5000 });
  const rlf = new RateLimiterRedis({
    storeClient: theirs,
    useRedisPackage: true,
    keyPrefix: `${prefix}:b`,
    points: POINTS,
    duration: HOUR_S,
  });
  return {
    candidate: () => store.consume('user:42', rule, 1),
    baseline: () => rlf.consume('user:42', 1),
    teardown: async () => {
      await ours.del([`${prefix}:a:{default:gcra:user:42}`, `${prefix}:b:user:42`]);
      await Promise.all([ours.quit(), theirs.quit()]);
    },
  };
}

/** The physical limit: the same script sent with a bare EVALSHA on a bare client, no store around it. */
async function redisVsRawEvalsha(): Promise<Pair> {
  const prefix = `bench-rl:${randomUUID().slice(0, 8)}`;
  const ours = await nodeRedis();
  const raw = await nodeRedis();
  await raw.scriptLoad(RATE_LIMIT_SCRIPT);
  const store = new RedisStore({ scripts: nodeRedisScripts(ours), prefix: `${prefix}:a:`, timeoutMs: 5000 });
  const rawKey = `${prefix}:raw:{default:gcra:user:42}`;
  const args = ['1', String(HOUR_S * 1_000_000), String(POINTS), String(POINTS), '1'];
  return {
    candidate: () => store.consume('user:42', rule, 1),
    baseline: () => raw.evalSha(RATE_LIMIT_SCRIPT_SHA, { keys: [rawKey], arguments: args }),
    teardown: async () => {
      await ours.del([`${prefix}:a:{default:gcra:user:42}`, rawKey]);
      await Promise.all([ours.quit(), raw.quit()]);
    },
  };
}

/**
 * 64 keys, one per decision in flight: the store (a single server) sends them as one multi-key
 * EVALSHA; rate-limiter-flexible and a bare client send one script call per decision.
 */
const DISTINCT = Array.from({ length: 64 }, (_, i) => `user:${i}`);

/** 64 distinct keys on both sides; the bare client sends one decision per EVALSHA, the store coalesces them. */
async function redisDistinctKeysVsRawEvalsha(): Promise<Pair> {
  const prefix = `bench-rl:${randomUUID().slice(0, 8)}`;
  const ours = await nodeRedis();
  const raw = await nodeRedis();
  await raw.scriptLoad(RATE_LIMIT_SCRIPT);
  const store = new RedisStore({ scripts: nodeRedisScripts(ours), prefix: `${prefix}:a:`, timeoutMs: 5000 });
  const rawKeys = DISTINCT.map((key) => `${prefix}:raw:{default:gcra:${key}}`);
  const args = ['1', String(HOUR_S * 1_000_000), String(POINTS), String(POINTS), '1'];
  let candidateCalls = 0;
  let baselineCalls = 0;
  return {
    candidate: () => store.consume(DISTINCT[candidateCalls++ & 63]!, rule, 1),
    baseline: () =>
      raw.evalSha(RATE_LIMIT_SCRIPT_SHA, { keys: [rawKeys[baselineCalls++ & 63]!], arguments: args }),
    teardown: async () => {
      await ours.del([...DISTINCT.map((key) => `${prefix}:a:{default:gcra:${key}}`), ...rawKeys]);
      await Promise.all([ours.quit(), raw.quit()]);
    },
  };
}

/** 64 distinct keys in flight on both sides, rlf on ioredis. */
async function redisDistinctKeysVsRlf(): Promise<Pair> {
  const prefix = `bench-rl:${randomUUID().slice(0, 8)}`;
  const ours = await nodeRedis();
  const theirs = await ioredis();
  const store = new RedisStore({ scripts: nodeRedisScripts(ours), prefix: `${prefix}:a:`, timeoutMs: 5000 });
  const rlf = new RateLimiterRedis({
    storeClient: theirs,
    keyPrefix: `${prefix}:b`,
    points: POINTS,
    duration: HOUR_S,
  });
  let candidateCalls = 0;
  let baselineCalls = 0;
  return {
    candidate: () => store.consume(DISTINCT[candidateCalls++ & 63]!, rule, 1),
    baseline: () => rlf.consume(DISTINCT[baselineCalls++ & 63]!, 1),
    teardown: async () => {
      await ours.del([
        ...DISTINCT.map((key) => `${prefix}:a:{default:gcra:${key}}`),
        ...DISTINCT.map((key) => `${prefix}:b:${key}`),
      ]);
      await ours.quit();
      theirs.disconnect();
    },
  };
}

async function redisIoredisVsRlf(): Promise<Pair> {
  const prefix = `bench-rl:${randomUUID().slice(0, 8)}`;
  const a = await ioredis();
  const b = await nodeRedis();
  const c = await ioredis();
  const viaIoredis = new RedisStore({ scripts: ioredisScripts(a), prefix: `${prefix}:a:`, timeoutMs: 5000 });
  const rlf = new RateLimiterRedis({
    storeClient: c,
    keyPrefix: `${prefix}:b`,
    points: POINTS,
    duration: HOUR_S,
  });
  return {
    candidate: () => viaIoredis.consume('user:42', rule, 1),
    baseline: () => rlf.consume('user:42', 1),
    teardown: async () => {
      await b.del([`${prefix}:a:{default:gcra:user:42}`, `${prefix}:b:user:42`]);
      a.disconnect();
      c.disconnect();
      await b.quit();
    },
  };
}

// The Redis targets (≥ 1.2× rate-limiter-flexible, ≥ 0.9× raw EVALSHA) are stated at 64 in
// flight; sequential rows are reported without a target.
export const comparisons: readonly Comparison[] = [
  {
    name: 'ratelimit/memory-one-key',
    opsPerIteration: 100,
    // ~100 ns against ~250 ns: the machine's drift is larger than one round can settle.
    rounds: 28,
    candidateLabel: 'MemoryStore GCRA',
    baselineLabel: 'rlf RateLimiterMemory',
    targetTimeRatio: 0.5,
    setup: memoryPair,
  },
  {
    name: 'ratelimit/memory-one-key-sync',
    opsPerIteration: 100,
    // ~100 ns against ~250 ns: the machine's drift is larger than one round can settle.
    rounds: 28,
    candidateLabel: 'MemoryStore.consumeSync GCRA',
    baselineLabel: 'rlf RateLimiterMemory',
    targetTimeRatio: 0.5,
    setup: memorySyncPair,
  },
  {
    name: 'ratelimit/redis-sequential',
    candidateLabel: 'RedisStore (ioredis adapter)',
    baselineLabel: 'rlf RateLimiterRedis (ioredis)',
    setup: redisIoredisVsRlf,
  },
  {
    name: 'ratelimit/redis-sequential-redis-client',
    candidateLabel: 'RedisStore (redis client)',
    baselineLabel: 'rlf RateLimiterRedis (ioredis)',
    setup: redisVsRlfIoredis,
  },
  {
    name: 'ratelimit/redis-64-vs-rlf',
    candidateLabel: 'RedisStore (redis client)',
    baselineLabel: 'rlf RateLimiterRedis (ioredis)',
    inFlight: 64,
    targetTimeRatio: 0.83,
    setup: redisVsRlfIoredis,
  },
  {
    name: 'ratelimit/redis-64-vs-rlf-same-client',
    candidateLabel: 'RedisStore (redis client)',
    baselineLabel: 'rlf RateLimiterRedis (redis client)',
    inFlight: 64,
    targetTimeRatio: 0.83,
    setup: redisVsRlfNodeRedis,
  },
  {
    name: 'ratelimit/redis-64-ioredis-vs-rlf',
    candidateLabel: 'RedisStore (ioredis adapter)',
    baselineLabel: 'rlf RateLimiterRedis (ioredis)',
    inFlight: 64,
    targetTimeRatio: 0.83,
    setup: redisIoredisVsRlf,
  },
  {
    name: 'ratelimit/redis-64-vs-raw-evalsha',
    candidateLabel: 'RedisStore (redis client)',
    baselineLabel: 'raw EVALSHA, same script, one decision each',
    inFlight: 64,
    targetTimeRatio: 1.11,
    setup: redisVsRawEvalsha,
  },
  {
    name: 'ratelimit/redis-64-distinct-keys-vs-raw-evalsha',
    candidateLabel: 'RedisStore (redis client), 64 keys',
    baselineLabel: 'raw EVALSHA, same script, 64 keys',
    inFlight: 64,
    targetTimeRatio: 1.11,
    setup: redisDistinctKeysVsRawEvalsha,
  },
  {
    name: 'ratelimit/redis-64-distinct-keys-vs-rlf',
    candidateLabel: 'RedisStore (redis client), 64 keys',
    baselineLabel: 'rlf RateLimiterRedis (ioredis), 64 keys',
    inFlight: 64,
    targetTimeRatio: 0.83,
    setup: redisDistinctKeysVsRlf,
  },
];

function usedBytes(): number {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/** Bytes per key with `count` distinct keys held, after a full GC, candidate and rlf side by side. */
export async function measure(options: RunOptions): Promise<readonly Measurement[]> {
  const count = options.quick ? 100_000 : 1_000_000;
  const gc = collectGarbage();
  const one = rateLimitRule({ limit: 10, periodMs: 60_000 });

  gc();
  let before = usedBytes();
  let store: MemoryStore | undefined = new MemoryStore({ maxKeys: count });
  for (let i = 0; i < count; i++) store.consumeSync(`user:${i}`, one, 1);
  gc();
  const ours = (usedBytes() - before) / count;
  if (store.stats().keys !== count) throw new Error('memory store lost keys');
  store = undefined;

  gc();
  before = usedBytes();
  let rlf: RateLimiterMemory | undefined = new RateLimiterMemory({ points: 10, duration: 60 });
  for (let i = 0; i < count; i++) await rlf.consume(`user:${i}`, 1);
  gc();
  const theirs = (usedBytes() - before) / count;
  rlf = undefined;
  gc();

  return [
    {
      name: 'ratelimit/memory-bytes-per-key',
      candidateLabel: `MemoryStore, ${count.toLocaleString('en')} keys`,
      candidate: Math.round(ours),
      baselineLabel: 'rlf RateLimiterMemory',
      baseline: Math.round(theirs),
      unit: 'bytes/key',
      timeRatio: ours / theirs,
      note: 'heapUsed + arrayBuffers after gc; issue limit: < 200 bytes/key',
    },
  ];
}
