import { secureMcpServer } from '@mcp-warden/core';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  MemoryStore,
  nodeRedisScripts,
  type RateLimitGuardOptions,
  type RateLimitStore,
  RedisStore,
  rateLimitGuard,
} from '../src/index.js';
import { connect, textOf } from './mcp-helpers.js';
import { connectRedis, deleteKeys, type NodeRedisClient, uniquePrefix } from './redis-helpers.js';

const hour = 3_600_000;
const prefix = uniquePrefix();
let client: NodeRedisClient;

beforeAll(async () => {
  client = await connectRedis();
});

afterAll(async () => {
  await deleteKeys(client, prefix);
  await client.quit();
});

async function connectAs(options: RateLimitGuardOptions, subject = 'ann') {
  const mcp = new McpServer({ name: 'rl', version: '1.0.0' });
  secureMcpServer(mcp, { guards: [rateLimitGuard(options)] });
  mcp.registerTool('echo', { inputSchema: { text: z.string() } }, async ({ text }) => ({
    content: [{ type: 'text', text }],
  }));
  mcp.registerTool('export_data', {}, async () => ({ content: [{ type: 'text', text: 'exported' }] }));
  return connect(mcp, { token: 't', clientId: 'c', scopes: [], extra: { subject } });
}

const stores: readonly [string, () => RateLimitStore][] = [
  ['memory, synchronous', () => new MemoryStore()],
  [
    'asynchronous only',
    () => {
      const memory = new MemoryStore();
      return { name: 'async-only', consume: (...args) => memory.consume(...args) };
    },
  ],
  [
    'Redis',
    () =>
      new RedisStore({
        scripts: nodeRedisScripts(client),
        prefix: `${prefix}${Math.random()}:`,
        timeoutMs: 5000,
      }),
  ],
];

describe('rateLimitGuard: a denied call spends nothing', () => {
  for (const [label, makeStore] of stores) {
    it(`a call its own rule denies does not spend the default budget (${label})`, async () => {
      const ann = await connectAs({
        store: makeStore(),
        rule: { limit: 10, periodMs: hour },
        tools: { export_data: { limit: 2, periodMs: hour } },
      });
      for (let i = 0; i < 2; i++)
        expect(textOf(await ann.callTool({ name: 'export_data' }))).toBe('exported');
      // A client retrying the limited tool in a loop...
      for (let i = 0; i < 6; i++) {
        const denied = await ann.callTool({ name: 'export_data' });
        expect((denied._meta as Record<string, object>)['mcp-warden/error']).toMatchObject({
          code: 'ERR_RATE_LIMITED',
          policy: 'tool',
        });
      }
      // ...still has the 8 calls of the default budget it did not get.
      for (let i = 0; i < 8; i++) {
        expect(textOf(await ann.callTool({ name: 'echo', arguments: { text: `${i}` } }))).toBe(`${i}`);
      }
      const over = await ann.callTool({ name: 'echo', arguments: { text: 'x' } });
      expect((over._meta as Record<string, object>)['mcp-warden/error']).toMatchObject({ policy: 'default' });
      await ann.close();
    });
  }
});

describe('rateLimitGuard: in-flight slots and cancelled calls', () => {
  it('frees the slot of a call the client cancels once its handler stops, and never frees it twice', async () => {
    const guard = rateLimitGuard({
      store: new MemoryStore(),
      rule: { limit: 100, periodMs: hour },
      maxInFlight: 1,
    });
    const mcp = new McpServer({ name: 'rl', version: '1.0.0' });
    secureMcpServer(mcp, { guards: [guard] });
    let started = 0;
    mcp.registerTool('wait', {}, async (extra) => {
      started++;
      // A handler that honours cancellation: it stops when the call is aborted.
      await new Promise((_, reject) =>
        extra.signal.addEventListener('abort', () => reject(new Error('aborted'))),
      );
      return { content: [] };
    });
    mcp.registerTool('quick', {}, async () => ({ content: [{ type: 'text', text: 'ok' }] }));
    const ann = await connect(mcp, { token: 't', clientId: 'c', scopes: [], extra: { subject: 'ann' } });
    for (let round = 0; round < 3; round++) {
      const controller = new AbortController();
      const waiting = ann.callTool({ name: 'wait' }, undefined, { signal: controller.signal });
      while (started === round) await new Promise((resolve) => setTimeout(resolve, 5));
      // The one slot is taken.
      expect(textOf(await ann.callTool({ name: 'quick' }))).toBe(
        'too many calls in flight [ERR_CONCURRENCY_LIMITED]',
      );
      controller.abort();
      await expect(waiting).rejects.toThrow();
      // Released once: exactly one call fits again.
      let ok = '';
      for (let i = 0; i < 50 && ok !== 'ok'; i++) {
        ok = textOf(await ann.callTool({ name: 'quick' }));
        if (ok !== 'ok') await new Promise((resolve) => setTimeout(resolve, 5));
      }
      expect(ok).toBe('ok');
    }
    await ann.close();
  });
});
