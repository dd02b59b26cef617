import { describe, expect, it } from 'vitest';
import { checkPatternSafety } from '../src/index.js';

// Adversarial review: patterns from the attack list, and nested short repetitions whose product of
// counts is large (each level is "short", together they are exponential in practice).
describe('adversarial: ReDoS patterns', () => {
  for (const source of ['(a+)+', '(a|a)*', '(a|aa)+', '(.*a){20}', '(a+)\\1', '(?=(a+)+)b', '(?!(a+)+)b']) {
    it(`refuses ${source}`, () => {
      expect(checkPatternSafety(source).safe).toBe(false);
    });
  }

  // (?:a{1,10}){1,10}$ took 19 s on 40 characters before the fix.
  for (const source of [
    '(?:a{1,10}){1,10}$',
    '^(?:(?:a{1,9}){1,9}){1,9}b$',
    '(?:a{1,5}){1,5}$',
    '^(?:(?:a|a){10}){10}$',
    '(?:\\w{2,8}){3,6}!',
  ]) {
    it(`refuses nested short repetitions whose counts multiply: ${source}`, () => {
      expect(checkPatternSafety(source).safe).toBe(false);
    });
  }

  for (const source of [
    '^\\d{1,3}(\\.\\d{1,3}){3}$',
    '^(?:(?:25[0-5]|2[0-4]\\d|1?\\d?\\d)\\.){3}(?:25[0-5]|2[0-4]\\d|1?\\d?\\d)$',
    '^(?:[a-f0-9]{1,4}:){7}[a-f0-9]{1,4}$',
    '^(?:[a-z0-9-]{1,63}\\.){1,10}[a-z]{2,}$',
    '^(?:a|b){10}$',
    '^[a-z]{2,3}(?:-[A-Z]{2})?$',
    '^(?=.*\\d)[a-z\\d]{8,64}$',
    '\\bword\\b',
  ]) {
    it(`still accepts ${source}`, () => {
      expect(checkPatternSafety(source)).toEqual({ safe: true, reasons: [] });
    });
  }
});
