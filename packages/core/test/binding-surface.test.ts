import { completable } from '@modelcontextprotocol/sdk/server/completable.js';
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolRequestSchema, CallToolResultSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  AuthorizationError,
  type Call,
  type Guard,
  getSecurityContext,
  memorySink,
  secureMcpServer,
} from '../src/index.js';
import { connect, textOf } from './helpers.js';

/** A guard that records what it sees and refuses anything named `private…` or without the scope. */
function scopeGuard(seen: Call[]): Guard {
  return async (call, next) => {
    seen.push(call);
    const granted = call.context.principal?.scopes ?? [];
    if (call.policy.scopes.some((scope) => !granted.includes(scope))) {
      throw new AuthorizationError('ERR_INSUFFICIENT_SCOPE', 'missing scope');
    }
    return next();
  };
}

const alice = { token: 't', clientId: 'c', scopes: ['public'], extra: { subject: 'alice' } };

describe('secureMcpServer: the surface around calls', () => {
  it('runs completion/complete through the guards of the prompt or template it completes', async () => {
    const server = new McpServer({ name: 's', version: '1' });
    const seen: Call[] = [];
    const completed: string[] = [];
    secureMcpServer(server, {
      guards: [scopeGuard(seen)],
      policies: {
        prompts: { payroll: { scopes: ['hr'] } },
        resources: { employees: { scopes: ['hr'] }, docs: { scopes: ['public'] } },
      },
    });
    server.registerPrompt(
      'payroll',
      {
        argsSchema: {
          employee: completable(z.string(), (value) => {
            completed.push(`payroll:${value}`);
            return ['alice (salary 200k)', 'bob (salary 90k)'];
          }),
        },
      },
      ({ employee }) => ({ messages: [{ role: 'user', content: { type: 'text', text: employee } }] }),
    );
    server.registerPrompt(
      'greet',
      {
        argsSchema: {
          who: completable(z.string(), (value) => {
            completed.push(`greet:${value}`);
            return ['world'].filter((name) => name.startsWith(value));
          }),
        },
      },
      ({ who }) => ({ messages: [{ role: 'user', content: { type: 'text', text: who } }] }),
    );
    server.registerResource(
      'employees',
      new ResourceTemplate('hr://employees/{id}', {
        list: undefined,
        complete: {
          id: (value) => {
            completed.push(`employees:${value}`);
            return ['alice', 'bob'];
          },
        },
      }),
      {},
      async (uri) => ({ contents: [{ uri: uri.href, text: 'record' }] }),
    );
    server.registerResource(
      'docs',
      new ResourceTemplate('docs://{page}', {
        list: undefined,
        complete: { page: (value) => ['intro', 'usage'].filter((page) => page.startsWith(value)) },
      }),
      {},
      async (uri) => ({ contents: [{ uri: uri.href, text: 'doc' }] }),
    );
    const client = await connect(server, alice);

    // Allowed: completion works as it does on a bare server.
    const greet = await client.complete({
      ref: { type: 'ref/prompt', name: 'greet' },
      argument: { name: 'who', value: 'wo' },
    });
    expect(greet.completion.values).toEqual(['world']);
    const docs = await client.complete({
      ref: { type: 'ref/resource', uri: 'docs://{page}' },
      argument: { name: 'page', value: 'us' },
    });
    expect(docs.completion.values).toEqual(['usage']);

    // Denied: the completer never runs, and the client gets the denial.
    await expect(
      client.complete({
        ref: { type: 'ref/prompt', name: 'payroll' },
        argument: { name: 'employee', value: '' },
      }),
    ).rejects.toMatchObject({ code: -32003, data: { code: 'ERR_INSUFFICIENT_SCOPE' } });
    await expect(
      client.complete({
        ref: { type: 'ref/resource', uri: 'hr://employees/{id}' },
        argument: { name: 'id', value: 'a' },
      }),
    ).rejects.toMatchObject({ code: -32003, data: { code: 'ERR_INSUFFICIENT_SCOPE' } });
    expect(completed).toEqual(['greet:wo']);

    // Guards see what is being completed, and that it is a completion.
    expect(
      seen.map((call) => `${call.operation}:${call.kind}:${call.name}:${JSON.stringify(call.arguments)}`),
    ).toEqual([
      'complete:prompt:greet:{"who":"wo"}',
      'complete:resource:docs:{"page":"us"}',
      'complete:prompt:payroll:{"employee":""}',
      'complete:resource:employees:{"id":"a"}',
    ]);
  });

  it('contains what a completer throws: no internal detail reaches the client', async () => {
    const server = new McpServer({ name: 's', version: '1' });
    const sink = memorySink();
    secureMcpServer(server, { guards: [], events: sink });
    server.registerPrompt(
      'p',
      {
        argsSchema: {
          a: completable(z.string(), () => {
            throw new Error('connect ECONNREFUSED 10.1.2.3:5432 password=hunter2 at /srv/app/db.js:9');
          }),
        },
      },
      () => ({ messages: [] }),
    );
    const client = await connect(server);
    const error = await client
      .complete({ ref: { type: 'ref/prompt', name: 'p' }, argument: { name: 'a', value: '' } })
      .catch((failure: unknown) => failure);
    expect(error).toMatchObject({ code: -32603, data: { code: 'ERR_INTERNAL' } });
    expect(JSON.stringify({ message: (error as Error).message, data: (error as McpError).data })).not.toMatch(
      /hunter2|ECONNREFUSED|\/srv\/app/,
    );
    expect(sink.events.find((event) => event.type === 'internal_error')).toMatchObject({
      target: 'prompt:p',
    });
    // The SDK's own protocol errors still pass through as it sent them.
    await expect(
      client.complete({ ref: { type: 'ref/prompt', name: 'nope' }, argument: { name: 'a', value: '' } }),
    ).rejects.toMatchObject({ code: -32602 });
  });

  it("runs a resource template's list callback through the guards, and lists only what the caller may see", async () => {
    const seen: Call[] = [];
    const listed: string[] = [];
    const subjects: (string | undefined)[] = [];
    const build = () => {
      const server = new McpServer({ name: 's', version: '1' });
      secureMcpServer(server, {
        guards: [scopeGuard(seen)],
        policies: { resources: { salaries: { scopes: ['hr'] } } },
      });
      server.registerResource(
        'salaries',
        new ResourceTemplate('hr://salaries/{id}', {
          list: async () => {
            listed.push('salaries');
            return { resources: [{ uri: 'hr://salaries/alice', name: 'alice: 200k' }] };
          },
        }),
        {},
        async (uri) => ({ contents: [{ uri: uri.href, text: 'x' }] }),
      );
      server.registerResource(
        'notes',
        new ResourceTemplate('notes://{id}', {
          list: async (extra) => {
            listed.push('notes');
            subjects.push(getSecurityContext(extra)?.principal?.subject);
            return { resources: [{ uri: 'notes://1', name: 'note 1' }] };
          },
        }),
        {},
        async (uri) => ({ contents: [{ uri: uri.href, text: 'x' }] }),
      );
      server.registerResource('readme', 'docs://readme', {}, async (uri) => ({
        contents: [{ uri: uri.href, text: 'r' }],
      }));
      return server;
    };
    const client = await connect(build(), alice);
    const { resources } = await client.listResources();
    expect(resources.map((resource) => resource.uri)).toEqual(['docs://readme', 'notes://1']);
    expect(listed).toEqual(['notes']);
    expect(subjects).toEqual(['alice']);
    expect(seen.map((call) => `${call.operation}:${call.kind}:${call.name}:${call.uri}`)).toEqual([
      'list:resource:salaries:hr://salaries/{id}',
      'list:resource:notes:notes://{id}',
    ]);

    // A caller holding the scope sees everything.
    const hr = await connect(build(), { ...alice, scopes: ['hr'] });
    expect((await hr.listResources()).resources.map((resource) => resource.uri)).toEqual([
      'docs://readme',
      'hr://salaries/alice',
      'notes://1',
    ]);
    expect(listed).toEqual(['notes', 'salaries', 'notes']);
  });

  it('guards the list callback of a template registered before binding and swapped later with update({ template })', async () => {
    const server = new McpServer({ name: 's', version: '1' });
    const seen: Call[] = [];
    const listed: string[] = [];
    const template = server.registerResource(
      'salaries',
      new ResourceTemplate('hr://salaries/{id}', { list: undefined }),
      {},
      async (uri) => ({ contents: [{ uri: uri.href, text: 'x' }] }),
    );
    secureMcpServer(server, {
      guards: [scopeGuard(seen)],
      policies: { resources: { salaries: { scopes: ['hr'] } } },
    });
    template.update({
      template: new ResourceTemplate('hr://salaries/{id}', {
        list: async () => {
          listed.push('v2');
          return { resources: [{ uri: 'hr://salaries/bob', name: 'bob: 90k' }] };
        },
      }),
    });
    const client = await connect(server, alice);
    expect((await client.listResources()).resources).toEqual([]);
    expect(listed).toEqual([]);
    expect(seen.map((call) => `${call.operation}:${call.name}`)).toEqual(['list:salaries']);
    // Reading through the replaced template still matches it and is guarded.
    await expect(client.readResource({ uri: 'hr://salaries/bob' })).rejects.toMatchObject({ code: -32003 });
  });

  it('contains what a list callback throws', async () => {
    const server = new McpServer({ name: 's', version: '1' });
    const sink = memorySink();
    secureMcpServer(server, { guards: [], events: sink });
    server.registerResource(
      'broken',
      new ResourceTemplate('db://{table}', {
        list: async () => {
          throw new Error('relation "users" does not exist at /srv/app/sql.js:4 password=hunter2');
        },
      }),
      {},
      async (uri) => ({ contents: [{ uri: uri.href, text: 'x' }] }),
    );
    const client = await connect(server);
    const error = await client.listResources().catch((failure: unknown) => failure);
    expect(error).toMatchObject({ code: -32603, data: { code: 'ERR_INTERNAL' } });
    expect(String((error as Error).message)).not.toMatch(/hunter2|users|\/srv\/app/);
    expect(sink.events.find((event) => event.type === 'internal_error')).toMatchObject({
      target: 'resource:db://{table}',
    });
  });

  it('applies a policy keyed by a resource URI however the client spells that URI', async () => {
    const server = new McpServer({ name: 's', version: '1' });
    const seen: Call[] = [];
    let reads = 0;
    secureMcpServer(server, {
      guards: [scopeGuard(seen)],
      policies: {
        resources: {
          'secure://vault/key': { scopes: ['vault'] },
          'file:///secret.txt': { scopes: ['vault'] },
        },
      },
    });
    server.registerResource('key', 'secure://vault/key', {}, async (uri) => {
      reads++;
      return { contents: [{ uri: uri.href, text: 'the key' }] };
    });
    server.registerResource(
      'files',
      new ResourceTemplate('file:///{name}', { list: undefined }),
      {},
      async (uri) => {
        reads++;
        return { contents: [{ uri: uri.href, text: 'file' }] };
      },
    );
    const client = await connect(server, alice);
    for (const uri of [
      'secure://vault/key',
      'SECURE://vault/key',
      'Secure://vault/./key',
      'secure://vault/x/../key',
      'file:///secret.txt',
      'FILE:///secret.txt',
      'file:///./secret.txt',
      'file://localhost/secret.txt',
    ]) {
      await expect(client.readResource({ uri }), uri).rejects.toMatchObject({
        code: -32003,
        data: { code: 'ERR_INSUFFICIENT_SCOPE' },
      });
    }
    expect(reads).toBe(0);
    // Other files are not covered by that policy.
    expect((await client.readResource({ uri: 'file:///public.txt' })).contents[0]).toMatchObject({
      text: 'file',
    });
  });

  it('contains what a raw tools/call request handler throws, and passes its deliberate protocol errors', async () => {
    const server = new McpServer({ name: 's', version: '1' }, { capabilities: { tools: {} } });
    secureMcpServer(server, { guards: [] });
    server.server.setRequestHandler(CallToolRequestSchema, async (request) => {
      if (request.params.name === 'protocol') throw new McpError(-32602, 'unknown widget');
      throw new Error('EACCES: permission denied, open /home/deploy/.aws/credentials');
    });
    const client = await connect(server);
    const result = await client.callTool({ name: 'leaky', arguments: {} }).catch((error: unknown) => error);
    const seenByClient = result instanceof Error ? result.message : JSON.stringify(result);
    expect(seenByClient).not.toMatch(/EACCES|\.aws|deploy/);
    expect(textOf(result as object)).toMatch(/^internal error \(reference /);
    await expect(client.callTool({ name: 'protocol', arguments: {} })).rejects.toMatchObject({
      code: -32602,
      message: expect.stringContaining('unknown widget'),
    });
  });
});

describe('secureMcpServer: disabled resource templates', () => {
  it('serves nothing of a disabled template (read, list, complete) until it is enabled again', async () => {
    const server = new McpServer({ name: 's', version: '1' });
    const ran: string[] = [];
    secureMcpServer(server, { guards: [] });
    const template = server.registerResource(
      'reports',
      new ResourceTemplate('reports://{id}', {
        list: async () => {
          ran.push('list');
          return { resources: [{ uri: 'reports://q3', name: 'Q3 (draft, not public)' }] };
        },
        complete: {
          id: () => {
            ran.push('complete');
            return ['q3'];
          },
        },
      }),
      {},
      async (uri) => {
        ran.push('read');
        return { contents: [{ uri: uri.href, text: 'draft numbers' }] };
      },
    );
    template.disable();
    const client = await connect(server);
    await expect(client.readResource({ uri: 'reports://q3' })).rejects.toMatchObject({ code: -32602 });
    expect((await client.listResources()).resources).toEqual([]);
    expect((await client.listResourceTemplates()).resourceTemplates).toEqual([]);
    await expect(
      client.complete({
        ref: { type: 'ref/resource', uri: 'reports://{id}' },
        argument: { name: 'id', value: 'q' },
      }),
    ).rejects.toMatchObject({ code: -32602 });
    expect(ran).toEqual([]);

    template.enable();
    expect((await client.readResource({ uri: 'reports://q3' })).contents[0]).toMatchObject({
      text: 'draft numbers',
    });
    expect((await client.listResources()).resources.map((resource) => resource.uri)).toEqual([
      'reports://q3',
    ]);
    expect((await client.listResourceTemplates()).resourceTemplates.map((entry) => entry.name)).toEqual([
      'reports',
    ]);
    const completion = await client.complete({
      ref: { type: 'ref/resource', uri: 'reports://{id}' },
      argument: { name: 'id', value: 'q' },
    });
    expect(completion.completion.values).toEqual(['q3']);
    expect(ran).toEqual(['read', 'list', 'complete']);
  });
});

describe('secureMcpServer: cancellation', () => {
  it('does not start the handler of a call the client cancelled while a guard was still deciding', async () => {
    const server = new McpServer({ name: 's', version: '1' });
    const ran: string[] = [];
    let guardDone: () => void = () => undefined;
    const guardFinished = new Promise<void>((resolve) => {
      guardDone = resolve;
    });
    secureMcpServer(server, {
      guards: [
        async (_call, next) => {
          // A slow decision (a remote rate-limit store, say) during which the client cancels.
          await new Promise((resolve) => setTimeout(resolve, 100));
          guardDone();
          return next();
        },
      ],
    });
    server.registerTool('delete_everything', {}, async () => {
      ran.push('deleted');
      return { content: [{ type: 'text', text: 'done' }] };
    });
    const client = await connect(server);
    const controller = new AbortController();
    const pending = client.callTool({ name: 'delete_everything', arguments: {} }, undefined, {
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toThrow();
    await guardFinished;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(ran).toEqual([]);
    // An uncancelled call still runs.
    expect(textOf(await client.callTool({ name: 'delete_everything', arguments: {} }))).toBe('done');
    expect(ran).toEqual(['deleted']);
  });
});

describe('secureMcpServer: malformed requests', () => {
  it('answers request params the SDK cannot parse as invalid params, not as an internal error of the server', async () => {
    const server = new McpServer({ name: 's', version: '1' });
    const sink = memorySink();
    const seen: string[] = [];
    secureMcpServer(server, {
      events: sink,
      guards: [
        async (call, next) => {
          seen.push(`${call.kind}:${call.name}`);
          return next();
        },
      ],
    });
    server.registerTool('t', {}, async () => ({ content: [] }));
    server.registerResource('r', 'a://b', {}, async (uri) => ({ contents: [{ uri: uri.href, text: 'x' }] }));
    server.registerPrompt('p', {}, () => ({ messages: [] }));
    server.registerPrompt('c', { argsSchema: { a: completable(z.string(), () => ['x']) } }, () => ({
      messages: [],
    }));
    const client = await connect(server);
    const malformed = [
      { method: 'tools/call', params: { name: 5 } },
      { method: 'resources/read', params: { uri: 7 } },
      { method: 'prompts/get', params: { name: ['p'] } },
      {
        method: 'completion/complete',
        params: { ref: { type: 'ref/prompt', name: 'p' }, argument: { name: 'a' } },
      },
    ];
    for (const request of malformed) {
      const error = await client
        .request(request as { method: 'tools/call'; params: { name: string } }, CallToolResultSchema)
        .catch((failure: unknown) => failure);
      expect(error, request.method).toMatchObject({ code: -32602 });
    }
    // Client mistakes are not logged as critical server failures (an easy way to flood alerts).
    expect(sink.events.filter((event) => event.type === 'internal_error')).toEqual([]);
    expect(seen).toHaveLength(4);
  });
});
