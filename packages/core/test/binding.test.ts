import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolRequestSchema, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  AuthorizationError,
  type Call,
  ERROR_META_KEY,
  FsError,
  type Guard,
  getSecurityContext,
  memorySink,
  secureMcpServer,
  withParsedArguments,
} from '../src/index.js';
import { connect, textOf } from './helpers.js';

const echo = { inputSchema: { text: z.string() } };

function tracingGuard(trace: string[], name: string): Guard {
  return async (call, next) => {
    trace.push(`${name}:${call.kind}:${call.name}`);
    return next();
  };
}

describe('secureMcpServer', () => {
  it('runs every tool call through the guards in order, with the raw arguments', async () => {
    const server = new McpServer({ name: 's', version: '1' });
    const trace: string[] = [];
    const seen: Call[] = [];
    server.registerTool('echo', echo, async ({ text }) => {
      trace.push('handler');
      return { content: [{ type: 'text', text }] };
    });
    secureMcpServer(server, {
      guards: [
        tracingGuard(trace, 'first'),
        async (call, next) => {
          seen.push(call);
          return next();
        },
        tracingGuard(trace, 'second'),
      ],
    });
    const client = await connect(server);
    const result = await client.callTool({ name: 'echo', arguments: { text: 'hi' } });
    expect(textOf(result)).toBe('hi');
    expect(trace).toEqual(['first:tool:echo', 'second:tool:echo', 'handler']);
    expect(seen[0]?.arguments).toEqual({ text: 'hi' });
    expect(seen[0]?.policy).toMatchObject({ scopes: [], cost: 1, destructive: true });
  });

  it("sends a guard's denial to the client as a tool error with its code, and never runs the handler", async () => {
    const server = new McpServer({ name: 's', version: '1' });
    let ran = false;
    server.registerTool('secret', {}, async () => {
      ran = true;
      return { content: [{ type: 'text', text: 'the secret' }] };
    });
    secureMcpServer(server, {
      guards: [
        async (call) => {
          throw new AuthorizationError('ERR_INSUFFICIENT_SCOPE', 'missing scope', {
            data: { scopes: [...call.policy.scopes] },
          });
        },
      ],
      policies: { tools: { secret: { scopes: ['secrets:read'] } } },
    });
    const client = await connect(server);
    const result = await client.callTool({ name: 'secret', arguments: {} });
    expect(ran).toBe(false);
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe('missing scope [ERR_INSUFFICIENT_SCOPE]');
    expect(result._meta?.[ERROR_META_KEY]).toEqual({
      code: 'ERR_INSUFFICIENT_SCOPE',
      scopes: ['secrets:read'],
    });
  });

  it('turns an unexpected exception into a generic error with no detail, and logs the detail as an event', async () => {
    const server = new McpServer({ name: 's', version: '1' });
    const sink = memorySink();
    secureMcpServer(server, { guards: [], events: sink });
    server.registerTool('db', {}, async () => {
      throw new Error('connect ECONNREFUSED 10.1.2.3:5432 user=admin password=hunter2 at /srv/app/db.js:12');
    });
    const client = await connect(server);
    const result = await client.callTool({ name: 'db', arguments: {} });
    expect(result.isError).toBe(true);
    const text = textOf(result);
    expect(text).toMatch(/^internal error \(reference [0-9a-f-]{36}\) \[ERR_INTERNAL\]$/);
    expect(JSON.stringify(result)).not.toMatch(/hunter2|ECONNREFUSED|\/srv\/app|at /);
    const event = sink.events.find((e) => e.type === 'internal_error');
    expect(event).toMatchObject({
      type: 'internal_error',
      outcome: 'error',
      level: 'critical',
      target: 'tool:db',
    });
    expect(text).toContain(event?.type === 'internal_error' ? event.correlationId : 'missing');
  });

  it('also contains exceptions thrown by guards themselves', async () => {
    const server = new McpServer({ name: 's', version: '1' });
    server.registerTool('t', {}, async () => ({ content: [] }));
    secureMcpServer(server, {
      guards: [
        async () => {
          throw new TypeError('Cannot read properties of undefined (reading "secretKey")');
        },
      ],
    });
    const client = await connect(server);
    const result = await client.callTool({ name: 't', arguments: {} });
    expect(textOf(result)).toMatch(/^internal error \(reference /);
    expect(JSON.stringify(result)).not.toContain('secretKey');
  });

  it('guards tools registered before and after wrapping, by every registration API, and after update()', async () => {
    const server = new McpServer({ name: 's', version: '1' });
    const calls: string[] = [];
    server.registerTool('before', {}, async () => ({ content: [{ type: 'text', text: 'before' }] }));
    secureMcpServer(server, {
      guards: [
        async (call, next) => {
          calls.push(call.name);
          return next();
        },
      ],
    });
    server.registerTool('after', {}, async () => ({ content: [{ type: 'text', text: 'after' }] }));
    server.tool('legacy', async () => ({ content: [{ type: 'text', text: 'legacy' }] }));
    const updatable = server.registerTool('updatable', {}, async () => ({
      content: [{ type: 'text', text: 'v1' }],
    }));
    updatable.update({
      callback: async () => {
        throw new Error('v2 leaks /etc/passwd');
      },
    });
    const client = await connect(server);
    for (const name of ['before', 'after', 'legacy']) {
      expect(textOf(await client.callTool({ name, arguments: {} }))).toBe(name);
    }
    const updated = await client.callTool({ name: 'updatable', arguments: {} });
    expect(textOf(updated)).toMatch(/^internal error/);
    updatable.update({ name: 'renamed' });
    await client.callTool({ name: 'renamed', arguments: {} });
    expect(calls).toEqual(['before', 'after', 'legacy', 'updatable', 'renamed']);
  });

  it('guards a request handler installed directly on the low-level server', async () => {
    const server = new McpServer({ name: 's', version: '1' }, { capabilities: { tools: {} } });
    const calls: string[] = [];
    secureMcpServer(server, {
      guards: [
        async (call, next) => {
          calls.push(call.name);
          return next();
        },
      ],
    });
    server.server.setRequestHandler(CallToolRequestSchema, async () => ({
      content: [{ type: 'text', text: 'raw' }],
    }));
    const client = await connect(server);
    expect(textOf(await client.callTool({ name: 'anything', arguments: {} }))).toBe('raw');
    expect(calls).toEqual(['anything']);
  });

  it('lets a guard change the arguments the handler sees, and still applies the schema', async () => {
    const server = new McpServer({ name: 's', version: '1' });
    server.registerTool('echo', echo, async ({ text }) => ({ content: [{ type: 'text', text }] }));
    secureMcpServer(server, {
      guards: [
        async (call, next) =>
          typeof call.arguments?.text === 'string'
            ? next({ ...call, arguments: { text: `${call.arguments.text}!` } })
            : next(),
      ],
    });
    const client = await connect(server);
    expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'a' } }))).toBe('a!');
    const bad = await client.callTool({ name: 'echo', arguments: { text: 5 } });
    expect(bad.isError).toBe(true);
  });

  it('hands a guard-parsed tool input to the handler without a second parse by the SDK', async () => {
    let parses = 0;
    const inputSchema = {
      text: z
        .string()
        .refine(() => ++parses > 0)
        .transform((text) => text.length),
    };
    const parsingGuard: Guard = (call, next) => {
      const parsed = z.object(inputSchema).safeParse(call.arguments ?? {});
      return parsed.success ? next(withParsedArguments(call, parsed.data)) : next();
    };
    const server = new McpServer({ name: 's', version: '1' });
    server.registerTool('length', { inputSchema }, async ({ text }) => ({
      content: [{ type: 'text', text: `${typeof text}:${text}` }],
    }));
    secureMcpServer(server, { guards: [parsingGuard] });
    const client = await connect(server);
    // The transform ran once, in the guard; its output (a number) is what the handler got.
    expect(textOf(await client.callTool({ name: 'length', arguments: { text: 'abcd' } }))).toBe('number:4');
    expect(parses).toBe(1);
    // Where the SDK must parse anyway (its element limit is on), it parses the client's original
    // values — never the transformed ones — and the result is the same.
    parses = 0;
    const limited = new McpServer({ name: 's', version: '1' }, { maxToolInputElements: 100 });
    limited.registerTool('length', { inputSchema }, async ({ text }) => ({
      content: [{ type: 'text', text: `${typeof text}:${text}` }],
    }));
    secureMcpServer(limited, { guards: [parsingGuard] });
    const limitedClient = await connect(limited);
    expect(textOf(await limitedClient.callTool({ name: 'length', arguments: { text: 'abc' } }))).toBe(
      'number:3',
    );
    expect(parses).toBe(2);
  });

  it('lets the SDK parse arguments that a later guard replaced after they were parsed', async () => {
    let parses = 0;
    const inputSchema = { text: z.string().refine(() => ++parses > 0) };
    const server = new McpServer({ name: 's', version: '1' });
    server.registerTool('echo', { inputSchema }, async ({ text }) => ({ content: [{ type: 'text', text }] }));
    secureMcpServer(server, {
      guards: [
        (call, next) => next(withParsedArguments(call, z.object(inputSchema).parse(call.arguments))),
        (call, next) => next({ ...call, arguments: { text: 5 } }),
      ],
    });
    const client = await connect(server);
    const result = await client.callTool({ name: 'echo', arguments: { text: 'ok' } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('Input validation error');
  });

  it('keeps output schemas and structured content working', async () => {
    const server = new McpServer({ name: 's', version: '1' });
    secureMcpServer(server, { guards: [async (_call, next) => next()] });
    server.registerTool(
      'sum',
      { inputSchema: { a: z.number(), b: z.number() }, outputSchema: { sum: z.number() } },
      async ({ a, b }) => ({
        content: [{ type: 'text', text: String(a + b) }],
        structuredContent: { sum: a + b },
      }),
    );
    const client = await connect(server);
    const tools = await client.listTools();
    expect(tools.tools[0]?.outputSchema).toMatchObject({ properties: { sum: { type: 'number' } } });
    const result = await client.callTool({ name: 'sum', arguments: { a: 2, b: 3 } });
    expect(result.structuredContent).toEqual({ sum: 5 });
  });

  it('passes warden errors thrown in a handler through with their code', async () => {
    const server = new McpServer({ name: 's', version: '1' });
    secureMcpServer(server, { guards: [] });
    server.registerTool('read', {}, async () => {
      throw new FsError('ERR_PATH_OUTSIDE_ROOTS', 'path is outside the allowed roots', {
        detail: { path: '/etc/shadow' },
      });
    });
    const client = await connect(server);
    const result = await client.callTool({ name: 'read', arguments: {} });
    expect(textOf(result)).toBe('path is outside the allowed roots [ERR_PATH_OUTSIDE_ROOTS]');
    expect(JSON.stringify(result)).not.toContain('/etc/shadow');
  });

  it('builds the security context from authInfo and exposes it to handlers', async () => {
    const server = new McpServer({ name: 's', version: '1' });
    const sink = memorySink();
    secureMcpServer(server, {
      events: sink,
      guards: [
        async (call, next) => {
          call.context.emit({ type: 'authz_fail', requiredScopes: ['x'], reason: 'test' });
          return next();
        },
      ],
    });
    server.registerTool('whoami', {}, async (extra) => {
      const context = getSecurityContext(extra);
      return {
        content: [
          { type: 'text', text: `${context?.principal?.subject}:${context?.principal?.scopes.join(',')}` },
        ],
      };
    });
    const client = await connect(server, {
      token: 'secret-token-value',
      clientId: 'client-1',
      scopes: ['a', 'b'],
      extra: { subject: 'alice', authMethod: 'bearer' },
    });
    expect(textOf(await client.callTool({ name: 'whoami', arguments: {} }))).toBe('alice:a,b');
    expect(sink.events[0]).toMatchObject({
      type: 'authz_fail',
      outcome: 'denied',
      level: 'warn',
      target: 'tool:whoami',
      principal: { subject: 'alice', clientId: 'client-1', method: 'bearer' },
    });
    expect(JSON.stringify(sink.events)).not.toContain('secret-token-value');
  });

  it('keeps the context and its principal read-only for handlers, so later events name the real caller', async () => {
    const server = new McpServer({ name: 's', version: '1' });
    const sink = memorySink();
    secureMcpServer(server, {
      events: sink,
      guards: [
        async (call, next) => {
          const result = await next();
          call.context.emit({ type: 'authz_fail', requiredScopes: [], reason: 'after the handler' });
          return result;
        },
      ],
    });
    const attempts: string[] = [];
    server.registerTool('rename', {}, async (extra) => {
      const context = getSecurityContext(extra)!;
      const tries: [string, () => void][] = [
        ['subject', () => ((context.principal as { subject: string }).subject = 'mallory')],
        ['scopes', () => (context.principal!.scopes as string[]).push('admin')],
        ['principal', () => ((context as { principal: unknown }).principal = { subject: 'mallory' })],
      ];
      for (const [name, attempt] of tries) {
        try {
          attempt();
          attempts.push(`${name} changed`);
        } catch {
          attempts.push(`${name} refused`);
        }
      }
      return { content: [{ type: 'text', text: context.principal!.subject }] };
    });
    const client = await connect(server, {
      token: 't',
      clientId: 'client-1',
      scopes: ['a'],
      extra: { subject: 'alice' },
    });
    expect(textOf(await client.callTool({ name: 'rename', arguments: {} }))).toBe('alice');
    expect(attempts).toEqual(['subject refused', 'scopes refused', 'principal refused']);
    expect(sink.events.at(-1)).toMatchObject({ type: 'authz_fail', principal: { subject: 'alice' } });
  });

  it('fills who, where and when of an event from the context, whatever the event says', async () => {
    const server = new McpServer({ name: 's', version: '1' });
    const sink = memorySink();
    secureMcpServer(server, { events: sink, guards: [] });
    server.registerTool('spoof', { inputSchema: { note: z.string() } }, async ({ note }, extra) => {
      // A handler that spreads client-controlled data into an event.
      const fromClient = JSON.parse(note) as Record<string, unknown>;
      getSecurityContext(extra)!.emit({ type: 'authz_fail', requiredScopes: [], reason: 'x', ...fromClient });
      return { content: [{ type: 'text', text: 'ok' }] };
    });
    const client = await connect(server, {
      token: 't',
      clientId: 'c',
      scopes: [],
      extra: { subject: 'alice' },
    });
    const forged = {
      time: '2000-01-01T00:00:00.000Z',
      requestId: '999',
      sessionId: 'someone-elses-session',
      principal: { subject: 'mallory', method: 'bearer' },
      transport: 'stdio',
      remoteAddress: '203.0.113.9',
      target: 'tool:delete_everything',
      level: 'critical',
    };
    await client.callTool({ name: 'spoof', arguments: { note: JSON.stringify(forged) } });
    const event = sink.events.find((candidate) => candidate.type === 'authz_fail')!;
    expect(event).toMatchObject({ principal: { subject: 'alice' }, target: 'tool:spoof', level: 'critical' });
    expect(event.time).not.toBe(forged.time);
    expect(event.requestId).not.toBe('999');
    expect(event).not.toHaveProperty('sessionId');
    expect(event).not.toHaveProperty('remoteAddress');
    expect(event.transport).not.toBe('stdio');
  });

  it('sends a denial that quotes hostile client input with its hidden characters made visible', async () => {
    const server = new McpServer({ name: 's', version: '1' });
    const flag = '--\u202Eexe.txt\u009b2J\u{E0041}';
    secureMcpServer(server, {
      guards: [
        async () => {
          throw new FsError('ERR_PATH_OUTSIDE_ROOTS', `path ${flag} is outside the roots`, {
            data: { flag },
          });
        },
      ],
    });
    server.registerTool('t', {}, async () => ({ content: [{ type: 'text', text: 'never' }] }));
    const client = await connect(server);
    const result = await client.callTool({ name: 't', arguments: {} });
    expect(textOf(result)).toBe(
      'path --\\u{202E}exe.txt\\u{9B}2J\\u{E0041} is outside the roots [ERR_PATH_OUTSIDE_ROOTS]',
    );
    expect(JSON.stringify(result._meta)).not.toMatch(/[\p{Cc}\p{Cf}]/u);
  });

  it('propagates cancellation to the context signal and the handler', async () => {
    const server = new McpServer({ name: 's', version: '1' });
    let guardSignal: AbortSignal | undefined;
    const aborted = new Promise<string>((resolve) => {
      server.registerTool('slow', {}, async (extra) => {
        await new Promise<void>((done) =>
          extra.signal.addEventListener('abort', () => done(), { once: true }),
        );
        resolve(String(guardSignal?.aborted));
        return { content: [] };
      });
    });
    secureMcpServer(server, {
      guards: [
        async (call, next) => {
          guardSignal = call.context.signal;
          return next();
        },
      ],
    });
    const client = await connect(server);
    const controller = new AbortController();
    const pending = client.callTool({ name: 'slow', arguments: {} }, undefined, {
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toThrow();
    expect(await aborted).toBe('true');
  });

  it('sends list-changed notifications as the SDK does', async () => {
    const server = new McpServer({ name: 's', version: '1' });
    server.registerTool('a', {}, async () => ({ content: [] }));
    secureMcpServer(server, { guards: [] });
    const client = await connect(server);
    const changed = new Promise<void>((resolve) =>
      client.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve()),
    );
    server.registerTool('b', {}, async () => ({ content: [] }));
    await changed;
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['a', 'b']);
  });

  it('guards resources (static and templates) and prompts, with JSON-RPC errors for denials', async () => {
    const server = new McpServer({ name: 's', version: '1' });
    const seen: string[] = [];
    secureMcpServer(server, {
      guards: [
        async (call, next) => {
          seen.push(`${call.kind}:${call.name}:${call.uri ?? ''}:${call.policy.scopes.join(',')}`);
          if (call.name === 'forbidden')
            throw new AuthorizationError('ERR_INSUFFICIENT_SCOPE', 'missing scope');
          return next();
        },
      ],
      policies: { resources: { 'sensitive-data': { scopes: ['data:read'] } } },
    });
    server.registerResource('sensitive-data', 'secure://sensitive-data', {}, async (uri) => ({
      contents: [{ uri: uri.href, text: 'data' }],
    }));
    server.registerResource(
      'files',
      new ResourceTemplate('file:///{name}', { list: undefined }),
      {},
      async (uri, { name }) => ({ contents: [{ uri: uri.href, text: String(name) }] }),
    );
    server.registerResource('broken', 'secure://broken', {}, async () => {
      throw new Error('stack detail /home/user/.ssh/id_rsa');
    });
    server.registerPrompt('greet', { argsSchema: { who: z.string() } }, ({ who }) => ({
      messages: [{ role: 'user', content: { type: 'text', text: `hi ${who}` } }],
    }));
    server.registerPrompt('forbidden', {}, () => ({ messages: [] }));
    const client = await connect(server);
    expect((await client.readResource({ uri: 'secure://sensitive-data' })).contents[0]).toMatchObject({
      text: 'data',
    });
    expect((await client.readResource({ uri: 'file:///x.txt' })).contents[0]).toMatchObject({
      text: 'x.txt',
    });
    const prompt = await client.getPrompt({ name: 'greet', arguments: { who: 'bob' } });
    expect(prompt.messages[0]?.content).toEqual({ type: 'text', text: 'hi bob' });
    await expect(client.getPrompt({ name: 'forbidden' })).rejects.toMatchObject({
      code: -32003,
      data: { code: 'ERR_INSUFFICIENT_SCOPE' },
    });
    const broken = await client.readResource({ uri: 'secure://broken' }).catch((error: unknown) => error);
    expect(broken).toMatchObject({ code: -32603, data: { code: 'ERR_INTERNAL' } });
    expect(String((broken as Error).message)).not.toContain('id_rsa');
    expect(seen).toEqual([
      'resource:sensitive-data:secure://sensitive-data:data:read',
      'resource:files:file:///x.txt:',
      'prompt:greet::',
      'prompt:forbidden::',
      'resource:broken:secure://broken:',
    ]);
  });

  it("shows guards the SDK's own errors as they are, and passes them to the client unchanged", async () => {
    const server = new McpServer({ name: 's', version: '1' });
    const seen: unknown[] = [];
    secureMcpServer(server, {
      guards: [
        async (_call, next) => {
          try {
            return await next();
          } catch (error) {
            seen.push(error);
            throw error;
          }
        },
      ],
    });
    server.registerResource('known', 'secure://known', {}, async (uri) => ({
      contents: [{ uri: uri.href, text: 'k' }],
    }));
    const client = await connect(server);
    await expect(client.readResource({ uri: 'secure://unknown' })).rejects.toMatchObject({ code: -32602 });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBeInstanceOf(Error);
    expect(seen[0]).toMatchObject({ code: -32602 });
  });

  it('never takes a policy or a tool from inherited members for names like __proto__ or constructor', async () => {
    const server = new McpServer({ name: 's', version: '1' });
    server.registerTool('t', {}, async () => ({ content: [] }));
    const scopes: string[][] = [];
    secureMcpServer(server, {
      defaultPolicy: { scopes: ['default-scope'] },
      guards: [
        async (call, next) => {
          scopes.push([...call.policy.scopes]);
          return next();
        },
      ],
    });
    const client = await connect(server);
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      const result = await client.callTool({ name, arguments: {} });
      // The SDK refuses them itself ("not found" or, for inherited members, "disabled").
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/not found|disabled/);
    }
    expect(scopes).toEqual(Array.from({ length: 4 }, () => ['default-scope']));
  });

  it('refuses to secure the same server twice', () => {
    const server = new McpServer({ name: 's', version: '1' });
    secureMcpServer(server, { guards: [] });
    expect(() => secureMcpServer(server, { guards: [] })).toThrow(
      expect.objectContaining({ code: 'ERR_ALREADY_SECURED' }),
    );
  });

  it('applies policies set after binding', async () => {
    const server = new McpServer({ name: 's', version: '1' });
    const scopes: string[][] = [];
    const binding = secureMcpServer(server, {
      guards: [
        async (call, next) => {
          scopes.push([...call.policy.scopes]);
          return next();
        },
      ],
    });
    server.registerTool('t', {}, async () => ({ content: [] }));
    const client = await connect(server);
    await client.callTool({ name: 't', arguments: {} });
    binding.setPolicy('tool', 't', { scopes: ['late'] });
    await client.callTool({ name: 't', arguments: {} });
    expect(scopes).toEqual([[], ['late']]);
  });
});
