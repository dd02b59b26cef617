import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { ConfigError } from '@mcp-warden/core';
import { exportJWK, generateKeyPair, importJWK, type JSONWebKeySet, type JWK, SignJWT } from 'jose';
import { isScopeToken } from './scopes.js';

/** Options of {@link mintDevToken}. DEV ONLY: this signs tokens with a local key. */
export interface DevTokenOptions {
  readonly issuer: string;
  /** The MCP server's resource identifier (goes into `aud`). */
  readonly audience: string;
  readonly subject: string;
  readonly scopes?: readonly string[];
  /** Lifetime, seconds. Default 3600; at most 86400. */
  readonly ttlSec?: number;
  /** A JSON file holding the private JWK; created (mode 0600) when missing. Default: a fresh key each time. */
  readonly keyFile?: string;
  /** Default `ES256`. */
  readonly alg?: 'ES256' | 'EdDSA' | 'RS256';
  readonly clientId?: string;
  /** Binds the token to a DPoP key (RFC 9449 `cnf.jkt`). */
  readonly dpopJkt?: string;
  /** Binds the token to a client certificate (RFC 8705 `cnf.x5t#S256`). */
  readonly certificateThumbprint?: string;
}

/** The minted token and the public JWKS the server needs to verify it. */
export interface DevToken {
  readonly token: string;
  readonly jwks: JSONWebKeySet;
  readonly createdKeyFile: boolean;
}

async function loadOrCreateKey(
  options: DevTokenOptions,
): Promise<{ privateJwk: JWK; publicJwk: JWK; created: boolean }> {
  const alg = options.alg ?? 'ES256';
  if (options.keyFile !== undefined && existsSync(options.keyFile)) {
    let privateJwk: JWK;
    try {
      privateJwk = JSON.parse(readFileSync(options.keyFile, 'utf8')) as JWK;
    } catch (cause) {
      throw new ConfigError('ERR_AUTH_CONFIG_INVALID', 'the dev key file is not a JSON private JWK', {
        cause,
      });
    }
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = privateJwk;
    return { privateJwk, publicJwk, created: false };
  }
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  const privateJwk = {
    ...(await exportJWK(privateKey)),
    alg,
    kid: `dev-${randomUUID().slice(0, 8)}`,
    use: 'sig',
  };
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = privateJwk;
  if (options.keyFile !== undefined) {
    writeFileSync(options.keyFile, `${JSON.stringify(privateJwk, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  }
  return { privateJwk, publicJwk, created: options.keyFile !== undefined };
}

/**
 * DEV ONLY. Mints an RFC 9068 access token (`typ: at+jwt`) signed by a local key so a newcomer can call
 * a server in one line. Production tokens come from your authorization server.
 */
export async function mintDevToken(options: DevTokenOptions): Promise<DevToken> {
  const ttl = options.ttlSec ?? 3600;
  if (!(Number.isFinite(ttl) && ttl > 0 && ttl <= 86_400)) {
    throw new ConfigError('ERR_AUTH_CONFIG_INVALID', 'ttlSec must be between 1 and 86400');
  }
  for (const scope of options.scopes ?? []) {
    if (!isScopeToken(scope))
      throw new ConfigError('ERR_AUTH_CONFIG_INVALID', 'invalid scope', { detail: { scope } });
  }
  const { privateJwk, publicJwk, created } = await loadOrCreateKey(options);
  const alg = (privateJwk.alg as string | undefined) ?? options.alg ?? 'ES256';
  const key = await importJWK(privateJwk, alg);
  const now = Math.floor(Date.now() / 1000);
  const cnf = {
    ...(options.dpopJkt === undefined ? {} : { jkt: options.dpopJkt }),
    ...(options.certificateThumbprint === undefined ? {} : { 'x5t#S256': options.certificateThumbprint }),
  };
  const token = await new SignJWT({
    scope: (options.scopes ?? []).join(' '),
    client_id: options.clientId ?? 'mcp-warden-dev',
    ...(Object.keys(cnf).length === 0 ? {} : { cnf }),
  })
    .setProtectedHeader({
      alg,
      typ: 'at+jwt',
      ...(publicJwk.kid === undefined ? {} : { kid: publicJwk.kid }),
    })
    .setIssuer(options.issuer)
    .setAudience(options.audience)
    .setSubject(options.subject)
    .setIssuedAt(now)
    .setExpirationTime(now + Math.floor(ttl))
    .setJti(randomUUID())
    .sign(key);
  return { token, jwks: { keys: [publicJwk] }, createdKeyFile: created };
}
