import { ValidationError } from '@mcp-warden/core';

/** Header values as node:http and most frameworks give them. */
export type HeaderValue = string | readonly string[] | undefined;

/** A credential read from the request. */
export interface PresentedCredential {
  readonly scheme: 'bearer' | 'dpop';
  readonly token: string;
}

const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;
const QUERY_CREDENTIALS = ['access_token', 'token', 'api_key', 'apikey'];

function invalidRequest(reason: string): ValidationError {
  return new ValidationError('ERR_INVALID_REQUEST', 'invalid request', { detail: { reason } });
}

function values(value: HeaderValue): readonly string[] {
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : value;
}

/**
 * Reads the access token from `Authorization` only (scheme case-insensitive). Returns `undefined` when
 * there are no credentials for a scheme we accept. Throws `ERR_INVALID_REQUEST` (400) for a token in the
 * query string, several `Authorization` headers, or a malformed credential.
 */
export function extractCredential(
  authorization: HeaderValue,
  url: string | undefined,
  options: { readonly dpop?: boolean } = {},
): PresentedCredential | undefined {
  if (url !== undefined) {
    const queryStart = url.indexOf('?');
    if (queryStart !== -1) {
      const params = new URLSearchParams(url.slice(queryStart + 1));
      for (const name of QUERY_CREDENTIALS) {
        if (params.has(name)) throw invalidRequest(`credential in query parameter ${name}`);
      }
    }
  }
  const headers = values(authorization);
  if (headers.length === 0) return undefined;
  if (headers.length > 1) throw invalidRequest('several Authorization headers');
  const header = headers[0]!.trim();
  const space = header.search(/[ \t]/);
  const scheme = (space === -1 ? header : header.slice(0, space)).toLowerCase();
  if (scheme !== 'bearer' && !(scheme === 'dpop' && options.dpop === true)) return undefined;
  const token = space === -1 ? '' : header.slice(space + 1).trim();
  if (token.length === 0 || !TOKEN68.test(token)) throw invalidRequest('malformed credential');
  return { scheme: scheme === 'dpop' ? 'dpop' : 'bearer', token };
}
