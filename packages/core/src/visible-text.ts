import type { JsonValue } from './errors.js';

/**
 * Characters a client may show to a model or print to a terminal without their being seen: controls
 * (C0, DEL, C1, which terminals obey), format characters (bidirectional overrides, zero-width
 * characters, Unicode tag characters), Hangul fillers and variation selectors, and lone surrogates.
 */
// biome-ignore lint/suspicious/noMisleadingCharacterClass: each combining mark is matched on its own on purpose
const HIDDEN = /[\p{Cc}\p{Cf}\p{Cs}\u034F\u115F\u1160\u3164\uFFA0\uFE00-\uFE0F\u{E0100}-\u{E01EF}]/u;
const HIDDEN_ALL = new RegExp(HIDDEN.source, 'gu');

/** Deepest nesting of error data that is rewritten; data is small by contract, so this is a backstop. */
const MAX_DEPTH = 8;

/**
 * `text` with every hidden or control character written as a visible `\u{…}` escape, so that an
 * error message that quotes client input (a refused flag, a path) can neither drive the client's
 * terminal nor carry invisible instructions to a model.
 */
export function visibleText(text: string): string {
  if (!HIDDEN.test(text)) return text;
  return text.replace(HIDDEN_ALL, (char) => `\\u{${char.codePointAt(0)!.toString(16).toUpperCase()}}`);
}

/** {@link visibleText} applied to every string (keys included) of a JSON value. */
export function visibleJson(value: JsonValue): JsonValue {
  return visibleJsonAt(value, 0);
}

function visibleJsonAt(value: JsonValue, depth: number): JsonValue {
  if (typeof value === 'string') return visibleText(value);
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_DEPTH) return '[nested too deep]';
  if (Array.isArray(value)) return value.map((item: JsonValue) => visibleJsonAt(item, depth + 1));
  // No prototype: a key named `__proto__` stays an ordinary key.
  const out: Record<string, JsonValue> = Object.create(null);
  for (const [key, item] of Object.entries(value)) out[visibleText(key)] = visibleJsonAt(item, depth + 1);
  return out;
}
