import { randomBytes } from 'node:crypto';
import {
  type CryptoKey,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  SignJWT,
} from 'jose';
import type { KeySource } from '../src/index.js';

export const ISSUER = 'https://issuer.example.com';
export const RESOURCE = 'https://mcp.example.com/mcp';

export interface TestKey {
  readonly alg: 'ES256' | 'RS256' | 'EdDSA' | 'HS256';
  readonly kid: string;
  readonly privateKey: CryptoKey | Uint8Array;
  readonly publicJwk?: JWK;
  readonly publicPem?: string;
  readonly secret?: Uint8Array;
}

/** A real key of each supported family, generated fresh. */
export async function makeKey(
  alg: TestKey['alg'],
  kid = `${alg}-${randomBytes(4).toString('hex')}`,
): Promise<TestKey> {
  if (alg === 'HS256') {
    const secret = new Uint8Array(randomBytes(32));
    return { alg, kid, privateKey: secret, secret };
  }
  const { privateKey, publicKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}),
  });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { alg, kid, privateKey, publicJwk, publicPem: await exportSPKI(publicKey) };
}

/** The key source a verifier would be configured with for this key. */
export function sourceFor(key: TestKey, via: 'pem' | 'jwks' = 'pem'): KeySource {
  if (key.alg === 'HS256')
    return { type: 'hmac', secrets: [{ secret: key.secret!, kid: key.kid }], algorithms: ['HS256'] };
  if (via === 'jwks') return { type: 'jwks', jwks: { keys: [key.publicJwk!] }, algorithms: [key.alg] };
  return { type: 'public-key', keys: [{ key: key.publicPem!, kid: key.kid }], algorithms: [key.alg] };
}

export const nowSec = (): number => Math.floor(Date.now() / 1000);

/** Signs a token with sensible valid defaults; `claims`/`header` override them (undefined deletes). */
export async function sign(
  key: TestKey,
  claims: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
): Promise<string> {
  const t = nowSec();
  const payload: Record<string, unknown> = {
    iss: ISSUER,
    aud: RESOURCE,
    sub: 'user-1',
    client_id: 'client-1',
    iat: t,
    exp: t + 600,
    scope: 'files:read files:write',
    ...claims,
  };
  for (const [k, v] of Object.entries(payload)) if (v === undefined) delete payload[k];
  const protectedHeader: Record<string, unknown> = { alg: key.alg, kid: key.kid, typ: 'at+jwt', ...header };
  for (const [k, v] of Object.entries(protectedHeader)) if (v === undefined) delete protectedHeader[k];
  return new SignJWT(payload as JWTPayload)
    .setProtectedHeader(protectedHeader as { alg: string })
    .sign(key.privateKey);
}

export const b64url = (value: string | Uint8Array): string => Buffer.from(value).toString('base64url');

/** Builds a compact token by hand from parts (for malformed/attack tokens). */
export function rawToken(header: object, payload: object, signature = ''): string {
  return `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}.${signature}`;
}
