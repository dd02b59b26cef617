import { type AuthenticationError, ConfigError, isWardenError } from '@mcp-warden/core';
import { describe, expect, it } from 'vitest';
import { createJwtVerifier, type JwtVerifierOptions, type KeySource } from '../src/index.js';
import { ISSUER, makeKey, nowSec, RESOURCE, sign, sourceFor, type TestKey } from './keys.js';

export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (!isWardenError(error)) throw error;
    return error.code;
  }
  return 'ACCEPTED';
}

function verifierFor(key: TestKey, extra: Partial<JwtVerifierOptions> = {}, via: 'pem' | 'jwks' = 'pem') {
  return createJwtVerifier({
    issuer: ISSUER,
    resource: RESOURCE,
    keys: [sourceFor(key, via)],
    cache: false,
    ...extra,
  });
}

describe.each(['HS256', 'ES256', 'RS256', 'EdDSA'] as const)('JWT verification with real %s keys', (alg) => {
  it('accepts a valid token and reads subject, client, scopes and expiry', async () => {
    const key = await makeKey(alg);
    const token = await sign(key);
    for (const via of alg === 'HS256' ? (['pem'] as const) : (['pem', 'jwks'] as const)) {
      const verified = await verifierFor(key, {}, via).verify(token);
      expect(verified.subject).toBe('user-1');
      expect(verified.clientId).toBe('client-1');
      expect(verified.scopes).toEqual(['files:read', 'files:write']);
      expect(verified.expiresAt).toBeGreaterThan(nowSec());
      expect(verified.issuer).toBe(ISSUER);
    }
  });

  it('rejects a token signed by another key of the same algorithm', async () => {
    const key = await makeKey(alg, 'same-kid');
    const other = await makeKey(alg, 'same-kid');
    expect(await codeOf(verifierFor(key).verify(await sign(other)))).toBe('ERR_TOKEN_SIGNATURE_INVALID');
  });

  it('rejects a token whose signature bytes were flipped', async () => {
    const key = await makeKey(alg);
    const token = await sign(key);
    const sig = Buffer.from(token.split('.')[2]!, 'base64url');
    sig[0] = sig[0]! ^ 0xff;
    const tampered = `${token.split('.').slice(0, 2).join('.')}.${sig.toString('base64url')}`;
    expect(await codeOf(verifierFor(key).verify(tampered))).toBe('ERR_TOKEN_SIGNATURE_INVALID');
  });
});

describe('claims checks', () => {
  it('requires exp, iss, aud and sub', async () => {
    const key = await makeKey('ES256');
    const v = verifierFor(key);
    expect(await codeOf(v.verify(await sign(key, { exp: undefined })))).toBe('ERR_TOKEN_CLAIM_INVALID');
    expect(await codeOf(v.verify(await sign(key, { iss: undefined })))).toBe('ERR_TOKEN_ISSUER_INVALID');
    expect(await codeOf(v.verify(await sign(key, { aud: undefined })))).toBe('ERR_TOKEN_AUDIENCE_INVALID');
    expect(await codeOf(v.verify(await sign(key, { sub: undefined })))).toBe('ERR_TOKEN_CLAIM_INVALID');
  });

  it('accepts skew inside the tolerance and rejects it outside', async () => {
    const key = await makeKey('ES256');
    const v = verifierFor(key, { clockToleranceSec: 30 });
    const t = nowSec();
    expect(await codeOf(v.verify(await sign(key, { exp: t - 20 })))).toBe('ACCEPTED');
    expect(await codeOf(v.verify(await sign(key, { nbf: t + 20 })))).toBe('ACCEPTED');
    expect(await codeOf(v.verify(await sign(key, { iat: t + 20 })))).toBe('ACCEPTED');
    expect(await codeOf(v.verify(await sign(key, { exp: t - 40 })))).toBe('ERR_TOKEN_EXPIRED');
    expect(await codeOf(v.verify(await sign(key, { nbf: t + 40 })))).toBe('ERR_TOKEN_NOT_YET_VALID');
    expect(await codeOf(v.verify(await sign(key, { iat: t + 40 })))).toBe('ERR_TOKEN_ISSUED_IN_FUTURE');
  });

  it('enforces maxTokenAgeSec, also for a future iat', async () => {
    const key = await makeKey('RS256');
    const v = verifierFor(key, { clockToleranceSec: 0, maxTokenAgeSec: 60 });
    const t = nowSec();
    expect(await codeOf(v.verify(await sign(key, { iat: t - 30 })))).toBe('ACCEPTED');
    expect(await codeOf(v.verify(await sign(key, { iat: t - 120 })))).toBe('ERR_TOKEN_TOO_OLD');
    expect(await codeOf(v.verify(await sign(key, { iat: t + 120 })))).toBe('ERR_TOKEN_ISSUED_IN_FUTURE');
    expect(await codeOf(v.verify(await sign(key, { iat: undefined })))).toBe('ERR_TOKEN_CLAIM_INVALID');
  });

  it('accepts aud arrays containing the resource, and scp as array or string', async () => {
    const key = await makeKey('ES256');
    const v = verifierFor(key);
    const a = await v.verify(
      await sign(key, { aud: ['https://other.example', RESOURCE], scope: undefined, scp: ['a', 'b'] }),
    );
    expect(a.scopes).toEqual(['a', 'b']);
    const b = await v.verify(await sign(key, { scope: 'x', scp: 'y z x' }));
    expect(b.scopes).toEqual(['x', 'y', 'z']);
  });

  it('rejects malformed scope claims and malformed NumericDates', async () => {
    const key = await makeKey('ES256');
    const v = verifierFor(key);
    expect(await codeOf(v.verify(await sign(key, { scope: ['a'] })))).toBe('ERR_TOKEN_CLAIM_INVALID');
    expect(await codeOf(v.verify(await sign(key, { scp: [1] })))).toBe('ERR_TOKEN_CLAIM_INVALID');
    expect(await codeOf(v.verify(await sign(key, { scp: { a: 1 } })))).toBe('ERR_TOKEN_CLAIM_INVALID');
    expect(await codeOf(v.verify(await sign(key, { exp: String(nowSec() + 600) })))).toBe(
      'ERR_TOKEN_CLAIM_INVALID',
    );
  });

  it('reuses the scopes of a repeated scope string (frozen) and still reads each token afresh', async () => {
    const key = await makeKey('HS256');
    const v = verifierFor(key);
    const a = await v.verify(await sign(key, { scope: 'a b a' }));
    const b = await v.verify(await sign(key, { scope: 'a b a', sub: 'user-2' }));
    expect(a.scopes).toEqual(['a', 'b']);
    expect(b.scopes).toBe(a.scopes);
    expect(Object.isFrozen(b.scopes)).toBe(true);
    expect(b.subject).toBe('user-2');
    // A different string, an added scp, a bad string after a good one: each read afresh.
    expect((await v.verify(await sign(key, { scope: 'a c' }))).scopes).toEqual(['a', 'c']);
    expect((await v.verify(await sign(key, { scope: 'a c', scp: ['d'] }))).scopes).toEqual(['a', 'c', 'd']);
    expect(await codeOf(v.verify(await sign(key, { scope: 'a "c' })))).toBe('ERR_TOKEN_CLAIM_INVALID');
    expect(await codeOf(v.verify(await sign(key, { scope: 'a c', scp: 5 })))).toBe('ERR_TOKEN_CLAIM_INVALID');
    expect((await v.verify(await sign(key, { scope: 'a c' }))).scopes).toEqual(['a', 'c']);
    expect((await v.verify(await sign(key, { scope: undefined }))).scopes).toEqual([]);
  });

  it('uses azp or sub as client id when client_id is absent', async () => {
    const key = await makeKey('ES256');
    const v = verifierFor(key);
    expect((await v.verify(await sign(key, { client_id: undefined, azp: 'spa' }))).clientId).toBe('spa');
    expect((await v.verify(await sign(key, { client_id: undefined }))).clientId).toBe('user-1');
  });

  it('accepts any of several configured issuers, exactly', async () => {
    const [key, second] = await Promise.all([makeKey('ES256'), makeKey('ES256')]);
    const v = verifierFor(key, {
      issuer: [ISSUER, 'https://second.example'],
      keys: [
        { ...sourceFor(key), issuer: ISSUER },
        { ...sourceFor(second), issuer: 'https://second.example' },
      ],
    });
    expect(await codeOf(v.verify(await sign(key)))).toBe('ACCEPTED');
    expect(await codeOf(v.verify(await sign(second, { iss: 'https://second.example' })))).toBe('ACCEPTED');
    expect(await codeOf(v.verify(await sign(second, { iss: 'https://second.example/' })))).toBe(
      'ERR_TOKEN_ISSUER_INVALID',
    );
  });
});

describe('typ', () => {
  it('strict mode accepts only at+jwt (any case, with or without application/)', async () => {
    const key = await makeKey('ES256');
    const v = verifierFor(key);
    for (const typ of ['at+jwt', 'AT+JWT', 'application/at+jwt']) {
      expect(await codeOf(v.verify(await sign(key, {}, { typ })))).toBe('ACCEPTED');
    }
    for (const typ of ['JWT', undefined, 'dpop+jwt', 'at+jwt ', 'logout+jwt']) {
      expect(await codeOf(v.verify(await sign(key, {}, { typ })))).toBe('ERR_TOKEN_TYPE_INVALID');
    }
  });

  it('lenient mode also accepts JWT or no typ, never another explicit type', async () => {
    const key = await makeKey('ES256');
    const v = verifierFor(key, { typ: 'lenient' });
    for (const typ of ['at+jwt', 'JWT', 'jwt', 'application/jwt', undefined]) {
      expect(await codeOf(v.verify(await sign(key, {}, { typ })))).toBe('ACCEPTED');
    }
    for (const typ of ['dpop+jwt', 'secevent+jwt', 'logout+jwt', 'JOSE', '']) {
      expect(await codeOf(v.verify(await sign(key, {}, { typ })))).toBe('ERR_TOKEN_TYPE_INVALID');
    }
  });
});

describe('configuration', () => {
  const base = { issuer: ISSUER, resource: RESOURCE };

  it('refuses HMAC secrets shorter than the hash', () => {
    const attempt = (secret: string | Uint8Array, alg: 'HS256' | 'HS512') => () =>
      createJwtVerifier({ ...base, keys: [{ type: 'hmac', secrets: [{ secret }], algorithms: [alg] }] });
    expect(attempt('short-password', 'HS256')).toThrowError(
      expect.objectContaining({ code: 'ERR_HMAC_SECRET_TOO_SHORT' }),
    );
    expect(attempt(new Uint8Array(31), 'HS256')).toThrowError(
      expect.objectContaining({ code: 'ERR_HMAC_SECRET_TOO_SHORT' }),
    );
    expect(attempt(new Uint8Array(32), 'HS512')).toThrowError(
      expect.objectContaining({ code: 'ERR_HMAC_SECRET_TOO_SHORT' }),
    );
    expect(attempt(new Uint8Array(32), 'HS256')).not.toThrow();
  });

  it('refuses public key material as an HMAC secret and HMAC algorithms on key sources', async () => {
    const key = await makeKey('RS256');
    expect(() =>
      createJwtVerifier({
        ...base,
        keys: [{ type: 'hmac', secrets: [{ secret: key.publicPem! }], algorithms: ['HS256'] }],
      }),
    ).toThrowError(ConfigError);
    expect(() =>
      createJwtVerifier({
        ...base,
        keys: [{ type: 'public-key', keys: [{ key: key.publicPem! }], algorithms: ['HS256' as 'RS256'] }],
      }),
    ).toThrowError(expect.objectContaining({ code: 'ERR_AUTH_CONFIG_INVALID' }));
    expect(() =>
      createJwtVerifier({
        ...base,
        keys: [{ type: 'public-key', keys: [{ key: key.publicPem! }], algorithms: ['ES256'] }],
      }),
    ).toThrowError(expect.objectContaining({ code: 'ERR_AUTH_CONFIG_INVALID' }));
  });

  it('requires issuer, resource, keys and an allowlist; caps the tolerance', async () => {
    const key = await makeKey('ES256');
    const keys = [sourceFor(key)];
    const bad: unknown[] = [
      { resource: RESOURCE, keys },
      { issuer: ISSUER, keys },
      { issuer: ISSUER, resource: 'not a url', keys },
      { issuer: ISSUER, resource: `${RESOURCE}#frag`, keys },
      { ...base, keys: [] },
      { ...base, keys: [{ ...keys[0], algorithms: [] }] },
      { ...base, keys, clockToleranceSec: 3600 },
      { ...base, keys: [keys[0], keys[0]] },
      {
        ...base,
        keys: [{ type: 'jwks', jwks: { keys: [{ kty: 'oct', k: 'AAAA' }] }, algorithms: ['ES256'] }],
      },
      { ...base, keys: [{ type: 'jwks-uri', url: 'http://keys.example.com/jwks', algorithms: ['ES256'] }] },
      // Every JWKS limit needs a positive finite value.
      ...[{ maxResponseBytes: 0 }, { maxResponseBytes: Number.POSITIVE_INFINITY }, { timeoutMs: -1 }].map(
        (limit) => ({
          ...base,
          keys: [{ type: 'jwks-uri', url: 'https://keys.example.com/jwks', algorithms: ['ES256'], ...limit }],
        }),
      ),
    ];
    // jose wants an integer timeout and throws a bare TypeError otherwise: a fractional one is rounded up.
    expect(() =>
      createJwtVerifier({
        ...base,
        keys: [
          { type: 'jwks-uri', url: 'https://keys.example.com/jwks', algorithms: ['ES256'], timeoutMs: 200.5 },
        ],
      }),
    ).not.toThrow();
    for (const options of bad) {
      let error: unknown;
      try {
        createJwtVerifier(options as JwtVerifierOptions);
      } catch (caught) {
        error = caught;
      }
      expect(error, JSON.stringify(options)).toBeInstanceOf(ConfigError);
    }
  });

  it('binds each key source to one of several issuers: none named or another one is refused', async () => {
    const [es, hs] = await Promise.all([makeKey('ES256'), makeKey('HS256')]);
    const issuers = [ISSUER, 'https://second.example'];
    const sources: KeySource[] = [
      sourceFor(hs),
      sourceFor(es),
      sourceFor(es, 'jwks'),
      { type: 'jwks-uri', url: 'https://keys.example.com/jwks', algorithms: ['ES256'] },
      { type: 'issuer-metadata', algorithms: ['ES256'] },
    ];
    const invalid = expect.objectContaining({ code: 'ERR_AUTH_CONFIG_INVALID' });
    for (const source of sources) {
      const build = (issuer?: unknown) => () =>
        createJwtVerifier({
          issuer: issuers,
          resource: RESOURCE,
          keys: [{ ...source, ...(issuer === undefined ? {} : { issuer }) } as KeySource],
        });
      expect(build(), source.type).toThrowError(invalid);
      for (const other of ['https://third.example', 'https://second.example/', '', 42]) {
        expect(build(other), `${source.type} ${other}`).toThrowError(invalid);
      }
      expect(build('https://second.example'), source.type).not.toThrow();
      // One issuer: a source may omit it or name it, never name another.
      const single = (issuer?: string) => () =>
        createJwtVerifier({ ...base, keys: [{ ...source, ...(issuer === undefined ? {} : { issuer }) }] });
      expect(single()).not.toThrow();
      expect(single(ISSUER)).not.toThrow();
      expect(single('https://second.example')).toThrowError(invalid);
    }
  });

  it('refuses two sources of one issuer sharing an algorithm; sources of different issuers may', async () => {
    const [a, b] = await Promise.all([makeKey('RS256'), makeKey('RS256')]);
    const build = (issuerOfB: string) => () =>
      createJwtVerifier({
        issuer: [ISSUER, 'https://second.example'],
        resource: RESOURCE,
        keys: [
          { ...sourceFor(a), issuer: ISSUER },
          { ...sourceFor(b, 'jwks'), issuer: issuerOfB },
        ],
      });
    expect(build(ISSUER)).toThrowError(expect.objectContaining({ code: 'ERR_AUTH_CONFIG_INVALID' }));
    expect(build('https://second.example')).not.toThrow();
    expect(build('https://second.example')().algorithms).toEqual(['RS256']);
  });

  it('allows plain http to a non-loopback JWKS only by name, with a warning', () => {
    const v = createJwtVerifier({
      ...base,
      keys: [
        {
          type: 'jwks-uri',
          url: 'http://keys.example.com/jwks',
          algorithms: ['ES256'],
          allowInsecureHttp: true,
        },
      ],
    });
    expect(v.warnings).toEqual([expect.stringContaining('allowInsecureHttp')]);
  });

  it('every failure is an AuthenticationError, never a bare error', async () => {
    const key = await makeKey('ES256');
    const v = verifierFor(key);
    for (const input of ['', 'a', 'a.b.c', '...', '\u0000.\u0000.\u0000', 42 as unknown as string]) {
      const error = await v.verify(input).then(
        () => undefined,
        (e: unknown) => e as AuthenticationError,
      );
      expect(error?.kind).toBe('authentication');
    }
  });
});
