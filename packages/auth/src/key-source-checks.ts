import { ConfigError } from '@mcp-warden/core';
import { errors as joseErrors } from 'jose';
import { tokenError } from './token-errors.js';

/** A misconfigured key source: `ERR_AUTH_CONFIG_INVALID` with safe detail. */
export function configError(message: string, detail: Record<string, unknown> = {}): ConfigError {
  return new ConfigError('ERR_AUTH_CONFIG_INVALID', message, { detail });
}

/** A positive finite number option, or its default. */
export function positive(value: number | undefined, fallback: number, name: string): number {
  const result = value ?? fallback;
  if (!Number.isFinite(result) || result <= 0) throw configError(`${name} must be a positive finite number`);
  return result;
}

/** A jose key-set failure as a token error: no matching key, or the key set is unavailable. */
export function wrapSetErrors(error: unknown): never {
  if (
    error instanceof joseErrors.JWKSNoMatchingKey ||
    error instanceof joseErrors.JWKSMultipleMatchingKeys ||
    error instanceof joseErrors.JOSENotSupported
  ) {
    throw tokenError('ERR_TOKEN_KEY_NOT_FOUND', { cause: error });
  }
  // A fetch failure, timeout, bad status or malformed remote set: an upstream outage, never a 500.
  throw tokenError('ERR_JWKS_UNAVAILABLE', {
    cause: error,
    detail: { errorName: error instanceof Error ? error.name : typeof error },
  });
}
