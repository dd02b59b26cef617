import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertSafePattern, checkPatternSafety } from '../src/index.js';

describe('checkPatternSafety: refuses catastrophic backtracking', () => {
  const exponential = [
    '^(a+)+$',
    '(a*)*b',
    '^(\\w+\\s?)*$',
    '^([a-zA-Z0-9])(([\\-.]|[_]+)?([a-zA-Z0-9]+))*(@){1}[a-z0-9]+[.]{1}(([a-z]{2,3})|([a-z]{2,3}[.]{1}[a-z]{2,3}))$',
    '(x+x+)+y',
    '(.*a){12}',
    '^(a|a)*$',
    '^(a|ab)*c',
    '(\\w|\\d)+$',
    '^(([a-z])+.)+[A-Z]([a-z])+$',
    '(?:a?a)+$',
    '(?<word>\\w+\\s*)+=',
    '^(?=(a+)+)b',
    '^(a?){25}(a){25}$',
    '(x\\w*)*y',
    '(.*){1,32000}[bc]',
    '^([0-9a-z]+\\.?)+$',
    '^([a-zA-Z0-9_\\.\\-])+\\@(([a-zA-Z0-9\\-])+\\.)+([a-zA-Z0-9]{2,4})+$',
    '^(\\s*[a-z]+\\s*,?)*$',
  ];
  for (const source of exponential) {
    it(`refuses ${source}`, () => {
      expect(checkPatternSafety(source).safe).toBe(false);
    });
  }

  it('refuses backreferences, named or numbered', () => {
    expect(checkPatternSafety('(a+)\\1').reasons[0]).toMatch(/backreference/);
    expect(checkPatternSafety('(?<q>["\'])x\\k<q>').safe).toBe(false);
  });

  it('refuses long chains of ambiguous repetitions (high-degree polynomial)', () => {
    expect(checkPatternSafety('.*a.*b.*c').safe).toBe(false);
    expect(checkPatternSafety('\\d+\\d+\\d+\\d+').safe).toBe(false);
  });

  it('refuses the g and y flags, invalid syntax and very long sources', () => {
    expect(checkPatternSafety(/abc/g).reasons).toContain('the g and y flags make test() stateful');
    expect(checkPatternSafety(/abc/y).safe).toBe(false);
    expect(checkPatternSafety('(unclosed').reasons).toEqual(['not a valid regular expression']);
    expect(checkPatternSafety('a'.repeat(1_001)).safe).toBe(false);
  });

  it('respects the i flag when comparing sets', () => {
    expect(checkPatternSafety(/^(?:a|B)+$/).safe).toBe(true);
    expect(checkPatternSafety(/^(?:a|A)+$/i).safe).toBe(false);
  });
});

describe('checkPatternSafety: accepts common safe patterns', () => {
  const safe = [
    '^[a-z0-9-]+$',
    '^[A-Za-z_][A-Za-z0-9_.-]*$',
    '^[a-z]+(\\.[a-z]+)*$',
    '^\\d{1,3}(\\.\\d{1,3}){3}$',
    '^[^@\\s]+@[^@\\s]+\\.[a-z]{2,}$',
    '^(?:[a-z0-9]|-)+$',
    '^#[0-9a-fA-F]{6}$',
    '^\\d{4}-\\d{2}-\\d{2}$',
    '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
    '^(?:https?|ftp)://[^\\s/$.?#].[^\\s]*$',
    '^v?(\\d+)\\.(\\d+)\\.(\\d+)(?:-([0-9A-Za-z.-]+))?$',
    '^\\s*\\w+\\s*=\\s*\\w+\\s*$',
    '^.*foo.*$',
    '^[\\p{L}\\p{N} ]+$',
    '^(?:[a-z]+/)*[a-z]+\\.txt$',
    '\\s+$',
    '^(?:(?:25[0-5]|2[0-4]\\d|1?\\d?\\d)\\.){3}(?:25[0-5]|2[0-4]\\d|1?\\d?\\d)$',
    '^(\\d+)\\s*(?:ms|s|m|h|d|w|y)?$',
    '(ab|cd)*',
    '(\\s|\\S)*',
  ];
  for (const source of safe) {
    it(`accepts ${source}`, () => {
      const flags = source.includes('\\p{') ? 'u' : '';
      expect(checkPatternSafety(new RegExp(source, flags))).toEqual({ safe: true, reasons: [] });
    });
  }

  it('handles v-mode nested classes', () => {
    const flags = ['v'].join(''); // built at run time: the compile target (ES2023) has no v-flag literals
    expect(checkPatternSafety(new RegExp('^[[a-z]--[aeiou]]+$', flags)).safe).toBe(true);
    expect(checkPatternSafety(new RegExp('^([[a-z]--[aeiou]]+)+$', flags)).safe).toBe(false);
  });

  it('assertSafePattern returns the RegExp or throws ERR_UNSAFE_PATTERN with the reasons', () => {
    expect(assertSafePattern('^ab$').test('ab')).toBe(true);
    expect(() => assertSafePattern('(a+)+')).toThrow(
      expect.objectContaining({
        code: 'ERR_UNSAFE_PATTERN',
        data: { reasons: ['nested repetition that can match the same text in several ways'] },
      }),
    );
  });
});

describe('checkPatternSafety: properties', () => {
  const atom = fc.constantFrom('a', '\\w', '\\d', '.', '[a-z]', '[^x]', '\\s', '(?:a|b)', 'x');
  const quant = fc.constantFrom('*', '+', '{1,}', '{2,}', '{0,50}');

  it('refuses (X{q})+ for any atom X and variable repetition q', () => {
    fc.assert(
      fc.property(atom, quant, fc.constantFrom('+', '*', '{2,}'), (x, inner, outer) => {
        expect(checkPatternSafety(`^(?:${x}${inner})${outer}$`).safe).toBe(false);
      }),
    );
  });

  it('never throws, whatever the input', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 40 }),
        fc.constantFrom('', 'i', 'u', 'v', 's', 'm'),
        (source, flags) => {
          let pattern: RegExp | string = source;
          try {
            pattern = new RegExp(source, flags);
          } catch {
            // not a valid regex: the string is checked as is
          }
          const verdict = checkPatternSafety(pattern);
          expect(typeof verdict.safe).toBe('boolean');
          expect(verdict.safe).toBe(verdict.reasons.length === 0);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('accepts any sequence of literals and classes with fixed counts (no ambiguity possible)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(atom, fc.constantFrom('', '{3}', '{1}')), { maxLength: 8 }), (parts) => {
        const source = `^${parts.map(([a, q]) => a + q).join('')}$`;
        expect(checkPatternSafety(source).safe).toBe(true);
      }),
    );
  });
});
