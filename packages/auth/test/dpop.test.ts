import { createHash, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isWardenError, memorySink } from '@mcp-warden/core';
import express from 'express';
import { type CryptoKey, calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authenticateNodeRequest,
  createDpopVerifier,
  createResourceServer,
  type DpopVerifier,
  memoryReplayCache,
  nodeAuthMiddleware,
} from '../src/index.js';
import { ISSUER, makeKey, nowSec, RESOURCE, sign, sourceFor, type TestKey } from './keys.js';
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

interface Holder {
  readonly privateKey: CryptoKey;
  readonly jwk: JWK;
  readonly jkt: string;
}

async function holder(): Promise<Holder> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(publicKey);
  return { privateKey, jwk, jkt: await calculateJwkThumbprint(jwk, 'sha256') };
}

async function proof(
  h: Holder,
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
  signer: CryptoKey = h.privateKey,
): Promise<string> {
  const payload: Record<string, unknown> = { jti: randomUUID(), iat: nowSec(), ...claims };
  for (const [k, v] of Object.entries(payload)) if (v === undefined) delete payload[k];
  return new SignJWT(payload)
    .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: h.jwk, ...header } as { alg: string })
    .sign(signer);
}

const ath = (token: string) => createHash('sha256').update(token).digest('base64url');
const URL_ = 'https://mcp.example.com/mcp';

describe('DPoP proof verification (RFC 9449 §4.3)', () => {
  let client: Holder;
  let other: Holder;
  let dpop: DpopVerifier;

  beforeAll(async () => {
    [client, other] = await Promise.all([holder(), holder()]);
    dpop = createDpopVerifier({ replayCache: memoryReplayCache() });
  });

  const request = { method: 'POST', url: URL_, accessToken: 'tok' };
  const good = () => ({ htm: 'POST', htu: URL_, ath: ath('tok') });

  it('accepts a fresh proof and returns the key thumbprint; refuses its replay', async () => {
    const p = await proof(client, good());
    expect((await dpop.verify(p, request)).jkt).toBe(client.jkt);
    expect(await codeOf(dpop.verify(p, request))).toBe('ERR_DPOP_REPLAY');
  });

  it('ignores query and fragment in htu, and normalises scheme/host case and default port', async () => {
    expect(
      await codeOf(
        dpop.verify(
          await proof(client, { ...good(), htu: 'HTTPS://MCP.example.com:443/mcp?x=1#f' }),
          request,
        ),
      ),
    ).toBe('ACCEPTED');
  });

  it('refuses wrong htm, htu, ath and stale or future iat', async () => {
    const cases: Record<string, unknown>[] = [
      { htm: 'GET' },
      { htm: 'post' },
      { htu: 'https://mcp.example.com/mcp/other' },
      { htu: 'https://evil.example/mcp' },
      { htu: 'http://mcp.example.com/mcp' },
      { htu: 'not a url' },
      { ath: ath('another token') },
      { ath: undefined },
      { iat: nowSec() - 3600 },
      { iat: nowSec() + 3600 },
      { jti: undefined },
      { jti: 'x'.repeat(300) },
    ];
    for (const claims of cases) {
      expect(
        await codeOf(dpop.verify(await proof(client, { ...good(), ...claims }), request)),
        JSON.stringify(claims),
      ).toBe('ERR_DPOP_PROOF_INVALID');
    }
  });

  it('refuses a wrong typ, a symmetric or unlisted alg, a private jwk, and a signature by another key', async () => {
    expect(await codeOf(dpop.verify(await proof(client, good(), { typ: 'JWT' }), request))).toBe(
      'ERR_DPOP_PROOF_INVALID',
    );
    expect(await codeOf(dpop.verify(await proof(client, good(), { typ: 'at+jwt' }), request))).toBe(
      'ERR_DPOP_PROOF_INVALID',
    );
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const privateJwk = await exportJWK(privateKey);
    expect(await codeOf(dpop.verify(await proof(client, good(), { jwk: privateJwk }), request))).toBe(
      'ERR_DPOP_PROOF_INVALID',
    );
    // Header names the client's public key but the proof is signed by another key.
    expect(await codeOf(dpop.verify(await proof(client, good(), {}, other.privateKey), request))).toBe(
      'ERR_DPOP_PROOF_INVALID',
    );
    const hs = await makeKey('HS256');
    const hsProof = await new SignJWT({ ...good(), jti: 'a', iat: nowSec() })
      .setProtectedHeader({ typ: 'dpop+jwt', alg: 'HS256', jwk: client.jwk })
      .sign(hs.secret!);
    expect(await codeOf(dpop.verify(hsProof, request))).toBe('ERR_DPOP_PROOF_INVALID');
    expect(await codeOf(dpop.verify('a'.repeat(5000), request))).toBe('ERR_DPOP_PROOF_INVALID');
  });

  it('the in-memory replay cache is bounded, forgets expired entries and fails closed when full', () => {
    let clock = 0;
    const cache = memoryReplayCache({ maxEntries: 2, now: () => clock });
    expect(cache.claim('a', 100)).toBe(true);
    expect(cache.claim('a', 100)).toBe(false);
    expect(cache.claim('b', 100)).toBe(true);
    expect(() => cache.claim('c', 100)).toThrowError(
      expect.objectContaining({ code: 'ERR_DPOP_REPLAY_CACHE_FULL' }),
    );
    clock = 100;
    expect(cache.claim('c', 200)).toBe(true);
    expect(cache.size).toBe(1);
    expect(cache.claim('a', 200)).toBe(true);
  });
});

describe('DPoP over real HTTP', () => {
  let key: TestKey;
  let client: Holder;
  let server: Server;
  let port: number;
  const events = memorySink();

  beforeAll(async () => {
    key = await makeKey('ES256');
    client = await holder();
    const rs = createResourceServer({
      verifier: { issuer: ISSUER, resource: RESOURCE, keys: [sourceFor(key)] },
      authorizationServers: [ISSUER],
      dpop: createDpopVerifier({ replayCache: memoryReplayCache(), algorithms: ['ES256'] }),
      events,
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

  it('accepts a DPoP-bound token with its proof, once', async () => {
    const token = await sign(key, { cnf: { jkt: client.jkt } });
    const p = await proof(client, { htm: 'GET', htu: RESOURCE, ath: ath(token) });
    const headers: [string, string][] = [
      ['Authorization', `DPoP ${token}`],
      ['DPoP', p],
    ];
    const ok = await rawRequest(port, 'GET', '/mcp?cursor=1', headers);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ subject: 'user-1', authMethod: 'dpop' });
    events.clear();
    const replay = await rawRequest(port, 'GET', '/mcp', headers);
    expect(replay.status).toBe(401);
    expect(replay.headers['www-authenticate']).toBe(
      'DPoP error="invalid_dpop_proof", resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp", algs="ES256", error_description="The DPoP proof is invalid"',
    );
    expect(events.events.map((e) => e.type)).toContain('authn_token_reuse');
    events.clear();
    const fresh = await proof(client, { htm: 'GET', htu: RESOURCE, ath: ath(token) });
    expect(
      (
        await rawRequest(port, 'GET', '/mcp', [
          ['Authorization', `DPoP ${token}`],
          ['DPoP', fresh],
        ])
      ).status,
    ).toBe(200);
    expect(events.events.find((e) => e.type === 'authn_login_success')).toMatchObject({ method: 'dpop' });
  });

  it('refuses a DPoP-bound token presented as plain Bearer', async () => {
    const token = await sign(key, { cnf: { jkt: client.jkt } });
    const res = await rawRequest(port, 'GET', '/mcp', [['Authorization', `Bearer ${token}`]]);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toContain(
      'error_description="The access token is sender-constrained"',
    );
  });

  it('refuses a proof by another key than cnf.jkt, a missing proof, and an unbound token under DPoP', async () => {
    const stranger = await holder();
    const token = await sign(key, { cnf: { jkt: client.jkt } });
    const foreign = await proof(stranger, { htm: 'GET', htu: RESOURCE, ath: ath(token) });
    const res = await rawRequest(port, 'GET', '/mcp', [
      ['Authorization', `DPoP ${token}`],
      ['DPoP', foreign],
    ]);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
    expect((await rawRequest(port, 'GET', '/mcp', [['Authorization', `DPoP ${token}`]])).status).toBe(401);
    const unbound = await sign(key);
    const p = await proof(client, { htm: 'GET', htu: RESOURCE, ath: ath(unbound) });
    expect(
      (
        await rawRequest(port, 'GET', '/mcp', [
          ['Authorization', `DPoP ${unbound}`],
          ['DPoP', p],
        ])
      ).status,
    ).toBe(401);
  });

  it('a proof made for another method or path does not work here', async () => {
    const token = await sign(key, { cnf: { jkt: client.jkt } });
    const post = await proof(client, { htm: 'POST', htu: RESOURCE, ath: ath(token) });
    expect(
      (
        await rawRequest(port, 'GET', '/mcp', [
          ['Authorization', `DPoP ${token}`],
          ['DPoP', post],
        ])
      ).status,
    ).toBe(401);
    const elsewhere = await proof(client, {
      htm: 'GET',
      htu: 'https://mcp.example.com/admin',
      ath: ath(token),
    });
    expect(
      (
        await rawRequest(port, 'GET', '/mcp', [
          ['Authorization', `DPoP ${token}`],
          ['DPoP', elsewhere],
        ])
      ).status,
    ).toBe(401);
  });
});

describe('DPoP in the RFC 9728 metadata', () => {
  it('advertises the proof algorithms, and dpop_bound_access_tokens_required when DPoP is required', async () => {
    const key = await makeKey('ES256');
    const make = (dpopRequired: boolean) =>
      createResourceServer({
        verifier: { issuer: ISSUER, resource: RESOURCE, keys: [sourceFor(key)] },
        authorizationServers: [ISSUER],
        dpop: createDpopVerifier({ replayCache: memoryReplayCache(), algorithms: ['ES256', 'EdDSA'] }),
        dpopRequired,
      });
    const servers = [make(false), make(true)];
    const http = servers.map((rs) =>
      createServer(async (req, res) => {
        if ((await authenticateNodeRequest(rs, req, res)) !== undefined) res.end('{}');
      }),
    );
    try {
      const documents: Record<string, unknown>[] = [];
      for (const server of http) {
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        const res = await rawRequest(
          (server.address() as AddressInfo).port,
          'GET',
          '/.well-known/oauth-protected-resource/mcp',
          [],
        );
        expect(res.status).toBe(200);
        documents.push(JSON.parse(res.body) as Record<string, unknown>);
      }
      expect(documents[0]).toMatchObject({
        resource: RESOURCE,
        dpop_signing_alg_values_supported: ['ES256', 'EdDSA'],
      });
      expect(documents[0]).not.toHaveProperty('dpop_bound_access_tokens_required');
      expect(documents[1]).toMatchObject({
        dpop_signing_alg_values_supported: ['ES256', 'EdDSA'],
        dpop_bound_access_tokens_required: true,
      });
    } finally {
      for (const server of http) {
        if (server.listening) await new Promise((resolve) => server.close(resolve));
      }
    }
  });
});

describe('DPoP behind Express mounted on a path', () => {
  it('checks htu against the full request path (originalUrl), not the path left after the mount', async () => {
    const key = await makeKey('ES256');
    const client = await holder();
    const rs = createResourceServer({
      verifier: { issuer: ISSUER, resource: RESOURCE, keys: [sourceFor(key)] },
      authorizationServers: [ISSUER],
      dpop: createDpopVerifier({ replayCache: memoryReplayCache(), algorithms: ['ES256'] }),
    });
    const app = express();
    app.use('/mcp', nodeAuthMiddleware(rs)); // inside, req.url is "/", req.originalUrl is "/mcp"
    app.get('/mcp', (req, res) => {
      res.json({ method: (req as { auth?: { extra?: { authMethod?: unknown } } }).auth?.extra?.authMethod });
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const token = await sign(key, { cnf: { jkt: client.jkt } });
      const send = async (htu: string) =>
        rawRequest(port, 'GET', '/mcp', [
          ['Authorization', `DPoP ${token}`],
          ['DPoP', await proof(client, { htm: 'GET', htu, ath: ath(token) })],
        ]);
      const ok = await send(RESOURCE);
      expect(ok.status).toBe(200);
      expect(JSON.parse(ok.body)).toEqual({ method: 'dpop' });
      // A proof for the mount-relative path ("/") is for another URL and stays refused.
      expect((await send('https://mcp.example.com/')).status).toBe(401);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
