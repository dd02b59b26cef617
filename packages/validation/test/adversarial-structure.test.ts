import { memorySink, secureMcpServer } from '@mcp-warden/core';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { findStructureProblem, sanitizeResult, sanitizeText, validationGuard } from '../src/index.js';
import { connect, textOf } from './helpers.js';

const ESC = '\u001b';

describe('adversarial: structure (held)', () => {
  it('refuses forbidden keys parsed from JSON at every depth, inside arrays too, through the guard', async () => {
    const mcp = new McpServer({ name: 's', version: '1.0.0' });
    secureMcpServer(mcp, { guards: [validationGuard()], events: memorySink() });
    let handled = 0;
    mcp.registerTool('merge', { inputSchema: { data: z.any() } }, async () => {
      handled++;
      return { content: [{ type: 'text', text: 'merged' }] };
    });
    const client = await connect(mcp);
    for (const json of [
      '{"data":{"__proto__":{"polluted":1}}}',
      '{"data":[[{"a":{"constructor":{"prototype":{"x":1}}}}]]}',
      '{"data":[1,{"prototype":2}]}',
    ]) {
      const result = await client.callTool({ name: 'merge', arguments: JSON.parse(json) });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toContain('forbidden key');
    }
    expect(handled).toBe(0);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await client.close();
  });

  it('refuses many small keys, huge sparse arrays, holes, cycles and exponential sharing quickly', () => {
    expect(
      findStructureProblem(Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`k${i}`, 1])))?.limit,
    ).toBe('maxKeys');
    const sparse: unknown[] = [];
    sparse[50_000_000] = 1;
    expect(findStructureProblem({ a: sparse })?.limit).toBe('maxArrayLength');
    expect(findStructureProblem({ a: new Array(3) })?.limit).toBe('notJson');
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(findStructureProblem(cycle)?.limit).toBe('maxDepth');
    let shared: unknown = ['x'];
    for (let level = 0; level < 60; level++) shared = [shared, shared];
    expect(findStructureProblem({ shared })?.limit).toBe('maxDepth');
    let wide: unknown = 'x'.repeat(1_000);
    for (let level = 0; level < 20; level++) wide = [wide, wide];
    expect(['maxNodes', 'maxTotalBytes']).toContain(findStructureProblem({ wide })?.limit);
    expect(findStructureProblem({ text: 'x'.repeat(50_000_000) })?.limit).toBe('maxTotalBytes');
    let deep: unknown = [];
    for (let level = 0; level < 10_000; level++) deep = [deep];
    expect(findStructureProblem({ deep })?.limit).toBe('maxDepth');
  });
});

describe('adversarial: output sanitiser (held)', () => {
  it('removes CSI with every final byte, private and intermediate forms', () => {
    for (let final = 0x40; final <= 0x7e; final++) {
      const seq = `${ESC}[1;2${String.fromCharCode(final)}`;
      expect(sanitizeText(`a${seq}b`).text).toBe('ab');
      expect(sanitizeText(`a\u009b1;2${String.fromCharCode(final)}b`).text).toBe('ab');
    }
    expect(sanitizeText(`a${ESC}[?25lb${ESC}[>0c${ESC}[1 q`).text).toBe('ab');
  });

  it('removes OSC 8, OSC 52 and titles with either terminator, DCS/APC/PM/SOS, and unterminated tails', () => {
    const cases = [
      `${ESC}]8;;https://evil.example${ESC}\\click${ESC}]8;;${ESC}\\`,
      `${ESC}]8;;https://evil.example\u0007click${ESC}]8;;\u0007`,
      `${ESC}]52;c;cm0gLXJmIH4=\u0007click`,
      `${ESC}]0;title${ESC}\\click`,
      `\u009d2;title\u009cclick`,
      `${ESC}P1$r${ESC}\\click`,
      `${ESC}_Gf=100;AAAA${ESC}\\click`,
      `${ESC}^pm${ESC}\\click`,
      `${ESC}Xsos${ESC}\\click`,
      `\u0090dcs\u009cclick`,
      `click\u007f${ESC}[`,
      `click${ESC}`,
    ];
    for (const text of cases) expect(sanitizeText(text).text).toBe('click');
    expect(sanitizeText(`click${ESC}]0;evil`).text).not.toContain(ESC);
  });

  it('leaves no escape in any block when a sequence is split across content blocks', () => {
    const { result } = sanitizeResult({
      content: [
        { type: 'text', text: `a${ESC}` },
        { type: 'text', text: '[2Jb' },
        { type: 'text', text: `c\u009b` },
        { type: 'text', text: `${ESC}]0;` },
        { type: 'text', text: 't\u0007' },
      ],
    });
    expect(JSON.stringify(result)).not.toMatch(/\\u001b|\\u0007|\u009b/);
  });

  it('finishes a 1 MB OSC payload and a million introducers (linear, no timing asserted)', () => {
    expect(sanitizeText(`${ESC}]8;;${'x'.repeat(1_000_000)}\u0007ok`).text).toBe('ok');
    expect(sanitizeText(`${ESC}]8;;${'x'.repeat(1_000_000)}`).text).not.toContain(ESC);
    expect(sanitizeText(`${ESC}]`.repeat(500_000)).text).toBe('');
    expect(sanitizeText(`${ESC}P${'x'.repeat(100)}`.repeat(10_000)).text).not.toContain(ESC);
  });

  it('keeps emoji ZWJ sequences, flags, keycaps and common scripts (must-allow)', () => {
    const text = '👨‍👩‍👧 🏳️‍🌈 🇯🇵 ❤️ 1️⃣ 👍🏽 🏴󠁧󠁢󠁳󠁣󠁴󠁿 مرحبا שלום 中文 हिन्दी می‌خواهم\tend\nnext';
    expect(sanitizeText(text)).toEqual({ text, removed: {}, changed: false });
  });
});
