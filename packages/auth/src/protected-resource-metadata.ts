import { ConfigError } from '@mcp-warden/core';

/** Options for the RFC 9728 Protected Resource Metadata document. */
export interface ProtectedResourceMetadataOptions {
  /** This server's resource identifier (the same string tokens carry in `aud`). */
  readonly resource: string;
  /** Issuer identifiers of the authorization servers clients may use. Required, non-empty. */
  readonly authorizationServers: readonly string[];
  readonly scopesSupported?: readonly string[];
  readonly resourceName?: string;
  readonly resourceDocumentation?: string;
  /** Advertises RFC 8705 certificate-bound tokens. */
  readonly tlsClientCertificateBoundAccessTokens?: boolean;
  /** Advertises DPoP support: accepted proof algorithms. */
  readonly dpopSigningAlgValuesSupported?: readonly string[];
  /** Advertises that only DPoP-bound tokens are accepted. */
  readonly dpopBoundAccessTokensRequired?: boolean;
}

/** The RFC 9728 metadata document. */
export interface ProtectedResourceMetadata {
  readonly resource: string;
  readonly authorization_servers: readonly string[];
  readonly bearer_methods_supported: readonly ['header'];
  readonly scopes_supported?: readonly string[];
  readonly resource_name?: string;
  readonly resource_documentation?: string;
  readonly tls_client_certificate_bound_access_tokens?: boolean;
  readonly dpop_signing_alg_values_supported?: readonly string[];
  readonly dpop_bound_access_tokens_required?: boolean;
}

/**
 * Where the metadata document lives (RFC 9728 §3.1): `/.well-known/oauth-protected-resource` inserted
 * between the host and the resource's path, e.g. `https://h/mcp` → `https://h/.well-known/oauth-protected-resource/mcp`.
 */
export function metadataUrlFor(resource: string): URL {
  const url = new URL(resource);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  return new URL(`/.well-known/oauth-protected-resource${path}${url.search}`, url.origin);
}

/** Builds the metadata document; only `header` is a supported bearer method. */
export function protectedResourceMetadata(
  options: ProtectedResourceMetadataOptions,
): ProtectedResourceMetadata {
  if (!Array.isArray(options.authorizationServers) || options.authorizationServers.length === 0) {
    throw new ConfigError('ERR_AUTH_CONFIG_INVALID', 'authorizationServers is required (RFC 9728)');
  }
  return Object.freeze({
    resource: options.resource,
    authorization_servers: Object.freeze([...options.authorizationServers]),
    bearer_methods_supported: Object.freeze(['header'] as const),
    ...(options.scopesSupported === undefined
      ? {}
      : { scopes_supported: Object.freeze([...options.scopesSupported]) }),
    ...(options.resourceName === undefined ? {} : { resource_name: options.resourceName }),
    ...(options.resourceDocumentation === undefined
      ? {}
      : { resource_documentation: options.resourceDocumentation }),
    ...(options.tlsClientCertificateBoundAccessTokens === true
      ? { tls_client_certificate_bound_access_tokens: true }
      : {}),
    ...(options.dpopSigningAlgValuesSupported === undefined
      ? {}
      : { dpop_signing_alg_values_supported: Object.freeze([...options.dpopSigningAlgValuesSupported]) }),
    ...(options.dpopBoundAccessTokensRequired === true ? { dpop_bound_access_tokens_required: true } : {}),
  });
}
