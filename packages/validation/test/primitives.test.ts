import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  boundedEnum,
  boundedInt,
  boundedNumber,
  boundedString,
  identifier,
  pathString,
} from '../src/index.js';

const ok = (schema: { safeParse(v: unknown): { success: boolean } }, value: unknown) =>
  schema.safeParse(value).success;
const messages = (
  schema: { safeParse(v: unknown): { error?: { issues: { message: string }[] } } },
  value: unknown,
) => schema.safeParse(value).error?.issues.map((issue) => issue.message) ?? [];

describe('boundedString', () => {
  it('has a finite default of 1,000 characters', () => {
    const schema = boundedString();
    expect(ok(schema, 'x'.repeat(1_000))).toBe(true);
    expect(ok(schema, 'x'.repeat(1_001))).toBe(false);
  });

  it('accepts exactly maxChars and minChars, refuses one beyond each', () => {
    const schema = boundedString({ minChars: 2, maxChars: 5 });
    expect([ok(schema, 'a'), ok(schema, 'ab'), ok(schema, 'abcde'), ok(schema, 'abcdef')]).toEqual([
      false,
      true,
      true,
      false,
    ]);
  });

  it('limits UTF-8 bytes separately from characters', () => {
    const schema = boundedString({ maxChars: 100, maxBytes: 6 });
    expect(ok(schema, '€€')).toBe(true); // 2 chars, 6 bytes
    expect(messages(schema, '€€a')).toEqual(['Too big: expected at most 6 UTF-8 bytes']);
    expect(ok(schema, 'abcdef')).toBe(true);
    expect(ok(schema, 'abcdefg')).toBe(false);
  });

  it('refuses control characters but allows tabs; line breaks only when multiline', () => {
    const single = boundedString();
    const multi = boundedString({ multiline: true });
    expect(ok(single, 'a\tb')).toBe(true);
    expect(messages(single, 'a\nb')).toEqual(['contains a line break']);
    expect(ok(multi, 'a\nb\r\nc')).toBe(true);
    expect(messages(multi, 'a\rb')).toEqual(['contains a control character']);
    for (const control of ['\u0000', '\u0007', '\u001b[31m', '\u007f', '\u0085', '\u009b']) {
      expect(messages(multi, `a${control}b`)).toEqual(['contains a control character']);
    }
  });

  it('refuses lone surrogates but accepts paired ones', () => {
    const schema = boundedString();
    expect(ok(schema, '😀')).toBe(true);
    expect(messages(schema, 'a\ud83d')).toEqual(['contains a lone surrogate (not valid Unicode)']);
    expect(ok(schema, '\ude00a')).toBe(false);
  });

  it('refuses hidden characters (bidi, zero-width, tags) but accepts emoji sequences and scripts', () => {
    const schema = boundedString();
    expect(messages(schema, 'a\u202eb')).toEqual(['contains a bidirectional control character']);
    expect(messages(schema, 'a\u200bb\u{e0041}')).toEqual([
      'contains a zero-width character, a Unicode tag character',
    ]);
    expect(ok(schema, '👨‍👩‍👧 🏴󠁧󠁢󠁳󠁣󠁴󠁿 می‌خواهم')).toBe(true);
    expect(ok(boundedString({ allowHiddenCharacters: true }), 'a\u202eb')).toBe(true);
  });

  it('normalises to NFC on request, before the length check', () => {
    const schema = boundedString({ normalize: 'NFC', maxChars: 1 });
    expect(schema.parse('e\u0301')).toBe('\u00e9');
    expect(ok(boundedString({ maxChars: 1 }), 'e\u0301')).toBe(false);
    expect(boundedString({ normalize: 'NFKC' }).parse('ﬁ')).toBe('fi');
  });

  it('checks a pattern and refuses a catastrophic one at definition time', () => {
    const schema = boundedString({ pattern: /^[a-z]+(-[a-z]+)*$/ });
    expect(ok(schema, 'kebab-case-name')).toBe(true);
    expect(ok(schema, 'Not-Kebab')).toBe(false);
    expect(() => boundedString({ pattern: /^(a+)+$/ })).toThrow(
      expect.objectContaining({ code: 'ERR_UNSAFE_PATTERN' }),
    );
    expect(() => boundedString({ pattern: '^(\\w+\\s?)*$' })).toThrow(
      expect.objectContaining({ code: 'ERR_UNSAFE_PATTERN' }),
    );
    expect(ok(boundedString({ pattern: /^(a+)+$/, allowUnsafePattern: true }), 'aaa')).toBe(true);
  });

  it('refuses invalid options with ERR_INVALID_OPTION', () => {
    for (const options of [
      { maxChars: -1 },
      { maxChars: 1.5 },
      { minChars: 10, maxChars: 5 },
      { maxBytes: -1 },
    ]) {
      expect(() => boundedString(options)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }));
    }
  });

  it('does not scan an oversized value (one issue: too long)', () => {
    expect(messages(boundedString({ maxChars: 3 }), 'ab\u202ecdef')).toEqual([
      'Too big: expected string to have <=3 characters',
    ]);
  });

  it('property: printable strings within the limit pass, longer ones fail', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 50 }), fc.string({ maxLength: 80 }), (max, text) => {
        fc.pre(/^[\x20-\x7e]*$/.test(text));
        expect(ok(boundedString({ maxChars: max }), text)).toBe(text.length <= max);
      }),
    );
  });

  it('property: any string with a C0/C1 control other than tab is refused', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.integer({ min: 0, max: 0x9f }).filter((c) => c !== 9 && (c < 0x20 || c >= 0x7f)),
        fc.string(),
        (a, code, b) => {
          expect(ok(boundedString({ maxChars: 1_000 }), `${a}${String.fromCharCode(code)}${b}`)).toBe(false);
        },
      ),
    );
  });
});

describe('boundedInt and boundedNumber', () => {
  it('boundedInt accepts the safe-integer range and refuses beyond it by default', () => {
    const schema = boundedInt();
    expect(ok(schema, Number.MAX_SAFE_INTEGER)).toBe(true);
    expect(ok(schema, Number.MIN_SAFE_INTEGER)).toBe(true);
    expect(ok(schema, Number.MAX_SAFE_INTEGER + 1)).toBe(false);
    expect(ok(schema, 2 ** 63)).toBe(false);
    expect(ok(schema, 1.5)).toBe(false);
    expect(ok(schema, '1')).toBe(false);
  });

  it('boundedInt: at and around min and max', () => {
    const schema = boundedInt({ min: 1, max: 100 });
    expect([0, 1, 100, 101].map((n) => ok(schema, n))).toEqual([false, true, true, false]);
    expect(() => boundedInt({ min: 5, max: 1 })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION' }),
    );
    expect(() => boundedInt({ max: 2 ** 60 })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION' }),
    );
  });

  it('boundedNumber refuses NaN and infinities and respects bounds', () => {
    const schema = boundedNumber({ min: -1, max: 1 });
    expect([-1, 0.5, 1].every((n) => ok(schema, n))).toBe(true);
    expect(
      [-1.0001, 1.0001, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY].some((n) =>
        ok(schema, n),
      ),
    ).toBe(false);
    expect(ok(boundedNumber(), 1e300)).toBe(true);
    expect(ok(boundedNumber(), -Number.MAX_VALUE)).toBe(true);
    expect(ok(boundedNumber(), Number.POSITIVE_INFINITY)).toBe(false);
    expect(() => boundedNumber({ min: Number.NaN })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION' }),
    );
  });

  it('property: boundedNumber() accepts every finite double and nothing else', () => {
    fc.assert(
      fc.property(fc.double(), (value) => {
        expect(ok(boundedNumber(), value)).toBe(Number.isFinite(value));
      }),
    );
  });

  it('property: boundedInt accepts exactly the integers in [min, max]', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1000, max: 1000 }),
        fc.integer({ min: 0, max: 1000 }),
        fc.double(),
        (min, span, value) => {
          const schema = boundedInt({ min, max: min + span });
          expect(ok(schema, value)).toBe(Number.isInteger(value) && value >= min && value <= min + span);
        },
      ),
    );
  });
});

describe('boundedEnum and identifier', () => {
  it('boundedEnum accepts its values only', () => {
    const schema = boundedEnum(['asc', 'desc']);
    expect(schema.parse('asc')).toBe('asc');
    expect(ok(schema, 'ASC')).toBe(false);
  });

  it('boundedEnum refuses empty, duplicate, overlong or hidden-character values', () => {
    for (const values of [[''], ['a', 'a'], ['x'.repeat(257)], ['a\u202eb'], ['a\u0000']] as [
      string,
      ...string[],
    ][]) {
      expect(() => boundedEnum(values)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }));
    }
  });

  it('identifier: ASCII names up to 64 characters', () => {
    const schema = identifier();
    expect(
      ['a', '_x', 'main', 'feature/x'.replace('/', '-'), `a${'b'.repeat(63)}`].every((v) => ok(schema, v)),
    ).toBe(true);
    for (const bad of ['', '1abc', '-rf', 'a b', 'а', `a${'b'.repeat(64)}`, 'a/b', '--upload-pack=x']) {
      expect(ok(schema, bad)).toBe(false);
    }
  });
});

describe('pathString', () => {
  it('accepts ordinary relative and absolute paths, refuses empty and overlong', () => {
    const schema = pathString({ maxChars: 20 });
    expect(['a.txt', 'dir/sub/file', '/etc/hosts', 'x'.repeat(20)].every((v) => ok(schema, v))).toBe(true);
    expect(['', 'x'.repeat(21)].some((v) => ok(schema, v))).toBe(false);
  });

  it('refuses NUL, control characters, line breaks and bidi tricks', () => {
    const schema = pathString();
    expect(messages(schema, 'a.txt\u0000.png')).toEqual(['contains a NUL character']);
    expect(ok(schema, 'a\nb')).toBe(false);
    expect(ok(schema, 'a\u001b[2Jb')).toBe(false);
    expect(messages(schema, 'invoice\u202etxt.exe')).toEqual(['contains a bidirectional control character']);
  });

  it('limits segment bytes (255 by default) and can refuse absolute paths and ".."', () => {
    expect(ok(pathString(), `a/${'x'.repeat(255)}/b`)).toBe(true);
    expect(ok(pathString(), `a/${'x'.repeat(256)}/b`)).toBe(false);
    const strict = pathString({ allowAbsolute: false, allowParentSegments: false });
    expect(ok(strict, 'a/b..c/d')).toBe(true);
    for (const bad of ['/etc/passwd', '\\\\server\\share', 'C:\\x', 'a/../../b', '..\\x'])
      expect(ok(strict, bad)).toBe(false);
  });

  it('property: strings with a NUL are always refused', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        expect(ok(pathString(), `${a}\u0000${b}`)).toBe(false);
      }),
    );
  });
});
