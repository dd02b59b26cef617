import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { isWardenError } from '@mcp-warden/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiKeyPattern,
  authenticateNodeRequest,
  createApiKeyVerifier,
  createResourceServer,
  hashApiKey,
  type MemoryApiKeyStore,
  memoryApiKeyStore,
  mintApiKey,
  parseApiKey,
  runApiKeyCli,
} from '../src/index.js';
import { ISSUER, makeKey, RESOURCE, sign, sourceFor } from './keys.js';
import { rawRequest } from './raw-http.js';

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (!isWardenError(error)) throw error;
    return error.code;
  }
  return 'ACCEPTED';
}

describe('API key format', () => {
  it('mints prefixed keys with a checksum that parse back, and stores only the hash', () => {
    const { key, record } = mintApiKey({ subject: 'svc', scopes: ['files:read'], prefix: 'mcp_test' });
    expect(key).toMatch(apiKeyPattern('mcp_test'));
    expect(parseApiKey(key, ['mcp_test'])).toMatchObject({ prefix: 'mcp_test', id: record.id });
    expect(record.hash).toBe(hashApiKey(key));
    expect(JSON.stringify(record)).not.toContain(key.slice(18, 40));
    expect(parseApiKey(key, ['mcp_live'])).toBeUndefined();
  });

  it('keys are unique and carry about 256 bits (no repeats in 2000 mints)', () => {
    const keys = new Set(Array.from({ length: 2000 }, () => mintApiKey({ subject: 's' }).key));
    expect(keys.size).toBe(2000);
  });

  it('property: any single-character change breaks the checksum or shape', () => {
    const { key } = mintApiKey({ subject: 's' });
    const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_';
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: key.length - 1 }),
        fc.constantFrom(...alphabet),
        (index, char) => {
          fc.pre(key[index] !== char);
          const changed = key.slice(0, index) + char + key.slice(index + 1);
          expect(parseApiKey(changed, ['mcp_live'])).toBeUndefined();
        },
      ),
      { numRuns: 500 },
    );
  });

  it('property: arbitrary strings never parse as keys', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (value) => {
        expect(parseApiKey(value, ['mcp_live'])).toBeUndefined();
      }),
    );
  });

  it('refuses bad prefixes and subjects at mint time', () => {
    for (const prefix of ['', 'MCP', 'mcp-live', 'a_b_c', 'mcp_']) {
      expect(() => mintApiKey({ subject: 's', prefix })).toThrowError(
        expect.objectContaining({ code: 'ERR_AUTH_CONFIG_INVALID' }),
      );
    }
    expect(() => mintApiKey({ subject: '' })).toThrowError(
      expect.objectContaining({ code: 'ERR_AUTH_CONFIG_INVALID' }),
    );
    expect(() => mintApiKey({ subject: 's', scopes: ['a b'] })).toThrowError(
      expect.objectContaining({ code: 'ERR_AUTH_CONFIG_INVALID' }),
    );
  });
});

describe('API key verification', () => {
  let clock = Date.now();
  const now = () => clock;

  it('accepts a stored key; refuses an unknown one, a wrong secret with a known id, and a bad checksum', async () => {
    const { key, record } = mintApiKey({ subject: 'svc', scopes: ['a'] });
    const verifier = createApiKeyVerifier({ store: memoryApiKeyStore([record]) });
    expect(await verifier.verify(key)).toEqual({
      keyId: record.id,
      subject: 'svc',
      scopes: ['a'],
      expiresAt: undefined,
    });
    expect(await codeOf(verifier.verify(mintApiKey({ subject: 'x' }).key))).toBe('ERR_API_KEY_INVALID');
    // Same id, different secret, valid checksum: the hash comparison refuses it.
    const forged = mintApiKey({ subject: 'x' }).key.replace(/_([0-9A-Za-z]{8})_/, `_${record.id}_`);
    const reparsed = forged.slice(0, -6);
    const { crc32 } = await import('node:zlib');
    let value = crc32(reparsed);
    let sum = '';
    const b62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
    for (let i = 0; i < 6; i++) {
      sum = b62[value % 62] + sum;
      value = Math.floor(value / 62);
    }
    expect(parseApiKey(reparsed + sum, ['mcp_live'])?.id).toBe(record.id);
    expect(await codeOf(verifier.verify(reparsed + sum))).toBe('ERR_API_KEY_INVALID');
    expect(await codeOf(verifier.verify(`${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`))).toBe(
      'ERR_API_KEY_INVALID',
    );
  });

  it('honours a pepper: hashes made without it do not verify with it', async () => {
    const { key, record } = mintApiKey({ subject: 'svc', pepper: 'server-side-pepper' });
    expect(
      await codeOf(
        createApiKeyVerifier({ store: memoryApiKeyStore([record]), pepper: 'server-side-pepper' }).verify(
          key,
        ),
      ),
    ).toBe('ACCEPTED');
    expect(await codeOf(createApiKeyVerifier({ store: memoryApiKeyStore([record]) }).verify(key))).toBe(
      'ERR_API_KEY_INVALID',
    );
  });

  it('expiry, immediate revocation and overlapping rotation', async () => {
    clock = Date.now();
    const { key, record } = mintApiKey({ subject: 'svc', scopes: ['a'], ttlSec: 3600, now });
    const store: MemoryApiKeyStore = memoryApiKeyStore([record], now);
    const verifier = createApiKeyVerifier({ store, now });
    expect(await codeOf(verifier.verify(key))).toBe('ACCEPTED');
    clock += 3600_000;
    expect(await codeOf(verifier.verify(key))).toBe('ERR_API_KEY_EXPIRED');
    clock -= 3600_000;
    const next = store.rotate(record.id, { overlapSec: 60 });
    expect(await codeOf(verifier.verify(key))).toBe('ACCEPTED');
    expect(await codeOf(verifier.verify(next))).toBe('ACCEPTED');
    clock += 61_000;
    expect(await codeOf(verifier.verify(key))).toBe('ERR_API_KEY_REVOKED');
    expect(await codeOf(verifier.verify(next))).toBe('ACCEPTED');
    const nextId = parseApiKey(next, ['mcp_live'])!.id;
    store.revoke(nextId);
    expect(await codeOf(verifier.verify(next))).toBe('ERR_API_KEY_REVOKED');
  });

  it('fails closed when the store throws', async () => {
    const { key } = mintApiKey({ subject: 'svc' });
    const verifier = createApiKeyVerifier({
      store: {
        get() {
          throw new Error('db down');
        },
      },
    });
    expect(await codeOf(verifier.verify(key))).toBe('ERR_API_KEY_INVALID');
  });
});

describe('API keys over real HTTP', () => {
  let server: Server;
  let port: number;
  const minted = mintApiKey({ subject: 'robot', scopes: ['mcp'] });
  let jwt: string;

  beforeAll(async () => {
    const key = await makeKey('ES256');
    jwt = await sign(key, { scope: 'mcp' });
    const rs = createResourceServer({
      verifier: { issuer: ISSUER, resource: RESOURCE, keys: [sourceFor(key)] },
      authorizationServers: [ISSUER],
      requiredScopes: ['mcp'],
      apiKeys: createApiKeyVerifier({ store: memoryApiKeyStore([minted.record]) }),
    });
    server = createServer(async (req, res) => {
      const auth = await authenticateNodeRequest(rs, req, res);
      if (auth !== undefined) res.end(JSON.stringify(auth.extra));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('accepts the key as Bearer or X-API-Key, and JWTs still work', async () => {
    for (const header of [
      ['Authorization', `Bearer ${minted.key}`],
      ['X-API-Key', minted.key],
    ] as const) {
      const res = await rawRequest(port, 'GET', '/mcp', [header]);
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toMatchObject({
        subject: 'robot',
        authMethod: 'api_key',
        keyId: minted.record.id,
      });
    }
    const viaJwt = await rawRequest(port, 'GET', '/mcp', [['Authorization', `Bearer ${jwt}`]]);
    expect(JSON.parse(viaJwt.body)).toMatchObject({ authMethod: 'bearer' });
  });

  it('refuses a key in the query or in two places (400), and an unknown key (401)', async () => {
    expect((await rawRequest(port, 'GET', `/mcp?api_key=${minted.key}`, [])).status).toBe(400);
    expect(
      (
        await rawRequest(port, 'GET', '/mcp', [
          ['Authorization', `Bearer ${minted.key}`],
          ['X-API-Key', minted.key],
        ])
      ).status,
    ).toBe(400);
    const unknown = await rawRequest(port, 'GET', '/mcp', [['X-API-Key', mintApiKey({ subject: 'x' }).key]]);
    expect(unknown.status).toBe(401);
    expect(unknown.headers['www-authenticate']).toContain('error="invalid_token"');
  });
});

describe('an API-key-only resource server', () => {
  it('needs API keys and a resource identifier when it has no JWT verifier', () => {
    expect(() => createResourceServer({ authorizationServers: [ISSUER], resource: RESOURCE })).toThrow(
      expect.objectContaining({ code: 'ERR_AUTH_CONFIG_INVALID' }),
    );
  });

  it('accepts its keys and refuses every JWT, however well signed', async () => {
    const minted = mintApiKey({ subject: 'robot', scopes: ['mcp'] });
    const key = await makeKey('ES256');
    const rs = createResourceServer({
      resource: RESOURCE,
      authorizationServers: [ISSUER],
      apiKeys: createApiKeyVerifier({ store: memoryApiKeyStore([minted.record]) }),
    });
    expect(rs.resource).toBe(new URL(RESOURCE).href);
    const request = (authorization: string) => ({ method: 'POST', url: '/mcp', headers: { authorization } });
    const accepted = await rs.authenticate(request(`Bearer ${minted.key}`));
    expect(accepted).toMatchObject({
      ok: true,
      authInfo: { extra: { subject: 'robot', authMethod: 'api_key' } },
    });
    const jwt = await rs.authenticate(request(`Bearer ${await sign(key, { scope: 'mcp' })}`));
    expect(jwt).toMatchObject({ ok: false, status: 401, error: { code: 'ERR_TOKEN_INVALID' } });
  });
});

describe('the mint CLI', () => {
  it('prints a key, its hash-only record and the scanner pattern (in process)', () => {
    const out: string[] = [];
    const code = runApiKeyCli(
      ['--subject', 'svc', '--scope', 'a', '--scope', 'b', '--ttl-days', '1'],
      (l) => out.push(l),
      () => {},
    );
    expect(code).toBe(0);
    const key = out[0]!.replace('key: ', '');
    const record = JSON.parse(out[1]!.replace('record: ', ''));
    expect(record).toMatchObject({ subject: 'svc', scopes: ['a', 'b'], hash: hashApiKey(key) });
    expect(record.expiresAt - record.createdAt).toBe(86_400);
    expect(
      runApiKeyCli(
        [],
        () => {},
        () => {},
      ),
    ).toBe(2);
    expect(
      runApiKeyCli(
        ['--subject', 's', '--ttl-days', '-1'],
        () => {},
        () => {},
      ),
    ).toBe(2);
  });

  it('runs as a real process', async () => {
    const bin = fileURLToPath(new URL('../src/api-key-bin.ts', import.meta.url));
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', bin, '--subject', 'svc'],
      {
        env: { ...process.env, MCP_WARDEN_API_KEY_PEPPER: 'pep' },
      },
    );
    const key = /key: (\S+)/.exec(stdout)![1]!;
    const record = JSON.parse(/record: (.+)/.exec(stdout)![1]!);
    expect(record.hash).toBe(hashApiKey(key, 'pep'));
  }, 20_000);
});
