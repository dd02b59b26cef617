import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ioredisScripts, nodeRedisScripts, RedisStore, rateLimitRule } from '../src/index.js';
import { connectRedis, deleteKeys, type NodeRedisClient, uniquePrefix } from './redis-helpers.js';

const prefix = uniquePrefix();
const nodeClients: NodeRedisClient[] = [];
const ioClients: Redis[] = [];

beforeAll(async () => {
  for (let i = 0; i < 3; i++) nodeClients.push(await connectRedis());
  for (let i = 0; i < 3; i++) {
    const client = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
    await client.connect();
    ioClients.push(client);
  }
});

afterAll(async () => {
  await deleteKeys(nodeClients[0]!, prefix);
  for (const client of ioClients) client.disconnect();
  for (const client of nodeClients) await client.quit();
});

describe('RedisStore shared by several instances', () => {
  it('6 stores on 6 connections (both clients), 1,200 calls in flight on one key, allow exactly the limit', async () => {
    const stores = [
      ...nodeClients.map(
        (client) => new RedisStore({ scripts: nodeRedisScripts(client), prefix, timeoutMs: 10_000 }),
      ),
      ...ioClients.map(
        (client) => new RedisStore({ scripts: ioredisScripts(client), prefix, timeoutMs: 10_000 }),
      ),
    ];
    for (const algorithm of ['gcra', 'sliding-window', 'fixed-window'] as const) {
      // 97 an hour: an emission interval that is no whole number of ms or µs.
      const rule = rateLimitRule({ limit: 97, periodMs: 3_600_000, algorithm, name: algorithm });
      const decisions = await Promise.all(
        Array.from({ length: 1200 }, (_, i) => stores[i % stores.length]!.consume('shared', rule, 1)),
      );
      expect(decisions.filter((decision) => decision.allowed)).toHaveLength(97);
      const remaining = decisions
        .filter((decision) => decision.allowed)
        .map((decision) => decision.remaining);
      expect(new Set(remaining).size).toBe(97); // each unit handed out once: 96, 95, ..., 0
      for (const denied of decisions.filter((decision) => !decision.allowed)) {
        expect(denied.remaining).toBe(0);
        expect(denied.retryAfterMs).toBeGreaterThan(0);
      }
    }
  }, 30_000);
});
