import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '@mcp-warden/core';
import {
  type CryptoKey,
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  type FetchImplementation,
  type JSONWebKeySet,
  type JWK,
  type JWSHeaderParameters,
  errors as joseErrors,
} from 'jose';
import { tokenError } from './token-errors.js';

/** HMAC algorithms: verified with a shared secret from configuration. */
export type HmacAlgorithm = 'HS256' | 'HS384' | 'HS512';

/** Asymmetric JWS algorithms: verified with public keys from configuration or a JWKS. */
export type AsymmetricAlgorithm =
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'ES256'
  | 'ES384'
  | 'ES512'
  | 'EdDSA'
  | 'Ed25519';

/** Every JWS algorithm a key source may allow. `none` does not exist here. */
export type JwsAlgorithm = HmacAlgorithm | AsymmetricAlgorithm;

const HMAC_MIN_BYTES: Readonly<Record<HmacAlgorithm, number>> = { HS256: 32, HS384: 48, HS512: 64 };
const HMAC_HASH: Readonly<Record<HmacAlgorithm, string>> = {
  HS256: 'SHA-256',
  HS384: 'SHA-384',
  HS512: 'SHA-512',
};

/** Which node:crypto key types (and EC curves) can verify each asymmetric algorithm. */
const KEY_FIT: Readonly<Record<AsymmetricAlgorithm, (key: KeyObject) => boolean>> = {
  RS256: (k) => k.asymmetricKeyType === 'rsa',
  RS384: (k) => k.asymmetricKeyType === 'rsa',
  RS512: (k) => k.asymmetricKeyType === 'rsa',
  PS256: (k) => k.asymmetricKeyType === 'rsa' || k.asymmetricKeyType === 'rsa-pss',
  PS384: (k) => k.asymmetricKeyType === 'rsa' || k.asymmetricKeyType === 'rsa-pss',
  PS512: (k) => k.asymmetricKeyType === 'rsa' || k.asymmetricKeyType === 'rsa-pss',
  ES256: (k) => k.asymmetricKeyType === 'ec' && k.asymmetricKeyDetails?.namedCurve === 'prime256v1',
  ES384: (k) => k.asymmetricKeyType === 'ec' && k.asymmetricKeyDetails?.namedCurve === 'secp384r1',
  ES512: (k) => k.asymmetricKeyType === 'ec' && k.asymmetricKeyDetails?.namedCurve === 'secp521r1',
  EdDSA: (k) => k.asymmetricKeyType === 'ed25519' || k.asymmetricKeyType === 'ed448',
  Ed25519: (k) => k.asymmetricKeyType === 'ed25519',
};

/** True for the HMAC algorithms. */
export function isHmacAlgorithm(alg: string): alg is HmacAlgorithm {
  return Object.hasOwn(HMAC_MIN_BYTES, alg);
}

/** True for the asymmetric algorithms this package supports. */
export function isAsymmetricAlgorithm(alg: string): alg is AsymmetricAlgorithm {
  return Object.hasOwn(KEY_FIT, alg);
}

/** A remote JWKS (the authorization server's `jwks_uri`), fetched and cached by jose. */
export interface JwksUriSource {
  readonly type: 'jwks-uri';
  /** `https:` URL; `http:` only for loopback hosts unless {@link allowInsecureHttp}. */
  readonly url: string | URL;
  /** Asymmetric algorithms this source may verify (required, non-empty). */
  readonly algorithms: readonly AsymmetricAlgorithm[];
  /** Fetch timeout. Default 5000 ms. */
  readonly timeoutMs?: number;
  /** Minimum time between fetches triggered by an unknown `kid` (limits kid floods). Default 30000 ms. */
  readonly cooldownMs?: number;
  /** How long a fetched set is used before a refetch. Default 600000 ms. */
  readonly cacheMaxAgeMs?: number;
  /** Extra request headers. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Weakens security: allows `http:` to a non-loopback host. Emits a warning. Default false. */
  readonly allowInsecureHttp?: boolean;
  /** Largest JWKS response read, bytes (declared or streamed); a bigger one is a failed fetch. Default 524288. */
  readonly maxResponseBytes?: number;
}

/** A local JWKS, given as an object or read from a JSON file (re-read by `reload()`). */
export interface LocalJwksSource {
  readonly type: 'jwks';
  readonly jwks?: JSONWebKeySet;
  readonly file?: string;
  readonly algorithms: readonly AsymmetricAlgorithm[];
}

/** One or more public keys: PEM (SPKI or certificate) or public JWK; `kid` optional. */
export interface PublicKeySource {
  readonly type: 'public-key';
  readonly keys: readonly { readonly key: string | JWK; readonly kid?: string }[];
  readonly algorithms: readonly AsymmetricAlgorithm[];
}

/** One or more shared HMAC secrets; each must be at least as long as the hash output. */
export interface HmacSecretSource {
  readonly type: 'hmac';
  readonly secrets: readonly { readonly secret: string | Uint8Array; readonly kid?: string }[];
  readonly algorithms: readonly HmacAlgorithm[];
}

/** Where verification keys come from. Never from the token (`jku`, `x5u`, `x5c`, `jwk` are ignored). */
export type KeySource = JwksUriSource | LocalJwksSource | PublicKeySource | HmacSecretSource;

/** What a key source can verify; built once from configuration. */
export interface KeyResolver {
  readonly algorithms: ReadonlySet<string>;
  /** True when the key for a given header never changes until `reload()` (so it may be memoised). */
  readonly static: boolean;
  /** The key for this header; synchronous when it is already at hand (saves a promise hop per token). */
  getKey(header: JWSHeaderParameters): CryptoKey | KeyObject | Promise<CryptoKey | KeyObject>;
  reload(): Promise<void>;
}

function configError(message: string, detail: Record<string, unknown> = {}): ConfigError {
  return new ConfigError('ERR_AUTH_CONFIG_INVALID', message, { detail });
}

function checkAlgorithms(source: KeySource): void {
  if (!Array.isArray(source.algorithms) || source.algorithms.length === 0) {
    throw configError('every key source needs a non-empty algorithms allowlist', { type: source.type });
  }
  for (const alg of source.algorithms as readonly string[]) {
    const fits = source.type === 'hmac' ? isHmacAlgorithm(alg) : isAsymmetricAlgorithm(alg);
    if (!fits) {
      // Keeps public key material from ever acting as an HMAC secret, and secrets from acting as keys.
      throw configError(`algorithm ${alg} cannot be used with a ${source.type} key source`, {
        type: source.type,
        alg,
      });
    }
  }
}

function positive(value: number | undefined, fallback: number, name: string): number {
  const result = value ?? fallback;
  if (!Number.isFinite(result) || result <= 0) throw configError(`${name} must be a positive finite number`);
  return result;
}

function isLoopbackHost(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    hostname === '[::1]' ||
    hostname === '::1' ||
    /^127\.\d+\.\d+\.\d+$/.test(hostname)
  );
}

/** Chooses among `candidates` by exact `kid`; a lone candidate serves a token when no key names a kid. */
function selectByKid<T extends { readonly kid: string | undefined }>(
  candidates: readonly T[],
  kid: unknown,
): T {
  if (typeof kid === 'string') {
    const exact = candidates.filter((c) => c.kid === kid);
    if (exact.length === 1) return exact[0]!;
    if (exact.length === 0 && candidates.length === 1 && candidates[0]!.kid === undefined)
      return candidates[0]!;
    throw tokenError('ERR_TOKEN_KEY_NOT_FOUND', { detail: { kid } });
  }
  if (kid !== undefined) throw tokenError('ERR_TOKEN_MALFORMED', { detail: { reason: 'kid not a string' } });
  if (candidates.length === 1) return candidates[0]!;
  throw tokenError('ERR_TOKEN_KEY_NOT_FOUND', { detail: { reason: 'no kid and several keys' } });
}

function looksLikeKeyMaterial(secret: string): boolean {
  return /-----BEGIN|"kty"|ssh-(rsa|ed25519)|ecdsa-sha2-/.test(secret);
}

function hmacResolver(source: HmacSecretSource): KeyResolver {
  if (source.secrets.length === 0) throw configError('an hmac key source needs at least one secret');
  const entries = source.secrets.map(({ secret, kid }) => {
    if (typeof secret === 'string' && looksLikeKeyMaterial(secret)) {
      throw configError('an HMAC secret must not be public key material', { kid });
    }
    const bytes = typeof secret === 'string' ? new TextEncoder().encode(secret) : new Uint8Array(secret);
    for (const alg of source.algorithms) {
      if (bytes.byteLength < HMAC_MIN_BYTES[alg]) {
        throw new ConfigError(
          'ERR_HMAC_SECRET_TOO_SHORT',
          `an ${alg} secret must be at least ${HMAC_MIN_BYTES[alg]} bytes`,
          { detail: { kid, bytes: bytes.byteLength } },
        );
      }
    }
    return {
      kid,
      bytes,
      imported: new Map<string, Promise<CryptoKey>>(),
      ready: new Map<string, CryptoKey>(),
    };
  });
  return {
    algorithms: new Set(source.algorithms),
    static: true,
    getKey(header) {
      const alg = header.alg as HmacAlgorithm;
      const entry = selectByKid(entries, header.kid);
      const ready = entry.ready.get(alg);
      if (ready !== undefined) return ready;
      let key = entry.imported.get(alg);
      if (key === undefined) {
        key = crypto.subtle
          .importKey('raw', entry.bytes, { name: 'HMAC', hash: HMAC_HASH[alg] }, false, ['verify'])
          .then((imported) => {
            entry.ready.set(alg, imported);
            return imported;
          });
        entry.imported.set(alg, key);
      }
      return key;
    },
    async reload() {},
  };
}

function publicKeyResolver(source: PublicKeySource): KeyResolver {
  if (source.keys.length === 0) throw configError('a public-key source needs at least one key');
  const entries = source.keys.map(({ key, kid }) => {
    let object: KeyObject;
    try {
      object =
        typeof key === 'string'
          ? createPublicKey(key)
          : createPublicKey({ key: key as JsonWebKey, format: 'jwk' });
    } catch (cause) {
      throw new ConfigError('ERR_AUTH_CONFIG_INVALID', 'a configured public key could not be read', {
        detail: { kid },
        cause,
      });
    }
    if (object.type !== 'public') throw configError('a configured key is not a public key', { kid });
    const jwkKid = typeof key === 'object' && typeof key.kid === 'string' ? key.kid : undefined;
    return { kid: kid ?? jwkKid, object };
  });
  for (const alg of source.algorithms) {
    if (!entries.some((entry) => KEY_FIT[alg](entry.object))) {
      throw configError(`no configured public key fits algorithm ${alg}`, { alg });
    }
  }
  return {
    algorithms: new Set(source.algorithms),
    static: true,
    getKey(header) {
      const fit = KEY_FIT[header.alg as AsymmetricAlgorithm];
      return selectByKid(
        entries.filter((entry) => fit(entry.object)),
        header.kid,
      ).object;
    },
    async reload() {},
  };
}

function checkJwks(jwks: unknown, origin: string): JSONWebKeySet {
  const keys = (jwks as { keys?: unknown } | null)?.keys;
  if (typeof jwks !== 'object' || jwks === null || !Array.isArray(keys)) {
    throw configError('a JWKS must be an object with a "keys" array', { origin });
  }
  for (const key of keys as unknown[]) {
    const jwk = key as Record<string, unknown> | null;
    if (typeof jwk !== 'object' || jwk === null)
      throw configError('a JWKS member is not an object', { origin });
    if (jwk.kty === 'oct' || 'd' in jwk || 'k' in jwk) {
      throw configError('a JWKS must hold public keys only (no secrets, no private parts)', {
        origin,
        kid: jwk.kid,
      });
    }
  }
  return jwks as JSONWebKeySet;
}

function wrapSetErrors(error: unknown): never {
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

function localJwksResolver(source: LocalJwksSource): KeyResolver {
  if ((source.jwks === undefined) === (source.file === undefined)) {
    throw configError('a jwks key source needs exactly one of "jwks" or "file"');
  }
  const load = (): ReturnType<typeof createLocalJWKSet> => {
    let jwks: unknown = source.jwks;
    if (source.file !== undefined) {
      try {
        jwks = JSON.parse(readFileSync(source.file, 'utf8'));
      } catch (cause) {
        throw new ConfigError('ERR_AUTH_CONFIG_INVALID', 'the JWKS file could not be read', {
          detail: { file: source.file },
          cause,
        });
      }
    }
    return createLocalJWKSet(checkJwks(jwks, source.file ?? 'object'));
  };
  let set = load();
  return {
    algorithms: new Set(source.algorithms),
    static: false,
    async getKey(header) {
      try {
        return await set(header);
      } catch (error) {
        return wrapSetErrors(error);
      }
    },
    async reload() {
      set = load();
    },
  };
}

/** Longest wait after a failed JWKS fetch before the next attempt (shorter when `cooldownMs` is). */
const FAILURE_BACKOFF_MAX_MS = 5000;

class JwksFetchError extends Error {
  override readonly name = 'JwksFetchError';
}

/**
 * The fetch jose uses for a remote JWKS, with two limits jose lacks: the body is read up to
 * `maxBytes` (a declared or streamed excess aborts it, so a hostile or broken endpoint cannot fill
 * memory before the timeout), and after a failed fetch (network error, non-200, oversized, not a
 * JWKS) no new request leaves for `backoffMs`. jose only rate-limits refetches after a successful one,
 * so without it every unknown `kid` (or every token, once the set is stale) hits a failing endpoint.
 */
function boundedJwksFetch(
  maxBytes: number,
  backoffMs: number,
): { readonly fetch: FetchImplementation; forced<T>(run: () => Promise<T>): Promise<T> } {
  let retryAt = 0;
  let forcing = 0;
  const read = async (response: Response): Promise<Uint8Array> => {
    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    if (declared > maxBytes) throw new JwksFetchError('JWKS response too large');
    const chunks: Uint8Array[] = [];
    let size = 0;
    if (response.body !== null) {
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > maxBytes) {
          void reader.cancel().catch(() => {});
          throw new JwksFetchError('JWKS response too large');
        }
        chunks.push(value);
      }
    }
    return Buffer.concat(chunks, size);
  };
  const fetchImpl: FetchImplementation = async (url, init) => {
    if (forcing === 0 && Date.now() < retryAt)
      throw new JwksFetchError('JWKS fetch backing off after a failure');
    try {
      const response = await fetch(url, init);
      if (response.status !== 200) {
        void response.body?.cancel().catch(() => {});
        throw new JwksFetchError(`JWKS endpoint answered ${response.status}`);
      }
      const bytes = await read(response);
      let json: unknown;
      try {
        json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
      } catch (cause) {
        throw new JwksFetchError('JWKS response is not JSON', { cause });
      }
      const keys = (json as { keys?: unknown } | null)?.keys;
      if (typeof json !== 'object' || json === null || !Array.isArray(keys)) {
        throw new JwksFetchError('JWKS response is not a key set');
      }
      retryAt = 0;
      return new Response(bytes, { status: 200, headers: { 'content-type': 'application/json' } });
    } catch (error) {
      retryAt = Date.now() + backoffMs;
      throw error;
    }
  };
  return {
    fetch: fetchImpl,
    async forced(run) {
      forcing++;
      try {
        return await run();
      } finally {
        forcing--;
      }
    },
  };
}

function remoteJwksResolver(source: JwksUriSource, warnings: string[]): KeyResolver {
  let url: URL;
  try {
    url = new URL(source.url);
  } catch (cause) {
    throw new ConfigError('ERR_AUTH_CONFIG_INVALID', 'the JWKS URL is not a valid URL', { cause });
  }
  if (url.protocol !== 'https:') {
    if (url.protocol !== 'http:') throw configError('the JWKS URL must use https:', { url: url.href });
    if (!isLoopbackHost(url.hostname)) {
      if (source.allowInsecureHttp !== true) {
        throw configError('the JWKS URL must use https: (http: only for loopback hosts)', { url: url.href });
      }
      warnings.push(`allowInsecureHttp: JWKS fetched over plain http from ${url.host}`);
    }
  }
  const cooldownMs = positive(source.cooldownMs, 30_000, 'cooldownMs');
  const maxResponseBytes = positive(source.maxResponseBytes, 524_288, 'maxResponseBytes');
  const fetcher = boundedJwksFetch(maxResponseBytes, Math.min(cooldownMs, FAILURE_BACKOFF_MAX_MS));
  const set = createRemoteJWKSet(url, {
    timeoutDuration: Math.ceil(positive(source.timeoutMs, 5000, 'timeoutMs')), // jose wants an integer
    cooldownDuration: cooldownMs,
    cacheMaxAge: positive(source.cacheMaxAgeMs, 600_000, 'cacheMaxAgeMs'),
    ...(source.headers === undefined ? {} : { headers: { ...source.headers } }),
    [customFetch]: fetcher.fetch,
  });
  return {
    algorithms: new Set(source.algorithms),
    static: false,
    async getKey(header) {
      try {
        return await set(header);
      } catch (error) {
        return wrapSetErrors(error);
      }
    },
    async reload() {
      try {
        // An explicit reload is the operator asking: it is not held back by the failure backoff.
        await fetcher.forced(() => set.reload());
      } catch (error) {
        wrapSetErrors(error);
      }
    },
  };
}

/** Validates one key source and builds its resolver. Throws `ConfigError` on any misconfiguration. */
export function createKeyResolver(source: KeySource, warnings: string[] = []): KeyResolver {
  checkAlgorithms(source);
  switch (source.type) {
    case 'hmac':
      return hmacResolver(source);
    case 'public-key':
      return publicKeyResolver(source);
    case 'jwks':
      return localJwksResolver(source);
    case 'jwks-uri':
      return remoteJwksResolver(source, warnings);
    default:
      throw configError('unknown key source type', { type: (source as { type?: unknown }).type });
  }
}
