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
