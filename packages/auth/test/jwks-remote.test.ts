import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isWardenError } from '@mcp-warden/core';
import type { JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJwtVerifier, type JwksUriSource } from '../src/index.js';
import { ISSUER, makeKey, RESOURCE, sign, type TestKey } from './keys.js';

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (!isWardenError(error)) throw error;
    return error.code;
  }
  return 'ACCEPTED';
}

/** A real JWKS endpoint on loopback whose key set and behaviour a test can change. */
class JwksServer {
  keys: JWK[] = [];
  hits = 0;
  mode: 'ok' | 'hang' | 'error' | 'garbage' | 'endless' = 'ok';
  /** Bytes of JSON whitespace appended to the set in `ok` mode (a valid, just large, document). */
  padding = 0;
  /** Bytes written in `endless` mode before the client went away. */
  streamed = 0;
  readonly #server: Server;
  readonly #hanging = new Set<import('node:http').ServerResponse>();

  constructor() {
    this.#server = createServer((_req, res) => {
      this.hits++;
      if (this.mode === 'hang') {
        this.#hanging.add(res);
        return;
      }
      if (this.mode === 'error') {
        res.statusCode = 500;
        res.end('oops');
        return;
      }
      res.setHeader('content-type', 'application/json');
      if (this.mode === 'endless') {
        // No content-length, a JSON prefix and whitespace for ever: only a byte cap or the timeout stops it.
        this.streamed = 0;
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        let open = true;
        res.on('close', () => {
          open = false;
        });
        const pump = (): void => {
          while (open) {
            this.streamed += chunk.length;
            if (!res.write(chunk)) {
              res.once('drain', pump);
              return;
            }
          }
        };
        res.write('{"keys":[');
        pump();
        return;
      }
      res.end(
        this.mode === 'garbage'
          ? '{"keys": "nope"'
          : JSON.stringify({ keys: this.keys }) + ' '.repeat(this.padding),
      );
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/.well-known/jwks.json`;
  }

  async stop(): Promise<void> {
    for (const res of this.#hanging) res.destroy();
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }
}

let server: JwksServer;
let url: string;
let k1: TestKey;
let k2: TestKey;

beforeAll(async () => {
  server = new JwksServer();
  url = await server.start();
  [k1, k2] = await Promise.all([makeKey('ES256', 'k1'), makeKey('ES256', 'k2')]);
});

afterAll(async () => {
  await server.stop();
});

function verifier(source: Partial<JwksUriSource> = {}) {
  return createJwtVerifier({
    issuer: ISSUER,
    resource: RESOURCE,
    cache: false,
    keys: [{ type: 'jwks-uri', url, algorithms: ['ES256'], ...source }],
  });
}

describe('remote JWKS over real HTTP', () => {
  it('fetches once and verifies many tokens from the cached set', async () => {
    server.mode = 'ok';
    server.keys = [k1.publicJwk!];
    server.hits = 0;
    const v = verifier();
    for (let i = 0; i < 5; i++) expect(await codeOf(v.verify(await sign(k1)))).toBe('ACCEPTED');
    expect(server.hits).toBe(1);
  });

  it('limits an unknown-kid flood to the cooldown: 200 random kids cause no refetch storm', async () => {
    server.mode = 'ok';
    server.keys = [k1.publicJwk!];
    server.hits = 0;
    const v = verifier({ cooldownMs: 60_000 });
    expect(await codeOf(v.verify(await sign(k1)))).toBe('ACCEPTED');
    const flood = await Promise.all(
      Array.from({ length: 200 }, async (_, i) =>
        codeOf(v.verify(await sign(k2, {}, { kid: `random-${i}` }))),
      ),
    );
    expect(new Set(flood)).toEqual(new Set(['ERR_TOKEN_KEY_NOT_FOUND']));
    expect(server.hits).toBe(1);
  });

  it('picks up a rotated key after the cooldown, and at once with reload()', async () => {
    server.mode = 'ok';
    server.keys = [k1.publicJwk!];
    server.hits = 0;
    const slow = verifier({ cooldownMs: 60_000 });
    const quick = verifier({ cooldownMs: 1 });
    expect(await codeOf(slow.verify(await sign(k1)))).toBe('ACCEPTED');
    expect(await codeOf(quick.verify(await sign(k1)))).toBe('ACCEPTED');
    // The issuer rotates: k2 is added, k1 kept for the overlap.
    server.keys = [k1.publicJwk!, k2.publicJwk!];
    const rotated = await sign(k2);
    expect(await codeOf(slow.verify(rotated))).toBe('ERR_TOKEN_KEY_NOT_FOUND');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await codeOf(quick.verify(rotated))).toBe('ACCEPTED');
    await slow.reload();
    expect(await codeOf(slow.verify(rotated))).toBe('ACCEPTED');
    // k1 retired: after reload its tokens fail.
    server.keys = [k2.publicJwk!];
    await slow.reload();
    expect(await codeOf(slow.verify(await sign(k1)))).toBe('ERR_TOKEN_KEY_NOT_FOUND');
  });

  it('fails closed with ERR_JWKS_UNAVAILABLE on a timeout, a 500 and a malformed set', async () => {
    server.keys = [k1.publicJwk!];
    const token = await sign(k1);
    server.mode = 'hang';
    expect(await codeOf(verifier({ timeoutMs: 200 }).verify(token))).toBe('ERR_JWKS_UNAVAILABLE');
    server.mode = 'error';
    expect(await codeOf(verifier().verify(token))).toBe('ERR_JWKS_UNAVAILABLE');
    server.mode = 'garbage';
    expect(await codeOf(verifier().verify(token))).toBe('ERR_JWKS_UNAVAILABLE');
    server.mode = 'ok';
  });

  it('fails closed when the JWKS host refuses connections', async () => {
    const closed = new JwksServer();
    const closedUrl = await closed.start();
    await closed.stop();
    const v = createJwtVerifier({
      issuer: ISSUER,
      resource: RESOURCE,
      keys: [{ type: 'jwks-uri', url: closedUrl, algorithms: ['ES256'] }],
    });
    expect(await codeOf(v.verify(await sign(k1)))).toBe('ERR_JWKS_UNAVAILABLE');
  });

  it('never uses a secret (oct) key served by the JWKS', async () => {
    server.mode = 'ok';
    server.keys = [{ kty: 'oct', k: Buffer.alloc(32).toString('base64url'), kid: 'k1', alg: 'HS256' }];
    const v = createJwtVerifier({
      issuer: ISSUER,
      resource: RESOURCE,
      keys: [{ type: 'jwks-uri', url, algorithms: ['ES256'] }],
    });
    const hsKey = {
      alg: 'HS256' as const,
      kid: 'k1',
      privateKey: new Uint8Array(32),
      secret: new Uint8Array(32),
    };
    expect(await codeOf(v.verify(await sign(hsKey)))).toBe('ERR_TOKEN_ALG_NOT_ALLOWED');
    expect(await codeOf(v.verify(await sign(k1)))).toBe('ERR_TOKEN_KEY_NOT_FOUND');
  });
});

describe('remote JWKS over plain http: loopback only', () => {
  it('treats the IPv4-mapped loopback address as loopback: [::ffff:127.0.0.1] works without allowInsecureHttp', async () => {
    server.mode = 'ok';
    server.keys = [k1.publicJwk!];
    server.hits = 0;
    const mapped = new URL(url);
    mapped.hostname = '[::ffff:127.0.0.1]';
    expect(mapped.hostname).toBe('[::ffff:7f00:1]'); // what the check sees (Node's WHATWG URL)
    const v = verifier({ url: mapped.href });
    expect(v.warnings).toEqual([]);
    expect(await codeOf(v.verify(await sign(k1)))).toBe('ACCEPTED');
    expect(server.hits).toBe(1);
  });

  it('accepts every spelling of 127.0.0.0/8 in IPv4-mapped form; refuses other mapped addresses and other IPv6 forms', () => {
    const at = (host: string) => () => verifier({ url: `http://${host}:8080/jwks` });
    for (const host of [
      '[::ffff:7f00:1]',
      '[0:0:0:0:0:ffff:127.0.0.1]',
      '[::FFFF:127.0.0.1]',
      '[::ffff:127.0.0.0]',
      '[::ffff:127.255.255.255]',
      '[::ffff:7f12:3456]',
    ]) {
      expect(at(host), host).not.toThrow();
    }
    for (const host of [
      '[::ffff:10.0.0.1]',
      '[::ffff:126.255.255.255]',
      '[::ffff:128.0.0.1]',
      '[::ffff:0.0.0.0]',
      '[::127.0.0.1]', // IPv4-compatible, not mapped
      '[::ffff:0:127.0.0.1]', // IPv4-translated
      '[64:ff9b::127.0.0.1]', // NAT64
      '[::2]',
    ]) {
      expect(at(host), host).toThrowError(expect.objectContaining({ code: 'ERR_AUTH_CONFIG_INVALID' }));
    }
  });
});

describe('remote JWKS limits', () => {
  it('refuses an oversized JWKS response, declared or streamed, and still accepts a large real-world set', async () => {
    server.mode = 'ok';
    server.keys = [k1.publicJwk!];
    const token = await sign(k1);
    // About 100 KiB: far more than any real set (a dozen keys with x5c chains is ~30 KiB): accepted.
    server.padding = 100 * 1024;
    expect(await codeOf(verifier().verify(token))).toBe('ACCEPTED');
    // A valid set padded to 2 MiB (content-length declared): refused, not parsed into memory.
    server.padding = 2 * 1024 * 1024;
    expect(await codeOf(verifier().verify(token))).toBe('ERR_JWKS_UNAVAILABLE');
    server.padding = 0;
    // An endless body without content-length: cut at the cap, long before the 3 s timeout.
    server.mode = 'endless';
    const started = Date.now();
    expect(await codeOf(verifier({ timeoutMs: 3000 }).verify(token))).toBe('ERR_JWKS_UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(1500);
    expect(server.streamed).toBeLessThan(16 * 1024 * 1024);
    server.mode = 'ok';
    // The cap is configurable: a lower one refuses the 100 KiB set.
    server.padding = 100 * 1024;
    expect(await codeOf(verifier({ maxResponseBytes: 64 * 1024 }).verify(token))).toBe(
      'ERR_JWKS_UNAVAILABLE',
    );
    server.padding = 0;
  });

  it('does not hammer a failing JWKS endpoint: unknown kids during an outage fetch at most once per backoff', async () => {
    server.mode = 'ok';
    server.keys = [k1.publicJwk!];
    server.hits = 0;
    const v = verifier({ cooldownMs: 300 });
    expect(await codeOf(v.verify(await sign(k1)))).toBe('ACCEPTED');
    expect(server.hits).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 350)); // past the cooldown
    server.mode = 'error';
    const tokens = await Promise.all(
      Array.from({ length: 40 }, (_, i) => sign(k2, {}, { kid: `random-${i}` })),
    );
    const started = Date.now();
    const codes = new Set<string>();
    for (const token of tokens) codes.add(await codeOf(v.verify(token))); // one after another
    const elapsed = Date.now() - started;
    expect(
      [...codes].every((code) => code === 'ERR_JWKS_UNAVAILABLE' || code === 'ERR_TOKEN_KEY_NOT_FOUND'),
    ).toBe(true);
    // At most one fetch per 300 ms backoff window (40 sequential requests without it: 40 fetches).
    expect(server.hits - 1).toBeLessThanOrEqual(1 + Math.ceil(elapsed / 300));
    // Known keys keep working from the cached set during the outage.
    expect(await codeOf(v.verify(await sign(k1)))).toBe('ACCEPTED');
    // Recovery: reload() tries at once, whatever the backoff.
    server.mode = 'ok';
    server.keys = [k1.publicJwk!, k2.publicJwk!];
    await v.reload();
    expect(await codeOf(v.verify(await sign(k2)))).toBe('ACCEPTED');
  });
});
