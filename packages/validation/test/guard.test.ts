import {
  type Call,
  type CallResult,
  composeGuards,
  createSecurityContext,
  type Guard,
  memorySink,
  resolvePolicy,
  secureMcpServer,
} from '@mcp-warden/core';
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  argumentGuard,
  boundedEnum,
  boundedInt,
  boundedString,
  identifier,
  outputGuard,
  pathString,
  safeUrl,
  truncationMarker,
  type ValidationGuardOptions,
  validationGuard,
} from '../src/index.js';
import { connect, textOf } from './helpers.js';

const ESC = '\u001b';

// validationGuard is argumentGuard and outputGuard in one guard: every test runs against both forms.
const forms: [string, (options?: ValidationGuardOptions) => Guard[]][] = [
  ['validationGuard', (options) => [validationGuard(options)]],
  ['argumentGuard + outputGuard', (options = {}) => [outputGuard(options.output), argumentGuard(options)]],
];

describe.each(forms)('%s', (_form, guardsOf) => {
  function server(options: ValidationGuardOptions = {}, policies = {}) {
    const events = memorySink();
    const mcp = new McpServer({ name: 'guarded', version: '1.0.0' });
    secureMcpServer(mcp, { guards: guardsOf(options), events, policies: { tools: policies } });
    let handled = 0;
    mcp.registerTool(
      'search',
      {
        inputSchema: {
          query: boundedString({ maxChars: 100 }),
          limit: boundedInt({ min: 1, max: 50 }).optional(),
          order: boundedEnum(['asc', 'desc']).optional(),
          path: pathString().optional(),
          tags: z.array(identifier()).max(5).optional(),
          callback: safeUrl().optional(),
        },
      },
      async ({ query }) => {
        handled++;
        return { content: [{ type: 'text', text: `results for ${query}` }] };
      },
    );
    mcp.registerTool('echo', { inputSchema: { text: z.string() } }, async ({ text }) => ({
      content: [{ type: 'text', text }],
    }));
    mcp.registerTool('nothing', {}, async () => ({ content: [{ type: 'text', text: 'ok' }] }));
    return { mcp, events, handledCount: () => handled };
  }

  describe('arguments', () => {
    it('lets valid arguments through to the handler', async () => {
      const { mcp, events } = server();
      const client = await connect(mcp);
      const result = await client.callTool({
        name: 'search',
        arguments: { query: 'cats', limit: 50, order: 'asc' },
      });
      expect(textOf(result)).toBe('results for cats');
      expect(events.events).toEqual([]);
      await client.close();
    });

    it('refuses schema failures with ERR_INVALID_ARGUMENT listing every failing field, and emits an event', async () => {
      const { mcp, events, handledCount } = server();
      const client = await connect(mcp);
      const result = await client.callTool({
        name: 'search',
        arguments: { query: 'x'.repeat(5_000), limit: 51, order: 'sideways', tags: ['ok', '-rf'] },
      });
      expect(result.isError).toBe(true);
      const text = textOf(result);
      expect(text).toMatch(/^invalid arguments: /);
      expect(text).toContain('query: Too big: expected string to have <=100 characters');
      expect(text).toContain('limit: Too big: expected number to be <=50');
      expect(text).toContain('tags[1]: Invalid string: must match pattern');
      expect(text).toMatch(/\[ERR_INVALID_ARGUMENT\]$/);
      expect(text).not.toContain('xxxxxxxxxx');
      expect(text).not.toContain('sideways');
      const meta = (result._meta as Record<string, { code: string; fields: { path: string }[] }>)[
        'mcp-warden/error'
      ];
      expect(meta?.code).toBe('ERR_INVALID_ARGUMENT');
      expect(meta?.fields.map((field) => field.path)).toEqual(['query', 'limit', 'order', 'tags[1]']);
      expect(handledCount()).toBe(0);
      expect(events.events).toHaveLength(1);
      expect(events.events[0]).toMatchObject({
        type: 'input_validation_fail',
        outcome: 'denied',
        code: 'ERR_INVALID_ARGUMENT',
        target: 'tool:search',
      });
      await client.close();
    });

    it('refuses a hostile key without echoing it in full', async () => {
      const strict = new McpServer({ name: 's', version: '1' });
      secureMcpServer(strict, { guards: guardsOf() });
      strict.registerTool('t', { inputSchema: z.strictObject({ a: z.string() }) }, async () => ({
        content: [],
      }));
      const strictClient = await connect(strict);
      const key = `${'k'.repeat(200)}\u202e`;
      const result = await strictClient.callTool({ name: 't', arguments: { a: 'x', [key]: 1 } });
      expect(result.isError).toBe(true);
      expect(textOf(result).length).toBeLessThan(300);
      expect(textOf(result)).not.toContain('\u202e');
      await strictClient.close();
    });

    it('refuses structural abuse before zod runs: depth, size, forbidden keys', async () => {
      const { mcp, events, handledCount } = server();
      const client = await connect(mcp);
      let deep: unknown = 'leaf';
      for (let i = 0; i < 10_000; i++) deep = { a: deep };
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ query: 'x', deep }, /nested deeper than 32/],
        [{ query: 'x'.repeat(50 * 1024 * 1024) }, /query: larger than 1048576 bytes in total/],
        [JSON.parse('{"query": "x", "__proto__": {"isAdmin": true}}'), /__proto__: forbidden key/],
        [{ query: 'x', list: new Array(10_001).fill(1) }, /list: array longer than 10000/],
      ];
      for (const [args, message] of cases) {
        const result = await client.callTool({ name: 'search', arguments: args });
        expect(result.isError).toBe(true);
        expect(textOf(result)).toMatch(message);
      }
      expect(handledCount()).toBe(0);
      expect(events.events.map((event) => event.type)).toEqual(Array(4).fill('input_validation_fail'));
      await client.close();
    });

    it('applies structural limits to tools without a schema as well', async () => {
      const { mcp } = server({ limits: { maxDepth: 2 } });
      const client = await connect(mcp);
      const result = await client.callTool({ name: 'nothing', arguments: { a: { b: { c: 1 } } } });
      expect(textOf(result)).toBe('invalid arguments: a.b: nested deeper than 2 [ERR_INVALID_ARGUMENT]');
      await client.close();
    });

    it('takes per-tool limits from the policy', async () => {
      const { mcp } = server({}, { echo: { validation: { argumentLimits: { maxTotalBytes: 30 } } } });
      const client = await connect(mcp);
      expect((await client.callTool({ name: 'echo', arguments: { text: 'short' } })).isError).toBeFalsy();
      expect((await client.callTool({ name: 'echo', arguments: { text: 'x'.repeat(20) } })).isError).toBe(
        true,
      );
      await client.close();
    });

    it('validates async schemas (resolveHost) before the handler', async () => {
      const mcp = new McpServer({ name: 'a', version: '1' });
      const events = memorySink();
      secureMcpServer(mcp, { guards: guardsOf(), events });
      let fetched = 0;
      mcp.registerTool(
        'fetch',
        {
          inputSchema: {
            url: safeUrl({ resolveHost: true, lookup: async () => [{ address: '10.1.2.3', family: 4 }] }),
          },
        },
        async () => {
          fetched++;
          return { content: [{ type: 'text', text: 'fetched' }] };
        },
      );
      const client = await connect(mcp);
      const result = await client.callTool({
        name: 'fetch',
        arguments: { url: 'https://internal.example/' },
      });
      expect(textOf(result)).toBe(
        'invalid arguments: url: host resolves to a private address [ERR_INVALID_ARGUMENT]',
      );
      expect(fetched).toBe(0);
      await client.close();
    });

    it("parses a tool's schema once per call and hands the handler the parsed values", async () => {
      const mcp = new McpServer({ name: 'once', version: '1' });
      secureMcpServer(mcp, { guards: guardsOf() });
      let parses = 0;
      mcp.registerTool(
        'add',
        {
          inputSchema: {
            text: boundedString().refine(() => ++parses > 0),
            retries: boundedInt().default(3),
          },
        },
        async ({ text, retries }) => ({ content: [{ type: 'text', text: `${text} x${retries}` }] }),
      );
      const client = await connect(mcp);
      expect(textOf(await client.callTool({ name: 'add', arguments: { text: 'a' } }))).toBe('a x3');
      // The guard's parse is the only one: the SDK does not parse the same schema again.
      expect(parses).toBe(1);
      await client.close();
    });

    it('resolves a host once per call after the first call of an async schema', async () => {
      const mcp = new McpServer({ name: 'dns', version: '1' });
      secureMcpServer(mcp, { guards: guardsOf() });
      let lookups = 0;
      const lookup = async () => {
        lookups++;
        return [{ address: '93.184.215.14', family: 4 }];
      };
      mcp.registerTool(
        'fetch',
        { inputSchema: { url: safeUrl({ resolveHost: true, lookup }) } },
        async ({ url }) => ({ content: [{ type: 'text', text: `fetched ${url}` }] }),
      );
      const client = await connect(mcp);
      const call = { name: 'fetch', arguments: { url: 'https://example.org/a' } };
      expect(textOf(await client.callTool(call))).toBe('fetched https://example.org/a');
      // The first call learns that the schema is async (zod's sync attempt already started a lookup).
      const afterFirst = lookups;
      expect(afterFirst).toBeLessThanOrEqual(2);
      expect(textOf(await client.callTool(call))).toBe('fetched https://example.org/a');
      expect(lookups - afterFirst).toBe(1);
      await client.close();
    });

    it('refuses resource URIs with control or hidden characters, or over 8,192 characters', async () => {
      const mcp = new McpServer({ name: 'u', version: '1' });
      const events = memorySink();
      secureMcpServer(mcp, { guards: guardsOf(), events });
      let reads = 0;
      mcp.registerResource(
        'notes',
        new ResourceTemplate('notes://{id}', { list: undefined }),
        {},
        async (uri) => {
          reads++;
          return { contents: [{ uri: uri.href, text: 'note' }] };
        },
      );
      const client = await connect(mcp);
      expect((await client.readResource({ uri: 'notes://1' })).contents).toHaveLength(1);
      for (const uri of ['notes://a\u202eb', 'notes://a\u0000b', `notes://${'x'.repeat(8_200)}`]) {
        await expect(client.readResource({ uri })).rejects.toThrow(/invalid arguments: uri: /);
      }
      expect(reads).toBe(1);
      expect(events.events.map((event) => event.type)).toEqual(Array(3).fill('input_validation_fail'));
      await client.close();
    });

    it('validates prompt arguments too', async () => {
      const mcp = new McpServer({ name: 'p', version: '1' });
      secureMcpServer(mcp, { guards: guardsOf() });
      mcp.registerPrompt('review', { argsSchema: { code: boundedString({ maxChars: 10 }) } }, ({ code }) => ({
        messages: [{ role: 'user', content: { type: 'text', text: `review ${code}` } }],
      }));
      const client = await connect(mcp);
      await expect(client.getPrompt({ name: 'review', arguments: { code: 'x'.repeat(11) } })).rejects.toThrow(
        /invalid arguments: code: Too big/,
      );
      await expect(client.getPrompt({ name: 'review', arguments: { code: 'a\u0007b' } })).rejects.toThrow(
        /code: contains a control character/,
      );
      expect((await client.getPrompt({ name: 'review', arguments: { code: 'ok' } })).messages).toHaveLength(
        1,
      );
      await client.close();
    });
  });

  describe('output', () => {
    function outputServer(text: string, options: ValidationGuardOptions = {}, policies = {}) {
      const events = memorySink();
      const mcp = new McpServer({ name: 'out', version: '1.0.0' });
      secureMcpServer(mcp, { guards: guardsOf(options), events, policies: { tools: policies } });
      mcp.registerTool('show', {}, async () => ({
        content: [
          { type: 'text', text },
          { type: 'resource', resource: { uri: 'file:///x', text: `embedded ${text}` } },
        ],
        structuredContent: { nested: [{ value: text }] },
      }));
      return { mcp, events };
    }

    it('sanitises tool results by default and emits malicious_output with what was removed', async () => {
      const hostile = `done${ESC}]0;pwned${ESC}\\${ESC}[2J\u202e${String.fromCodePoint(0xe0041)}`;
      const { mcp, events } = outputServer(hostile);
      const client = await connect(mcp);
      const result = await client.callTool({ name: 'show' });
      expect(result.content).toEqual([
        { type: 'text', text: 'done' },
        { type: 'resource', resource: { uri: 'file:///x', text: 'embedded done' } },
      ]);
      expect(result.structuredContent).toEqual({ nested: [{ value: 'done' }] });
      expect(events.events).toEqual([
        expect.objectContaining({
          type: 'malicious_output',
          level: 'critical',
          target: 'tool:show',
          removed: { ansi: 6, bidi: 3, tag: 3 },
        }),
      ]);
      await client.close();
    });

    it('caps output with a visible truncation marker', async () => {
      const { mcp, events } = outputServer('y'.repeat(100), { output: { maxTextChars: 150 } });
      const client = await connect(mcp);
      const result = await client.callTool({ name: 'show' });
      const blocks = result.content as { type: string; text?: string; resource?: { text: string } }[];
      expect(blocks[0]?.text).toBe('y'.repeat(100));
      expect(blocks[1]?.resource?.text).toBe(`embedded ${'y'.repeat(41)}${truncationMarker(59)}`);
      expect(events.events).toEqual([]);
      await client.close();
    });

    it('can turn sanitising off per tool only through insecureRawOutput', async () => {
      const { mcp, events } = outputServer(
        `${ESC}[31mred`,
        {},
        { show: { validation: { insecureRawOutput: true } } },
      );
      const client = await connect(mcp);
      const result = await client.callTool({ name: 'show' });
      expect((result.content as { text?: string }[])[0]?.text).toBe(`${ESC}[31mred`);
      expect(events.events).toEqual([]);
      await client.close();
    });

    it('takes per-tool output options (escape instead of strip) from the policy', async () => {
      const { mcp } = outputServer(
        `${ESC}[31mred`,
        {},
        { show: { validation: { output: { mode: 'escape' } } } },
      );
      const client = await connect(mcp);
      const result = await client.callTool({ name: 'show' });
      expect((result.content as { text?: string }[])[0]?.text).toBe('\\x1b[31mred');
      await client.close();
    });

    it('sanitises resource contents and prompt messages', async () => {
      const events = memorySink();
      const mcp = new McpServer({ name: 'r', version: '1' });
      secureMcpServer(mcp, { guards: guardsOf(), events });
      mcp.registerResource(
        'notes',
        new ResourceTemplate('notes://{id}', { list: undefined }),
        {},
        async (uri) => ({
          contents: [{ uri: uri.href, text: `note\u200b\u200c\u200d${ESC}[8mhidden${ESC}[0m` }],
        }),
      );
      mcp.registerPrompt('p', {}, () => ({
        messages: [
          { role: 'assistant', content: { type: 'text', text: `hi${String.fromCodePoint(0xe0049)}` } },
        ],
      }));
      const client = await connect(mcp);
      const read = await client.readResource({ uri: 'notes://1' });
      expect((read.contents[0] as { text?: string }).text).toBe('notehidden');
      const prompt = await client.getPrompt({ name: 'p' });
      expect(prompt.messages[0]?.content).toEqual({ type: 'text', text: 'hi' });
      expect(events.events.map((event) => event.type)).toEqual(['malicious_output', 'malicious_output']);
      await client.close();
    });
  });

  describe('properties (called directly)', () => {
    const events = memorySink();
    const call = (args: Record<string, unknown>, inputSchema?: unknown): Call => ({
      kind: 'tool',
      name: 'prop',
      arguments: args,
      inputSchema,
      policy: resolvePolicy(undefined, undefined),
      context: createSecurityContext(
        { signal: new AbortController().signal, requestId: 1 },
        { sink: events },
      ),
    });
    const ok: CallResult = { content: [{ type: 'text', text: 'ok' }] };
    const composed = composeGuards(
      guardsOf({ limits: { maxDepth: 4, maxKeys: 100, maxArrayLength: 100, maxTotalBytes: 65_536 } }),
    );
    const guard: Guard = (call, next) => composed(call, next);
    const forbidden = ['__proto__', 'constructor', 'prototype'];
    // Depth: the arguments object (1) + at most 3 nested containers from jsonValue({ maxDepth: 2 }).
    const withinLimits = fc
      .dictionary(
        fc.string({ maxLength: 10 }).filter((key) => !forbidden.includes(key)),
        fc.jsonValue({ maxDepth: 2 }),
        { maxKeys: 8 },
      )
      .filter((value) => !/"(__proto__|constructor|prototype)":/.test(JSON.stringify(value)));

    it('returns a clean result as is, without copying it', async () => {
      const clean: CallResult = { content: [{ type: 'text', text: 'ok 😀 中文\n' }] };
      expect(await guard(call({}), async () => clean)).toBe(clean);
    });

    it('passes random JSON within the limits to the handler, unchanged', async () => {
      await fc.assert(
        fc.asyncProperty(withinLimits, async (args) => {
          let seen: unknown;
          const result = await guard(call(args), async (forwarded) => {
            seen = forwarded?.arguments ?? args;
            return ok;
          });
          expect(result).toEqual(ok);
          expect(seen).toBe(args);
        }),
        { numRuns: 300 },
      );
    });

    it('refuses random JSON pushed one level past maxDepth, without calling the handler', async () => {
      await fc.assert(
        fc.asyncProperty(fc.jsonValue({ maxDepth: 2 }), async (leaf) => {
          const args = { a: { b: { c: { d: leaf } } } }; // depth 5 once d holds an object; 4 otherwise
          const deep = typeof leaf === 'object' && leaf !== null && JSON.stringify(leaf).length < 1_000;
          fc.pre(deep || typeof leaf !== 'object' || leaf === null);
          let called = false;
          const attempt = guard(call(args), async () => {
            called = true;
            return ok;
          });
          if (deep) {
            await expect(attempt).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
            expect(called).toBe(false);
          } else {
            await expect(attempt).resolves.toEqual(ok);
          }
        }),
        { numRuns: 300 },
      );
    });
  });
});

describe('the two halves on their own', () => {
  const events = memorySink();
  const call = (args: Record<string, unknown>): Call => ({
    kind: 'tool',
    name: 'half',
    arguments: args,
    inputSchema: z.object({ text: boundedString({ maxChars: 10 }) }),
    policy: resolvePolicy(undefined, undefined),
    context: createSecurityContext({ signal: new AbortController().signal, requestId: 1 }, { sink: events }),
  });
  const hostile: CallResult = { content: [{ type: 'text', text: `red${ESC}[31m` }] };

  it('argumentGuard refuses bad arguments but sends results as they are', async () => {
    const guard = argumentGuard();
    await expect(guard(call({ text: 'x'.repeat(11) }), async () => hostile)).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
    });
    expect(await guard(call({ text: 'ok' }), async () => hostile)).toBe(hostile);
  });

  it('outputGuard sanitises results but hands the call on unchanged', async () => {
    const guard = outputGuard();
    const original = call({ text: 'x'.repeat(11) });
    let seen: Call | undefined;
    const result = await guard(original, async (forwarded) => {
      seen = forwarded;
      return hostile;
    });
    expect(seen).toBe(original);
    expect(result).toEqual({ content: [{ type: 'text', text: 'red' }] });
  });

  it('both check their options when built, not at the first call', () => {
    expect(() => argumentGuard({ limits: { maxDepth: 0 } })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION' }),
    );
    expect(() => outputGuard({ maxTextChars: -1 })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION' }),
    );
  });
});
