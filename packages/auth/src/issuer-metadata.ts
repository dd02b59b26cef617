import { ConfigError } from '@mcp-warden/core';
import { configError } from './key-source-checks.js';
import type { IssuerMetadataSource, KeyResolver } from './key-sources.js';
import {
  JwksFetchError,
  parseJson,
  type RemoteKeySet,
  type RemoteSettings,
  readCapped,
  remoteKeySet,
  remoteSettings,
  transportOf,
} from './remote-key-set.js';
import { tokenError } from './token-errors.js';

class IssuerMetadataError extends Error {
  override readonly name = 'IssuerMetadataError';
  /** Safe facts for the operator's log (never sent to a client). */
  readonly detail: Readonly<Record<string, unknown>>;
  constructor(message: string, options: { cause?: unknown; detail?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.detail = options.detail ?? {};
  }
}

/** A failed metadata request: a timeout (also of a stalled body) says so. */
function metadataFetchFailed(cause: unknown, url: URL): IssuerMetadataError {
  const timedOut = cause instanceof Error && cause.name === 'TimeoutError';
  return new IssuerMetadataError(
    timedOut ? 'issuer metadata fetch timed out' : 'issuer metadata fetch failed',
    {
      cause,
      detail: { url: url.href },
    },
  );
}

/**
 * Where an issuer's metadata may be, in the order the MCP authorization specification gives clients:
 * RFC 8414 §3.1 path insertion (`/.well-known/oauth-authorization-server{path}`), OpenID Connect Discovery
 * path insertion (`/.well-known/openid-configuration{path}`, RFC 8414 §5), then OpenID Connect Discovery
 * 1.0 §4 path appending (`{path}/.well-known/openid-configuration`, only when the issuer has a path).
 * A terminating `/` of the issuer's path is removed first (RFC 8414 §3.1).
 */
function issuerMetadataUrls(issuer: URL): URL[] {
  const path = issuer.pathname.endsWith('/') ? issuer.pathname.slice(0, -1) : issuer.pathname;
  const at = (pathname: string): URL => {
    const url = new URL(issuer.origin);
    url.pathname = pathname;
    return url;
  };
  const urls = [
    at(`/.well-known/oauth-authorization-server${path}`),
    at(`/.well-known/openid-configuration${path}`),
  ];
  if (path !== '') urls.push(at(`${path}/.well-known/openid-configuration`));
  return urls;
}

/**
 * Fetches the first metadata document found: a 404 moves on to the next URL; any other failure (network
 * error, timeout, redirect, another status, oversized or non-JSON body, not a JSON object) ends the
 * discovery. Redirects are not followed (RFC 8414 §3.3: the document must come from the issuer's URL).
 */
async function fetchIssuerMetadata(
  urls: readonly URL[],
  settings: RemoteSettings,
): Promise<Readonly<Record<string, unknown>>> {
  const headers = new Headers(settings.headers);
  if (!headers.has('accept')) headers.set('accept', 'application/json');
  for (const url of urls) {
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'GET',
        redirect: 'manual',
        headers,
        signal: AbortSignal.timeout(settings.timeoutMs),
      });
    } catch (cause) {
      throw metadataFetchFailed(cause, url);
    }
    if (response.status === 404) {
      void response.body?.cancel().catch(() => {});
      continue;
    }
    if (response.status !== 200) {
      void response.body?.cancel().catch(() => {});
      throw new IssuerMetadataError(`issuer metadata endpoint answered ${response.status}`, {
        detail: { url: url.href, status: response.status },
      });
    }
    let bytes: Uint8Array;
    try {
      bytes = await readCapped(response, settings.maxResponseBytes, 'issuer metadata');
    } catch (cause) {
      // Too large, or the body stalled past the timeout.
      throw cause instanceof JwksFetchError
        ? new IssuerMetadataError(cause.message, { detail: { url: url.href } })
        : metadataFetchFailed(cause, url);
    }
    let document: unknown;
    try {
      document = parseJson(bytes, 'issuer metadata');
    } catch (cause) {
      throw new IssuerMetadataError('issuer metadata is not JSON', { cause, detail: { url: url.href } });
    }
    if (typeof document !== 'object' || document === null || Array.isArray(document)) {
      throw new IssuerMetadataError('issuer metadata is not a JSON object', { detail: { url: url.href } });
    }
    return document as Record<string, unknown>;
  }
  throw new IssuerMetadataError('no issuer metadata at any well-known location (404)');
}

/**
 * The `jwks_uri` of a metadata document, after the RFC 8414 §3.3 / OpenID Connect Discovery §4.3 check:
 * the document's `issuer` must be identical to the issuer it was requested for, or an authorization
 * server could hand out another issuer's metadata (mix-up). The URI must be absolute, without
 * credentials, and `https:` (`http:` as for a `jwks-uri` source).
 */
function discoveredJwksUri(
  document: Readonly<Record<string, unknown>>,
  issuer: string,
  allowInsecureHttp: boolean | undefined,
): URL {
  const claimed = document.issuer;
  if (claimed !== issuer) {
    throw new IssuerMetadataError('issuer metadata names another issuer', {
      detail: { claimedIssuer: typeof claimed === 'string' ? claimed.slice(0, 256) : typeof claimed },
    });
  }
  const jwksUri = document.jwks_uri;
  if (typeof jwksUri !== 'string') throw new IssuerMetadataError('issuer metadata has no jwks_uri');
  let url: URL;
  try {
    url = new URL(jwksUri);
  } catch (cause) {
    throw new IssuerMetadataError('jwks_uri is not an absolute URL', { cause });
  }
  if (url.username !== '' || url.password !== '') {
    throw new IssuerMetadataError('jwks_uri carries credentials');
  }
  if (transportOf(url, allowInsecureHttp) === 'refused') {
    throw new IssuerMetadataError('jwks_uri must use https: (http: only for loopback hosts)');
  }
  return url;
}

/** The resolver of an `issuer-metadata` source; `issuer` is the source's issuer, already checked. */
export function issuerMetadataResolver(
  source: IssuerMetadataSource,
  issuer: string,
  warnings: string[],
): KeyResolver {
  let issuerUrl: URL;
  try {
    issuerUrl = new URL(issuer);
  } catch (cause) {
    throw new ConfigError('ERR_AUTH_CONFIG_INVALID', 'an issuer-metadata issuer must be a URL', {
      detail: { issuer },
      cause,
    });
  }
  if (
    issuerUrl.username !== '' ||
    issuerUrl.password !== '' ||
    issuer.includes('?') ||
    issuer.includes('#')
  ) {
    // RFC 8414 §2: no query or fragment; credentials would be sent to every metadata URL.
    throw configError('an issuer-metadata issuer must have no credentials, query or fragment', { issuer });
  }
  const transport = transportOf(issuerUrl, source.allowInsecureHttp);
  if (transport === 'refused') {
    throw configError('an issuer-metadata issuer must use https: (http: only for loopback hosts)', {
      issuer,
    });
  }
  if (transport === 'insecure') {
    warnings.push(`allowInsecureHttp: issuer metadata fetched over plain http from ${issuerUrl.host}`);
  }
  if (source.allowInsecureHttp === true) {
    warnings.push(`allowInsecureHttp: a plain http jwks_uri is accepted from the metadata of ${issuer}`);
  }
  const settings = remoteSettings(source);
  const urls = issuerMetadataUrls(issuerUrl);

  interface Discovered {
    readonly jwksUri: string;
    readonly set: RemoteKeySet;
    readonly until: number;
  }
  let current: Discovered | undefined;
  let pending: Promise<Discovered> | undefined;
  let retryAt = 0;

  /** One discovery at a time: concurrent callers share it. A failure holds the next one back by the backoff. */
  const discover = (): Promise<Discovered> => {
    if (pending !== undefined) return pending;
    const run = fetchIssuerMetadata(urls, settings)
      .then((document) => {
        const jwksUri = discoveredJwksUri(document, issuer, source.allowInsecureHttp);
        // The same jwks_uri keeps its key set (and that set's cache and cooldown).
        const set = current?.jwksUri === jwksUri.href ? current.set : remoteKeySet(jwksUri, settings);
        current = { jwksUri: jwksUri.href, set, until: Date.now() + settings.cacheMaxAgeMs };
        retryAt = 0;
        return current;
      })
      .catch((error: unknown) => {
        retryAt = Date.now() + settings.backoffMs;
        throw error;
      })
      .finally(() => {
        if (pending === run) pending = undefined;
      });
    pending = run;
    return run;
  };
  const unavailable = (error: unknown): never => {
    throw tokenError('ERR_JWKS_UNAVAILABLE', {
      cause: error,
      detail: {
        ...(error instanceof IssuerMetadataError ? error.detail : {}),
        issuer,
        reason: error instanceof Error ? error.message : 'issuer metadata discovery failed',
        errorName: error instanceof Error ? error.name : typeof error,
      },
    });
  };
  /** The discovered key set: cached for `cacheMaxAgeMs`; after a failed discovery, none is tried for the backoff. */
  const discovered = async (): Promise<Discovered> => {
    const known = current;
    if (known !== undefined && Date.now() < known.until) return known;
    if (pending === undefined && Date.now() < retryAt) {
      return unavailable(new IssuerMetadataError('issuer metadata discovery backing off after a failure'));
    }
    try {
      return await discover();
    } catch (error) {
      return unavailable(error);
    }
  };

  return {
    issuer,
    algorithms: new Set(source.algorithms),
    static: false,
    async getKey(header) {
      return (await discovered()).set.getKey(header);
    },
    async reload() {
      // The operator asking: discovers again at once, whatever the backoff, then refetches the keys.
      let fresh: Discovered;
      try {
        fresh = await discover();
      } catch (error) {
        return unavailable(error);
      }
      await fresh.set.reload();
    },
  };
}
