import type { SecurityEvent } from '@mcp-warden/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineEncoder } from '../src/line-encoder.js';
import { resolveRedaction } from '../src/redaction.js';

describe('LineEncoder memoization', () => {
  it('a warm encoder writes exactly what a fresh one writes, for any values (property)', () => {
    const redaction = resolveRedaction({ secrets: ['s', 'hunter2'], maxStringLength: 400 });
    const shared = new LineEncoder(redaction);
    const value = fc.oneof(
      fc.string({ maxLength: 120 }),
      fc.constantFrom('Bearer abc.def-123', 'token=xyz', 'hunter2', 'ss', 'plain text'),
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string({ minLength: 1, maxLength: 12 }), value), { maxLength: 8 }),
        (pairs) => {
          const event = {
            type: 'fs_denied',
            time: '2026-01-01T00:00:00.000Z',
            level: 'warn',
            outcome: 'denied',
            operation: pairs[0]?.[1] ?? 'op',
            reason: 'r',
            extra: Object.fromEntries(pairs),
          } as unknown as SecurityEvent;
          const fresh = new LineEncoder(redaction).encode(event, 'i', 1);
          expect(shared.encode(event, 'i', 1)).toBe(fresh);
          expect(shared.encode(event, 'i', 1)).toBe(fresh);
          expect(() => JSON.parse(fresh)).not.toThrow();
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('LineEncoder string literals', () => {
  it('any string value round-trips through JSON.parse, and no line breaker, C1 control, bidi, format or tag character or lone surrogate is written raw (property)', () => {
    const encoder = new LineEncoder(resolveRedaction({ secrets: [], maxStringLength: 10_000 }));
    const risky = fc.constantFrom(
      '"',
      '\\',
      '\u0000',
      '\n',
      '\u001f',
      '\u0085',
      '\u2028',
      '\u202e',
      '\u2066',
      '\u009b',
      '\u200b',
      '\u00ad',
      '\ufeff',
      '\u{E0041}',
      '\ud800',
      '\udfff',
      '😀',
      'é',
    );
    const text = fc.oneof(
      fc.string({ maxLength: 60, unit: 'binary' }),
      fc
        .array(fc.oneof(risky, fc.string({ maxLength: 4 })), { maxLength: 12 })
        .map((parts) => parts.join('')),
    );
    fc.assert(
      fc.property(text, (value) => {
        const event = {
          type: 'fs_denied',
          time: '2026-01-01T00:00:00.000Z',
          level: 'warn',
          outcome: 'denied',
          operation: 'read',
          reason: value,
        } as unknown as SecurityEvent;
        const line = encoder.encode(event, 'i', 1);
        expect(line).not.toMatch(
          // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
          /[\u0000-\u001f\u0080-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]|\udb40[\udc00-\udc7f]/,
        );
        expect(Buffer.from(line, 'utf8').toString('utf8')).toBe(line); // well-formed: no lone surrogate
        expect((JSON.parse(line) as { reason: string }).reason).toBe(value);
      }),
      { numRuns: 1000 },
    );
  });
});
