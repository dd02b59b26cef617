import { createHash, generateKeyPairSync, type KeyObject, randomUUID, sign } from 'node:crypto';

/** A DPoP key pair (P-256) and its RFC 7638 thumbprint, made with node:crypto. */
export function dpopKey(): {
  privateKey: KeyObject;
  jwk: { kty: string; crv: string; x: string; y: string };
  jkt: string;
} {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { kty, crv, x, y } = publicKey.export({ format: 'jwk' }) as {
    kty: string;
    crv: string;
    x: string;
    y: string;
  };
  const jwk = { kty, crv, x, y };
  const jkt = createHash('sha256').update(JSON.stringify({ crv, kty, x, y })).digest('base64url');
  return { privateKey, jwk, jkt };
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An RFC 9449 proof (ES256) for one request. */
export function dpopProof(
  key: ReturnType<typeof dpopKey>,
  method: string,
  url: string,
  accessToken: string,
): string {
  const header = b64({ typ: 'dpop+jwt', alg: 'ES256', jwk: key.jwk });
  const payload = b64({
    jti: randomUUID(),
    htm: method,
    htu: url,
    iat: Math.floor(Date.now() / 1000),
    ath: createHash('sha256').update(accessToken).digest('base64url'),
  });
  const signature = sign('sha256', Buffer.from(`${header}.${payload}`), {
    key: key.privateKey,
    dsaEncoding: 'ieee-p1363',
  });
  return `${header}.${payload}.${signature.toString('base64url')}`;
}
