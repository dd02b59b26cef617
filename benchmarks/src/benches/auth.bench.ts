import { randomBytes } from 'node:crypto';
import { createJwtVerifier, type JwtVerifier, type KeySource } from '@mcp-warden/auth';
import { type CryptoKey, exportSPKI, generateKeyPair, jwtVerify, type KeyObject, SignJWT } from 'jose';
import { type Comparison, collectGarbage, type Measurement, type Pair, type RunOptions } from '../harness.js';

type Alg = 'HS256' | 'ES256' | 'RS256' | 'EdDSA';

const ISSUER = 'https://issuer.example.com';
const RESOURCE = 'https://mcp.example.com/mcp';

interface Fixture {
  readonly token: string;
  readonly source: KeySource;
  /** The exact key object jose gets in the baseline (what a hand-rolled server would pass). */
  readonly verifyKey: CryptoKey | KeyObject;
}

async function fixture(alg: Alg): Promise<Fixture> {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: ISSUER,
    aud: RESOURCE,
    sub: 'user-1',
    client_id: 'client-1',
    scope: 'files:read files:write',
    iat: now,
    exp: now + 3600,
    jti: randomBytes(8).toString('hex'),
  };
  const header = { alg, kid: 'k1', typ: 'at+jwt' };
  if (alg === 'HS256') {
    const secret = new Uint8Array(randomBytes(32));
    const token = await new SignJWT(claims).setProtectedHeader(header).sign(secret);
    const verifyKey = await crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, [
      'verify',
    ]);
    return {
      token,
      source: { type: 'hmac', secrets: [{ secret, kid: 'k1' }], algorithms: ['HS256'] },
      verifyKey: verifyKey as CryptoKey,
    };
  }
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const token = await new SignJWT(claims).setProtectedHeader(header).sign(privateKey);
  const pem = await exportSPKI(publicKey);
  const { createPublicKey } = await import('node:crypto');
  return {
    token,
    source: { type: 'public-key', keys: [{ key: pem, kid: 'k1' }], algorithms: [alg] },
    verifyKey: createPublicKey(pem) as unknown as KeyObject,
  };
}

/** The same checks, given to jose directly: what a careful hand-rolled resource server does. */
function rawJose(f: Fixture, alg: Alg): () => Promise<unknown> {
  const options = {
    algorithms: [alg],
    issuer: ISSUER,
    audience: RESOURCE,
    requiredClaims: ['exp', 'sub'],
    clockTolerance: 60,
    typ: 'at+jwt',
  };
  return () => jwtVerify(f.token, f.verifyKey, options);
}

function verifier(f: Fixture, cache: boolean): JwtVerifier {
  return createJwtVerifier({
    issuer: ISSUER,
    resource: RESOURCE,
    keys: [f.source],
    ...(cache ? {} : { cache: false }),
  });
}

function comparison(alg: Alg, mode: 'uncached' | 'cached', inFlight: number): Comparison {
  return {
    name: `auth/verify-${alg}${mode === 'cached' ? '-cached' : ''}${inFlight > 1 ? '-parallel' : ''}`,
    candidateLabel: mode === 'cached' ? 'createJwtVerifier (cache on)' : 'createJwtVerifier (cache off)',
    baselineLabel: 'jose.jwtVerify, same options',
    inFlight,
    targetTimeRatio: mode === 'cached' ? 0.05 : 1.05,
    // Uncached, both sides are jose's verify and differ by ~1 µs: one round's noise is larger than that.
    ...(mode === 'uncached' ? { rounds: 28 } : {}),
    async setup(): Promise<Pair> {
      const f = await fixture(alg);
      const v = verifier(f, mode === 'cached');
      await v.verify(f.token);
      const baseline = rawJose(f, alg);
      await baseline();
      return { candidate: () => v.verify(f.token), baseline };
    },
  };
}

const ALGS: readonly Alg[] = ['HS256', 'ES256', 'RS256', 'EdDSA'];

export const comparisons: readonly Comparison[] = [
  ...ALGS.map((alg) => comparison(alg, 'uncached', 1)),
  ...ALGS.map((alg) => comparison(alg, 'uncached', 64)),
  ...ALGS.map((alg) => comparison(alg, 'cached', 1)),
  comparison('ES256', 'cached', 64),
];

/** Memory held by the verified-token cache per entry (10000 distinct HS256 tokens), from heap deltas. */
export async function measure(options: RunOptions): Promise<readonly Measurement[]> {
  const count = options.quick ? 2000 : 10_000;
  const secret = new Uint8Array(randomBytes(32));
  const source: KeySource = { type: 'hmac', secrets: [{ secret, kid: 'k1' }], algorithms: ['HS256'] };
  const now = Math.floor(Date.now() / 1000);
  const tokens = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      new SignJWT({
        iss: ISSUER,
        aud: RESOURCE,
        sub: `user-${i}`,
        scope: 'files:read files:write',
        iat: now,
        exp: now + 3600,
      })
        .setProtectedHeader({ alg: 'HS256', kid: 'k1', typ: 'at+jwt' })
        .sign(secret),
    ),
  );
  const gc = collectGarbage();
  const verifier = createJwtVerifier({
    issuer: ISSUER,
    resource: RESOURCE,
    keys: [source],
    cache: { maxEntries: count },
  });
  gc();
  const before = process.memoryUsage().heapUsed;
  for (const token of tokens) await verifier.verify(token);
  gc();
  const after = process.memoryUsage().heapUsed;
  return [
    {
      name: 'auth/token-cache-memory',
      candidateLabel: `verified-token cache, ${verifier.cacheSize} entries`,
      candidate: Math.round((after - before) / verifier.cacheSize),
      unit: 'bytes/entry',
      note: 'heap delta after a full GC',
    },
  ];
}
