import { AuthenticationError, AuthorizationError, type WardenErrorOptions } from '@mcp-warden/core';
import { errors as joseErrors } from 'jose';

/**
 * Every code a token or credential check can fail with. Each maps to one fixed, public message and
 * one `error_description` on the wire; library messages never reach a client.
 */
export type TokenErrorCode =
  | 'ERR_TOKEN_MISSING'
  | 'ERR_TOKEN_TOO_LARGE'
  | 'ERR_TOKEN_MALFORMED'
  | 'ERR_TOKEN_UNSUPPORTED'
  | 'ERR_TOKEN_ALG_NOT_ALLOWED'
  | 'ERR_TOKEN_TYPE_INVALID'
  | 'ERR_TOKEN_KEY_NOT_FOUND'
  | 'ERR_TOKEN_SIGNATURE_INVALID'
  | 'ERR_TOKEN_EXPIRED'
  | 'ERR_TOKEN_NOT_YET_VALID'
  | 'ERR_TOKEN_ISSUED_IN_FUTURE'
  | 'ERR_TOKEN_TOO_OLD'
  | 'ERR_TOKEN_ISSUER_INVALID'
  | 'ERR_TOKEN_AUDIENCE_INVALID'
  | 'ERR_TOKEN_CLAIM_INVALID'
  | 'ERR_TOKEN_BINDING_REQUIRED'
  | 'ERR_TOKEN_BINDING_MISMATCH'
  | 'ERR_JWKS_UNAVAILABLE'
  | 'ERR_TOKEN_INVALID'
  | 'ERR_DPOP_PROOF_INVALID'
  | 'ERR_DPOP_REPLAY'
  | 'ERR_API_KEY_INVALID'
  | 'ERR_API_KEY_EXPIRED'
  | 'ERR_API_KEY_REVOKED';

/** The public message of each code: short, fixed, safe to send. */
export const TOKEN_ERROR_MESSAGES: Readonly<Record<TokenErrorCode, string>> = Object.freeze({
  ERR_TOKEN_MISSING: 'authentication required',
  ERR_TOKEN_TOO_LARGE: 'access token too large',
  ERR_TOKEN_MALFORMED: 'access token malformed',
  ERR_TOKEN_UNSUPPORTED: 'access token format not supported',
  ERR_TOKEN_ALG_NOT_ALLOWED: 'access token algorithm not allowed',
  ERR_TOKEN_TYPE_INVALID: 'access token type not accepted',
  ERR_TOKEN_KEY_NOT_FOUND: 'access token signing key unknown',
  ERR_TOKEN_SIGNATURE_INVALID: 'access token signature invalid',
  ERR_TOKEN_EXPIRED: 'access token expired',
  ERR_TOKEN_NOT_YET_VALID: 'access token not yet valid',
  ERR_TOKEN_ISSUED_IN_FUTURE: 'access token issued in the future',
  ERR_TOKEN_TOO_OLD: 'access token too old',
  ERR_TOKEN_ISSUER_INVALID: 'access token issuer not accepted',
  ERR_TOKEN_AUDIENCE_INVALID: 'access token not issued for this resource',
  ERR_TOKEN_CLAIM_INVALID: 'access token claims invalid',
  ERR_TOKEN_BINDING_REQUIRED: 'access token is sender-constrained',
  ERR_TOKEN_BINDING_MISMATCH: 'access token binding mismatch',
  ERR_JWKS_UNAVAILABLE: 'signing keys unavailable',
  ERR_TOKEN_INVALID: 'access token invalid',
  ERR_DPOP_PROOF_INVALID: 'DPoP proof invalid',
  ERR_DPOP_REPLAY: 'DPoP proof replayed',
  ERR_API_KEY_INVALID: 'API key invalid',
  ERR_API_KEY_EXPIRED: 'API key expired',
  ERR_API_KEY_REVOKED: 'API key revoked',
});

/** Creates the {@link AuthenticationError} of a code, with its fixed public message. */
export function tokenError(code: TokenErrorCode, options: WardenErrorOptions = {}): AuthenticationError {
  return new AuthenticationError(code, TOKEN_ERROR_MESSAGES[code], options);
}

/** The scope check failed: `data.scopes` lists every scope the call needs. */
export function insufficientScopeError(
  required: readonly string[],
  missing: readonly string[],
): AuthorizationError {
  return new AuthorizationError('ERR_INSUFFICIENT_SCOPE', 'insufficient scope', {
    data: { scopes: [...required] },
    detail: { missing: [...missing] },
  });
}

const CLAIM_CODES: Readonly<Record<string, TokenErrorCode>> = {
  iss: 'ERR_TOKEN_ISSUER_INVALID',
  aud: 'ERR_TOKEN_AUDIENCE_INVALID',
  nbf: 'ERR_TOKEN_NOT_YET_VALID',
  typ: 'ERR_TOKEN_TYPE_INVALID',
};

/**
 * Maps anything thrown while verifying a token to one {@link AuthenticationError}: jose's errors by
 * class, plain `TypeError`s from key/alg mismatches and every other surprise to `ERR_TOKEN_INVALID`.
 * Never lets an unknown error become a 500.
 */
export function mapVerificationError(error: unknown): AuthenticationError {
  if (error instanceof AuthenticationError) return error;
  const detail = {
    errorName: error instanceof Error ? error.name : typeof error,
    errorMessage: error instanceof Error ? error.message : String(error),
  };
  const make = (code: TokenErrorCode): AuthenticationError => tokenError(code, { detail, cause: error });
  if (error instanceof joseErrors.JWTExpired) {
    // jose reports a token older than maxTokenAge as JWTExpired on the `iat` claim.
    return make(error.claim === 'iat' ? 'ERR_TOKEN_TOO_OLD' : 'ERR_TOKEN_EXPIRED');
  }
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    const byClaim = CLAIM_CODES[error.claim];
    if (byClaim !== undefined && error.reason === 'check_failed') return make(byClaim);
    if (error.claim === 'iat' && error.reason === 'check_failed') {
      return make(error.message.includes('in the past') ? 'ERR_TOKEN_ISSUED_IN_FUTURE' : 'ERR_TOKEN_TOO_OLD');
    }
    if (error.claim === 'iss' || error.claim === 'aud') return make(CLAIM_CODES[error.claim]!);
    return make('ERR_TOKEN_CLAIM_INVALID');
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return make('ERR_TOKEN_ALG_NOT_ALLOWED');
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return make('ERR_TOKEN_SIGNATURE_INVALID');
  if (error instanceof joseErrors.JWKSMultipleMatchingKeys) return make('ERR_TOKEN_KEY_NOT_FOUND');
  if (error instanceof joseErrors.JWKSNoMatchingKey) return make('ERR_TOKEN_KEY_NOT_FOUND');
  if (error instanceof joseErrors.JWKSTimeout) return make('ERR_JWKS_UNAVAILABLE');
  if (error instanceof joseErrors.JWKSInvalid) return make('ERR_JWKS_UNAVAILABLE');
  if (error instanceof joseErrors.JOSENotSupported) return make('ERR_TOKEN_UNSUPPORTED');
  if (error instanceof joseErrors.JWSInvalid || error instanceof joseErrors.JWTInvalid) {
    return make('ERR_TOKEN_MALFORMED');
  }
  return make('ERR_TOKEN_INVALID');
}
