import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isWardenError } from '@mcp-warden/core';
import fc from 'fast-check';
import { CompactEncrypt, importSPKI } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJwtVerifier, createScopeHierarchy, type JwtVerifier } from '../src/index.js';
import {
  b64url,
  ISSUER,
  makeKey,
  nowSec,
  RESOURCE,
  rawToken,
  sign,
  sourceFor,
  type TestKey,
} from './keys.js';

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (!isWardenError(error)) throw error;
    return error.code;
  }
  return 'ACCEPTED';
}

function hs256(header: object, payload: object, secret: string | Uint8Array): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

const claims = () => ({
  iss: ISSUER,
  aud: RESOURCE,
  sub: 'attacker',
  iat: nowSec(),
  exp: nowSec() + 600,
  scope: 'admin',
});

let rsa: TestKey;
let es: TestKey;
let ed: TestKey;
let hs: TestKey;
let attacker: TestKey;
/** Asymmetric-only verifier (RS256, ES256, EdDSA from PEM and JWKS). */
let asym: JwtVerifier;
/** Mixed verifier: an HMAC secret for HS256 next to RS256/ES256 public keys. */
let mixed: JwtVerifier;
let jkuServer: Server;
let jkuHits = 0;
let jkuUrl: string;

beforeAll(async () => {
  [rsa, es, ed, hs, attacker] = await Promise.all([
    makeKey('RS256', 'rsa-1'),
    makeKey('ES256', 'ec-1'),
    makeKey('EdDSA', 'ed-1'),
    makeKey('HS256', 'hs-1'),
    makeKey('ES256', 'ec-1'),
  ]);
  asym = createJwtVerifier({
    issuer: ISSUER,
    resource: RESOURCE,
    cache: false,
    keys: [
      { type: 'public-key', keys: [{ key: rsa.publicPem!, kid: rsa.kid }], algorithms: ['RS256'] },
      { type: 'jwks', jwks: { keys: [es.publicJwk!, ed.publicJwk!] }, algorithms: ['ES256', 'EdDSA'] },
    ],
  });
  mixed = createJwtVerifier({
    issuer: ISSUER,
    resource: RESOURCE,
    cache: false,
    keys: [
      { type: 'hmac', secrets: [{ secret: hs.secret!, kid: hs.kid }], algorithms: ['HS256'] },
      { type: 'public-key', keys: [{ key: rsa.publicPem!, kid: rsa.kid }], algorithms: ['RS256'] },
      { type: 'jwks', jwks: { keys: [es.publicJwk!] }, algorithms: ['ES256'] },
    ],
  });
  jkuServer = createServer((_req, res) => {
    jkuHits++;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [attacker.publicJwk] }));
  });
  await new Promise<void>((resolve) => jkuServer.listen(0, '127.0.0.1', resolve));
  jkuUrl = `http://127.0.0.1:${(jkuServer.address() as AddressInfo).port}/jwks.json`;
});

afterAll(async () => {
  await new Promise((resolve) => jkuServer.close(resolve));
});

describe('attack suite: algorithm', () => {
  it('rejects alg "none" in every spelling, with or without a signature', async () => {
    for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
      for (const v of [asym, mixed]) {
        expect(await codeOf(v.verify(rawToken({ alg, typ: 'at+jwt' }, claims())))).toBe(
          'ERR_TOKEN_ALG_NOT_ALLOWED',
        );
        expect(await codeOf(v.verify(rawToken({ alg, typ: 'at+jwt' }, claims(), 'AAAA')))).toBe(
          'ERR_TOKEN_ALG_NOT_ALLOWED',
        );
      }
    }
  });

  it('rejects algorithms outside the allowlist, and a missing or non-string alg', async () => {
    const token = await sign(await makeKey('HS256'));
    expect(await codeOf(asym.verify(token))).toBe('ERR_TOKEN_ALG_NOT_ALLOWED');
    for (const alg of ['RS512', 'PS256', 'ES384', 'HS512', 'RSA-OAEP', undefined, 7, ['RS256']]) {
      expect(await codeOf(mixed.verify(rawToken({ alg, typ: 'at+jwt' }, claims(), 'AAAA')))).toBe(
        'ERR_TOKEN_ALG_NOT_ALLOWED',
      );
    }
  });

  it('HS/RS and HS/ES confusion: a token MACed with the public key (PEM, JWK, padded PEM) is rejected', async () => {
    const publicMaterial = [
      rsa.publicPem!,
      es.publicPem!,
      ` \n${rsa.publicPem!}`,
      `${es.publicPem!}\n\n`,
      JSON.stringify(rsa.publicJwk),
      JSON.stringify(es.publicJwk),
      Buffer.from(JSON.stringify(es.publicJwk)),
    ];
    for (const secret of publicMaterial) {
      for (const kid of [rsa.kid, es.kid, undefined, hs.kid]) {
        const header = { alg: 'HS256', typ: 'at+jwt', ...(kid === undefined ? {} : { kid }) };
        const token = hs256(header, claims(), secret);
        // Asymmetric-only: HS256 is not on the allowlist.
        expect(await codeOf(asym.verify(token))).toBe('ERR_TOKEN_ALG_NOT_ALLOWED');
        // Mixed: HS256 only ever uses the configured secret, never key material.
        const expected =
          kid === rsa.kid || kid === es.kid ? 'ERR_TOKEN_KEY_NOT_FOUND' : 'ERR_TOKEN_SIGNATURE_INVALID';
        expect(await codeOf(mixed.verify(token))).toBe(expected);
      }
    }
  });

  it('rejects a zeroed (r = s = 0) ECDSA signature and a DER-encoded one (CVE-2022-21449)', async () => {
    const valid = await sign(es);
    const [h, p] = valid.split('.');
    expect(await codeOf(asym.verify(`${h}.${p}.${b64url(new Uint8Array(64))}`))).toBe(
      'ERR_TOKEN_SIGNATURE_INVALID',
    );
    const der = Buffer.from([0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00]);
    expect(await codeOf(asym.verify(`${h}.${p}.${b64url(der)}`))).toBe('ERR_TOKEN_SIGNATURE_INVALID');
    const edValid = await sign(ed);
    const [eh, ep] = edValid.split('.');
    expect(await codeOf(asym.verify(`${eh}.${ep}.${b64url(new Uint8Array(64))}`))).toBe(
      'ERR_TOKEN_SIGNATURE_INVALID',
    );
  });
});

describe('attack suite: key selection', () => {
  it('kid injection: path, SQL and URL kids match nothing', async () => {
    for (const kid of [
      '../../../../dev/null',
      "' OR '1'='1",
      'http://127.0.0.1/key',
      'rsa-1 ',
      'RSA-1',
      '',
    ]) {
      const token = hs256({ alg: 'HS256', typ: 'at+jwt', kid }, claims(), '');
      expect(await codeOf(mixed.verify(token))).toBe('ERR_TOKEN_KEY_NOT_FOUND');
      const esToken = await sign(attacker, {}, { kid });
      expect(await codeOf(asym.verify(esToken))).toBe('ERR_TOKEN_KEY_NOT_FOUND');
    }
    const rsaToken = await sign(rsa, {}, { kid: '../rsa-1' });
    expect(await codeOf(asym.verify(rsaToken))).toBe('ERR_TOKEN_KEY_NOT_FOUND');
    expect(await codeOf(asym.verify(await sign(rsa, {}, { kid: 1 })))).toBe('ERR_TOKEN_MALFORMED');
  });

  it('ignores jku, x5u, jwk and x5c: an attacker key named by the token is never fetched or used', async () => {
    jkuHits = 0;
    const headers = [
      { jku: jkuUrl },
      { x5u: jkuUrl },
      { jwk: attacker.publicJwk },
      { x5c: ['MIIBszCCAVmgAwIBAgIUQ'] },
      { jku: jkuUrl, jwk: attacker.publicJwk, x5u: jkuUrl },
    ];
    for (const header of headers) {
      // Same kid as the real key: only the configured key is used, so the signature fails.
      expect(await codeOf(asym.verify(await sign(attacker, {}, header)))).toBe('ERR_TOKEN_SIGNATURE_INVALID');
      expect(await codeOf(asym.verify(await sign(attacker, {}, { ...header, kid: undefined })))).toBe(
        'ERR_TOKEN_SIGNATURE_INVALID',
      );
    }
    expect(jkuHits).toBe(0);
    // The real key with the same decorations still works: the headers are ignored, not a crash.
    expect(await codeOf(asym.verify(await sign(es, {}, { jku: jkuUrl, jwk: attacker.publicJwk })))).toBe(
      'ACCEPTED',
    );
  });
});

describe('attack suite: claims', () => {
  it('rejects expired, not-yet-valid and future-iat tokens', async () => {
    const t = nowSec();
    expect(await codeOf(asym.verify(await sign(es, { exp: t - 3600 })))).toBe('ERR_TOKEN_EXPIRED');
    expect(await codeOf(asym.verify(await sign(es, { nbf: t + 3600 })))).toBe('ERR_TOKEN_NOT_YET_VALID');
    expect(await codeOf(asym.verify(await sign(es, { iat: t + 3600 })))).toBe('ERR_TOKEN_ISSUED_IN_FUTURE');
  });

  it('rejects wrong and prefix/suffix-matching audiences (string or array)', async () => {
    const wrong = [
      'https://mcp.example.com/mcp-evil',
      'https://mcp.example.com/mcp/',
      'https://mcp.example.com/',
      'https://mcp.example.com',
      'https://mcp.example.com/mcpx',
      'HTTPS://MCP.EXAMPLE.COM/mcp',
      ` ${RESOURCE}`,
      `${RESOURCE} `,
      `${RESOURCE} https://other.example`,
      'https://mcp.example.com/m',
      'https://evil.example/?https://mcp.example.com/mcp',
      '',
    ];
    for (const aud of [...wrong, wrong, [], [['https://mcp.example.com/mcp']], { 0: RESOURCE }]) {
      expect(await codeOf(asym.verify(await sign(es, { aud })))).toBe('ERR_TOKEN_AUDIENCE_INVALID');
    }
  });

  it('rejects a sub that is not a string (number, array, object, boolean): no type confusion in the principal', async () => {
    for (const sub of [123, 0, ['admin'], { id: 'admin' }, true, null]) {
      expect(await codeOf(asym.verify(await sign(es, { sub })))).toBe('ERR_TOKEN_CLAIM_INVALID');
    }
    // Without client_id/azp the subject is the client id too: still a string check.
    for (const sub of [42, ['a', 'b']]) {
      expect(await codeOf(asym.verify(await sign(es, { sub, client_id: undefined })))).toBe(
        'ERR_TOKEN_CLAIM_INVALID',
      );
    }
    expect(await codeOf(asym.verify(await sign(es, { sub: 'user-1' })))).toBe('ACCEPTED');
  });

  it('rejects wrong and prefix-matching issuers', async () => {
    for (const iss of [
      'https://issuer.example.com.evil.com',
      'https://issuer.example.com/',
      'https://issuer.example.co',
      'https://ISSUER.example.com',
      'https://evil.example/https://issuer.example.com',
      ['https://issuer.example.com'],
    ]) {
      expect(await codeOf(asym.verify(await sign(es, { iss })))).toBe('ERR_TOKEN_ISSUER_INVALID');
    }
  });

  it('matches scopes exactly: substrings, case and commas do not grant', async () => {
    const hierarchy = createScopeHierarchy({ 'files:write': ['files:read'] });
    const cases: [string, string][] = [
      ['files:readwrite', 'files:read'],
      ['files:rea', 'files:read'],
      ['FILES:READ', 'files:read'],
      ['files:read,files:write', 'files:read'],
      ['files', 'files:read'],
      ['files:*', 'files:read'],
      ['xfiles:write', 'files:read'],
    ];
    for (const [granted, needed] of cases) {
      const verified = await asym.verify(await sign(es, { scope: granted }));
      expect(hierarchy.missing([needed], verified.scopes)).toEqual([needed]);
    }
    const broad = await asym.verify(await sign(es, { scope: 'files:write' }));
    expect(hierarchy.missing(['files:read', 'files:write'], broad.scopes)).toEqual([]);
  });
});

describe('attack suite: token format', () => {
  it('rejects a real JWE encrypted to our public key', async () => {
    const publicKey = await importSPKI(rsa.publicPem!, 'RSA-OAEP-256');
    const jwe = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(claims())))
      .setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM', typ: 'at+jwt' })
      .encrypt(publicKey);
    expect(jwe.split('.')).toHaveLength(5);
    expect(await codeOf(asym.verify(jwe))).toBe('ERR_TOKEN_UNSUPPORTED');
    expect(
      await codeOf(asym.verify(rawToken({ alg: 'RS256', enc: 'A256GCM', typ: 'at+jwt' }, claims(), 'AA'))),
    ).toBe('ERR_TOKEN_UNSUPPORTED');
  });

  it('rejects nested tokens (cty: JWT) and unknown crit extensions', async () => {
    expect(await codeOf(asym.verify(await sign(es, {}, { cty: 'JWT' })))).toBe('ERR_TOKEN_UNSUPPORTED');
    expect(await codeOf(asym.verify(await sign(es, {}, { cty: 'application/jwt' })))).toBe(
      'ERR_TOKEN_UNSUPPORTED',
    );
    // Validly MACed with the real secret, so only the crit check can refuse it.
    const crit = hs256(
      { alg: 'HS256', kid: hs.kid, typ: 'at+jwt', crit: ['x-custom'], 'x-custom': 1 },
      claims(),
      hs.secret!,
    );
    expect(await codeOf(mixed.verify(crit))).toBe('ERR_TOKEN_UNSUPPORTED');
    const b64 = hs256(
      { alg: 'HS256', kid: hs.kid, typ: 'at+jwt', crit: ['b64'], b64: false },
      claims(),
      hs.secret!,
    );
    expect(await codeOf(mixed.verify(b64))).not.toBe('ACCEPTED');
    const control = hs256({ alg: 'HS256', kid: hs.kid, typ: 'at+jwt' }, claims(), hs.secret!);
    expect(await codeOf(mixed.verify(control))).toBe('ACCEPTED');
  });
  it('rejects overlong tokens before decoding them', async () => {
    expect(await codeOf(asym.verify('a'.repeat(9000)))).toBe('ERR_TOKEN_TOO_LARGE');
    const big = await sign(es, { pad: 'x'.repeat(9000) });
    expect(await codeOf(asym.verify(big))).toBe('ERR_TOKEN_TOO_LARGE');
  });

  it('rejects non-object payloads and non-JSON segments', async () => {
    const header = b64url(JSON.stringify({ alg: 'ES256', kid: 'ec-1', typ: 'at+jwt' }));
    expect(await codeOf(asym.verify(`${header}.${b64url('[1,2]')}.AAAA`))).not.toBe('ACCEPTED');
    expect(await codeOf(asym.verify(`${b64url('"str"')}.${b64url('{}')}.AAAA`))).toBe('ERR_TOKEN_MALFORMED');
    expect(await codeOf(asym.verify(`${b64url('{not json')}.${b64url('{}')}.AAAA`))).toBe(
      'ERR_TOKEN_MALFORMED',
    );
    expect(await codeOf(asym.verify(`${header}.ab+/.AAAA`))).toBe('ERR_TOKEN_MALFORMED');
  });

  it('property: any string is refused with an AuthenticationError, never accepted or thrown raw', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.string({ unit: 'binary' }),
          fc.array(fc.base64String(), { maxLength: 6 }).map((p) => p.join('.')),
        ),
        async (input) => {
          const code = await codeOf(mixed.verify(input));
          expect(code).toMatch(/^ERR_TOKEN_/);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("property: changing any character of a valid token (but a segment's last) is refused", async () => {
    const valid = await sign(es);
    const positions = [...valid]
      .map((_, i) => i)
      .filter((i) => valid[i] !== '.' && valid[i + 1] !== '.' && i !== valid.length - 1);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...positions),
        fc.constantFrom(...'ABCabc019_-'),
        async (index, char) => {
          fc.pre(valid[index] !== char);
          const mutated = valid.slice(0, index) + char + valid.slice(index + 1);
          expect(await codeOf(asym.verify(mutated))).not.toBe('ACCEPTED');
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('attack suite: issuer binding (several issuers)', () => {
  const A = 'https://tenant-a.example.com';
  const B = 'https://tenant-b.example.com';

  it("same algorithm: a token signed with one issuer's key naming the other issuer is refused", async () => {
    // Same algorithm and same kid: only the signature tells the keys apart.
    const [keyA, keyB] = await Promise.all([makeKey('ES256', 'k1'), makeKey('ES256', 'k1')]);
    const v = createJwtVerifier({
      issuer: [A, B],
      resource: RESOURCE,
      keys: [
        { ...sourceFor(keyA), issuer: A },
        { ...sourceFor(keyB, 'jwks'), issuer: B },
      ],
    });
    expect(await codeOf(v.verify(await sign(keyA, { iss: B })))).toBe('ERR_TOKEN_SIGNATURE_INVALID');
    expect(await codeOf(v.verify(await sign(keyB, { iss: A })))).toBe('ERR_TOKEN_SIGNATURE_INVALID');
    // Must-allow: each issuer's own tokens (verified, then served from the cache).
    for (let i = 0; i < 2; i++) {
      expect((await v.verify(await sign(keyA, { iss: A }))).issuer).toBe(A);
      expect((await v.verify(await sign(keyB, { iss: B }))).issuer).toBe(B);
    }
  });

  it("different algorithms: a token signed with one issuer's key naming the other issuer is refused", async () => {
    const [rsaA, esB, hsB] = await Promise.all([makeKey('RS256'), makeKey('ES256'), makeKey('HS256')]);
    const v = createJwtVerifier({
      issuer: [A, B],
      resource: RESOURCE,
      keys: [
        { ...sourceFor(rsaA), issuer: A },
        { ...sourceFor(esB), issuer: B },
        { ...sourceFor(hsB), issuer: B },
      ],
    });
    expect(await codeOf(v.verify(await sign(rsaA, { iss: A })))).toBe('ACCEPTED');
    expect(await codeOf(v.verify(await sign(esB, { iss: B })))).toBe('ACCEPTED');
    expect(await codeOf(v.verify(await sign(hsB, { iss: B })))).toBe('ACCEPTED');
    // Each algorithm is allowed by some source, but not by one of the issuer the token names.
    expect(await codeOf(v.verify(await sign(rsaA, { iss: B })))).toBe('ERR_TOKEN_ALG_NOT_ALLOWED');
    expect(await codeOf(v.verify(await sign(esB, { iss: A })))).toBe('ERR_TOKEN_ALG_NOT_ALLOWED');
    expect(await codeOf(v.verify(await sign(hsB, { iss: A })))).toBe('ERR_TOKEN_ALG_NOT_ALLOWED');
    // A's public key as an HMAC secret: refused for A (no HMAC source) and for B (only B's secret).
    for (const iss of [A, B]) {
      const token = hs256({ alg: 'HS256', typ: 'at+jwt' }, { ...claims(), iss }, rsaA.publicPem!);
      expect(await codeOf(v.verify(token))).toBe(
        iss === A ? 'ERR_TOKEN_ALG_NOT_ALLOWED' : 'ERR_TOKEN_SIGNATURE_INVALID',
      );
    }
  });

  it('refuses a token naming no configured issuer, or a non-string iss, before choosing a key', async () => {
    const [keyA, keyB] = await Promise.all([makeKey('ES256'), makeKey('ES256')]);
    const v = createJwtVerifier({
      issuer: [A, B],
      resource: RESOURCE,
      cache: false,
      keys: [
        { ...sourceFor(keyA), issuer: A },
        { ...sourceFor(keyB), issuer: B },
      ],
    });
    for (const iss of ['https://tenant-c.example.com', `${A}/`, undefined, [A], { 0: A }, 7, null]) {
      expect(await codeOf(v.verify(await sign(keyA, { iss })))).toBe('ERR_TOKEN_ISSUER_INVALID');
    }
    // The header rules still come first.
    expect(await codeOf(v.verify(rawToken({ alg: 'none', typ: 'at+jwt' }, { ...claims(), iss: 7 })))).toBe(
      'ERR_TOKEN_ALG_NOT_ALLOWED',
    );
  });
});
