import { type EventSink, type Guard, memorySink, secureMcpServer } from '@mcp-warden/core';
import { completable } from '@modelcontextprotocol/sdk/server/completable.js';
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  byClientId,
  byTarget,
  combinedKey,
  MemoryStore,
  type RateLimitGuardOptions,
  type RateLimitStore,
  rateLimitGuard,
} from '../src/index.js';
import { connect, textOf } from './mcp-helpers.js';

const hour = 3_600_000;
const as = (subject: string, clientId = 'client-1') => ({
  token: 't',
  clientId,
  scopes: [],
  extra: { subject },
});

/** One guard (and store) shared by every connection, as in a server with many sessions. */
function server(options: Omit<RateLimitGuardOptions, 'store'> & { store?: RateLimitStore }, policies = {}) {
  const events = memorySink();
  const guard = rateLimitGuard({ store: new MemoryStore(), ...options });
  const connectAs = (authInfo: ReturnType<typeof as>) => connect(build(guard, events, policies), authInfo);
  return { connectAs, events };
}

function build(guard: Guard, events: EventSink, policies: object) {
  const mcp = new McpServer({ name: 'rl', version: '1.0.0' });
  secureMcpServer(mcp, { guards: [guard], events, policies });
  mcp.registerTool('echo', { inputSchema: { text: z.string() } }, async ({ text }) => ({
    content: [{ type: 'text', text }],
  }));
  mcp.registerTool('export_data', {}, async () => ({ content: [{ type: 'text', text: 'exported' }] }));
  mcp.registerResource('secret', 'secure://secret', {}, async (uri) => ({
    contents: [{ uri: uri.href, text: 'sensitive' }],
  }));
  mcp.registerResource('doc', new ResourceTemplate('docs://{id}', { list: undefined }), {}, async (uri) => ({
    contents: [{ uri: uri.href, text: 'doc' }],
  }));
  return mcp;
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

describe('rateLimitGuard with the real SDK client', () => {
  it('answers ERR_RATE_LIMITED with retryAfterMs once a principal spent its budget, and emits ratelimit_exceeded', async () => {
    const { connectAs, events } = server({ rule: { limit: 3, periodMs: hour } });
    const ann = await connectAs(as('ann'));
    for (let i = 0; i < 3; i++) {
      expect(textOf(await ann.callTool({ name: 'echo', arguments: { text: 'hi' } }))).toBe('hi');
    }
    const denied = await ann.callTool({ name: 'echo', arguments: { text: 'hi' } });
    expect(denied.isError).toBe(true);
    expect(textOf(denied)).toBe('rate limit exceeded [ERR_RATE_LIMITED]');
    const meta = (denied._meta as Record<string, { code: string; retryAfterMs: number; limit: number }>)[
      'mcp-warden/error'
    ];
    expect(meta).toMatchObject({ code: 'ERR_RATE_LIMITED', limit: 3, remaining: 0, policy: 'default' });
    expect(meta?.retryAfterMs).toBeGreaterThan(hour / 3 - 60_000);
    expect(events.events.filter((event) => event.type === 'ratelimit_exceeded')).toEqual([
      expect.objectContaining({ key: 'sub:ann', limit: 3, target: 'tool:echo', outcome: 'denied' }),
    ]);
    // Another principal has its own budget.
    const bob = await connectAs(as('bob'));
    expect(textOf(await bob.callTool({ name: 'echo', arguments: { text: 'hi' } }))).toBe('hi');
    await Promise.all([ann.close(), bob.close()]);
  });

  it('limits unknown tool names from the same budget (a client cannot rotate names to get more)', async () => {
    const { connectAs } = server({ rule: { limit: 2, periodMs: hour } });
    const ann = await connectAs(as('ann'));
    for (const name of ['nope-1', 'nope-2']) await ann.callTool({ name, arguments: {} });
    const denied = await ann.callTool({ name: 'echo', arguments: { text: 'x' } });
    expect(textOf(denied)).toBe('rate limit exceeded [ERR_RATE_LIMITED]');
    await ann.close();
  });

  it('applies a per-tool rule (5 per minute for a sensitive tool) on top of the default', async () => {
    const { connectAs } = server({
      rule: { limit: 100, periodMs: hour },
      tools: { export_data: { limit: 5, periodMs: 60_000 } },
    });
    const ann = await connectAs(as('ann'));
    for (let i = 0; i < 5; i++) expect(textOf(await ann.callTool({ name: 'export_data' }))).toBe('exported');
    const denied = await ann.callTool({ name: 'export_data' });
    expect(textOf(denied)).toBe('rate limit exceeded [ERR_RATE_LIMITED]');
    expect((denied._meta as Record<string, object>)['mcp-warden/error']).toMatchObject({
      policy: 'tool',
      limit: 5,
    });
    // Other tools still work.
    expect(textOf(await ann.callTool({ name: 'echo', arguments: { text: 'ok' } }))).toBe('ok');
    await ann.close();
  });

  it('limits a sensitive resource by URI and answers the JSON-RPC rate-limit error', async () => {
    const { connectAs } = server({
      rule: false,
      resources: { 'secure://secret': { limit: 2, periodMs: 60_000 } },
    });
    const ann = await connectAs(as('ann'));
    await ann.readResource({ uri: 'secure://secret' });
    await ann.readResource({ uri: 'secure://secret' });
    await expect(ann.readResource({ uri: 'secure://secret' })).rejects.toMatchObject({
      code: -32029,
      data: expect.objectContaining({ code: 'ERR_RATE_LIMITED' }),
    });
    expect((await ann.readResource({ uri: 'docs://1' })).contents).toHaveLength(1);
    await ann.close();
  });

  it('reads the rule and the cost from the core policy next to the tool', async () => {
    const { connectAs } = server(
      { rule: { limit: 10, periodMs: hour } },
      {
        tools: { export_data: { cost: 4 }, echo: { rateLimit: { limit: 1, periodMs: hour, name: 'echo' } } },
      },
    );
    const ann = await connectAs(as('ann'));
    expect(textOf(await ann.callTool({ name: 'export_data' }))).toBe('exported'); // 4 of 10
    expect(textOf(await ann.callTool({ name: 'export_data' }))).toBe('exported'); // 8 of 10
    expect(textOf(await ann.callTool({ name: 'export_data' }))).toBe(
      'rate limit exceeded [ERR_RATE_LIMITED]',
    );
    expect(textOf(await ann.callTool({ name: 'echo', arguments: { text: 'a' } }))).toBe('a'); // 9 of 10, echo 1 of 1
    const denied = await ann.callTool({ name: 'echo', arguments: { text: 'b' } });
    expect((denied._meta as Record<string, object>)['mcp-warden/error']).toMatchObject({ policy: 'echo' });
    await ann.close();
  });

  it("charges a completion or a template's listing 1 of the default budget, nothing of the target's own rule or cost", async () => {
    const guard = rateLimitGuard({
      store: new MemoryStore(),
      rule: { limit: 7, periodMs: hour },
      prompts: { report: { limit: 1, periodMs: hour } },
      resources: { files: { limit: 1, periodMs: hour } },
    });
    const mcp = new McpServer({ name: 'rl', version: '1.0.0' });
    secureMcpServer(mcp, { guards: [guard], policies: { prompts: { report: { cost: 3 } } } });
    const months = completable(z.string(), (value) =>
      ['jan', 'feb'].filter((month) => month.startsWith(value)),
    );
    mcp.registerPrompt('report', { argsSchema: { month: months } }, ({ month }) => ({
      messages: [{ role: 'user', content: { type: 'text', text: month } }],
    }));
    const files = new ResourceTemplate('files://{name}', {
      list: async () => ({ resources: [{ uri: 'files://a', name: 'a' }] }),
      complete: { name: () => ['a'] },
    });
    mcp.registerResource('files', files, {}, async (uri) => ({
      contents: [{ uri: uri.href, text: 'file' }],
    }));
    const ann = await connect(mcp, as('ann'));
    const completeMonth = (value: string) =>
      ann.complete({ ref: { type: 'ref/prompt', name: 'report' }, argument: { name: 'month', value } });

    // Typing into the prompt's argument: 1 each of the default budget (2 of 7), none of the prompt's 1 an hour.
    expect((await completeMonth('j')).completion.values).toEqual(['jan']);
    expect((await completeMonth('ja')).completion.values).toEqual(['jan']);
    const prompt = await ann.getPrompt({ name: 'report', arguments: { month: 'jan' } }); // its cost: 5 of 7
    expect(prompt.messages[0]?.content).toEqual({ type: 'text', text: 'jan' });
    // The template's list callback and a completion of its variable: 1 each (7 of 7), not its cost.
    expect((await ann.listResources()).resources.map((resource) => resource.uri)).toEqual(['files://a']);
    const name = await ann.complete({
      ref: { type: 'ref/resource', uri: 'files://{name}' },
      argument: { name: 'name', value: '' },
    });
    expect(name.completion.values).toEqual(['a']);
    // The default budget is spent, completions included; the read's own rule was not touched by them.
    await expect(completeMonth('f')).rejects.toMatchObject({
      code: -32029,
      data: expect.objectContaining({ code: 'ERR_RATE_LIMITED', policy: 'default' }),
    });
    await expect(ann.readResource({ uri: 'files://a' })).rejects.toMatchObject({
      data: expect.objectContaining({ policy: 'default' }),
    });
    // The prompt's own rule still counts its ordinary calls.
    await expect(ann.getPrompt({ name: 'report', arguments: { month: 'feb' } })).rejects.toMatchObject({
      data: expect.objectContaining({ policy: 'prompt' }),
    });
    await ann.close();
  });

  it('caps the calls in flight per key with ERR_CONCURRENCY_LIMITED', async () => {
    const events = memorySink();
    const guard = rateLimitGuard({ store: new MemoryStore(), maxInFlight: 2 });
    const gate = deferred();
    let started = 0;
    const twoStarted = deferred();
    const slowServer = () => {
      const mcp = new McpServer({ name: 'rl', version: '1.0.0' });
      secureMcpServer(mcp, { guards: [guard], events });
      mcp.registerTool('slow', {}, async () => {
        if (++started === 2) twoStarted.resolve();
        await gate.promise;
        return { content: [{ type: 'text', text: 'done' }] };
      });
      return mcp;
    };
    const ann = await connect(slowServer(), as('ann'));
    const first = ann.callTool({ name: 'slow' });
    const second = ann.callTool({ name: 'slow' });
    await twoStarted.promise;
    const third = await ann.callTool({ name: 'slow' });
    expect(textOf(third)).toBe('too many calls in flight [ERR_CONCURRENCY_LIMITED]');
    const bob = await connect(slowServer(), as('bob'));
    const bobCall = bob.callTool({ name: 'slow' });
    gate.resolve();
    expect((await Promise.all([first, second, bobCall])).map(textOf)).toEqual(['done', 'done', 'done']);
    expect(textOf(await ann.callTool({ name: 'slow' }))).toBe('done');
    expect(events.events.filter((event) => event.type === 'ratelimit_exceeded')).toHaveLength(1);
    await Promise.all([ann.close(), bob.close()]);
  });

  it('frees the in-flight slot when the handler throws and when the call is denied', async () => {
    const guard = rateLimitGuard({
      store: new MemoryStore(),
      rule: { limit: 2, periodMs: hour },
      maxInFlight: 1,
    });
    const mcp = new McpServer({ name: 'rl', version: '1.0.0' });
    secureMcpServer(mcp, { guards: [guard] });
    mcp.registerTool('broken', {}, async () => {
      throw new Error('handler failed');
    });
    const ann = await connect(mcp, as('ann'));
    const texts: string[] = [];
    for (let i = 0; i < 4; i++) texts.push(textOf(await ann.callTool({ name: 'broken' })));
    expect(texts.slice(2)).toEqual([
      'rate limit exceeded [ERR_RATE_LIMITED]',
      'rate limit exceeded [ERR_RATE_LIMITED]',
    ]);
    expect(texts.join('\n')).not.toContain('ERR_CONCURRENCY_LIMITED');
    await ann.close();
  });

  it('makes the same decisions with a store that can only answer asynchronously (as Redis does)', async () => {
    const memory = new MemoryStore();
    const asyncOnly: RateLimitStore = { name: 'async-only', consume: (...args) => memory.consume(...args) };
    const { connectAs, events } = server({
      store: asyncOnly,
      rule: { limit: 3, periodMs: hour },
      tools: { export_data: { limit: 1, periodMs: hour } },
    });
    const ann = await connectAs(as('ann'));
    const echo = [];
    for (let i = 0; i < 4; i++)
      echo.push((await ann.callTool({ name: 'echo', arguments: { text: 'x' } })).isError);
    expect(echo).toEqual([undefined, undefined, undefined, true]);
    const bob = await connectAs(as('bob'));
    expect(textOf(await bob.callTool({ name: 'export_data' }))).toBe('exported');
    expect(textOf(await bob.callTool({ name: 'export_data' }))).toBe(
      'rate limit exceeded [ERR_RATE_LIMITED]',
    );
    expect(events.events.filter((event) => event.type === 'ratelimit_exceeded')).toHaveLength(2);
    await Promise.all([ann.close(), bob.close()]);
  });

  it('1,000 concurrent calls through the guard with a limit of 100 allow exactly 100', async () => {
    const { connectAs } = server({ rule: { limit: 100, periodMs: hour }, maxInFlight: false });
    const ann = await connectAs(as('ann'));
    const results = await Promise.all(
      Array.from({ length: 1000 }, () => ann.callTool({ name: 'echo', arguments: { text: 'x' } })),
    );
    expect(results.filter((result) => !result.isError)).toHaveLength(100);
    await ann.close();
  }, 30_000);

  it('builds keys from the client id and the target', async () => {
    const { connectAs } = server({
      rule: { limit: 1, periodMs: hour },
      key: combinedKey(byClientId, byTarget),
    });
    const a = await connectAs(as('ann', 'app-a'));
    const b = await connectAs(as('bob', 'app-a'));
    expect(textOf(await a.callTool({ name: 'echo', arguments: { text: 'x' } }))).toBe('x');
    // Same client id, same tool: one budget across principals.
    expect((await b.callTool({ name: 'echo', arguments: { text: 'x' } })).isError).toBe(true);
    expect(textOf(await b.callTool({ name: 'export_data' }))).toBe('exported');
    await Promise.all([a.close(), b.close()]);
  });

  it('denies (fails closed) when a custom key builder finds no key', async () => {
    const { connectAs } = server({ rule: { limit: 100, periodMs: hour }, key: byClientId });
    const anonymous = await connectAs(as('ann', ''));
    const result = await anonymous.callTool({ name: 'echo', arguments: { text: 'x' } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe('no rate limit key for this call [ERR_NO_RATE_LIMIT_KEY]');
    await anonymous.close();
  });

  it('rejects an invalid rule when the guard is built', () => {
    expect(() => rateLimitGuard({ store: new MemoryStore(), rule: { limit: 0, periodMs: 1000 } })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_RATE_LIMIT' }),
    );
  });
});
