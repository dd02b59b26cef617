import { ConfigError } from '@mcp-warden/core';

/** Throws `ERR_INVALID_OPTION` unless `value` is an integer in `[min, max]`. */
export function requireInteger(name: string, value: number, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError('ERR_INVALID_OPTION', `${name} must be an integer from ${min} to ${max}`, {
      data: { option: name },
    });
  }
  return value;
}

/** Throws `ERR_INVALID_OPTION` unless `value` is a finite number in `[min, max]`. */
export function requireFinite(name: string, value: number, min: number, max: number): number {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new ConfigError('ERR_INVALID_OPTION', `${name} must be a finite number from ${min} to ${max}`, {
      data: { option: name },
    });
  }
  return value;
}
