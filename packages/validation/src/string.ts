import { z } from 'zod';
import { findHiddenText, type HiddenKind, mayNeedSanitizing } from './hidden-text.js';
import { warnInsecureOption } from './insecure-option-warning.js';
import { requireInteger } from './option-checks.js';
import { assertSafePattern } from './regex-safety.js';

/** Options for {@link boundedString}. */
export interface BoundedStringOptions {
  /**
   * Most characters, as zod's `max()` counts them (code points in current zod, like JSON Schema's
   * `maxLength`; UTF-16 code units in older zod 4 releases). Default 1,000.
   */
  readonly maxChars?: number;
  /** Fewest characters. Default 0. */
  readonly minChars?: number;
  /** Most UTF-8 bytes. Default 4 × `maxChars` (never binding unless set lower). */
  readonly maxBytes?: number;
  /** A pattern the whole value must match (write `^…$`); checked for catastrophic backtracking now. */
  readonly pattern?: RegExp | string;
  /** Allow `\n` and `\r\n` (a lone `\r` is always refused). Default `false`. */
  readonly multiline?: boolean;
  /** Normalise to this Unicode form before the other checks. Default: no normalisation. */
  readonly normalize?: 'NFC' | 'NFKC';
  /** Accept bidi controls, zero-width, tag and other invisible characters. Default `false`. Warns. */
  readonly allowHiddenCharacters?: boolean;
  /** Skip the backtracking check of `pattern`. Default `false`. Warns. */
  readonly allowUnsafePattern?: boolean;
}

const HIDDEN_REASON: Readonly<Record<HiddenKind, string>> = {
  ansi: 'an escape sequence',
  control: 'a control character',
  bidi: 'a bidirectional control character',
  zero_width: 'a zero-width character',
  tag: 'a Unicode tag character',
  variation_selector: 'a stray variation selector',
  invisible: 'an invisible character',
  lone_surrogate: 'a lone surrogate',
};

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
// Line feed, carriage return, and the Unicode line and paragraph separators (line breaks to JavaScript,
// JSON-in-JS, many renderers and log viewers).
const LINE_BREAK = /[\n\r\u2028\u2029]/;
// Unicode's stream-safe limit (UAX #15): no real text stacks more than 30 marks on one character;
// "zalgo" stacks thousands, overflowing lines and costing renderers and normalisers dearly.
const MAX_COMBINING_RUN = 30;
const MAY_COMBINE = /[\u0300-\uffff]/;
const COMBINING_FLOOD = /\p{M}{31}/u;
const NOT_PLAIN_LINE = /[^\t\x20-\x7e]/;
const NOT_PLAIN_TEXT = /[^\t\n\x20-\x7e]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * True when zod's `max(maxChars)` has certainly refused `value`, so a refinement may skip it. Recent zod
 * releases count code points there (as JSON Schema's `maxLength` does), older ones UTF-16 units: only
 * more than `maxChars` code points is over the limit under both. A value over it in UTF-16 units alone
 * (astral characters) passes a code-point `max()`, so it must still be checked.
 */
export function overMaxChars(value: string, maxChars: number): boolean {
  const units = value.length;
  if (units <= maxChars) return false;
  if (units > 2 * maxChars) return true; // a code point is at most two units
  let codePoints = units;
  for (let i = 0; i < units - 1; i++) {
    if ((value.charCodeAt(i) & 0xfc00) === 0xd800 && (value.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      codePoints--;
      i++;
    }
  }
  return codePoints > maxChars;
}

/** What is wrong with a string's characters, or `undefined`. Shared by the string-like schemas. */
export function characterProblem(
  value: string,
  options: { readonly multiline: boolean; readonly allowHidden: boolean },
): string | undefined {
  // Printable ASCII and tab (and line feed where allowed) can hold no problem: one scan decides.
  if (!(options.multiline ? NOT_PLAIN_TEXT : NOT_PLAIN_LINE).test(value)) return undefined;
  // Any combining mark is at or above U+0300 (astral ones are surrogate pairs): plain Latin text skips the scan.
  if (value.length > MAX_COMBINING_RUN && MAY_COMBINE.test(value) && COMBINING_FLOOD.test(value)) {
    return `contains more than ${MAX_COMBINING_RUN} combining marks in a row`;
  }
  if (!mayNeedSanitizing(value) && (options.multiline || !LINE_BREAK.test(value))) return undefined;
  if (LONE_SURROGATE.test(value)) return 'contains a lone surrogate (not valid Unicode)';
  if (options.multiline) {
    if (CONTROL.test(value.includes('\r') ? value.replace(/\r\n/g, '\n') : value)) {
      return 'contains a control character';
    }
  } else if (LINE_BREAK.test(value)) return 'contains a line break';
  else if (CONTROL.test(value)) return 'contains a control character';
  if (!options.allowHidden) {
    const found = Object.keys(findHiddenText(value)) as HiddenKind[];
    if (found.length > 0) return `contains ${found.map((kind) => HIDDEN_REASON[kind]).join(', ')}`;
  }
  return undefined;
}

/**
 * A zod string with hard limits: length in characters and UTF-8 bytes, no control characters (`\t`
 * allowed; line breaks only when `multiline`), no lone surrogates, no hidden characters (bidi controls,
 * zero-width, tags; emoji sequences stay valid), optional NFC/NFKC normalisation and a pattern checked
 * for catastrophic backtracking at definition time. `tools/list` publishes `maxLength`, `minLength`
 * and `pattern`.
 */
export function boundedString(options: BoundedStringOptions = {}): z.ZodString {
  const maxChars = requireInteger('maxChars', options.maxChars ?? 1_000, 0, 100_000_000);
  const minChars = requireInteger('minChars', options.minChars ?? 0, 0, maxChars);
  const maxBytes = requireInteger('maxBytes', options.maxBytes ?? maxChars * 4, 0, Number.MAX_SAFE_INTEGER);
  const multiline = options.multiline ?? false;
  const allowHidden = options.allowHiddenCharacters ?? false;
  if (allowHidden) warnInsecureOption('allowHiddenCharacters', 'boundedString');
  let schema = z.string();
  if (options.normalize !== undefined) schema = schema.normalize(options.normalize);
  schema = schema.max(maxChars);
  if (minChars > 0) schema = schema.min(minChars);
  if (options.pattern !== undefined) {
    if (options.allowUnsafePattern === true) warnInsecureOption('allowUnsafePattern', 'boundedString');
    const pattern =
      options.allowUnsafePattern === true
        ? typeof options.pattern === 'string'
          ? new RegExp(options.pattern)
          : options.pattern
        : assertSafePattern(options.pattern);
    schema = schema.regex(pattern);
  }
  // Refinements (not one superRefine): on the common, valid path zod then allocates nothing per value.
  // The message is worked out again only for a value that failed.
  // Up to 4 bytes per character: a code point (as recent zod counts them) is up to 4 UTF-8 bytes.
  if (maxBytes < maxChars * 4) {
    schema = schema.refine(
      (value) => overMaxChars(value, maxChars) || Buffer.byteLength(value, 'utf8') <= maxBytes,
      {
        error: `Too big: expected at most ${maxBytes} UTF-8 bytes`,
      },
    );
  }
  const characters = { multiline, allowHidden };
  return schema.refine(
    // A value max() has refused is not scanned; one it let through always is (see overMaxChars).
    (value) => overMaxChars(value, maxChars) || characterProblem(value, characters) === undefined,
    { error: (issue) => characterProblem(String(issue.input), characters) ?? 'invalid characters' },
  );
}

/** Options for {@link identifier}. */
export interface IdentifierOptions {
  /** Most characters. Default 64. */
  readonly maxChars?: number;
  /** The allowed form. Default `^[A-Za-z_][A-Za-z0-9_.-]*$` (ASCII only: no look-alike letters). */
  readonly pattern?: RegExp;
}

/**
 * A name-like string (a key, a branch, a table): ASCII letters, digits, `_`, `.`, `-`, starting with a
 * letter or `_`, at most 64 characters. The pattern and length go to `tools/list`.
 */
export function identifier(options: IdentifierOptions = {}): z.ZodString {
  return boundedString({
    maxChars: options.maxChars ?? 64,
    minChars: 1,
    pattern: options.pattern ?? /^[A-Za-z_][A-Za-z0-9_.-]*$/,
  });
}
