import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chainHmac, FastHmac, hmacKeyFrom } from '../src/hash-chain.js';

describe('FastHmac', () => {
  it('equals Node createHmac for any key of 32+ bytes (also over 64) and any ASCII message (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 200 }),
        fc.string({
          unit: fc.integer({ min: 0, max: 127 }).map((code) => String.fromCharCode(code)),
          maxLength: 300,
        }),
        (keyBytes, message) => {
          const key = hmacKeyFrom(keyBytes);
          const expected = createHmac('sha256', Buffer.from(keyBytes)).update(message).digest('hex');
          expect(new FastHmac(key).sign(message)).toBe(expected);
          expect(chainHmac(key, message)).toBe(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});
