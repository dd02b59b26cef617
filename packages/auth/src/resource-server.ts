import {
  type AuthMethod,
  ConfigError,
  type EventSink,
  isWardenError,
  noopSink,
  type SecurityEvent,
  type SecurityEventInput,
  ValidationError,
  type WardenError,
} from '@mcp-warden/core';
import type { ApiKeyVerifier } from './api-keys.js';
import { extractCredential, type HeaderValue } from './bearer-token.js';
import type { ClientCertificateIdentity } from './client-certificate.js';
import { checkDnsRebinding, type DnsRebindingOptions } from './dns-rebinding.js';
import type { DpopVerifier } from './dpop.js';
import {
  createJwtVerifier,
  type JwtVerifier,
  type JwtVerifierOptions,
  type Presentation,
} from './jwt-verifier.js';
import {
  metadataUrlFor,
  type ProtectedResourceMetadata,
  protectedResourceMetadata,
} from './protected-resource-metadata.js';
import { toHierarchy } from './scope-guard.js';
import type { ScopeHierarchy, ScopeImplications } from './scopes.js';
import { insufficientScopeError, mapVerificationError, tokenError } from './token-errors.js';
import { scopesForBody, type ToolScopes } from './tool-scopes.js';
import { type BearerErrorCode, describeError, formatChallenge } from './www-authenticate.js';

/**
 * The SDK's `AuthInfo`, structurally (so the SDK stays an optional peer): what `req.auth` and
 * `extra.authInfo` hold. `extra` carries `subject`, `authMethod`, `remoteAddress` for core's principal.
 */
export interface WardenAuthInfo {
  token: string;
  clientId: string;
  /** Granted scopes plus every scope they imply through the hierarchy. */
  scopes: string[];
  expiresAt?: number;
  resource?: URL;
  extra?: Record<string, unknown>;
}

/** A request, as the framework-free {@link ResourceServer.authenticate} needs it. */
export interface HttpRequestLike {
  readonly method: string;
  /** Path and query as sent (`/mcp?x=1`). */
  readonly url: string;
  /** Lower-case header names. `authorization` as an array means several headers were sent. */
  readonly headers: Readonly<Record<string, HeaderValue>>;
  /** The parsed JSON body, when there is one (for per-tool scopes). */
  readonly body?: unknown;
  readonly remoteAddress?: string;
  /** The local address the request arrived on (loopback binds get Host/Origin checks by default). */
  readonly localAddress?: string;
  /** The client certificate the TLS layer verified against the CA, if any. */
  readonly clientCertificate?: ClientCertificateIdentity;
}

/** The answer to send when authentication or authorization fails. */
export interface HttpDenial {
  readonly ok: false;
  readonly status: 400 | 401 | 403;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Readonly<Record<string, unknown>>;
  readonly error: WardenError;
}

/** A successful authentication. */
export interface HttpAuthenticated {
  readonly ok: true;
  readonly authInfo: WardenAuthInfo;
}

export type HttpAuthResult = HttpAuthenticated | HttpDenial;

/** Options of {@link createResourceServer}. */
export interface ResourceServerOptions {
  /**
   * A JWT verifier, or the options to create one (`resource`, `issuer`, `keys`, …). Omit it only for an
   * API-key-only server: then `resource` and `apiKeys` are required, and every JWT is refused.
   */
  readonly verifier?: JwtVerifier | JwtVerifierOptions;
  /** The resource identifier when there is no `verifier` (a verifier brings its own). */
  readonly resource?: string | URL;
  /** RFC 9728 `authorization_servers`. Required. */
  readonly authorizationServers: readonly string[];
  /** RFC 9728 `scopes_supported`. */
  readonly scopesSupported?: readonly string[];
  readonly resourceName?: string;
  readonly resourceDocumentation?: string;
  /** Scopes every request needs. Default none. */
  readonly requiredScopes?: readonly string[];
  /** Scopes per tool, enforced for `tools/call` before the SDK sees the request. */
  readonly toolScopes?: ToolScopes;
  /** A broader scope implies narrower ones. */
  readonly scopeHierarchy?: ScopeHierarchy | ScopeImplications;
  /** Host/Origin validation. On by default for loopback binds. */
  readonly dnsRebinding?: DnsRebindingOptions;
  /** Weakens security: turns the Host/Origin check off even on loopback. Emits a warning. Default false. */
  readonly insecureDisableDnsRebindingProtection?: boolean;
  /** Largest JSON body the middleware reads itself (when no body parser ran), bytes. Default 1 MiB. */
  readonly maxBodyBytes?: number;
  /** Advertise RFC 8705 certificate-bound tokens in the metadata. Default false. */
  readonly tlsClientCertificateBoundAccessTokens?: boolean;
  /**
   * mTLS-only authentication: when a request has no token but a verified client certificate, this maps
   * the certificate to a principal (return undefined to refuse). Default: certificates alone do not
   * authenticate.
   */
  readonly certificatePrincipal?: (
    certificate: ClientCertificateIdentity,
  ) => { readonly subject: string; readonly scopes: readonly string[] } | undefined;
  /** Accept DPoP-bound tokens (RFC 9449) with proofs checked by this verifier. Default: Bearer only. */
  readonly dpop?: DpopVerifier;
  /** Refuse plain Bearer tokens: every token must come with a DPoP proof. Default false. */
  readonly dpopRequired?: boolean;
  /** Accept API keys (in `Authorization: Bearer` or `X-API-Key`) next to JWTs. Default: JWTs only. */
  readonly apiKeys?: ApiKeyVerifier;
  /** Where `authn_login_*`, `authz_fail` and `malicious_dns_rebinding` events go. */
  readonly events?: EventSink;
  /** Emit `authn_login_success` for every authenticated request. Default true. */
  readonly emitSuccessEvents?: boolean;
}

/** An OAuth 2.1 resource server: the HTTP layer in front of an MCP server. */
export interface ResourceServer {
  readonly verifier: JwtVerifier;
  /** The resource identifier (the `aud` tokens need). */
  readonly resource: string;
  /** The RFC 9728 document and where it is served. */
  readonly metadata: ProtectedResourceMetadata;
  readonly metadataUrl: string;
  readonly metadataPath: string;
  /** Framework-free check of one request. */
  authenticate(request: HttpRequestLike): Promise<HttpAuthResult>;
  /** The SDK's `OAuthTokenVerifier` shape (for `requireBearerAuth`); throws `AuthenticationError`s. */
  verifyToken(token: string, presentation?: Presentation): Promise<WardenAuthInfo>;
  /** Warnings about weakened settings. */
  readonly warnings: readonly string[];
}

const BEARER_ERROR_BY_STATUS: Readonly<Record<400 | 401 | 403, BearerErrorCode>> = {
  400: 'invalid_request',
  401: 'invalid_token',
  403: 'insufficient_scope',
};

/** The stand-in verifier of an API-key-only server: it knows the resource and refuses every JWT. */
function apiKeyOnlyVerifier(options: ResourceServerOptions): JwtVerifier {
  if (options.apiKeys === undefined || options.resource === undefined) {
    throw new ConfigError(
      'ERR_AUTH_CONFIG_INVALID',
      'a resource server needs a JWT verifier, or API keys and a resource identifier',
    );
  }
  const resource = new URL(options.resource).href;
  return {
    resource,
    algorithms: [],
    warnings: [],
    cacheSize: 0,
    async verify() {
      throw tokenError('ERR_TOKEN_INVALID', { detail: { reason: 'this server accepts API keys only' } });
    },
    async reload() {},
  };
}

/** Creates the framework-free resource server; see `nodeAuthMiddleware` for node:http / Express. */
export function createResourceServer(options: ResourceServerOptions): ResourceServer {
  const verifier =
    options.verifier === undefined
      ? apiKeyOnlyVerifier(options)
      : typeof (options.verifier as JwtVerifier).verify === 'function'
        ? (options.verifier as JwtVerifier)
        : createJwtVerifier(options.verifier as JwtVerifierOptions);
  const resource = verifier.resource;
  const metadata = protectedResourceMetadata({
    resource,
    authorizationServers: options.authorizationServers,
    ...(options.scopesSupported === undefined ? {} : { scopesSupported: options.scopesSupported }),
    ...(options.resourceName === undefined ? {} : { resourceName: options.resourceName }),
    ...(options.resourceDocumentation === undefined
      ? {}
      : { resourceDocumentation: options.resourceDocumentation }),
    ...(options.tlsClientCertificateBoundAccessTokens === true
      ? { tlsClientCertificateBoundAccessTokens: true }
      : {}),
    // RFC 9728 §2: tell clients which proof algorithms work here and whether Bearer is refused.
    ...(options.dpop === undefined ? {} : { dpopSigningAlgValuesSupported: options.dpop.algorithms }),
    ...(options.dpop !== undefined && options.dpopRequired === true
      ? { dpopBoundAccessTokensRequired: true }
      : {}),
  });
  const metadataUrl = metadataUrlFor(resource);
  const resourceOrigin = new URL(resource).origin;
  const hierarchy = toHierarchy(options.scopeHierarchy);
  const requiredScopes = [...(options.requiredScopes ?? [])];
  const sink = options.events ?? noopSink();
  const emitSuccess = options.emitSuccessEvents ?? true;
  const warnings = [...verifier.warnings];
  if (options.insecureDisableDnsRebindingProtection === true) {
    warnings.push('insecureDisableDnsRebindingProtection: Host/Origin validation is off');
  }
  if (
    options.maxBodyBytes !== undefined &&
    !(Number.isInteger(options.maxBodyBytes) && options.maxBodyBytes > 0)
  ) {
    throw new ConfigError('ERR_AUTH_CONFIG_INVALID', 'maxBodyBytes must be a positive integer');
  }
  if (warnings.length > 0) {
    sink.emit({
      type: 'sys_startup',
      time: new Date().toISOString(),
      level: 'warn',
      outcome: 'success',
      component: '@mcp-warden/auth resource-server',
      warnings,
    });
  }

  const emit = (event: SecurityEventInput): void => {
    try {
      sink.emit({ time: new Date().toISOString(), ...event } as SecurityEvent);
    } catch {
      // A broken sink must not break authentication.
    }
  };

  const dpopChallenge = options.dpop !== undefined && options.dpopRequired === true;
  if (options.dpopRequired === true && options.dpop === undefined) {
    throw new ConfigError('ERR_AUTH_CONFIG_INVALID', 'dpopRequired needs a dpop verifier');
  }
  const deny = (
    status: 400 | 401 | 403,
    error: WardenError,
    scopes: readonly string[],
    withError = true,
    dpopScheme = dpopChallenge,
  ): HttpDenial => {
    const bearerError =
      error.code === 'ERR_DPOP_PROOF_INVALID' || error.code === 'ERR_DPOP_REPLAY'
        ? 'invalid_dpop_proof'
        : BEARER_ERROR_BY_STATUS[status];
    const description = describeError(status === 400 ? 'ERR_INVALID_REQUEST' : error.code);
    const challenge = formatChallenge({
      ...(withError ? { error: bearerError, errorDescription: description } : {}),
      scopes,
      resourceMetadata: metadataUrl.href,
      ...(dpopScheme && options.dpop !== undefined
        ? { scheme: 'DPoP' as const, algs: options.dpop.algorithms }
        : {}),
    });
    return {
      ok: false,
      status,
      headers: {
        'www-authenticate': challenge,
        'cache-control': 'no-store',
        'content-type': 'application/json',
      },
      body: withError ? { error: bearerError, error_description: description } : { error: 'unauthorized' },
      error,
    };
  };

  const toAuthInfo = (
    token: string,
    verified: Awaited<ReturnType<JwtVerifier['verify']>>,
    method: AuthMethod,
    remoteAddress: string | undefined,
  ): WardenAuthInfo => ({
    token,
    clientId: verified.clientId,
    scopes: [...hierarchy.expand(verified.scopes)],
    expiresAt: verified.expiresAt,
    resource: new URL(resource),
    extra: {
      subject: verified.subject,
      authMethod: method,
      issuer: verified.issuer,
      grantedScopes: [...verified.scopes],
      ...(remoteAddress === undefined ? {} : { remoteAddress }),
    },
  });

  return {
    verifier,
    resource,
    metadata,
    metadataUrl: metadataUrl.href,
    metadataPath: metadataUrl.pathname + metadataUrl.search,
    warnings: Object.freeze(warnings),
    async verifyToken(token, presentation) {
      const verified = await verifier.verify(token, presentation);
      return toAuthInfo(
        token,
        verified,
        presentation?.certificateThumbprint === undefined ? 'bearer' : 'mtls',
        undefined,
      );
    },
    async authenticate(request) {
      const remoteAddress = request.remoteAddress;
      if (options.insecureDisableDnsRebindingProtection !== true) {
        try {
          checkDnsRebinding(
            { host: request.headers.host, origin: request.headers.origin },
            request.localAddress,
            options.dnsRebinding,
            resourceOrigin,
          );
        } catch (error) {
          const denial = error as WardenError;
          emit({
            type: 'malicious_dns_rebinding',
            level: 'critical',
            outcome: 'denied',
            header: denial.code === 'ERR_HOST_NOT_ALLOWED' ? 'host' : 'origin',
            reason: denial.code,
            code: denial.code,
            ...(remoteAddress === undefined ? {} : { remoteAddress }),
          });
          return {
            ok: false,
            status: 403,
            headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
            body: { jsonrpc: '2.0', error: { code: -32000, message: denial.message }, id: null },
            error: denial,
          };
        }
      }
      const needed = [...new Set([...requiredScopes, ...scopesForBody(request.body, options.toolScopes)])];
      const fail = (error: WardenError, method: AuthMethod): void => {
        emit({
          type: 'authn_login_fail',
          level: error.code === 'ERR_JWKS_UNAVAILABLE' ? 'critical' : 'warn',
          outcome: error.code === 'ERR_JWKS_UNAVAILABLE' ? 'error' : 'failure',
          method,
          reason: error.code,
          code: error.code,
          ...(remoteAddress === undefined ? {} : { remoteAddress }),
        });
      };
      const finishAuthenticated = (authInfo: WardenAuthInfo, method: AuthMethod): HttpAuthResult => {
        const subject = authInfo.extra?.subject as string;
        const principal = { subject, clientId: authInfo.clientId, method };
        if (needed.length > 0) {
          const missing = hierarchy.missing(needed, authInfo.scopes);
          if (missing.length > 0) {
            const error = insufficientScopeError(needed, missing);
            emit({
              type: 'authz_fail',
              level: 'warn',
              outcome: 'denied',
              requiredScopes: needed,
              reason: 'insufficient_scope',
              code: error.code,
              principal,
              ...(remoteAddress === undefined ? {} : { remoteAddress }),
            });
            return deny(403, error, needed);
          }
        }
        if (emitSuccess) {
          emit({
            type: 'authn_login_success',
            level: 'info',
            outcome: 'success',
            method,
            principal,
            ...(remoteAddress === undefined ? {} : { remoteAddress }),
          });
        }
        return { ok: true, authInfo };
      };
      let credential: ReturnType<typeof extractCredential>;
      const apiKeyHeader = options.apiKeys === undefined ? undefined : request.headers['x-api-key'];
      try {
        credential = extractCredential(request.headers.authorization, request.url, {
          dpop: options.dpop !== undefined,
        });
        if (apiKeyHeader !== undefined) {
          if (credential !== undefined || typeof apiKeyHeader !== 'string') {
            throw new ValidationError('ERR_INVALID_REQUEST', 'invalid request', {
              detail: { reason: 'several credentials' },
            });
          }
          credential = { scheme: 'bearer', token: apiKeyHeader };
        }
      } catch (error) {
        const warden = error as WardenError;
        fail(warden, apiKeyHeader === undefined ? 'bearer' : 'api_key');
        return deny(400, warden, needed);
      }
      if (credential === undefined) {
        const certificate = request.clientCertificate;
        const mapped =
          certificate === undefined || options.certificatePrincipal === undefined
            ? undefined
            : options.certificatePrincipal(certificate);
        if (certificate === undefined || mapped === undefined) {
          return deny(401, tokenError('ERR_TOKEN_MISSING'), needed, false);
        }
        return finishAuthenticated(
          {
            token: '',
            clientId: certificate.thumbprintSha256,
            scopes: [...hierarchy.expand(mapped.scopes)],
            resource: new URL(resource),
            extra: {
              subject: mapped.subject,
              authMethod: 'mtls',
              certificateSubject: certificate.subject,
              certificateThumbprint: certificate.thumbprintSha256,
              grantedScopes: [...mapped.scopes],
              ...(remoteAddress === undefined ? {} : { remoteAddress }),
            },
          },
          'mtls',
        );
      }
      const isApiKey =
        options.apiKeys !== undefined &&
        (apiKeyHeader !== undefined || options.apiKeys.looksLikeKey(credential.token));
      const method: AuthMethod = isApiKey ? 'api_key' : 'bearer';
      let authInfo: WardenAuthInfo;
      try {
        if (isApiKey) {
          const verified = await options.apiKeys!.verify(credential.token);
          authInfo = {
            token: credential.token,
            clientId: verified.keyId,
            scopes: [...hierarchy.expand(verified.scopes)],
            ...(verified.expiresAt === undefined ? {} : { expiresAt: verified.expiresAt }),
            resource: new URL(resource),
            extra: {
              subject: verified.subject,
              authMethod: 'api_key',
              keyId: verified.keyId,
              grantedScopes: [...verified.scopes],
              ...(remoteAddress === undefined ? {} : { remoteAddress }),
            },
          };
        } else {
          let dpopJkt: string | undefined;
          if (credential.scheme === 'dpop') {
            const proof = request.headers.dpop;
            if (typeof proof !== 'string')
              throw tokenError('ERR_DPOP_PROOF_INVALID', { detail: { reason: 'DPoP header' } });
            const path = request.url.split('?')[0] ?? '/';
            const verifiedProof = await options.dpop!.verify(proof, {
              method: request.method,
              url: new URL(path.startsWith('/') ? path : `/${path}`, resourceOrigin),
              accessToken: credential.token,
            });
            dpopJkt = verifiedProof.jkt;
          } else if (options.dpopRequired === true) {
            throw tokenError('ERR_TOKEN_BINDING_REQUIRED', { detail: { reason: 'DPoP required' } });
          }
          const presentation: Presentation = {
            scheme: credential.scheme,
            ...(dpopJkt === undefined ? {} : { dpopJkt }),
            ...(request.clientCertificate === undefined
              ? {}
              : { certificateThumbprint: request.clientCertificate.thumbprintSha256 }),
          };
          const verified = await verifier.verify(credential.token, presentation);
          authInfo = toAuthInfo(
            credential.token,
            verified,
            credential.scheme === 'dpop' ? 'dpop' : method,
            remoteAddress,
          );
        }
      } catch (error) {
        const warden = isWardenError(error) ? error : mapVerificationError(error);
        if (warden.code === 'ERR_DPOP_REPLAY') {
          emit({
            type: 'authn_token_reuse',
            level: 'critical',
            outcome: 'denied',
            method: 'dpop',
            reason: warden.code,
            code: warden.code,
            ...(remoteAddress === undefined ? {} : { remoteAddress }),
          });
        }
        fail(warden, credential.scheme === 'dpop' ? 'dpop' : method);
        return deny(401, warden, needed, true, dpopChallenge || credential.scheme === 'dpop');
      }
      return finishAuthenticated(authInfo, credential.scheme === 'dpop' && !isApiKey ? 'dpop' : method);
    },
  };
}
