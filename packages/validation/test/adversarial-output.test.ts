import { memorySink, secureMcpServer } from '@mcp-warden/core';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { boundedString, sanitizeResult, sanitizeText, validationGuard } from '../src/index.js';
import { connect, textOf } from './helpers.js';

const ESC = '\u001b';

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
