import { memorySink, secureMcpServer } from '@mcp-warden/core';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { boundedString, sanitizeResult, sanitizeText, validationGuard } from '../src/index.js';
import { connect, textOf } from './helpers.js';

const ESC = '\u001b';
// JSON.stringify writes ESC and BEL as the text \u001b / \u0007; the rest stays raw.
const LEFT_OVER = /\\u001b|\\u0007|\\u009b|[\u009b\u202e\u200b]|\udb40/;

describe('adversarial: default-ignorable code points outside the listed ranges', () => {
  // Unicode's Default_Ignorable_Code_Point: rendered as nothing, still read by a model. Unassigned
  // ones (U+2065, U+FFF0–FFF8, U+E0080–E0FFF) must be invisible when assigned later too.
  const hidden = [
    '\u2065',
    '\ufff0',
    '\ufff8',
    '\u{1BCA0}',
    '\u{1BCA3}',
    '\u{E0080}',
    '\u{E00FF}',
    '\u{E01F0}',
    '\u{E0200}',
    '\u{E0FFF}',
  ];
  for (const ch of hidden) {
    const name = `U+${ch.codePointAt(0)!.toString(16).toUpperCase()}`;
    it(`sanitizeText removes ${name}`, () => {
      const result = sanitizeText(`a${ch}b`);
      expect(result.text).toBe('ab');
      expect(result.removed).toEqual({ invisible: 1 });
    });
    it(`boundedString refuses ${name}`, () => {
      expect(boundedString().safeParse(`a${ch}b`).success).toBe(false);
    });
  }

  it('keeps visible format characters and neighbours of the ranges (must-allow)', () => {
    for (const text of [
      '\u0600\u0661',
      '\u06dd',
      '\u{110BD}',
      '\u{1BC9C}',
      '\u{1BCA4}',
      '\ufffc',
      '\ufffd',
      '\u2800',
    ]) {
      expect(sanitizeText(text).text).toBe(text);
    }
  });
});

function guardedServer() {
  const events = memorySink();
  const mcp = new McpServer({ name: 'out', version: '1.0.0' });
  secureMcpServer(mcp, { guards: [validationGuard()], events });
  return { mcp, events };
}

describe('adversarial: output fields a client shows or a model reads', () => {
  it('sanitises every string of a structuredContent with more than 100,000 values (no budget that fails open)', async () => {
    const items = Array.from({ length: 100_005 }, (_, index) =>
      index === 0 ? `${ESC}]0;pwned\u0007` : 'ok',
    );
    const direct = sanitizeResult({ content: [], structuredContent: { items } });
    expect((direct.result.structuredContent as { items: string[] }).items[0]).toBe('');
    expect(direct.removed).toEqual({ ansi: 1 });

    const { mcp, events } = guardedServer();
    mcp.registerTool('dump', {}, async () => ({
      content: [{ type: 'text', text: 'many' }],
      structuredContent: { items: items.map((item, index) => (index === 99_999 ? `x\u{E0041}` : item)) },
    }));
    const client = await connect(mcp);
    const result = await client.callTool({ name: 'dump', arguments: {} });
    const received = (result.structuredContent as { items: string[] }).items;
    expect(received[0]).toBe('');
    expect(received[99_999]).toBe('x');
    expect(JSON.stringify(received)).not.toMatch(LEFT_OVER);
    expect(events.events.at(-1)).toMatchObject({ type: 'malicious_output' });
    await client.close();
  });

  it('sanitises a structuredContent with shared references once per object, in linear time', () => {
    let shared: unknown = { text: `${ESC}[2Jsecret` };
    for (let level = 0; level < 40; level++) shared = { a: shared, b: shared }; // 2^40 paths, 41 objects
    const { result } = sanitizeResult({ content: [], structuredContent: { root: shared } });
    let node = (result.structuredContent as { root: Record<string, unknown> }).root;
    for (let level = 0; level < 40; level++) node = node.b as Record<string, unknown>;
    expect(node).toEqual({ text: 'secret' });
  });

  it('sanitises _meta of the result, of content blocks and of resource contents, and URIs of links', async () => {
    const { mcp, events } = guardedServer();
    mcp.registerTool('meta', {}, async () => ({
      _meta: { note: `${ESC}]52;c;cm0gLXJmIH4=\u0007clean`, nested: [{ deep: 'a\u202eb' }] },
      content: [
        { type: 'text', text: 'ok', _meta: { hint: `ig\u{E0049}\u{E0047}nore` } },
        { type: 'resource_link', uri: `https://example.com/${ESC}[8mx`, name: 'doc' },
        {
          type: 'resource',
          resource: { uri: 'mem://a', text: 'body', _meta: { title: `t${ESC}]0;x\u0007` } },
        },
      ],
    }));
    mcp.registerResource('doc', 'mem://doc', {}, async () => ({
      _meta: { source: `s\u200bx` },
      contents: [{ uri: 'mem://doc', text: 'doc', _meta: { author: `${ESC}[31mbob` } }],
    }));
    const client = await connect(mcp);
    const result = await client.callTool({ name: 'meta', arguments: {} });
    const all = JSON.stringify(result);
    expect(all).not.toMatch(LEFT_OVER);
    expect(result._meta).toEqual({ note: 'clean', nested: [{ deep: 'ab' }] });
    expect(textOf(result)).toBe('ok');
    const read = await client.readResource({ uri: 'mem://doc' });
    expect(JSON.stringify(read)).not.toMatch(LEFT_OVER);
    expect(read.contents[0]?._meta).toEqual({ author: 'bob' });
    expect(events.events.filter((event) => event.type === 'malicious_output')).toHaveLength(2);
    await client.close();
  });

  it('leaves clean _meta, URIs and emoji in structured content untouched (must-allow)', async () => {
    const { mcp, events } = guardedServer();
    const structured = { list: ['👨‍👩‍👧', 'مرحبا', 'שלום', '中文', 'हिन्दी', 'tab\there', 'line\nbreak'] };
    mcp.registerTool('fine', { outputSchema: { list: z.array(z.string()) } }, async () => ({
      _meta: { 'io.example/trace': 'abc-123' },
      content: [{ type: 'text', text: JSON.stringify(structured) }],
      structuredContent: structured,
    }));
    const client = await connect(mcp);
    const result = await client.callTool({ name: 'fine', arguments: {} });
    expect(result.structuredContent).toEqual(structured);
    expect(result._meta).toEqual({ 'io.example/trace': 'abc-123' });
    expect(events.events).toEqual([]);
    await client.close();
  });
});
