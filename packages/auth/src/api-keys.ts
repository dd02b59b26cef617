import { timingSafeEqual } from 'node:crypto';
import { ConfigError } from '@mcp-warden/core';
import { assertApiKeyPrefix, generateApiKeyString, hashApiKey, parseApiKey } from './api-key-format.js';
import { isScopeToken } from './scopes.js';
import { tokenError } from './token-errors.js';

/** What is stored for one API key: never the key, only its hash. */
export interface ApiKeyRecord {
  /** The non-secret id embedded in the key (lookup handle; safe to log). */
  readonly id: string;
  /** `hashApiKey(key, pepper)`. */
  readonly hash: string;
  /** Who the key acts as. */
  readonly subject: string;
  readonly scopes: readonly string[];
  /** Seconds since the epoch; absent = no expiry. */
  readonly expiresAt?: number;
  /** Seconds since the epoch; present = revoked. */
  readonly revokedAt?: number;
  readonly createdAt?: number;
  readonly label?: string;
  /** The key's prefix (`mcp_live`), so a rotation keeps it. */
  readonly prefix?: string;
}

/** Where records live. The in-memory store is below; a database-backed one implements the same. */
export interface ApiKeyStore {
  get(id: string): ApiKeyRecord | undefined | Promise<ApiKeyRecord | undefined>;
}

/** A verified API key. */
export interface VerifiedApiKey {
  readonly keyId: string;
  readonly subject: string;
  readonly scopes: readonly string[];
  readonly expiresAt: number | undefined;
}

/** Options of {@link createApiKeyVerifier}. */
export interface ApiKeyVerifierOptions {
  readonly store: ApiKeyStore;
  /** Accepted key prefixes. Default `['mcp_live']`. */
  readonly prefixes?: readonly string[];
  /** Server-side pepper the hashes were made with (HMAC-SHA-256). Default none (SHA-256). */
  readonly pepper?: string | Uint8Array;
  /** The clock, ms since the epoch. Default `Date.now`. */
  readonly now?: () => number;
}

/** Verifies API keys. */
export interface ApiKeyVerifier {
  /** True when `value` is shaped like one of our keys (prefix, length, checksum). */
  looksLikeKey(value: string): boolean;
  /** Throws `ERR_API_KEY_INVALID`, `ERR_API_KEY_REVOKED` or `ERR_API_KEY_EXPIRED`. */
  verify(value: string): Promise<VerifiedApiKey>;
}

const DUMMY_HASH = Buffer.from(hashApiKey('mcp-warden dummy key'), 'utf8');

function equalHashes(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  if (left.length !== right.length) {
    // Still spend one comparison so a length mismatch is not faster than a content mismatch.
    timingSafeEqual(DUMMY_HASH, DUMMY_HASH);
    return false;
  }
  return timingSafeEqual(left, right);
}

/** Creates an API key verifier over a store of hashed records. */
export function createApiKeyVerifier(options: ApiKeyVerifierOptions): ApiKeyVerifier {
  const prefixes = [...(options.prefixes ?? ['mcp_live'])];
  if (prefixes.length === 0)
    throw new ConfigError('ERR_AUTH_CONFIG_INVALID', 'at least one API key prefix is required');
  for (const prefix of prefixes) assertApiKeyPrefix(prefix);
  const now = options.now ?? Date.now;
  return {
    looksLikeKey(value) {
      return parseApiKey(value, prefixes) !== undefined;
    },
    async verify(value) {
      const parsed = parseApiKey(value, prefixes);
      if (parsed === undefined)
        throw tokenError('ERR_API_KEY_INVALID', { detail: { reason: 'format or checksum' } });
      const computed = hashApiKey(parsed.key, options.pepper);
      let record: ApiKeyRecord | undefined;
      try {
        record = await options.store.get(parsed.id);
      } catch (cause) {
        // Fail closed when the store is unreachable.
        throw tokenError('ERR_API_KEY_INVALID', {
          cause,
          detail: { reason: 'store unavailable', keyId: parsed.id },
        });
      }
      const matches = equalHashes(computed, record?.hash ?? hashApiKey('mcp-warden dummy key'));
      if (record === undefined || !matches || record.id !== parsed.id) {
        throw tokenError('ERR_API_KEY_INVALID', { detail: { keyId: parsed.id } });
      }
      const nowSec = now() / 1000;
      if (record.revokedAt !== undefined && record.revokedAt <= nowSec) {
        throw tokenError('ERR_API_KEY_REVOKED', { detail: { keyId: record.id } });
      }
      if (record.expiresAt !== undefined && record.expiresAt <= nowSec) {
        throw tokenError('ERR_API_KEY_EXPIRED', { detail: { keyId: record.id } });
      }
      return Object.freeze({
        keyId: record.id,
        subject: record.subject,
        scopes: Object.freeze([...record.scopes]),
        expiresAt: record.expiresAt,
      });
    },
  };
}

/** Options of {@link mintApiKey}. */
export interface MintApiKeyOptions {
  readonly subject: string;
  readonly scopes?: readonly string[];
  /** Default `mcp_live`. */
  readonly prefix?: string;
  /** Lifetime in seconds. Default: no expiry. */
  readonly ttlSec?: number;
  readonly label?: string;
  readonly pepper?: string | Uint8Array;
  readonly now?: () => number;
}

/** Mints a key: the key string (show it once) and the record to store (hash only). */
export function mintApiKey(options: MintApiKeyOptions): {
  readonly key: string;
  readonly record: ApiKeyRecord;
} {
  if (typeof options.subject !== 'string' || options.subject.length === 0) {
    throw new ConfigError('ERR_AUTH_CONFIG_INVALID', 'an API key needs a subject');
  }
  const scopes = [...(options.scopes ?? [])];
  for (const scope of scopes) {
    if (!isScopeToken(scope))
      throw new ConfigError('ERR_AUTH_CONFIG_INVALID', 'invalid scope', { detail: { scope } });
  }
  if (options.ttlSec !== undefined && !(Number.isFinite(options.ttlSec) && options.ttlSec > 0)) {
    throw new ConfigError('ERR_AUTH_CONFIG_INVALID', 'ttlSec must be a positive number');
  }
  const nowSec = Math.floor((options.now ?? Date.now)() / 1000);
  const { id, key } = generateApiKeyString(options.prefix ?? 'mcp_live');
  const record: ApiKeyRecord = {
    id,
    hash: hashApiKey(key, options.pepper),
    subject: options.subject,
    scopes,
    prefix: options.prefix ?? 'mcp_live',
    createdAt: nowSec,
    ...(options.ttlSec === undefined ? {} : { expiresAt: nowSec + Math.floor(options.ttlSec) }),
    ...(options.label === undefined ? {} : { label: options.label }),
  };
  return { key, record };
}

/** An in-memory store with revocation and overlapping rotation. */
export interface MemoryApiKeyStore extends ApiKeyStore {
  add(record: ApiKeyRecord): void;
  /** Revokes at once (or at `atSec`). Returns false for an unknown id. */
  revoke(id: string, atSec?: number): boolean;
  /**
   * Mints a successor with the same subject and scopes; the old key keeps working for `overlapSec`
   * (default 0: revoked now). Returns the new key string (show it once).
   */
  rotate(
    id: string,
    options?: { readonly overlapSec?: number; readonly pepper?: string | Uint8Array },
  ): string;
  readonly size: number;
}

/** Creates a {@link MemoryApiKeyStore}, optionally filled with records (e.g. from configuration). */
export function memoryApiKeyStore(
  records: readonly ApiKeyRecord[] = [],
  now: () => number = Date.now,
): MemoryApiKeyStore {
  const byId = new Map<string, ApiKeyRecord>();
  const add = (record: ApiKeyRecord): void => {
    if (byId.has(record.id))
      throw new ConfigError('ERR_AUTH_CONFIG_INVALID', 'duplicate API key id', { detail: { id: record.id } });
    byId.set(record.id, Object.freeze({ ...record, scopes: Object.freeze([...record.scopes]) }));
  };
  for (const record of records) add(record);
  return {
    get: (id) => byId.get(id),
    add,
    revoke(id, atSec) {
      const record = byId.get(id);
      if (record === undefined) return false;
      byId.set(id, Object.freeze({ ...record, revokedAt: atSec ?? Math.floor(now() / 1000) }));
      return true;
    },
    rotate(id, rotateOptions = {}) {
      const record = byId.get(id);
      if (record === undefined)
        throw new ConfigError('ERR_AUTH_CONFIG_INVALID', 'unknown API key id', { detail: { id } });
      const { key, record: next } = mintApiKey({
        subject: record.subject,
        scopes: record.scopes,
        ...(record.prefix === undefined ? {} : { prefix: record.prefix }),
        ...(record.label === undefined ? {} : { label: record.label }),
        ...(rotateOptions.pepper === undefined ? {} : { pepper: rotateOptions.pepper }),
        ...(record.expiresAt === undefined || record.createdAt === undefined
          ? {}
          : { ttlSec: Math.max(1, record.expiresAt - record.createdAt) }),
        now,
      });
      add(next);
      byId.set(
        id,
        Object.freeze({
          ...record,
          revokedAt: Math.floor(now() / 1000) + Math.max(0, rotateOptions.overlapSec ?? 0),
        }),
      );
      return key;
    },
    get size() {
      return byId.size;
    },
  };
}
