import { delimiterChar } from './field-markers.js';
import { jsonStructureProblem } from './json-text.js';
import type { FieldInfo, ScalarKind } from './schema-fields.js';

/** The outcome of reading one string as a field's type. Reasons never contain the input. */
export type Coerced =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly reason: string };

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off']);
const DECIMAL = /^[+-]?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?$/;
/** A digit before the first digit of the integer part: `0600`, `-007`, `00.5`. */
const LEADING_ZERO = /^[+-]?0\d/;
const INTEGER = /^[+-]?\d+$/;

/**
 * Reads `true/1/yes/on` and `false/0/no/off` (any case, surrounding spaces ignored). Anything else
 * is an error, never a silent `false`.
 */
export function parseBoolean(raw: string): Coerced {
  const word = raw.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return { ok: true, value: true };
  if (FALSE_WORDS.has(word)) return { ok: true, value: false };
  return { ok: false, reason: 'expected a boolean: true/false, 1/0, yes/no or on/off' };
}

/**
 * Reads a plain decimal number (`42`, `-1.5`, `1e3`). Empty strings, hex, `Infinity`, `NaN`, and
 * numbers too large to be finite are errors; the schema then decides on integer and range. Leading
 * zeros (`0600`) are refused: elsewhere (C, shells, YAML 1.1) they mean octal, so a file mode
 * written that way would silently become another number.
 */
export function parseNumber(raw: string): Coerced {
  const text = raw.trim();
  if (!DECIMAL.test(text)) return { ok: false, reason: 'expected a decimal number' };
  if (LEADING_ZERO.test(text)) {
    return { ok: false, reason: 'expected a decimal number without leading zeros (octal is not read)' };
  }
  const value = Number(text);
  if (!Number.isFinite(value)) return { ok: false, reason: 'expected a finite number' };
  return { ok: true, value };
}

/** Reads a decimal integer of any size as a bigint (a JSON number would lose digits past 2^53). */
function parseBigInt(raw: string): Coerced {
  const text = raw.trim();
  if (!INTEGER.test(text)) return { ok: false, reason: 'expected a decimal integer' };
  if (LEADING_ZERO.test(text)) {
    return { ok: false, reason: 'expected a decimal number without leading zeros (octal is not read)' };
  }
  return { ok: true, value: BigInt(text) };
}

function parseJson(raw: string): Coerced {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    // Not JSON: hand the string to the schema (a union of literals, say).
    return { ok: true, value: raw };
  }
  const problem = jsonStructureProblem(raw);
  return problem === undefined ? { ok: true, value } : { ok: false, reason: problem };
}

function parseScalar(raw: string, kind: ScalarKind): Coerced {
  switch (kind) {
    case 'string':
      return { ok: true, value: raw };
    case 'number':
      return parseNumber(raw);
    case 'bigint':
      return parseBigInt(raw);
    case 'boolean':
      return parseBoolean(raw);
    case 'json':
      return parseJson(raw);
  }
}

/** Splits a list string on the field's delimiter; items are trimmed and empty items dropped. */
export function splitList(raw: string, field: Pick<FieldInfo, 'delimiter'>): string[] {
  return raw
    .split(delimiterChar(field.delimiter))
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/** Reads a string from the environment or the command line as the field's type. */
export function coerce(raw: string, field: FieldInfo): Coerced {
  if (field.kind !== 'list') return parseScalar(raw, field.kind);
  const trimmed = raw.trim();
  if (field.item === 'json' && trimmed.startsWith('[')) return parseScalar(trimmed, 'json');
  const values: unknown[] = [];
  const items = splitList(raw, field);
  for (const [index, item] of items.entries()) {
    const result = parseScalar(item, field.item);
    if (!result.ok) return { ok: false, reason: `item ${index + 1}: ${result.reason}` };
    values.push(result.value);
  }
  return { ok: true, value: values };
}
