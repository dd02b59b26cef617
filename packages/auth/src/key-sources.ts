import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '@mcp-warden/core';
import {
  type CryptoKey,
  createLocalJWKSet,
  type JSONWebKeySet,
  type JWK,
  type JWSHeaderParameters,
} from 'jose';
import { issuerMetadataResolver } from './issuer-metadata.js';
import { configError, wrapSetErrors } from './key-source-checks.js';
import { remoteKeySet, remoteSettings, transportOf } from './remote-key-set.js';
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

/** Fetch limits shared by the remote key sources (`jwks-uri`, `issuer-metadata`). */
export interface RemoteFetchOptions {
  /** Timeout of each fetch. Default 5000 ms. */
  readonly timeoutMs?: number;
  /** Minimum time between JWKS fetches triggered by an unknown `kid` (limits kid floods). Default 30000 ms. */
  readonly cooldownMs?: number;
  /** How long a fetched key set (and a discovered `jwks_uri`) is used before a refetch. Default 600000 ms. */
  readonly cacheMaxAgeMs?: number;
  /** Extra request headers (`issuer-metadata`: sent to the metadata URLs and to the discovered `jwks_uri`). */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Weakens security: allows `http:` to a non-loopback host (`issuer-metadata`: for the issuer and the
   * `jwks_uri`). Emits a warning. Default false.
   */
  readonly allowInsecureHttp?: boolean;
  /** Largest response read, bytes (declared or streamed); a bigger one is a failed fetch. Default 524288. */
  readonly maxResponseBytes?: number;
}

/** What every key source says about the tokens it may verify. */
interface IssuerBinding {
  /**
   * The issuer whose tokens this source's keys verify: one of the verifier's `issuer` values, compared
   * exactly. Required when the verifier accepts several issuers; default: the verifier's only one.
   */
  readonly issuer?: string;
}

/** A remote JWKS (the authorization server's `jwks_uri`), fetched and cached by jose. */
export interface JwksUriSource extends RemoteFetchOptions, IssuerBinding {
  readonly type: 'jwks-uri';
  /** `https:` URL; `http:` only for loopback hosts unless {@link RemoteFetchOptions.allowInsecureHttp}. */
  readonly url: string | URL;
  /** Asymmetric algorithms this source may verify (required, non-empty). */
  readonly algorithms: readonly AsymmetricAlgorithm[];
}

/** A local JWKS, given as an object or read from a JSON file (re-read by `reload()`). */
export interface LocalJwksSource extends IssuerBinding {
  readonly type: 'jwks';
  readonly jwks?: JSONWebKeySet;
  readonly file?: string;
  readonly algorithms: readonly AsymmetricAlgorithm[];
}

/** One or more public keys: PEM (SPKI or certificate) or public JWK; `kid` optional. */
export interface PublicKeySource extends IssuerBinding {
  readonly type: 'public-key';
  readonly keys: readonly { readonly key: string | JWK; readonly kid?: string }[];
  readonly algorithms: readonly AsymmetricAlgorithm[];
}

/** One or more shared HMAC secrets; each must be at least as long as the hash output. */
export interface HmacSecretSource extends IssuerBinding {
  readonly type: 'hmac';
  readonly secrets: readonly { readonly secret: string | Uint8Array; readonly kid?: string }[];
  readonly algorithms: readonly HmacAlgorithm[];
}

/**
 * The authorization server's own metadata (RFC 8414, OpenID Connect Discovery 1.0) names the JWKS: its
 * `jwks_uri` is discovered from the issuer, then used exactly as a {@link JwksUriSource}. The document
 * must name this issuer exactly (mix-up defence); a `jwks_uri` must be an absolute `https:` URL.
 */
export interface IssuerMetadataSource extends RemoteFetchOptions, IssuerBinding {
  readonly type: 'issuer-metadata';
  /**
   * The issuer whose metadata is read and whose tokens the discovered keys verify (an `https:` URL without
   * query or fragment); one of the verifier's `issuer` values, compared exactly. Required when the
   * verifier accepts several issuers; default: the verifier's only one.
   */
  readonly issuer?: string;
  /** Asymmetric algorithms this source may verify (required, non-empty). */
  readonly algorithms: readonly AsymmetricAlgorithm[];
}

/** Where verification keys come from. Never from the token (`jku`, `x5u`, `x5c`, `jwk` are ignored). */
export type KeySource =
  | JwksUriSource
  | IssuerMetadataSource
  | LocalJwksSource
  | PublicKeySource
  | HmacSecretSource;

/** What a key source can verify; built once from configuration. */
export interface KeyResolver {
  /** The one issuer whose tokens these keys may verify. */
  readonly issuer: string;
  readonly algorithms: ReadonlySet<string>;
  /** True when the key for a given header never changes until `reload()` (so it may be memoised). */
  readonly static: boolean;
  /** The key for this header; synchronous when it is already at hand (saves a promise hop per token). */
  getKey(header: JWSHeaderParameters): CryptoKey | KeyObject | Promise<CryptoKey | KeyObject>;
  reload(): Promise<void>;
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

function hmacResolver(source: HmacSecretSource, issuer: string): KeyResolver {
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
    issuer,
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

function publicKeyResolver(source: PublicKeySource, issuer: string): KeyResolver {
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
    issuer,
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

function localJwksResolver(source: LocalJwksSource, issuer: string): KeyResolver {
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
    issuer,
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

function remoteJwksResolver(source: JwksUriSource, issuer: string, warnings: string[]): KeyResolver {
  let url: URL;
  try {
    url = new URL(source.url);
  } catch (cause) {
    throw new ConfigError('ERR_AUTH_CONFIG_INVALID', 'the JWKS URL is not a valid URL', { cause });
  }
  const transport = transportOf(url, source.allowInsecureHttp);
  if (transport === 'refused') {
    if (url.protocol !== 'http:') throw configError('the JWKS URL must use https:', { url: url.href });
    throw configError('the JWKS URL must use https: (http: only for loopback hosts)', { url: url.href });
  }
  if (transport === 'insecure')
    warnings.push(`allowInsecureHttp: JWKS fetched over plain http from ${url.host}`);
  const set = remoteKeySet(url, remoteSettings(source));
  return {
    issuer,
    algorithms: new Set(source.algorithms),
    static: false,
    getKey: set.getKey,
    reload: set.reload,
  };
}

/**
 * The issuer a source's keys are bound to: its own `issuer`, which must be one of the verifier's, or the
 * verifier's only one. With several issuers every source must name its own: keys never serve any issuer.
 */
function sourceIssuer(source: KeySource, issuers: readonly string[]): string {
  const { issuer } = source;
  if (issuer === undefined) {
    if (issuers.length !== 1) {
      throw configError('a key source needs "issuer" when the verifier accepts several', {
        type: source.type,
        issuers: issuers.length,
      });
    }
    return issuers[0]!;
  }
  if (typeof issuer !== 'string' || !issuers.includes(issuer)) {
    throw configError('the issuer of a key source must be one of the verifier issuers', {
      type: source.type,
      issuer: typeof issuer === 'string' ? issuer : typeof issuer,
    });
  }
  return issuer;
}

/**
 * Validates one key source and builds its resolver, bound to one of `issuers` (the verifier's accepted
 * issuers). Throws `ConfigError` on any misconfiguration.
 */
export function createKeyResolver(
  source: KeySource,
  warnings: string[],
  issuers: readonly string[],
): KeyResolver {
  checkAlgorithms(source);
  const issuer = sourceIssuer(source, issuers);
  switch (source.type) {
    case 'hmac':
      return hmacResolver(source, issuer);
    case 'public-key':
      return publicKeyResolver(source, issuer);
    case 'jwks':
      return localJwksResolver(source, issuer);
    case 'jwks-uri':
      return remoteJwksResolver(source, issuer, warnings);
    case 'issuer-metadata':
      return issuerMetadataResolver(source, issuer, warnings);
    default:
      throw configError('unknown key source type', { type: (source as { type?: unknown }).type });
  }
}
