import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError, isWardenError } from '@mcp-warden/core';
import type { JWK } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createJwtVerifier, type IssuerMetadataSource, type JwtVerifierOptions } from '../src/index.js';
import { makeKey, RESOURCE, sign, type TestKey } from './keys.js';

/** The code of a rejection (`ACCEPTED` when it resolves), and the log detail of the error. */
async function outcome(promise: Promise<unknown>): Promise<{ code: string; reason: unknown }> {
  try {
    await promise;
  } catch (error) {
    if (!isWardenError(error)) throw error;
    return { code: error.code, reason: error.detail.reason };
  }
  return { code: 'ACCEPTED', reason: undefined };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  return (await outcome(promise)).code;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * A real authorization server on loopback: metadata documents at paths a test chooses, a JWKS at `/keys`
 * (and `/keys2`), every other path 404. Counts every request by path.
 */
class AuthorizationServer {
  readonly routes = new Map<string, Handler>();
  keys: JWK[] = [];
  keys2: JWK[] = [];
  /** Every request path, in order. */
  readonly hits: string[] = [];
  origin = '';
  readonly #server: Server;
  readonly #hanging = new Set<ServerResponse>();

  constructor() {
    this.#server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0]!;
      this.hits.push(path);
      const route = this.routes.get(path);
      if (route !== undefined) return route(req, res);
      if (path === '/keys' || path === '/keys2') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ keys: path === '/keys' ? this.keys : this.keys2 }));
        return;
      }
      res.statusCode = 404;
      res.end('not found');
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const res of this.#hanging) res.destroy();
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }

  reset(): void {
    this.routes.clear();
    this.hits.length = 0;
    for (const res of this.#hanging) res.destroy();
    this.#hanging.clear();
  }

  /** Requests for metadata (everything but the key sets). */
  get metadataHits(): string[] {
    return this.hits.filter((path) => path !== '/keys' && path !== '/keys2');
  }

  /** Serves a JSON document (or raw text) at `path`. */
  json(path: string, document: unknown, padding = 0): void {
    this.routes.set(path, (_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end((typeof document === 'string' ? document : JSON.stringify(document)) + ' '.repeat(padding));
    });
  }

  /** Serves an RFC 8414 document for `issuer` at `path`, with `jwks_uri` on this server unless overridden. */
  metadata(path: string, issuer: string, extra: Record<string, unknown> = {}): void {
    this.json(path, {
      issuer,
      jwks_uri: `${this.origin}/keys`,
      token_endpoint: `${issuer}/token`,
      ...extra,
    });
  }

  status(path: string, status: number, headers: Record<string, string> = {}): void {
    this.routes.set(path, (_req, res) => {
      res.writeHead(status, headers);
      res.end();
    });
  }

  hang(path: string): void {
    this.routes.set(path, (_req, res) => {
      this.#hanging.add(res);
    });
  }

  /** No content-length, a JSON prefix, then whitespace for ever: only a byte cap or a timeout stops it. */
  endless(path: string): void {
    this.routes.set(path, (_req, res) => {
      res.setHeader('content-type', 'application/json');
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let open = true;
      res.on('close', () => {
        open = false;
      });
      const pump = (): void => {
        while (open) {
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
      };
      res.write('{"issuer":');
      pump();
    });
  }
}

const AS_PATH = '/.well-known/oauth-authorization-server';
const OIDC_PATH = '/.well-known/openid-configuration';

let as: AuthorizationServer;
let issuer: string;
let k1: TestKey;
let k2: TestKey;

beforeAll(async () => {
  as = new AuthorizationServer();
  await as.start();
  issuer = as.origin;
  [k1, k2] = await Promise.all([makeKey('ES256', 'k1'), makeKey('ES256', 'k2')]);
});

afterAll(async () => {
  await as.stop();
});

beforeEach(() => {
  as.reset();
  as.keys = [k1.publicJwk!];
  as.keys2 = [];
});

function verifier(
  source: Partial<IssuerMetadataSource> = {},
  options: Partial<JwtVerifierOptions> = {},
): ReturnType<typeof createJwtVerifier> {
  return createJwtVerifier({
    issuer,
    resource: RESOURCE,
    cache: false,
    keys: [{ type: 'issuer-metadata', algorithms: ['ES256'], ...source }],
    ...options,
  });
}

/** A token from `key` issued by `iss` (default: the test issuer). */
function token(key: TestKey, iss = issuer, header: Record<string, unknown> = {}): Promise<string> {
  return sign(key, { iss }, header);
}

describe('issuer metadata discovery (must-allow)', () => {
  it('discovers the jwks_uri at /.well-known/oauth-authorization-server, lazily, once per cacheMaxAgeMs', async () => {
    as.metadata(AS_PATH, issuer);
    const v = verifier();
    // Nothing is fetched at construction: a server starts while its authorization server is down.
    expect(as.hits).toEqual([]);
    for (let i = 0; i < 5; i++) expect(await codeOf(v.verify(await token(k1)))).toBe('ACCEPTED');
    expect(as.hits).toEqual([AS_PATH, '/keys']);
  });

  it('falls back to /.well-known/openid-configuration when the RFC 8414 URL answers 404', async () => {
    as.metadata(OIDC_PATH, issuer);
    expect(await codeOf(verifier().verify(await token(k1)))).toBe('ACCEPTED');
    expect(as.hits).toEqual([AS_PATH, OIDC_PATH, '/keys']);
  });

  it('finds the metadata of an issuer with a path at each of the three locations, in the MCP order', async () => {
    const tenant = `${issuer}/tenant1`;
    const order = [`${AS_PATH}/tenant1`, `${OIDC_PATH}/tenant1`, `/tenant1${OIDC_PATH}`];
    for (const [i, location] of order.entries()) {
      as.reset();
      as.metadata(location, tenant);
      const v = verifier({}, { issuer: tenant });
      expect(await codeOf(v.verify(await token(k1, tenant)))).toBe('ACCEPTED');
      // Every earlier location was tried (and 404ed) first; no root-level document was asked for.
      expect(as.hits).toEqual([...order.slice(0, i + 1), '/keys']);
    }
  });

  it('removes a terminating slash before inserting the well-known path, and compares the issuer exactly', async () => {
    // Auth0 style: the issuer ends with "/" and the document repeats it.
    const slashed = `${issuer}/`;
    as.metadata(AS_PATH, slashed);
    expect(await codeOf(verifier({}, { issuer: slashed }).verify(await token(k1, slashed)))).toBe('ACCEPTED');
    as.reset();
    const tenant = `${issuer}/tenant1/`;
    as.metadata(`/tenant1${OIDC_PATH}`, tenant);
    expect(await codeOf(verifier({}, { issuer: tenant }).verify(await token(k1, tenant)))).toBe('ACCEPTED');
    expect(as.metadataHits).toEqual([`${AS_PATH}/tenant1`, `${OIDC_PATH}/tenant1`, `/tenant1${OIDC_PATH}`]);
  });

  it('uses the source issuer among several verifier issuers', async () => {
    const other = `${issuer}/other`;
    as.metadata(AS_PATH, issuer);
    const v = verifier({ issuer }, { issuer: [other, issuer] });
    expect(await codeOf(v.verify(await token(k1)))).toBe('ACCEPTED');
    expect(as.metadataHits).toEqual([AS_PATH]);
  });

  it('picks up a rotated key through the discovered jwks_uri, and a moved jwks_uri with reload()', async () => {
    as.metadata(AS_PATH, issuer);
    const v = verifier({ cooldownMs: 1 });
    expect(await codeOf(v.verify(await token(k1)))).toBe('ACCEPTED');
    // The issuer rotates: k2 is added at the same jwks_uri (found again after the kid cooldown).
    as.keys = [k1.publicJwk!, k2.publicJwk!];
    await sleep(20);
    expect(await codeOf(v.verify(await token(k2)))).toBe('ACCEPTED');
    expect(as.metadataHits).toEqual([AS_PATH]);
    // The metadata now names another jwks_uri holding only k2: reload() discovers it at once.
    as.keys2 = [k2.publicJwk!];
    as.metadata(AS_PATH, issuer, { jwks_uri: `${as.origin}/keys2` });
    await v.reload();
    expect(as.metadataHits).toEqual([AS_PATH, AS_PATH]);
    expect(await codeOf(v.verify(await token(k2)))).toBe('ACCEPTED');
    expect(await codeOf(v.verify(await token(k1)))).toBe('ERR_TOKEN_KEY_NOT_FOUND');
  });

  it('discovers again after cacheMaxAgeMs; a failed re-discovery fails closed', async () => {
    as.metadata(AS_PATH, issuer);
    const v = verifier({ cacheMaxAgeMs: 150, cooldownMs: 100 });
    expect(await codeOf(v.verify(await token(k1)))).toBe('ACCEPTED');
    expect(await codeOf(v.verify(await token(k1)))).toBe('ACCEPTED');
    expect(as.metadataHits).toEqual([AS_PATH]);
    await sleep(200);
    expect(await codeOf(v.verify(await token(k1)))).toBe('ACCEPTED');
    expect(as.metadataHits).toEqual([AS_PATH, AS_PATH]);
    // Stale metadata is not used when the authorization server cannot confirm it.
    as.status(AS_PATH, 503);
    await sleep(200);
    expect(await codeOf(v.verify(await token(k1)))).toBe('ERR_JWKS_UNAVAILABLE');
  });

  it('does not fetch anything at construction, so a server starts while the authorization server is down', async () => {
    as.status(AS_PATH, 503);
    const v = verifier({ cooldownMs: 100 });
    expect(as.hits).toEqual([]);
    expect(await codeOf(v.verify(await token(k1)))).toBe('ERR_JWKS_UNAVAILABLE');
    as.metadata(AS_PATH, issuer);
    await sleep(150);
    expect(await codeOf(v.verify(await token(k1)))).toBe('ACCEPTED');
  });
});

describe('issuer metadata configuration', () => {
  const build =
    (source: Partial<IssuerMetadataSource>, options: Partial<JwtVerifierOptions> = {}) =>
    () =>
      verifier(source, options);
  const invalid = expect.objectContaining({ code: 'ERR_AUTH_CONFIG_INVALID' });

  it('needs an issuer the verifier accepts', () => {
    expect(build({}, { issuer: [issuer, `${issuer}/b`] })).toThrowError(invalid);
    expect(build({ issuer: `${issuer}/b` })).toThrowError(ConfigError);
    expect(build({ issuer: `${issuer}/` })).toThrowError(invalid); // exact, as the token check is
    expect(build({ issuer: `${issuer}/b` }, { issuer: [issuer, `${issuer}/b`] })).not.toThrow();
  });

  it('needs an https issuer URL without credentials, query or fragment (http for loopback)', () => {
    const at = (iss: string) => build({}, { issuer: iss });
    expect(at('not a url')).toThrowError(invalid);
    expect(at('http://as.example.com')).toThrowError(invalid);
    expect(at('ftp://as.example.com')).toThrowError(invalid);
    expect(at('https://user:pw@as.example.com')).toThrowError(invalid);
    expect(at('https://as.example.com/?tenant=1')).toThrowError(invalid);
    expect(at('https://as.example.com/#x')).toThrowError(invalid);
    expect(at('https://as.example.com')).not.toThrow();
    expect(at('http://localhost:8080/realms/a')).not.toThrow();
  });

  it('allowInsecureHttp accepts a plain http issuer and jwks_uri, with warnings', () => {
    const v = verifier({ allowInsecureHttp: true }, { issuer: 'http://as.example.com' });
    expect(v.warnings.join('\n')).toMatch(/allowInsecureHttp: issuer metadata fetched over plain http/);
    expect(v.warnings.join('\n')).toMatch(/plain http jwks_uri is accepted/);
    expect(verifier().warnings).toEqual([]);
  });

  it('refuses bad fetch options like the jwks-uri source', () => {
    expect(build({ timeoutMs: 0 })).toThrowError(invalid);
    expect(build({ maxResponseBytes: Number.NaN })).toThrowError(invalid);
    expect(build({ algorithms: [] })).toThrowError(invalid);
    expect(build({ algorithms: ['HS256'] as never })).toThrowError(invalid);
  });
});

describe('issuer metadata attacks (fail closed)', () => {
  it('refuses metadata naming another issuer (mix-up): a trailing slash, another tenant, none', async () => {
    const good = await token(k1);
    // Control: the same document with the right issuer is accepted.
    as.metadata(AS_PATH, issuer);
    expect(await codeOf(verifier().verify(good))).toBe('ACCEPTED');
    for (const claimed of [`${issuer}/`, `${issuer}/tenant2`, 'https://evil.example', undefined]) {
      as.reset();
      as.metadata(AS_PATH, issuer, { issuer: claimed });
      const result = await outcome(verifier().verify(good));
      expect(result).toEqual({
        code: 'ERR_JWKS_UNAVAILABLE',
        reason: 'issuer metadata names another issuer',
      });
      expect(as.hits).toEqual([AS_PATH]); // the keys it names are never fetched
    }
    // A tenant issuer is not served the root's metadata either.
    as.reset();
    const tenant = `${issuer}/tenant1`;
    as.metadata(`${AS_PATH}/tenant1`, issuer);
    expect(await codeOf(verifier({}, { issuer: tenant }).verify(await token(k1, tenant)))).toBe(
      'ERR_JWKS_UNAVAILABLE',
    );
  });

  it('two issuer-metadata sources sharing RS256: a token from one authorization server naming the other is refused', async () => {
    const asB = new AuthorizationServer();
    await asB.start();
    try {
      const issuerB = asB.origin;
      // Same algorithm and kid at both authorization servers: only the signature tells the keys apart.
      const [keyA, keyB] = await Promise.all([makeKey('RS256', 'rs-1'), makeKey('RS256', 'rs-1')]);
      as.keys = [keyA.publicJwk!];
      asB.keys = [keyB.publicJwk!];
      as.metadata(AS_PATH, issuer);
      asB.metadata(AS_PATH, issuerB);
      const v = createJwtVerifier({
        issuer: [issuer, issuerB],
        resource: RESOURCE,
        cache: false,
        keys: [
          { type: 'issuer-metadata', issuer, algorithms: ['RS256'] },
          { type: 'issuer-metadata', issuer: issuerB, algorithms: ['RS256'] },
        ],
      });
      expect(await codeOf(v.verify(await token(keyA, issuerB)))).toBe('ERR_TOKEN_SIGNATURE_INVALID');
      expect(await codeOf(v.verify(await token(keyB, issuer)))).toBe('ERR_TOKEN_SIGNATURE_INVALID');
      expect(await codeOf(v.verify(await token(keyA, issuer)))).toBe('ACCEPTED');
      expect(await codeOf(v.verify(await token(keyB, issuerB)))).toBe('ACCEPTED');
      // Each token went to the authorization server it names, and only there.
      expect(as.hits).toEqual([AS_PATH, '/keys']);
      expect(asB.hits).toEqual([AS_PATH, '/keys']);
    } finally {
      await asB.stop();
    }
  });

  it('refuses a jwks_uri over plain http to a non-loopback host, with credentials, or not an absolute URL', async () => {
    const good = await token(k1);
    const port = new URL(as.origin).port;
    const refused = {
      code: 'ERR_JWKS_UNAVAILABLE',
      reason: 'jwks_uri must use https: (http: only for loopback hosts)',
    };
    // An IPv4-mapped address outside 127.0.0.0/8 (TEST-NET-1, never routed): refused before any connection.
    as.metadata(AS_PATH, issuer, { jwks_uri: `http://[::ffff:192.0.2.1]:${port}/keys` });
    expect(await outcome(verifier().verify(good))).toEqual(refused);
    expect(as.hits).toEqual([AS_PATH]);
    // Control: allowInsecureHttp (which warns) lets the same document past the check; the fetch then fails.
    const insecure = await outcome(verifier({ allowInsecureHttp: true, timeoutMs: 200 }).verify(good));
    expect(insecure.code).toBe('ERR_JWKS_UNAVAILABLE');
    expect(insecure.reason).not.toBe(refused.reason);
    // Must-allow: this server's IPv4-mapped loopback address is loopback.
    as.reset();
    as.metadata(AS_PATH, issuer, { jwks_uri: `http://[::ffff:127.0.0.1]:${port}/keys` });
    expect(await codeOf(verifier().verify(good))).toBe('ACCEPTED');
    expect(as.hits).toEqual([AS_PATH, '/keys']);
    as.reset();
    as.metadata(AS_PATH, issuer, { jwks_uri: `http://user:secret@127.0.0.1:${port}/keys` });
    expect(await outcome(verifier().verify(good))).toEqual({
      code: 'ERR_JWKS_UNAVAILABLE',
      reason: 'jwks_uri carries credentials',
    });
    for (const jwksUri of ['/keys', 'keys', `//127.0.0.1:${port}/keys`, 42, null]) {
      as.reset();
      as.metadata(AS_PATH, issuer, { jwks_uri: jwksUri });
      expect(await codeOf(verifier().verify(good))).toBe('ERR_JWKS_UNAVAILABLE');
      expect(as.hits).toEqual([AS_PATH]);
    }
    as.reset();
    as.metadata(AS_PATH, issuer, { jwks_uri: `ftp://127.0.0.1:${port}/keys` });
    expect(await codeOf(verifier({ allowInsecureHttp: true }).verify(good))).toBe('ERR_JWKS_UNAVAILABLE');
  });

  it('refuses oversized metadata, declared or streamed, and slow metadata (timeout)', async () => {
    const good = await token(k1);
    // A valid document padded to 100 KiB is fine; to 2 MiB (declared) it is refused.
    as.json(AS_PATH, { issuer, jwks_uri: `${as.origin}/keys` }, 100 * 1024);
    expect(await codeOf(verifier().verify(good))).toBe('ACCEPTED');
    as.json(AS_PATH, { issuer, jwks_uri: `${as.origin}/keys` }, 2 * 1024 * 1024);
    expect(await outcome(verifier().verify(good))).toEqual({
      code: 'ERR_JWKS_UNAVAILABLE',
      reason: 'issuer metadata response too large',
    });
    // The cap is the source's maxResponseBytes.
    as.json(AS_PATH, { issuer, jwks_uri: `${as.origin}/keys` }, 100 * 1024);
    expect(await codeOf(verifier({ maxResponseBytes: 64 * 1024 }).verify(good))).toBe('ERR_JWKS_UNAVAILABLE');
    // Endless body without content-length: cut at the cap, long before the 3 s timeout.
    as.endless(AS_PATH);
    let started = Date.now();
    expect(await outcome(verifier({ timeoutMs: 3000 }).verify(good))).toEqual({
      code: 'ERR_JWKS_UNAVAILABLE',
      reason: 'issuer metadata response too large',
    });
    expect(Date.now() - started).toBeLessThan(1500);
    // No answer at all: the timeout.
    as.hang(AS_PATH);
    started = Date.now();
    expect(await outcome(verifier({ timeoutMs: 200 }).verify(good))).toEqual({
      code: 'ERR_JWKS_UNAVAILABLE',
      reason: 'issuer metadata fetch timed out',
    });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('does not follow a redirect, same-origin or not', async () => {
    const good = await token(k1);
    as.metadata('/elsewhere', issuer);
    for (const status of [301, 302, 307, 308]) {
      as.status(AS_PATH, status, { location: `${as.origin}/elsewhere` });
      expect(await outcome(verifier().verify(good))).toEqual({
        code: 'ERR_JWKS_UNAVAILABLE',
        reason: `issuer metadata endpoint answered ${status}`,
      });
    }
    expect(as.hits).not.toContain('/elsewhere');
  });

  it('ends discovery on any failure but 404: a 500, 403 or 410 is not skipped for the next location', async () => {
    const good = await token(k1);
    for (const status of [500, 403, 410, 401]) {
      as.reset();
      as.metadata(OIDC_PATH, issuer); // a valid document at the second location
      as.status(AS_PATH, status);
      expect(await codeOf(verifier().verify(good))).toBe('ERR_JWKS_UNAVAILABLE');
      expect(as.hits).toEqual([AS_PATH]);
    }
    // Every location 404: fails closed.
    as.reset();
    expect(await outcome(verifier().verify(good))).toEqual({
      code: 'ERR_JWKS_UNAVAILABLE',
      reason: 'no issuer metadata at any well-known location (404)',
    });
  });

  it('refuses a body that is not JSON, a JSON array, null or a string', async () => {
    const good = await token(k1);
    for (const body of ['<html>login</html>', '{"issuer":', JSON.stringify([{ issuer }]), 'null', '"x"']) {
      as.reset();
      as.json(AS_PATH, body);
      expect(await codeOf(verifier().verify(good))).toBe('ERR_JWKS_UNAVAILABLE');
      expect(as.hits).toEqual([AS_PATH]);
    }
    as.reset();
    as.routes.set(AS_PATH, (_req, res) => res.end(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]))); // not UTF-8
    expect(await codeOf(verifier().verify(good))).toBe('ERR_JWKS_UNAVAILABLE');
  });

  it('a burst of 40 tokens with random kids during a metadata outage causes one metadata fetch', async () => {
    as.status(AS_PATH, 500);
    const v = verifier({ cooldownMs: 60_000 });
    const tokens = await Promise.all(
      Array.from({ length: 40 }, (_, i) => token(k2, issuer, { kid: `random-${i}` })),
    );
    const codes = await Promise.all(tokens.map((t) => codeOf(v.verify(t))));
    expect(new Set(codes)).toEqual(new Set(['ERR_JWKS_UNAVAILABLE']));
    expect(as.metadataHits).toEqual([AS_PATH]);
    // And one after another, within the backoff: no further fetch.
    for (const t of tokens) expect(await codeOf(v.verify(t))).toBe('ERR_JWKS_UNAVAILABLE');
    expect(as.metadataHits).toEqual([AS_PATH]);
  });

  it('retries a failed discovery at most once per backoff, and recovers after it', async () => {
    as.status(AS_PATH, 500);
    const v = verifier({ cooldownMs: 200 }); // backoff min(200 ms, 5 s)
    const tokens = await Promise.all(
      Array.from({ length: 40 }, (_, i) => token(k2, issuer, { kid: `random-${i}` })),
    );
    const started = Date.now();
    for (const t of tokens) {
      expect(await codeOf(v.verify(t))).toBe('ERR_JWKS_UNAVAILABLE');
      await sleep(10);
    }
    const elapsed = Date.now() - started;
    // 40 requests over ~400+ ms: one discovery per 200 ms window at most (40 without the backoff).
    expect(as.metadataHits.length).toBeLessThanOrEqual(1 + Math.ceil(elapsed / 200));
    expect(as.metadataHits.length).toBeLessThan(10);
    // The authorization server comes back: still refused inside the backoff, accepted after it.
    const good = await token(k1);
    await sleep(250); // past the backoff of the last attempt: the next token tries (and fails) at once
    expect(await codeOf(v.verify(good))).toBe('ERR_JWKS_UNAVAILABLE');
    const before = as.metadataHits.length;
    as.metadata(AS_PATH, issuer);
    expect(await codeOf(v.verify(good))).toBe('ERR_JWKS_UNAVAILABLE');
    expect(as.metadataHits.length).toBe(before);
    await sleep(250);
    expect(await codeOf(v.verify(good))).toBe('ACCEPTED');
  });

  it('reload() discovers at once, whatever the backoff, and reports a failure', async () => {
    as.status(AS_PATH, 500);
    const v = verifier({ cooldownMs: 60_000 }); // backoff 5 s
    expect(await codeOf(v.verify(await token(k1)))).toBe('ERR_JWKS_UNAVAILABLE');
    expect(await codeOf(v.reload())).toBe('ERR_JWKS_UNAVAILABLE');
    as.metadata(AS_PATH, issuer);
    expect(await codeOf(v.verify(await token(k1)))).toBe('ERR_JWKS_UNAVAILABLE'); // backing off
    await v.reload();
    expect(await codeOf(v.verify(await token(k1)))).toBe('ACCEPTED');
    expect(as.metadataHits).toEqual([AS_PATH, AS_PATH, AS_PATH]);
  });

  it('a discovered jwks_uri keeps the jwks-uri limits: an unknown-kid flood fetches the keys once', async () => {
    as.metadata(AS_PATH, issuer);
    const v = verifier({ cooldownMs: 60_000 });
    expect(await codeOf(v.verify(await token(k1)))).toBe('ACCEPTED');
    const flood = await Promise.all(
      Array.from({ length: 40 }, async (_, i) =>
        codeOf(v.verify(await token(k2, issuer, { kid: `r-${i}` }))),
      ),
    );
    expect(new Set(flood)).toEqual(new Set(['ERR_TOKEN_KEY_NOT_FOUND']));
    expect(as.hits).toEqual([AS_PATH, '/keys']);
  });
});
