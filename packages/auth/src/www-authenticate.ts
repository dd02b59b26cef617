import type { TokenErrorCode } from './token-errors.js';

/** RFC 6750 §3.1 error codes, plus RFC 9449's `invalid_dpop_proof`. */
export type BearerErrorCode =
  | 'invalid_request'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'invalid_dpop_proof';

/** The parameters of one `WWW-Authenticate: Bearer` challenge. */
export interface BearerChallenge {
  /** Omitted when the request carried no credentials (RFC 6750 §3.1). */
  readonly error?: BearerErrorCode;
  readonly errorDescription?: string;
  /** Scopes needed, space-joined into `scope`. */
  readonly scopes?: readonly string[];
  /** RFC 9728 §5.1: the protected resource metadata URL. */
  readonly resourceMetadata?: string;
  /** The challenge scheme. Default `Bearer`. */
  readonly scheme?: 'Bearer' | 'DPoP';
  /** DPoP only (RFC 9449 §7.1): accepted proof algorithms. */
  readonly algs?: readonly string[];
}

/** Keeps a quoted-string value inside RFC 6750's allowed characters (%x20-21 / %x23-5B / %x5D-7E). */
function quote(value: string): string {
  return `"${value.replace(/[^\x20\x21\x23-\x5B\x5D-\x7E]/g, '')}"`;
}

/**
 * Formats a challenge in the order the MCP specification's examples use: `error`, `scope`,
 * `resource_metadata`, `error_description` (no `error` at all when no credentials were sent).
 */
export function formatChallenge(challenge: BearerChallenge): string {
  const params: string[] = [];
  if (challenge.error !== undefined) params.push(`error=${quote(challenge.error)}`);
  if (challenge.scopes !== undefined && challenge.scopes.length > 0) {
    params.push(`scope=${quote(challenge.scopes.join(' '))}`);
  }
  if (challenge.resourceMetadata !== undefined)
    params.push(`resource_metadata=${quote(challenge.resourceMetadata)}`);
  if (challenge.algs !== undefined && challenge.algs.length > 0)
    params.push(`algs=${quote(challenge.algs.join(' '))}`);
  if (challenge.error !== undefined && challenge.errorDescription !== undefined) {
    params.push(`error_description=${quote(challenge.errorDescription)}`);
  }
  const scheme = challenge.scheme ?? 'Bearer';
  return params.length === 0 ? scheme : `${scheme} ${params.join(', ')}`;
}

/**
 * The fixed `error_description` vocabulary: what a client may read. Library messages never reach it.
 */
export const ERROR_DESCRIPTIONS: Readonly<Record<string, string>> = Object.freeze({
  ERR_TOKEN_EXPIRED: 'The access token expired',
  ERR_TOKEN_AUDIENCE_INVALID: 'The access token was not issued for this resource',
  ERR_TOKEN_BINDING_REQUIRED: 'The access token is sender-constrained',
  ERR_TOKEN_BINDING_MISMATCH: 'The access token is bound to another key',
  ERR_JWKS_UNAVAILABLE: 'The access token could not be verified',
  ERR_API_KEY_EXPIRED: 'The API key expired',
  ERR_API_KEY_REVOKED: 'The API key was revoked',
  ERR_INSUFFICIENT_SCOPE: 'Additional scope required',
  ERR_INVALID_REQUEST: 'Send credentials once, in the Authorization header',
  ERR_DPOP_PROOF_INVALID: 'The DPoP proof is invalid',
  ERR_DPOP_REPLAY: 'The DPoP proof is invalid',
});

/** The description for a code: specific where it helps the client, else a generic one. */
export function describeError(code: TokenErrorCode | string): string {
  return ERROR_DESCRIPTIONS[code] ?? 'The access token is invalid';
}
