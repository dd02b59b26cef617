import { memorySink, secureMcpServer } from '@mcp-warden/core';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { describe, expect, it } from 'vitest';
import { boundedInt, boundedNumber, boundedString, pathString, validationGuard } from '../src/index.js';
import { connect, textOf } from './helpers.js';

describe('adversarial: strings (held)', () => {
  const refused: [string, string][] = [
    ['lone high surrogate at the start', '\ud800abc'],
    ['lone high surrogate at the end', 'abc\ud83d'],
    ['lone low surrogate at the start', '\udc00abc'],
    ['lone low surrogate at the end', 'abc\ude00'],
    ['RLO', 'a\u202eb'],
    ['LRE', 'a\u202ab'],
    ['PDF', 'a\u202cb'],
    ['LRI', 'a\u2066b'],
    ['PDI', 'a\u2069b'],
    ['ZWSP', 'a\u200bb'],
    ['LRM', 'a\u200eb'],
    ['RLM', 'a\u200fb'],
    ['word joiner', 'a\u2060b'],
    ['invisible plus', 'a\u2064b'],
    ['BOM', '\ufeffab'],
    ['tag characters', 'a\u{E0041}\u{E007F}'],
    ['a run of variation selectors', '😀\ufe0f\ufe0f\ufe0f'],
    ['a lone \\r', 'a\rb'],
    ['NUL', 'a\u0000b'],
    ['NEL', 'a\u0085b'],
  ];
  for (const [name, value] of refused) {
    it(`refuses ${name}`, () => {
      expect(boundedString().safeParse(value).success).toBe(false);
    });
  }

  it('counts characters and UTF-8 bytes after NFC, exactly at the limits', () => {
    const nfd = 'e\u0301'.repeat(3); // 6 code units, 9 bytes; NFC: 3 units, 6 bytes
    expect(boundedString({ maxChars: 3 }).safeParse(nfd).success).toBe(false);
    expect(boundedString({ maxChars: 3, normalize: 'NFC' }).safeParse(nfd).data).toBe('\u00e9'.repeat(3));
    expect(boundedString({ maxChars: 10, maxBytes: 6, normalize: 'NFC' }).safeParse(nfd).success).toBe(true);
    expect(boundedString({ maxChars: 10, maxBytes: 5, normalize: 'NFC' }).safeParse(nfd).success).toBe(false);
    expect(boundedString({ maxChars: 4, maxBytes: 8 }).safeParse('😀😀').success).toBe(true);
    expect(boundedString({ maxChars: 4, maxBytes: 7 }).safeParse('😀😀').success).toBe(false);
  });

  it('accepts common scripts, emoji sequences and tabs (must-allow)', () => {
    for (const text of [
      'مرحبا بالعالم',
      'שלום עולם',
      '你好，世界',
      'こんにちは',
      '안녕하세요',
      'नमस्ते दुनिया',
      'क्‍ष',
      'می‌خواهم',
      'Tiếng Việt',
      '👨‍👩‍👧 🏳️‍🌈 🇯🇵 ❤️ 1️⃣ 👍🏽 🏴󠁧󠁢󠁥󠁮󠁧󠁿',
      'a\tb',
      'ཧྐྵྨླྺྼྻྂ',
    ]) {
      expect(boundedString().safeParse(text).success).toBe(true);
    }
    expect(boundedString({ multiline: true }).safeParse('one\ntwo\r\nthree').success).toBe(true);
  });
});

describe('adversarial: numbers (held)', () => {
  it('refuses NaN, infinities, 1e309, unsafe integers, numeric strings and booleans', () => {
    for (const value of [
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      Number.parseFloat('1e309'),
      '5',
      true,
      null,
    ]) {
      expect(boundedNumber().safeParse(value).success).toBe(false);
      expect(boundedInt().safeParse(value).success).toBe(false);
    }
    expect(boundedInt().safeParse(JSON.parse('9007199254740993')).success).toBe(false);
    expect(boundedInt().safeParse(JSON.parse('-9007199254740993')).success).toBe(false);
    expect(boundedInt().safeParse(1.5).success).toBe(false);
    expect(boundedInt().safeParse(-0).success).toBe(true); // -0 is the integer 0 (JSON writes it as 0)
  });
});

describe('adversarial: line separators and combining-mark floods', () => {
  it('refuses U+2028 and U+2029 as line breaks unless multiline', () => {
    for (const value of ['a\u2028b', 'a\u2029b', '\u2028']) {
      expect(boundedString().safeParse(value).error?.issues[0]?.message).toBe('contains a line break');
      expect(pathString().safeParse(value).success).toBe(false);
      expect(boundedString({ multiline: true }).safeParse(value).success).toBe(true);
    }
  });

  it('refuses more than 30 combining marks in a row (zalgo; Unicode stream-safe limit)', () => {
    const zalgo = `a${'\u0301'.repeat(10_000)}`;
    expect(boundedString({ maxChars: 20_000 }).safeParse(zalgo).error?.issues[0]?.message).toBe(
      'contains more than 30 combining marks in a row',
    );
    expect(boundedString().safeParse(`a${'\u0301\u0316'.repeat(16)}`).success).toBe(false);
    expect(boundedString().safeParse(`a${'\u{1D165}'.repeat(31)}`).success).toBe(false);
    expect(pathString().safeParse(`x${'\u0336'.repeat(31)}`).success).toBe(false);
    expect(boundedString().safeParse(`a${'\u0301'.repeat(30)}`).success).toBe(true);
    expect(boundedString().safeParse(`${'a\u0301'.repeat(500)}`).success).toBe(true);
  });

  it('refuses both through the guard before the handler runs', async () => {
    const mcp = new McpServer({ name: 'notes', version: '1.0.0' });
    secureMcpServer(mcp, { guards: [validationGuard()], events: memorySink() });
    let handled = 0;
    mcp.registerTool(
      'note',
      {
        inputSchema: {
          title: boundedString({ maxChars: 200 }),
          body: boundedString({ maxChars: 20_000, multiline: true }),
        },
      },
      async () => {
        handled++;
        return { content: [{ type: 'text', text: 'saved' }] };
      },
    );
    const client = await connect(mcp);
    const split = await client.callTool({ name: 'note', arguments: { title: 'a\u2028b', body: 'x' } });
    expect(split.isError).toBe(true);
    expect(textOf(split)).toContain('title: contains a line break');
    const zalgo = await client.callTool({
      name: 'note',
      arguments: { title: 't', body: `Z${'\u0489'.repeat(5_000)}` },
    });
    expect(zalgo.isError).toBe(true);
    expect(textOf(zalgo)).toContain('body: contains more than 30 combining marks in a row');
    const ok = await client.callTool({
      name: 'note',
      arguments: { title: 'Tiếng Việt', body: 'a\u2028b\nc' },
    });
    expect(textOf(ok)).toBe('saved');
    expect(handled).toBe(1);
    await client.close();
  });
});
