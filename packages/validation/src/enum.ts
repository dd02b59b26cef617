import { ConfigError } from '@mcp-warden/core';
import { z } from 'zod';
import { characterProblem } from './string.js';

/**
 * `z.enum(values)` after checking the values themselves: 1 to 1,000 distinct, non-empty strings of at
 * most 256 characters, without control or hidden characters (a value the model cannot see correctly
 * is a value it cannot choose correctly). Published as JSON Schema `enum`.
 */
export function boundedEnum<const T extends readonly [string, ...string[]]>(
  values: T,
): z.ZodEnum<{ [K in T[number]]: K }> {
  const problem =
    values.length === 0 || values.length > 1_000
      ? 'an enum needs 1 to 1000 values'
      : new Set(values).size !== values.length
        ? 'enum values must be distinct'
        : values.some((value) => typeof value !== 'string' || value.length === 0 || value.length > 256)
          ? 'enum values must be strings of 1 to 256 characters'
          : values.some((value) => characterProblem(value, { multiline: false, allowHidden: false }))
            ? 'enum values must not contain control or hidden characters'
            : undefined;
  if (problem !== undefined)
    throw new ConfigError('ERR_INVALID_OPTION', problem, { data: { option: 'values' } });
  return z.enum(values) as unknown as z.ZodEnum<{ [K in T[number]]: K }>;
}
