/**
 * What the scanner finds in text that a model or a terminal would act on without a human seeing it.
 *
 * - `ansi`: ANSI/ECMA-48 escape sequences (CSI such as cursor movement and colours, OSC such as
 *   window titles and hyperlinks, DCS/SOS/PM/APC strings, two-character escapes).
 * - `control`: C0 controls other than `\n` and `\t`, DEL and C1 controls (a lone `\r` rewrites a
 *   terminal line; `\b` overprints).
 * - `bidi`: bidirectional embeddings, overrides, isolates and marks (Trojan Source, CVE-2021-42574).
 * - `zero_width`: zero-width space, non-joiner, joiner, word joiner, BOM (binary "zero-width smuggling").
 * - `tag`: Unicode tag characters U+E0000–U+E007F ("ASCII smuggling": invisible copies of ASCII).
 * - `variation_selector`: U+FE00–U+FE0F and U+E0100–U+E01EF outside their legitimate places
 *   ("emoji smuggling" hides bytes as runs of selectors after one character).
 * - `invisible`: other default-ignorable characters (soft hyphen, fillers, invisible operators,
 *   interlinear annotation, deprecated format characters, musical formatting).
 * - `lone_surrogate`: UTF-16 halves without a partner (not text; replaced by U+FFFD).
 */
export type HiddenKind =
  | 'ansi'
  | 'control'
  | 'bidi'
  | 'zero_width'
  | 'tag'
  | 'variation_selector'
  | 'invisible'
  | 'lone_surrogate';

/** Counts of removed (or escaped) items by kind; kinds with no finding are absent. */
export type HiddenReport = Partial<Record<HiddenKind, number>>;

/** Options for {@link sanitizeText} and {@link findHiddenText}. */
export interface HiddenTextOptions {
  /** `strip` removes what was found; `escape` replaces each character with a visible `\u{…}`. Default `strip`. */
  readonly mode?: 'strip' | 'escape';
  /**
   * Keep the few legitimate uses of otherwise hidden characters: ZWJ inside emoji sequences, VS15/VS16
   * after an emoji, the three RGI subdivision flags (England, Scotland, Wales). Default `true`.
   */
  readonly keepEmojiSequences?: boolean;
  /**
   * Keep one ZWJ/ZWNJ between two letters of a script that needs them (Arabic, Persian, Indic, …; never
   * Latin) or right after an Indic virama (Malayalam chillu `ന്‍`), ideographic variation selectors
   * after a CJK ideograph, and Mongolian free variation selectors after a Mongolian letter (the vowel
   * separator before a final a/e). Default `true`.
   */
  readonly keepScriptJoiners?: boolean;
  /** Keep `\r` (for example when the consumer is not a terminal). Default `false`; `\r\n` always becomes `\n`. */
  readonly keepCarriageReturn?: boolean;
}

/** The result of {@link sanitizeText}. */
export interface SanitizedText {
  readonly text: string;
  readonly removed: HiddenReport;
  /** True when anything was removed or escaped. */
  readonly changed: boolean;
}

// Any character that may start a finding (astral ones by their high surrogate: U+E0000–E0FFF, U+1D000–
// U+1D3FF, U+1BC00–1BFFF), or a lone surrogate. Text without one is returned as is: the common case costs one regex test.
const SUSPECT =
  // biome-ignore lint/suspicious/noControlCharactersInRegex lint/suspicious/noMisleadingCharacterClass: finding control characters is the point; U+034F stands alone on purpose
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufffb]|[\udb40-\udb43\ud834\ud82f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

// One character class, so the common case (no suspect at all) is a single fast scan; any surrogate
// sends the text on to the precise test above.
const SUSPECT_BMP_OR_SURROGATE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex lint/suspicious/noMisleadingCharacterClass: finding control characters is the point; U+034F stands alone on purpose
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufffb\ud800-\udfff]/;

// Printable ASCII, tab and line feed can hold nothing to remove: one two-range scan settles most text
// before the long character classes above are tried.
const NOT_PLAIN_ASCII = /[^\t\n\x20-\x7e]/;

const ESC = 0x1b;
const BEL = 0x07;
const C1_CSI = 0x9b;
const C1_ST = 0x9c;
const C1_OSC = 0x9d;
const C1_STRINGS = new Set([0x90, 0x98, 0x9e, 0x9f]); // DCS, SOS, PM, APC
const ZWNJ = 0x200c;
const ZWJ = 0x200d;
const BLACK_FLAG = 0x1f3f4;
const CANCEL_TAG = 0xe007f;
// RGI emoji tag sequences (Unicode 15): the only subdivision flags that render as flags.
const RGI_FLAG_TAGS = new Set(['gbeng', 'gbsct', 'gbwls']);

const EXTENDED_PICTOGRAPHIC = /\p{Extended_Pictographic}/u;
const EMOJI = /\p{Emoji}/u;
const EMOJI_MODIFIER = /\p{Emoji_Modifier}/u;
const IDEOGRAPHIC = /\p{Ideographic}/u;
const JOINING_LETTER = /[\p{L}\p{M}]/u;
const LATIN_OR_COMMON = /[\p{Script=Latin}\p{Script=Common}\p{Script=Inherited}]/u;
// Viramas of the Brahmic scripts: consonant + virama + ZWJ is a chillu (Malayalam, pre-Unicode 5.1
// encoding, at the end of a word) or a half form; + ZWNJ an explicit virama.
const VIRAMA = /[\u094d\u09cd\u0a4d\u0acd\u0b4d\u0bcd\u0c4d\u0ccd\u0d4d\u0dca\u1039\u103a\u17d2]/;

function kindOf(cp: number): HiddenKind | undefined {
  if (cp < 0x20) return cp === 0x0a || cp === 0x09 ? undefined : 'control';
  if (cp < 0x7f) return undefined;
  if (cp <= 0x9f) return 'control';
  if (cp < 0x00ad) return undefined;
  if (cp === 0x00ad || cp === 0x034f || cp === 0x115f || cp === 0x1160 || cp === 0x17b4 || cp === 0x17b5) {
    return 'invisible';
  }
  if (cp === 0x061c) return 'bidi';
  if (cp >= 0x180b && cp <= 0x180f) return 'invisible';
  if (cp >= 0x200b && cp <= 0x200d) return 'zero_width';
  if (cp === 0x200e || cp === 0x200f || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069)) {
    return 'bidi';
  }
  if (cp === 0x2060 || cp === 0xfeff) return 'zero_width';
  if ((cp >= 0x2061 && cp <= 0x2065) || (cp >= 0x206a && cp <= 0x206f)) return 'invisible';
  if (cp === 0x3164 || cp === 0xffa0 || (cp >= 0xfff0 && cp <= 0xfffb)) return 'invisible';
  if (cp >= 0xfe00 && cp <= 0xfe0f) return 'variation_selector';
  if (cp >= 0xd800 && cp <= 0xdfff) return 'lone_surrogate';
  if (cp >= 0x1d173 && cp <= 0x1d17a) return 'invisible';
  if (cp >= 0x1bca0 && cp <= 0x1bca3) return 'invisible'; // shorthand format controls
  if (cp >= 0xe0000 && cp <= 0xe007f) return 'tag';
  if (cp >= 0xe0100 && cp <= 0xe01ef) return 'variation_selector';
  // The rest of U+E0000–E0FFF is reserved default-ignorable: displayed as nothing, whenever assigned.
  if (cp >= 0xe0080 && cp <= 0xe0fff) return 'invisible';
  return undefined;
}

/** The code point at `index` (a lone surrogate is returned as itself) and its length in UTF-16 units. */
function codePointAt(text: string, index: number): number {
  return text.codePointAt(index) ?? 0;
}

function charOf(cp: number): string {
  return String.fromCodePoint(cp);
}

/** Length of an escape sequence starting at `index` (ESC or a C1 introducer), or 0 if it is a lone ESC. */
function escapeSequenceLength(text: string, index: number): number {
  const first = text.charCodeAt(index);
  let i = index + 1;
  let kind: 'csi' | 'osc' | 'string' | 'other';
  if (first === ESC) {
    const next = text.charCodeAt(i);
    if (Number.isNaN(next)) return 1;
    if (next === 0x5b) kind = 'csi';
    else if (next === 0x5d) kind = 'osc';
    else if (next === 0x50 || next === 0x58 || next === 0x5e || next === 0x5f) kind = 'string';
    else kind = 'other';
    if (kind !== 'other') i++;
  } else if (first === C1_CSI) kind = 'csi';
  else if (first === C1_OSC) kind = 'osc';
  else kind = 'string';

  const end = text.length;
  if (kind === 'csi') {
    while (i < end && text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x3f) i++;
    while (i < end && text.charCodeAt(i) >= 0x20 && text.charCodeAt(i) <= 0x2f) i++;
    const final = text.charCodeAt(i);
    if (final >= 0x40 && final <= 0x7e) i++;
    return i - index;
  }
  if (kind === 'other') {
    while (i < end && text.charCodeAt(i) >= 0x20 && text.charCodeAt(i) <= 0x2f) i++;
    const final = text.charCodeAt(i);
    if (final >= 0x30 && final <= 0x7e) i++;
    return i - index;
  }
  // OSC / DCS / SOS / PM / APC: a string up to ST (ESC \ or U+009C), or BEL for OSC.
  for (let j = i; j < end; j++) {
    const c = text.charCodeAt(j);
    if (c === BEL && kind === 'osc') return j + 1 - index;
    if (c === C1_ST) return j + 1 - index;
    if (c === ESC) return text.charCodeAt(j + 1) === 0x5c ? j + 2 - index : j - index;
  }
  // Unterminated: a terminal would swallow the rest; we drop only the introducer, so the rest stays visible.
  return i - index;
}

function previousCodePoint(out: string[]): number | undefined {
  const last = out[out.length - 1];
  if (last === undefined || last.length === 0) return undefined;
  const cp = last.codePointAt(last.length - 1);
  if (cp !== undefined && cp >= 0xdc00 && cp <= 0xdfff && last.length >= 2) {
    return last.codePointAt(last.length - 2);
  }
  return cp;
}

function isEmojiBase(cp: number | undefined): boolean {
  if (cp === undefined) return false;
  const ch = charOf(cp);
  return EXTENDED_PICTOGRAPHIC.test(ch) || EMOJI_MODIFIER.test(ch) || cp === 0xfe0f;
}

const MONGOLIAN_VOWEL_SEPARATOR = 0x180e;

/** Letters of the Mongolian block (Mongolian, Todo, Sibe, Manchu, Ali Gali). */
function isMongolianLetter(cp: number | undefined): boolean {
  return cp !== undefined && ((cp >= 0x1820 && cp <= 0x1878) || (cp >= 0x1880 && cp <= 0x18aa));
}

function isScriptLetter(cp: number | undefined): boolean {
  if (cp === undefined) return false;
  const ch = charOf(cp);
  return JOINING_LETTER.test(ch) && !LATIN_OR_COMMON.test(ch);
}

/** Length of an RGI subdivision-flag tag run starting at `index` (after U+1F3F4), else 0. */
function rgiFlagTagLength(text: string, index: number): number {
  let letters = '';
  let i = index;
  while (i < text.length && letters.length <= 6) {
    const cp = codePointAt(text, i);
    if (cp === CANCEL_TAG) return RGI_FLAG_TAGS.has(letters) ? i + 2 - index : 0;
    if (cp < 0xe0020 || cp > 0xe007e) return 0;
    letters += String.fromCharCode(cp - 0xe0000);
    i += 2;
  }
  return 0;
}

function escapeForDisplay(chunk: string): string {
  let out = '';
  for (const ch of chunk) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (kindOf(cp) !== undefined || (cp >= 0xd800 && cp <= 0xdfff)) {
      out += `\\u{${cp.toString(16).toUpperCase()}}`;
    } else out += ch;
  }
  return out;
}

/**
 * Removes (or escapes) what a reader would not see but a model or terminal would act on: ANSI/OSC
 * escape sequences, C0/C1 controls (keeping `\n` and `\t`), bidi controls, zero-width characters,
 * Unicode tag characters, stray variation selectors and other invisible characters. Returns the text
 * and a count of what was removed, by kind. Linear in the length of the text.
 */
export function sanitizeText(text: string, options: HiddenTextOptions = {}): SanitizedText {
  if (!mayNeedSanitizing(text)) return { text, removed: {}, changed: false };
  const escaping = options.mode === 'escape';
  const keepEmoji = options.keepEmojiSequences ?? true;
  const keepScript = options.keepScriptJoiners ?? true;
  const keepCr = options.keepCarriageReturn ?? false;
  const removed: Record<string, number> = {};
  const out: string[] = [];
  let runStart = 0;
  let normalised = false;
  const drop = (kind: HiddenKind, from: number, to: number): void => {
    if (from > runStart) out.push(text.slice(runStart, from));
    removed[kind] = (removed[kind] ?? 0) + 1;
    if (escaping) out.push(escapeForDisplay(text.slice(from, to)));
    runStart = to;
  };
  const flush = (upTo: number): void => {
    if (upTo > runStart) out.push(text.slice(runStart, upTo));
    runStart = upTo;
  };

  let i = 0;
  while (i < text.length) {
    const cp = codePointAt(text, i);
    const width = cp > 0xffff ? 2 : 1;
    if (cp === BLACK_FLAG && keepEmoji) {
      const tags = rgiFlagTagLength(text, i + 2);
      i += 2 + tags;
      continue;
    }
    if (cp === ESC || cp === C1_CSI || cp === C1_OSC || C1_STRINGS.has(cp)) {
      const length = escapeSequenceLength(text, i);
      drop(length > 1 ? 'ansi' : 'control', i, i + length);
      i += length;
      continue;
    }
    if (cp === 0x0d) {
      if (text.charCodeAt(i + 1) === 0x0a) {
        flush(i);
        runStart = i + 1; // CRLF -> LF: normalisation, not a finding.
        normalised = true;
      } else if (!keepCr) drop('control', i, i + 1);
      i += 1;
      continue;
    }
    const kind = kindOf(cp);
    if (kind === undefined) {
      i += width;
      continue;
    }
    if (kind === 'lone_surrogate') {
      flush(i);
      removed.lone_surrogate = (removed.lone_surrogate ?? 0) + 1;
      out.push('\ufffd');
      runStart = i + 1;
      i += 1;
      continue;
    }
    flush(i);
    const prev = previousCodePoint(out);
    const next = i + width < text.length ? codePointAt(text, i + width) : undefined;
    let keep = false;
    if (
      cp === ZWJ &&
      keepEmoji &&
      isEmojiBase(prev) &&
      next !== undefined &&
      EXTENDED_PICTOGRAPHIC.test(charOf(next))
    ) {
      keep = true;
    } else if (
      (cp === ZWJ || cp === ZWNJ) &&
      keepScript &&
      isScriptLetter(prev) &&
      (isScriptLetter(next) || (prev !== undefined && VIRAMA.test(charOf(prev))))
    ) {
      keep = true;
    } else if ((cp === 0xfe0e || cp === 0xfe0f) && keepEmoji && prev !== undefined) {
      keep = EMOJI.test(charOf(prev)) && !(prev >= 0xfe00 && prev <= 0xfe0f);
    } else if (kind === 'variation_selector' && keepScript && prev !== undefined) {
      keep = IDEOGRAPHIC.test(charOf(prev));
    } else if (cp >= 0x180b && cp <= 0x180f && keepScript && isMongolianLetter(prev)) {
      // A free variation selector right after the letter whose form it picks; the vowel separator
      // only before the final a or e it separates.
      keep = cp !== MONGOLIAN_VOWEL_SEPARATOR || next === 0x1820 || next === 0x1821;
    }
    if (keep) {
      out.push(text.slice(i, i + width));
      runStart = i + width;
    } else drop(kind, i, i + width);
    i += width;
  }
  flush(text.length);
  const changed = normalised || Object.keys(removed).length > 0;
  return { text: changed ? out.join('') : text, removed: removed as HiddenReport, changed };
}

/**
 * A quick test: false means {@link sanitizeText} would return `text` unchanged (no control, hidden or
 * lone-surrogate character, no `\r`). True means it may change it.
 */
export function mayNeedSanitizing(text: string): boolean {
  return NOT_PLAIN_ASCII.test(text) && SUSPECT_BMP_OR_SURROGATE.test(text) && SUSPECT.test(text);
}

/** Counts what {@link sanitizeText} would remove, without building the cleaned text's report twice. */
export function findHiddenText(text: string, options: HiddenTextOptions = {}): HiddenReport {
  return sanitizeText(text, { ...options, mode: 'strip' }).removed;
}

/** Adds the counts of `from` into `into`. */
export function mergeReports(into: Record<string, number>, from: HiddenReport): void {
  for (const [kind, count] of Object.entries(from)) into[kind] = (into[kind] ?? 0) + (count ?? 0);
}
