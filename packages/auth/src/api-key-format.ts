import { createHash, createHmac, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { ConfigError } from '@mcp-warden/core';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** Random key-id characters (non-secret lookup handle). */
export const API_KEY_ID_LENGTH = 8;
/** Secret characters: 43 base62 characters carry 256 bits. */
export const API_KEY_SECRET_LENGTH = 43;
const CHECKSUM_LENGTH = 6;
const PREFIX = /^[a-z][a-z0-9]{0,15}(?:_[a-z0-9]{1,16})?$/;

/** A parsed API key. `secret` never leaves this package except inside the key string. */
export interface ParsedApiKey {
  readonly prefix: string;
  readonly id: string;
  readonly key: string;
}

function base62(bytes: Uint8Array, length: number): string {
  // Rejection sampling keeps every character uniform (256 is not a multiple of 62).
  let out = '';
  let pool = bytes;
  let index = 0;
  while (out.length < length) {
    if (index >= pool.length) {
      pool = randomBytes(64);
      index = 0;
    }
    const byte = pool[index++]!;
    if (byte < 248) out += BASE62[byte % 62];
  }
  return out;
}

function checksum(body: string): string {
  let value = crc32(body);
  let out = '';
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out = BASE62[value % 62] + out;
    value = Math.floor(value / 62);
  }
  return out;
}

/** Checks an API key prefix (`mcp_live`, `acme_test`): lower-case, at most one `_`. */
export function assertApiKeyPrefix(prefix: string): void {
  if (typeof prefix !== 'string' || !PREFIX.test(prefix)) {
    throw new ConfigError(
      'ERR_AUTH_CONFIG_INVALID',
      'API key prefix must look like "mcp_live" (a-z0-9, one "_")',
      {
        detail: { prefix },
      },
    );
  }
}

/**
 * Creates a new key string: `<prefix>_<id>_<secret><crc32>`, e.g. `mcp_live_Ab3dEf9h_<43 chars><6 chars>`.
 * 256 random bits in the secret, a CRC32 checksum so secret scanners can recognise leaked keys offline.
 */
export function generateApiKeyString(prefix: string): ParsedApiKey {
  assertApiKeyPrefix(prefix);
  const id = base62(randomBytes(16), API_KEY_ID_LENGTH);
  const secret = base62(randomBytes(64), API_KEY_SECRET_LENGTH);
  const body = `${prefix}_${id}_${secret}`;
  return { prefix, id, key: `${body}${checksum(body)}` };
}

/** The regular expression secret scanners can use for keys with `prefix`. */
export function apiKeyPattern(prefix: string): RegExp {
  assertApiKeyPrefix(prefix);
  return new RegExp(
    `^${prefix}_[0-9A-Za-z]{${API_KEY_ID_LENGTH}}_[0-9A-Za-z]{${API_KEY_SECRET_LENGTH + CHECKSUM_LENGTH}}$`,
  );
}

/**
 * Parses a key string and verifies its checksum. `undefined` for anything that is not a well-formed key
 * of one of `prefixes`: such input is refused before any lookup.
 */
export function parseApiKey(value: string, prefixes: readonly string[]): ParsedApiKey | undefined {
  if (typeof value !== 'string' || value.length > 128) return undefined;
  const secondUnderscore = value.lastIndexOf('_');
  const idStart = value.lastIndexOf('_', secondUnderscore - 1);
  if (idStart <= 0) return undefined;
  const prefix = value.slice(0, idStart);
  if (!prefixes.includes(prefix)) return undefined;
  const id = value.slice(idStart + 1, secondUnderscore);
  const tail = value.slice(secondUnderscore + 1);
  if (
    id.length !== API_KEY_ID_LENGTH ||
    tail.length !== API_KEY_SECRET_LENGTH + CHECKSUM_LENGTH ||
    !/^[0-9A-Za-z]+$/.test(id) ||
    !/^[0-9A-Za-z]+$/.test(tail)
  ) {
    return undefined;
  }
  const body = value.slice(0, value.length - CHECKSUM_LENGTH);
  if (checksum(body) !== value.slice(-CHECKSUM_LENGTH)) return undefined;
  return { prefix, id, key: value };
}

/**
 * The stored form of a key: SHA-256 (or HMAC-SHA-256 with a server-side pepper), base64url. Enough for
 * 256-bit random secrets; slow KDFs only matter for low-entropy passwords.
 */
export function hashApiKey(key: string, pepper?: string | Uint8Array): string {
  return pepper === undefined
    ? createHash('sha256').update(key).digest('base64url')
    : createHmac('sha256', pepper).update(key).digest('base64url');
}
