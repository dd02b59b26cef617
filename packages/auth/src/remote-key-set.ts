import type { KeyObject } from 'node:crypto';
import {
  type CryptoKey,
  createRemoteJWKSet,
  customFetch,
  type FetchImplementation,
  type JWSHeaderParameters,
} from 'jose';
import { positive, wrapSetErrors } from './key-source-checks.js';
import type { IssuerMetadataSource, JwksUriSource } from './key-sources.js';

/** Longest wait after a failed JWKS fetch before the next attempt (shorter when `cooldownMs` is). */
const FAILURE_BACKOFF_MAX_MS = 5000;

export class JwksFetchError extends Error {
  override readonly name = 'JwksFetchError';
}

/**
 * Reads a response body up to `maxBytes`: a declared or streamed excess aborts it, so a hostile or broken
 * endpoint cannot fill memory before the timeout.
 */
export async function readCapped(response: Response, maxBytes: number, what: string): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes) {
    void response.body?.cancel().catch(() => {});
    throw new JwksFetchError(`${what} response too large`);
  }
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
        throw new JwksFetchError(`${what} response too large`);
      }
      chunks.push(value);
    }
  }
  return Buffer.concat(chunks, size);
}

/** Parses a body as strict UTF-8 JSON. */
export function parseJson(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new JwksFetchError(`${what} response is not JSON`, { cause });
  }
}

/**
 * The fetch jose uses for a remote JWKS, with two limits jose lacks: the body is read up to
 * `maxBytes` (see {@link readCapped}), and after a failed fetch (network error, non-200, oversized, not a
 * JWKS) no new request leaves for `backoffMs`. jose only rate-limits refetches after a successful one,
 * so without it every unknown `kid` (or every token, once the set is stale) hits a failing endpoint.
 */
function boundedJwksFetch(
  maxBytes: number,
  backoffMs: number,
): { readonly fetch: FetchImplementation; forced<T>(run: () => Promise<T>): Promise<T> } {
  let retryAt = 0;
  let forcing = 0;
  const fetchImpl: FetchImplementation = async (url, init) => {
    if (forcing === 0 && Date.now() < retryAt)
      throw new JwksFetchError('JWKS fetch backing off after a failure');
    try {
      const response = await fetch(url, init);
      if (response.status !== 200) {
        void response.body?.cancel().catch(() => {});
        throw new JwksFetchError(`JWKS endpoint answered ${response.status}`);
      }
      const bytes = await readCapped(response, maxBytes, 'JWKS');
      const json = parseJson(bytes, 'JWKS');
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

/** The validated fetch options shared by the `jwks-uri` and `issuer-metadata` sources. */
export interface RemoteSettings {
  /** An integer: jose wants one. */
  readonly timeoutMs: number;
  readonly cooldownMs: number;
  readonly cacheMaxAgeMs: number;
  readonly maxResponseBytes: number;
  /** Wait after a failed fetch: `min(cooldownMs, 5 s)`. */
  readonly backoffMs: number;
  readonly headers: Readonly<Record<string, string>> | undefined;
}

export function remoteSettings(source: JwksUriSource | IssuerMetadataSource): RemoteSettings {
  const cooldownMs = positive(source.cooldownMs, 30_000, 'cooldownMs');
  return {
    timeoutMs: Math.ceil(positive(source.timeoutMs, 5000, 'timeoutMs')),
    cooldownMs,
    cacheMaxAgeMs: positive(source.cacheMaxAgeMs, 600_000, 'cacheMaxAgeMs'),
    maxResponseBytes: positive(source.maxResponseBytes, 524_288, 'maxResponseBytes'),
    backoffMs: Math.min(cooldownMs, FAILURE_BACKOFF_MAX_MS),
    headers: source.headers === undefined ? undefined : { ...source.headers },
  };
}

/**
 * How a URL may be fetched: `https:` and `http:` to a loopback host are `secure`; `http:` to another host
 * is `insecure` with `allowInsecureHttp` (the caller warns) and `refused` without; any other scheme is refused.
 */
export function transportOf(
  url: URL,
  allowInsecureHttp: boolean | undefined,
): 'secure' | 'insecure' | 'refused' {
  if (url.protocol === 'https:') return 'secure';
  if (url.protocol !== 'http:') return 'refused';
  if (isLoopbackHost(url.hostname)) return 'secure';
  return allowInsecureHttp === true ? 'insecure' : 'refused';
}

/** A remote JWK set at one URL: jose's cache and cooldown, our body cap and failure backoff. */
export interface RemoteKeySet {
  getKey(header: JWSHeaderParameters): Promise<CryptoKey | KeyObject>;
  /** Refetches at once, whatever the failure backoff (the operator asked). */
  reload(): Promise<void>;
}

export function remoteKeySet(url: URL, settings: RemoteSettings): RemoteKeySet {
  const fetcher = boundedJwksFetch(settings.maxResponseBytes, settings.backoffMs);
  const set = createRemoteJWKSet(url, {
    timeoutDuration: settings.timeoutMs,
    cooldownDuration: settings.cooldownMs,
    cacheMaxAge: settings.cacheMaxAgeMs,
    ...(settings.headers === undefined ? {} : { headers: { ...settings.headers } }),
    [customFetch]: fetcher.fetch,
  });
  return {
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

/**
 * 127.0.0.0/8 as an IPv4-mapped IPv6 address, as a WHATWG URL serialises it: `[::ffff:127.0.0.1]` and every
 * other spelling of it become `[::ffff:7f00:1]` (hex, lower case, no leading zeros).
 */
const MAPPED_IPV4_LOOPBACK = /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/;

/** `localhost`, `127.x.y.z`, `[::1]` and `[::ffff:127.x.y.z]`: plain `http:` there never leaves the machine. */
function isLoopbackHost(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    hostname === '[::1]' ||
    hostname === '::1' ||
    /^127\.\d+\.\d+\.\d+$/.test(hostname) ||
    MAPPED_IPV4_LOOPBACK.test(hostname)
  );
}
