import { z } from 'zod';
import { requireFinite, requireInteger } from './option-checks.js';

/** Options for {@link boundedInt}. */
export interface BoundedIntOptions {
  /** Smallest value. Default `Number.MIN_SAFE_INTEGER`. */
  readonly min?: number;
  /** Largest value. Default `Number.MAX_SAFE_INTEGER`. */
  readonly max?: number;
}

/**
 * An integer within the safe-integer range (so it survives JSON and arithmetic exactly) and within
 * `[min, max]`. `tools/list` publishes `type: integer`, `minimum` and `maximum`.
 */
export function boundedInt(options: BoundedIntOptions = {}): z.ZodInt {
  const min = requireInteger(
    'min',
    options.min ?? Number.MIN_SAFE_INTEGER,
    Number.MIN_SAFE_INTEGER,
    Number.MAX_SAFE_INTEGER,
  );
  const max = requireInteger('max', options.max ?? Number.MAX_SAFE_INTEGER, min, Number.MAX_SAFE_INTEGER);
  return z.int().min(min).max(max);
}

/** Options for {@link boundedNumber}. */
export interface BoundedNumberOptions {
  /** Smallest value. Default: none beyond finiteness (`-Number.MAX_VALUE`). */
  readonly min?: number;
  /** Largest value. Default: none beyond finiteness (`Number.MAX_VALUE`). */
  readonly max?: number;
}

/**
 * A finite number (no `NaN`, no `±Infinity`) within `[min, max]`; the bounds you give are published
 * as `minimum`/`maximum`.
 */
export function boundedNumber(options: BoundedNumberOptions = {}): z.ZodNumber {
  const min = requireFinite('min', options.min ?? -Number.MAX_VALUE, -Number.MAX_VALUE, Number.MAX_VALUE);
  const max = requireFinite('max', options.max ?? Number.MAX_VALUE, min, Number.MAX_VALUE);
  let schema = z.number();
  if (options.min !== undefined) schema = schema.min(min);
  if (options.max !== undefined) schema = schema.max(max);
  return schema;
}
