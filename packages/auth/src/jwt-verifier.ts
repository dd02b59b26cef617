import type { KeyObject } from 'node:crypto';
import { ConfigError, type EventSink } from '@mcp-warden/core';
import {
  type CryptoKey,
  type JWSHeaderParameters,
  type JWTPayload,
  type JWTVerifyOptions,
  jwtVerify,
} from 'jose';
import { createKeyResolver, type KeyResolver, type KeySource } from './key-sources.js';
import { scopesFromClaims } from './scopes.js';
import { TokenCache, type TokenCacheOptions, tokenCacheKey } from './token-cache.js';
import { mapVerificationError, tokenError } from './token-errors.js';

/** How strictly the JOSE header `typ` is checked. */
export type TypMode = 'strict' | 'lenient';

/** Options of {@link createJwtVerifier}. */
export interface JwtVerifierOptions {
  /** Accepted issuer(s), compared exactly (no trailing-slash normalisation). Required. */
  readonly issuer: string | readonly string[];
  /**
   * This server's resource identifier (RFC 8707). The token's `aud` must contain exactly this string.
   * Required: the audience check cannot be switched off.
   */
  readonly resource: string | URL;
  /**
   * Where keys come from. Each source verifies tokens of one issuer only (its `issuer`, required when there
   * are several) and has its own algorithm allowlist; an algorithm may appear in one source per issuer.
   */
  readonly keys: readonly KeySource[];
  /** Clock skew tolerated for `exp`, `nbf` and `iat`, seconds. Default 60; at most 300. */
  readonly clockToleranceSec?: number;
  /** Oldest accepted token by `iat`, seconds (makes `iat` required). Default: no limit. */
  readonly maxTokenAgeSec?: number;
  /** `strict`: `typ` must be `at+jwt` (RFC 9068). `lenient`: also `JWT` or none, never another type. Default `strict`. */
  readonly typ?: TypMode;
  /** Longest accepted token, checked before any decoding, bytes. Default 8192. */
  readonly maxTokenBytes?: number;
  /** Claims that must be present besides `iss`, `aud`, `exp` (always required). Default `['sub']`. */
  readonly requiredClaims?: readonly string[];
  /** Verified-token cache; `false` turns it off. Default on: 10000 entries, 300 s. */
  readonly cache?: TokenCacheOptions | false;
  /** Where start-up warnings go (as `sys_startup`). Default: none. */
  readonly events?: EventSink;
  /** The clock, in ms since the epoch. Default `Date.now`; for tests. */
  readonly now?: () => number;
}

/** A key binding the token carries in `cnf` (RFC 8705 / RFC 9449). */
export interface TokenBinding {
  /** RFC 9449: SHA-256 JWK thumbprint of the DPoP key. */
  readonly jkt?: string;
  /** RFC 8705: SHA-256 thumbprint of the client certificate (base64url). */
  readonly x5tS256?: string;
}

/** A verified access token. Holds claims, never the token itself. */
export interface VerifiedToken {
  readonly subject: string;
  readonly clientId: string;
  readonly issuer: string;
  readonly scopes: readonly string[];
  /** `exp`, seconds since the epoch. */
  readonly expiresAt: number;
  readonly claims: Readonly<JWTPayload>;
  readonly header: Readonly<JWSHeaderParameters>;
  readonly binding: TokenBinding | undefined;
}

/** How the token was presented, for sender-constrained tokens. */
export interface Presentation {
  /** `bearer` (default) or `dpop`. A DPoP- or certificate-bound token as plain bearer is refused. */
  readonly scheme?: 'bearer' | 'dpop';
  /** SHA-256 thumbprint (base64url) of the verified client certificate on this connection. */
  readonly certificateThumbprint?: string;
  /** RFC 7638 thumbprint of the key of an already-verified DPoP proof. */
  readonly dpopJkt?: string;
}

/** Verifies access tokens against one configuration. */
export interface JwtVerifier {
  /** Verifies `token`; throws an `AuthenticationError` with a stable code on any failure. */
  verify(token: string, presentation?: Presentation): Promise<VerifiedToken>;
  /** Re-reads every key source (refetches remote JWKS) and empties the cache. */
  reload(): Promise<void>;
  /** The resource identifier tokens must be issued for. */
  readonly resource: string;
  /** Every algorithm some key source allows. */
  readonly algorithms: readonly string[];
  /** Warnings about weakened settings. */
  readonly warnings: readonly string[];
  /** Entries in the verified-token cache. */
  readonly cacheSize: number;
}

const B64URL = /^[A-Za-z0-9_-]*$/;
const COMPACT_JWS = /^[\w-]+\.[\w-]+\.[\w-]+$/;
/** The end of COMPACT_JWS, matched from `lastIndex` (after the header segment's dot). */
const PAYLOAD_AND_SIGNATURE = /[\w-]+\.[\w-]+$/y;
const NO_PRESENTATION: Presentation = Object.freeze({});

function normalizeMediaType(value: string): string {
  const lower = value.toLowerCase();
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower;
}

function decodeSegment(segment: string): Record<string, unknown> {
  if (segment.length === 0 || !B64URL.test(segment)) throw tokenError('ERR_TOKEN_MALFORMED');
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch (cause) {
    throw tokenError('ERR_TOKEN_MALFORMED', { cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw tokenError('ERR_TOKEN_MALFORMED');
  return value as Record<string, unknown>;
}

function readBinding(claims: JWTPayload): TokenBinding | undefined {
  const cnf = claims.cnf as unknown;
  if (cnf === undefined) return undefined;
  if (typeof cnf !== 'object' || cnf === null || Array.isArray(cnf)) {
    throw tokenError('ERR_TOKEN_CLAIM_INVALID', { detail: { claim: 'cnf' } });
  }
  const { jkt, 'x5t#S256': x5t } = cnf as Record<string, unknown>;
  if ((jkt !== undefined && typeof jkt !== 'string') || (x5t !== undefined && typeof x5t !== 'string')) {
    throw tokenError('ERR_TOKEN_CLAIM_INVALID', { detail: { claim: 'cnf' } });
  }
  // A confirmation method we cannot check must not be silently ignored.
  if (jkt === undefined && x5t === undefined)
    throw tokenError('ERR_TOKEN_UNSUPPORTED', { detail: { claim: 'cnf' } });
  return { ...(jkt === undefined ? {} : { jkt }), ...(x5t === undefined ? {} : { x5tS256: x5t }) };
}

function checkBinding(binding: TokenBinding | undefined, presentation: Presentation): void {
  const scheme = presentation.scheme ?? 'bearer';
  if (binding === undefined) {
    if (scheme === 'dpop')
      throw tokenError('ERR_TOKEN_BINDING_MISMATCH', { detail: { reason: 'unbound token as DPoP' } });
    return;
  }
  if (binding.jkt !== undefined) {
    if (scheme !== 'dpop' || presentation.dpopJkt === undefined) {
      throw tokenError('ERR_TOKEN_BINDING_REQUIRED', {
        detail: { reason: 'DPoP-bound token without proof' },
      });
    }
    if (presentation.dpopJkt !== binding.jkt)
      throw tokenError('ERR_TOKEN_BINDING_MISMATCH', { detail: { reason: 'jkt' } });
  }
  if (binding.x5tS256 !== undefined) {
    if (presentation.certificateThumbprint === undefined) {
      throw tokenError('ERR_TOKEN_BINDING_REQUIRED', {
        detail: { reason: 'certificate-bound token without certificate' },
      });
    }
    if (presentation.certificateThumbprint !== binding.x5tS256) {
      throw tokenError('ERR_TOKEN_BINDING_MISMATCH', { detail: { reason: 'x5t#S256' } });
    }
  }
}

function resourceIdentifier(resource: string | URL): string {
  if (typeof resource !== 'string' && !(resource instanceof URL)) {
    throw new ConfigError(
      'ERR_AUTH_CONFIG_INVALID',
      "resource (this server's resource identifier) is required",
    );
  }
  const text = typeof resource === 'string' ? resource : resource.href;
  let url: URL;
  try {
    url = new URL(text);
  } catch (cause) {
    throw new ConfigError('ERR_AUTH_CONFIG_INVALID', 'resource must be an absolute URI', { cause });
  }
  if (url.hash !== '' || text.includes('#')) {
    throw new ConfigError('ERR_AUTH_CONFIG_INVALID', 'resource must not contain a fragment (RFC 8707)');
  }
  return text;
}

/**
 * The `aud` values that name this resource: the configured identifier, and its WHATWG-serialised form,
 * which is what MCP clients send as the RFC 8707 `resource` parameter (`new URL(resource).href`: lower-case
 * scheme and host, no default port, `/` for an empty path). For an origin-only identifier both `https://h`
 * and `https://h/` (RFC 3986 §6.2.3: the same URI). Nothing else: another path, a trailing slash after a
 * path, another port or host are different resources.
 */
function audiencesFor(resource: string): string[] {
  const url = new URL(resource);
  const out = new Set([resource, url.href]);
  if (url.href === `${url.origin}/`) out.add(url.origin);
  return [...out];
}

/** A key source and the jose options that hold a token to that source's issuer and algorithms. */
interface Route {
  readonly resolver: KeyResolver;
  readonly joseOptions: JWTVerifyOptions;
}

/**
 * Each issuer's key sources by algorithm. Two sources of one issuer may not share an algorithm (which one
 * verifies would be ambiguous); sources of different issuers may. A source's jose options name its issuer
 * alone, not the verifier's list (arrays: jose would otherwise wrap a string in a new one on every call).
 */
function routesByIssuer(
  resolvers: readonly KeyResolver[],
  shared: Omit<JWTVerifyOptions, 'algorithms' | 'issuer'>,
): Map<string, Map<string, Route>> {
  const routes = new Map<string, Map<string, Route>>();
  for (const resolver of resolvers) {
    const route: Route = {
      resolver,
      joseOptions: { ...shared, algorithms: [...resolver.algorithms], issuer: [resolver.issuer] },
    };
    const byAlg = routes.get(resolver.issuer) ?? new Map<string, Route>();
    routes.set(resolver.issuer, byAlg);
    for (const alg of resolver.algorithms) {
      if (byAlg.has(alg)) {
        throw new ConfigError(
          'ERR_AUTH_CONFIG_INVALID',
          `algorithm ${alg} is allowed by two key sources of one issuer`,
          { detail: { issuer: resolver.issuer } },
        );
      }
      byAlg.set(alg, route);
    }
  }
  return routes;
}

/**
 * The unverified `iss` of a token that passed the compact-syntax check. It only chooses the keys; jose then
 * requires exactly that issuer.
 */
function claimedIssuer(token: string): string {
  const start = token.indexOf('.') + 1;
  const { iss } = decodeSegment(token.slice(start, token.indexOf('.', start)));
  if (typeof iss !== 'string') throw tokenError('ERR_TOKEN_ISSUER_INVALID');
  return iss;
}

/**
 * Creates a JWT access-token verifier (RFC 9068 profile) over jose. Keys come from configuration only;
 * `iss`, `aud` (this resource), `exp` are required; `typ`, `nbf`, future `iat`, `crit`, size, JWE and
 * nested tokens are checked; every failure is one `AuthenticationError` code.
 */
export function createJwtVerifier(options: JwtVerifierOptions): JwtVerifier {
  const resource = resourceIdentifier(options.resource);
  const issuers = typeof options.issuer === 'string' ? [options.issuer] : [...(options.issuer ?? [])];
  if (issuers.length === 0 || issuers.some((iss) => typeof iss !== 'string' || iss.length === 0)) {
    throw new ConfigError('ERR_AUTH_CONFIG_INVALID', 'issuer is required');
  }
  const tolerance = options.clockToleranceSec ?? 60;
  if (!Number.isFinite(tolerance) || tolerance < 0 || tolerance > 300) {
    throw new ConfigError('ERR_AUTH_CONFIG_INVALID', 'clockToleranceSec must be between 0 and 300');
  }
  const maxAge = options.maxTokenAgeSec;
  if (maxAge !== undefined && !(Number.isFinite(maxAge) && maxAge > 0)) {
    throw new ConfigError('ERR_AUTH_CONFIG_INVALID', 'maxTokenAgeSec must be a positive number');
  }
  const maxBytes = options.maxTokenBytes ?? 8192;
  if (!Number.isInteger(maxBytes) || maxBytes < 64 || maxBytes > 65_536) {
    throw new ConfigError('ERR_AUTH_CONFIG_INVALID', 'maxTokenBytes must be an integer between 64 and 65536');
  }
  const typMode = options.typ ?? 'strict';
  if (typMode !== 'strict' && typMode !== 'lenient') {
    throw new ConfigError('ERR_AUTH_CONFIG_INVALID', 'typ must be "strict" or "lenient"');
  }
  if (!Array.isArray(options.keys) || options.keys.length === 0) {
    throw new ConfigError('ERR_AUTH_CONFIG_INVALID', 'at least one key source is required');
  }
  const warnings: string[] = [];
  const resolvers: KeyResolver[] = options.keys.map((source) => createKeyResolver(source, warnings, issuers));
  const required = [...new Set(['exp', ...(options.requiredClaims ?? ['sub'])])];
  const routes = routesByIssuer(resolvers, {
    audience: audiencesFor(resource),
    requiredClaims: required,
    clockTolerance: tolerance,
    ...(maxAge === undefined ? {} : { maxTokenAge: maxAge }),
  });
  // With one issuer every token is routed to its sources without reading the payload (jose checks `iss`).
  const soleIssuerRoutes = issuers.length === 1 ? routes.get(issuers[0]!) : undefined;
  const algorithms = [...new Set(resolvers.flatMap((resolver) => [...resolver.algorithms]))];
  const allowed = new Set(algorithms);
  const now = options.now ?? Date.now;
  const customClock = options.now !== undefined;
  const cache = options.cache === false ? undefined : new TokenCache<VerifiedToken>(options.cache);
  if (warnings.length > 0) {
    options.events?.emit({
      type: 'sys_startup',
      time: new Date(now()).toISOString(),
      level: 'warn',
      outcome: 'success',
      component: '@mcp-warden/auth jwt-verifier',
      warnings: [...warnings],
    });
  }

  /**
   * Header rules jose does not apply: the allowlist (checked again by jose with the chosen source's list:
   * a key must never meet an algorithm outside it), JWE/nested refusal, `typ` mode. Throws on failure.
   */
  const checkHeader = (header: Readonly<Record<string, unknown>>): void => {
    const { alg, typ, cty, enc } = header;
    if (typeof alg !== 'string' || !allowed.has(alg)) {
      throw tokenError('ERR_TOKEN_ALG_NOT_ALLOWED', {
        detail: { alg: typeof alg === 'string' ? alg : null },
      });
    }
    if (enc !== undefined) throw tokenError('ERR_TOKEN_UNSUPPORTED', { detail: { reason: 'enc' } });
    if (cty !== undefined && (typeof cty !== 'string' || normalizeMediaType(cty) === 'jwt')) {
      throw tokenError('ERR_TOKEN_UNSUPPORTED', { detail: { reason: 'nested token' } });
    }
    if (typ === undefined) {
      if (typMode === 'strict') throw tokenError('ERR_TOKEN_TYPE_INVALID', { detail: { typ: null } });
    } else {
      const normalized = typeof typ === 'string' ? normalizeMediaType(typ) : '';
      const ok = normalized === 'at+jwt' || (typMode === 'lenient' && normalized === 'jwt');
      if (!ok) throw tokenError('ERR_TOKEN_TYPE_INVALID', { detail: { typ: String(typ).slice(0, 64) } });
    }
  };

  /** Classifies a token that is not three non-empty base64url segments. Always throws. */
  const refuseMalformed = (token: string): never => {
    if (typeof token !== 'string' || token.length === 0) throw tokenError('ERR_TOKEN_MALFORMED');
    if (token.length > maxBytes)
      throw tokenError('ERR_TOKEN_TOO_LARGE', { detail: { length: token.length } });
    const parts = token.split('.');
    if (parts.length === 5) throw tokenError('ERR_TOKEN_UNSUPPORTED', { detail: { reason: 'JWE' } });
    if (parts.length !== 3) throw tokenError('ERR_TOKEN_MALFORMED');
    // A readable header decides the code (e.g. `alg: none` with an empty signature).
    checkHeader(decodeSegment(parts[0]!));
    throw tokenError('ERR_TOKEN_MALFORMED');
  };

  // Hot path: the header segment repeats across an issuer's tokens, so the outcome of the header rules
  // (and, for static sources, the key of each source) is memoised per header segment. Only headers that
  // passed the rules are stored; the map is bounded and emptied by reload(). The entry used last is tried
  // first, by prefix, which spares slicing and hashing the segment.
  interface HeaderEntry {
    readonly segment: string;
    readonly header: JWSHeaderParameters;
    /** Static keys by source: one header (same `alg` and `kid`) may be served by sources of several issuers. */
    readonly keys: Map<KeyResolver, CryptoKey | KeyObject>;
  }
  const headers = new Map<string, HeaderEntry>();
  let lastHeader: HeaderEntry | undefined;
  const headerEntry = (segment: string): HeaderEntry => {
    let entry = headers.get(segment);
    if (entry === undefined) {
      const header = decodeSegment(segment) as JWSHeaderParameters;
      checkHeader(header as Record<string, unknown>);
      entry = { segment, header, keys: new Map() };
      if (headers.size >= 256) headers.clear();
      headers.set(segment, entry);
    }
    lastHeader = entry;
    return entry;
  };
  /**
   * The source that verifies `token`: the one for its `alg` among the sources of its issuer (the only
   * issuer, or else the unverified `iss`). An issuer without a source for that `alg` is refused as an
   * algorithm no source accepts.
   */
  const routeFor = (token: string, header: JWSHeaderParameters): Route => {
    const byAlg = soleIssuerRoutes ?? routes.get(claimedIssuer(token));
    if (byAlg === undefined) throw tokenError('ERR_TOKEN_ISSUER_INVALID');
    const route = byAlg.get(header.alg as string);
    if (route === undefined) throw tokenError('ERR_TOKEN_ALG_NOT_ALLOWED', { detail: { alg: header.alg } });
    return route;
  };
  const keyFor = (
    entry: HeaderEntry,
    resolver: KeyResolver,
  ): CryptoKey | KeyObject | Promise<CryptoKey | KeyObject> => {
    const known = entry.keys.get(resolver);
    if (known !== undefined) return known;
    const key = resolver.getKey(entry.header);
    if (resolver.static && !(key instanceof Promise)) entry.keys.set(resolver, key);
    return key;
  };
  /**
   * The header entry of a token of at most `maxBytes`, after the compact-syntax check (three non-empty
   * base64url segments; a failure is classified by refuseMalformed). A token whose header segment is the
   * last one seen only needs the rest checked: a stored segment passed the same syntax and rules.
   */
  const checkedHeaderEntry = (token: string): HeaderEntry => {
    const dot = token.indexOf('.');
    const last = lastHeader;
    if (last !== undefined && dot === last.segment.length && token.startsWith(last.segment)) {
      PAYLOAD_AND_SIGNATURE.lastIndex = dot + 1;
      if (!PAYLOAD_AND_SIGNATURE.test(token)) refuseMalformed(token);
      return last;
    }
    if (!COMPACT_JWS.test(token)) refuseMalformed(token);
    return headerEntry(token.slice(0, dot));
  };

  // The `scope` string repeats across a client's tokens, so the list read from the last one is reused:
  // frozen, so tokens sharing it cannot change each other's scopes. Only a valid `scope` string (and no
  // `scp`) is remembered; every other shape is read afresh by scopesFromClaims, which refuses bad ones.
  let lastScope: { readonly text: string; readonly scopes: readonly string[] } | undefined;
  const scopesOf = (payload: Readonly<Record<string, unknown>>): readonly string[] => {
    const { scope, scp } = payload;
    if (typeof scope !== 'string' || scp !== undefined) return scopesFromClaims(payload);
    const last = lastScope;
    if (last !== undefined && last.text === scope) return last.scopes;
    const scopes = Object.freeze(scopesFromClaims(payload));
    lastScope = { text: scope, scopes };
    return scopes;
  };

  const finish = (result: Awaited<ReturnType<typeof jwtVerify>>, nowMs: number): VerifiedToken => {
    const { payload, protectedHeader } = result;
    const nowSec = nowMs / 1000;
    if (typeof payload.iat === 'number' && payload.iat > nowSec + tolerance) {
      throw tokenError('ERR_TOKEN_ISSUED_IN_FUTURE');
    }
    const subject = payload.sub as unknown;
    // jose checks `sub` only against an expected value: a number, array, object or null would become the
    // principal's subject (RFC 7519 §4.1.2: a StringOrURI).
    if (subject !== undefined && typeof subject !== 'string') {
      throw tokenError('ERR_TOKEN_CLAIM_INVALID', { detail: { claim: 'sub' } });
    }
    const clientIdClaim = (payload as Record<string, unknown>).client_id ?? payload.azp;
    if (clientIdClaim !== undefined && (typeof clientIdClaim !== 'string' || clientIdClaim.length === 0)) {
      throw tokenError('ERR_TOKEN_CLAIM_INVALID', { detail: { claim: 'client_id' } });
    }
    const identity = subject ?? (clientIdClaim as string | undefined);
    if (identity === undefined || identity.length === 0) {
      throw tokenError('ERR_TOKEN_CLAIM_INVALID', { detail: { claim: 'sub' } });
    }
    // Not frozen (a measurable cost per token); the types are read-only and the cache hands out the
    // same object, so callers must not mutate it.
    return {
      subject: identity,
      clientId: (clientIdClaim as string | undefined) ?? identity,
      issuer: payload.iss as string,
      scopes: scopesOf(payload as Record<string, unknown>),
      expiresAt: payload.exp as number,
      claims: payload,
      header: protectedHeader,
      binding: readBinding(payload),
    };
  };

  /** Builds the result of a token jose accepted; stores it in the cache when `cacheKey` is given; checks the binding. */
  const accept = (
    result: Awaited<ReturnType<typeof jwtVerify>>,
    nowMs: number,
    presentation: Presentation,
    cacheKey: string | undefined,
  ): VerifiedToken => {
    const verified = finish(result, nowMs);
    if (cache !== undefined && cacheKey !== undefined) {
      let until = verified.expiresAt * 1000;
      if (maxAge !== undefined && typeof verified.claims.iat === 'number') {
        until = Math.min(until, (verified.claims.iat + maxAge) * 1000);
      }
      cache.set(cacheKey, verified, until, nowMs);
    }
    checkBinding(verified.binding, presentation);
    return verified;
  };

  /** Maps a failure of jose (or of the key lookup) to its code. Always throws. */
  const refuse = (error: unknown, token: string): never => {
    const mapped = mapVerificationError(error);
    if (mapped.code !== 'ERR_TOKEN_MALFORMED') throw mapped;
    // jose refuses a bad header (e.g. a missing or non-string alg) before our header rules run;
    // classify it with them so the code does not depend on which check ran first.
    try {
      checkHeader(decodeSegment(token.slice(0, token.indexOf('.'))));
    } catch (headerError) {
      throw mapVerificationError(headerError);
    }
    throw mapped;
  };

  /**
   * Verifies without reading the cache. The hot path: no per-call closures besides the two promise
   * reactions, and one promise hop on top of jose's.
   */
  const verifyUncached = (
    token: string,
    nowMs: number,
    presentation: Presentation,
    cacheKey: string | undefined,
  ): Promise<VerifiedToken> => {
    let route: Route;
    let key: CryptoKey | KeyObject | Promise<CryptoKey | KeyObject>;
    try {
      if (typeof token !== 'string' || token.length > maxBytes) refuseMalformed(token);
      const entry = checkedHeaderEntry(token);
      route = routeFor(token, entry.header);
      key = keyFor(entry, route.resolver);
    } catch (error) {
      return Promise.reject(mapVerificationError(error));
    }
    const { joseOptions } = route;
    const options = customClock ? { ...joseOptions, currentDate: new Date(nowMs) } : joseOptions;
    const verified =
      key instanceof Promise ? key.then((k) => jwtVerify(token, k, options)) : jwtVerify(token, key, options);
    return verified.then(
      (result) => accept(result, nowMs, presentation, cacheKey),
      (error: unknown) => refuse(error, token),
    );
  };

  return {
    resource,
    algorithms: Object.freeze(algorithms),
    warnings: Object.freeze(warnings),
    get cacheSize() {
      return cache?.size ?? 0;
    },
    verify(token, presentation = NO_PRESENTATION) {
      const nowMs = now();
      try {
        if (cache === undefined || typeof token !== 'string' || token.length > maxBytes) {
          return verifyUncached(token, nowMs, presentation, undefined);
        }
        const cacheKey = tokenCacheKey(token);
        const hit = cache.get(cacheKey, nowMs);
        if (hit !== undefined) {
          if (hit.binding !== undefined || presentation.scheme === 'dpop')
            checkBinding(hit.binding, presentation);
          return Promise.resolve(hit);
        }
        return verifyUncached(token, nowMs, presentation, cacheKey);
      } catch (error) {
        return Promise.reject(mapVerificationError(error));
      }
    },
    async reload() {
      cache?.clear();
      headers.clear();
      lastHeader = undefined;
      lastScope = undefined;
      await Promise.all(resolvers.map((resolver) => resolver.reload()));
      cache?.clear();
    },
  };
}
