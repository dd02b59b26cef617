import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fieldProblems, formatPath } from '../src/index.js';

describe('fieldProblems', () => {
  it('lists at most 20 fields, cuts reasons to 160 printable characters and never shows control characters', () => {
    const issues = Array.from({ length: 30 }, (_, i) => ({
      path: ['items', i],
      message: `bad \u001b[2J\u202e${'x'.repeat(500)}`,
      code: 'custom',
    }));
    const fields = fieldProblems(issues);
    expect(fields).toHaveLength(20);
    expect(fields[3]?.path).toBe('items[3]');
    expect(fields[0]?.reason.length).toBeLessThanOrEqual(161);
    expect(fields[0]?.reason).toMatch(/^bad \?\[2J\?x+…$/);
  });

  it('formats paths with hostile keys quoted, cut and printable', () => {
    // A long key is cut to 32 characters plus an ellipsis, and every non-printable character becomes ?.
    expect(formatPath(['a', 0, 'b c', 'x'.repeat(100), 'd\u0000'])).toBe(
      `a[0]["b c"]["${'x'.repeat(32)}?"]["d?"]`,
    );
    expect(formatPath([])).toBe('(root)');
  });

  it('turns real zod issues into paths and reasons', () => {
    const schema = z.object({ a: z.array(z.object({ b: z.string().max(2) })) });
    const result = schema.safeParse({ a: [{ b: 'ok' }, { b: 'too long' }] });
    expect(fieldProblems(result.error?.issues ?? [])).toEqual([
      { path: 'a[1].b', reason: 'Too big: expected string to have <=2 characters' },
    ]);
  });
});
