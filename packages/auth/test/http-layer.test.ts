import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { memorySink } from '@mcp-warden/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authenticateNodeRequest,
  createResourceServer,
  ERROR_DESCRIPTIONS,
  type ResourceServer,
} from '../src/index.js';
import { ISSUER, makeKey, nowSec, RESOURCE, sign, sourceFor, type TestKey } from './keys.js';
import { rawRequest } from './raw-http.js';

const METADATA = 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp';
const events = memorySink();
let key: TestKey;
let rs: ResourceServer;
let server: Server;
let port: number;

beforeAll(async () => {
  key = await makeKey('ES256');
  rs = createResourceServer({
    verifier: { issuer: ISSUER, resource: RESOURCE, keys: [sourceFor(key, 'jwks')] },
    authorizationServers: [ISSUER],
    scopesSupported: ['mcp', 'files:read', 'files:write'],
    requiredScopes: ['mcp'],
    toolScopes: { read_file: ['files:read'], write_file: ['files:write'], admin_tool: ['admin'] },
    scopeHierarchy: { 'files:write': ['files:read'] },
    events,
  });
  server = createServer(async (req, res) => {
    const auth = await authenticateNodeRequest(rs, req, res);
    if (auth === undefined) return;
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({
        subject: auth.extra?.subject,
        scopes: auth.scopes,
        body: (req as { body?: unknown }).body,
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const bearer = (token: string): [string, string] => ['Authorization', `Bearer ${token}`];
const call = (name: string, id = 1) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: {} },
});
const post = (headers: [string, string][], body: unknown) =>
  rawRequest(port, 'POST', '/mcp', [['Content-Type', 'application/json'], ...headers], JSON.stringify(body));

describe('HTTP layer: RFC 6750 challenges over real HTTP', () => {
  it('no credentials: 401 with resource_metadata and scope, no error parameter', async () => {
    const res = await rawRequest(port, 'GET', '/mcp', []);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe(`Bearer scope="mcp", resource_metadata="${METADATA}"`);
  });

  it('no credentials for a tools/call: the challenge names the tool scopes too', async () => {
    const res = await post([], call('write_file'));
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe(
      `Bearer scope="mcp files:write", resource_metadata="${METADATA}"`,
    );
  });

  it('a non-Bearer scheme counts as no credentials', async () => {
    const res = await rawRequest(port, 'GET', '/mcp', [['Authorization', 'Basic dXNlcjpwYXNz']]);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).not.toContain('error=');
  });

  it('bad token: 401 invalid_token with a fixed description', async () => {
    const res = await rawRequest(port, 'GET', '/mcp', [bearer('abc.def.ghi')]);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe(
      `Bearer error="invalid_token", scope="mcp", resource_metadata="${METADATA}", error_description="The access token is invalid"`,
    );
    expect(JSON.parse(res.body)).toEqual({
      error: 'invalid_token',
      error_description: 'The access token is invalid',
    });
  });

  it('expired and wrong-audience tokens: 401 with their fixed descriptions', async () => {
    const expired = await rawRequest(port, 'GET', '/mcp', [
      bearer(await sign(key, { exp: nowSec() - 3600, scope: 'mcp' })),
    ]);
    expect(expired.status).toBe(401);
    expect(expired.headers['www-authenticate']).toContain('error_description="The access token expired"');
    const aud = await rawRequest(port, 'GET', '/mcp', [
      bearer(await sign(key, { aud: 'https://other.example/mcp' })),
    ]);
    expect(aud.status).toBe(401);
    expect(aud.headers['www-authenticate']).toContain(
      'error="invalid_token", scope="mcp", resource_metadata=',
    );
  });

  it('token in the query string, alone or with the header: 400 invalid_request', async () => {
    const token = await sign(key, { scope: 'mcp' });
    for (const [path, headers] of [
      [`/mcp?access_token=${token}`, []],
      [`/mcp?access_token=${token}`, [bearer(token)]],
    ] as const) {
      const res = await rawRequest(port, 'GET', path, headers);
      expect(res.status).toBe(400);
      expect(res.headers['www-authenticate']).toBe(
        `Bearer error="invalid_request", scope="mcp", resource_metadata="${METADATA}", error_description="Send credentials once, in the Authorization header"`,
      );
    }
  });

  it('two Authorization headers or a malformed credential: 400 invalid_request', async () => {
    const token = await sign(key, { scope: 'mcp' });
    const two = await rawRequest(port, 'GET', '/mcp', [bearer(token), bearer(token)]);
    expect(two.status).toBe(400);
    for (const value of ['Bearer', 'Bearer a b', 'Bearer ä', 'Bearer "x"']) {
      const res = await rawRequest(port, 'GET', '/mcp', [['Authorization', value]]);
      expect(res.status, value).toBe(400);
    }
  });

  it('accepts the scheme in any case and fills the principal', async () => {
    const token = await sign(key, { scope: 'mcp files:write' });
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      const res = await rawRequest(port, 'GET', '/mcp', [['Authorization', `${scheme} ${token}`]]);
      expect(res.status).toBe(200);
      // files:write implies files:read through the hierarchy.
      expect(JSON.parse(res.body)).toMatchObject({
        subject: 'user-1',
        scopes: ['mcp', 'files:write', 'files:read'],
      });
    }
  });

  it('missing base scope: 403 insufficient_scope naming the scopes', async () => {
    const res = await rawRequest(port, 'GET', '/mcp', [bearer(await sign(key, { scope: 'files:read' }))]);
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toBe(
      `Bearer error="insufficient_scope", scope="mcp", resource_metadata="${METADATA}", error_description="Additional scope required"`,
    );
  });

  it('per-tool step-up before the SDK: 403 listing every scope the call needs', async () => {
    const token = await sign(key, { scope: 'mcp files:read' });
    const ok = await post([bearer(token)], call('read_file'));
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body).body).toEqual(call('read_file'));
    const denied = await post([bearer(token)], call('write_file'));
    expect(denied.status).toBe(403);
    expect(denied.headers['www-authenticate']).toBe(
      `Bearer error="insufficient_scope", scope="mcp files:write", resource_metadata="${METADATA}", error_description="Additional scope required"`,
    );
    const batch = await post(
      [bearer(token)],
      [call('read_file', 1), call('write_file', 2), call('admin_tool', 3)],
    );
    expect(batch.status).toBe(403);
    expect(batch.headers['www-authenticate']).toContain('scope="mcp files:read files:write admin"');
    // Other methods and unknown tools need only the base scope.
    expect((await post([bearer(token)], { jsonrpc: '2.0', id: 1, method: 'tools/list' })).status).toBe(200);
    expect((await post([bearer(token)], call('no_such_tool'))).status).toBe(200);
  });

  it('refuses an oversized or non-JSON body before authentication work', async () => {
    const token = await sign(key, { scope: 'mcp' });
    const big = await rawRequest(
      port,
      'POST',
      '/mcp',
      [['Content-Type', 'application/json'], bearer(token)],
      `"${'x'.repeat(1_100_000)}"`,
    );
    expect(big.status).toBe(413);
    const bad = await rawRequest(
      port,
      'POST',
      '/mcp',
      [['Content-Type', 'application/json'], bearer(token)],
      '{nope',
    );
    expect(bad.status).toBe(400);
  });

  it('property: error_description always comes from the fixed vocabulary', async () => {
    const vocabulary = new Set([...Object.values(ERROR_DESCRIPTIONS), 'The access token is invalid']);
    await fc.assert(
      fc.asyncProperty(fc.stringMatching(/^[A-Za-z0-9._~+/-]{1,200}$/), async (token) => {
        const res = await rawRequest(port, 'GET', '/mcp', [bearer(token)]);
        expect(res.status).toBe(401);
        const description = /error_description="([^"]*)"/.exec(res.headers['www-authenticate'] ?? '')?.[1];
        expect(vocabulary.has(description ?? '')).toBe(true);
      }),
      { numRuns: 40 },
    );
  });
});

describe('HTTP layer: Host/Origin (DNS rebinding) on a loopback bind', () => {
  it('refuses a foreign Host and a foreign Origin with 403, before any token work', async () => {
    const token = await sign(key, { scope: 'mcp' });
    for (const host of [
      'evil.example.com',
      `evil.example.com:${port}`,
      'localhost.evil.com',
      '127.0.0.1.nip.io',
    ]) {
      const res = await rawRequest(port, 'GET', '/mcp', [['Host', host], bearer(token)]);
      expect(res.status, host).toBe(403);
      expect(JSON.parse(res.body).error.message).toBe('host not allowed');
    }
    for (const origin of [
      'http://evil.example.com',
      'null',
      'file://',
      `http://127.0.0.1.evil.com:${port}`,
    ]) {
      const res = await rawRequest(port, 'GET', '/mcp', [['Origin', origin], bearer(token)]);
      expect(res.status, origin).toBe(403);
    }
  });

  it('accepts loopback Host and Origin values', async () => {
    const token = await sign(key, { scope: 'mcp' });
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, 'localhost', `[::1]:${port}`]) {
      expect((await rawRequest(port, 'GET', '/mcp', [['Host', host], bearer(token)])).status, host).toBe(200);
    }
    for (const origin of [`http://localhost:${port}`, 'http://127.0.0.1:5173']) {
      expect((await rawRequest(port, 'GET', '/mcp', [['Origin', origin], bearer(token)])).status).toBe(200);
    }
  });
});

describe('HTTP layer: Host/Origin behind a same-host reverse proxy', () => {
  it("accepts the resource identifier's own host and origin on a loopback bind; foreign ones stay refused", async () => {
    // A TLS-terminating proxy on the same machine forwards `Host: mcp.example.com` to 127.0.0.1:<port>.
    const token = await sign(key, { scope: 'mcp' });
    for (const host of ['mcp.example.com', 'MCP.example.com', 'mcp.example.com:443']) {
      const res = await rawRequest(port, 'GET', '/mcp', [['Host', host], bearer(token)]);
      expect(res.status, host).toBe(200);
    }
    const own = await rawRequest(port, 'GET', '/mcp', [
      ['Host', 'mcp.example.com'],
      ['Origin', 'https://mcp.example.com'],
      bearer(token),
    ]);
    expect(own.status).toBe(200);
    for (const [host, origin] of [
      ['evil.example.com', undefined],
      ['mcp.example.com.evil.com', undefined],
      ['example.com', undefined],
      ['mcp.example.com', 'https://evil.example.com'],
      ['mcp.example.com', 'http://mcp.example.com.evil.com'],
    ] as const) {
      const headers: [string, string][] = [['Host', host], bearer(token)];
      if (origin !== undefined) headers.push(['Origin', origin]);
      const res = await rawRequest(port, 'GET', '/mcp', headers);
      expect(res.status, `${host} ${origin}`).toBe(403);
    }
  });
});

describe('HTTP layer: metadata and events', () => {
  it('serves the RFC 9728 document at the well-known path', async () => {
    const res = await rawRequest(port, 'GET', '/.well-known/oauth-protected-resource/mcp', []);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({
      resource: RESOURCE,
      authorization_servers: [ISSUER],
      bearer_methods_supported: ['header'],
      scopes_supported: ['mcp', 'files:read', 'files:write'],
    });
  });

  it('emits authn_login_fail, authn_login_success, authz_fail and malicious_dns_rebinding', async () => {
    events.clear();
    await rawRequest(port, 'GET', '/mcp', [bearer('x.y.z')]);
    await rawRequest(port, 'GET', '/mcp', [bearer(await sign(key, { scope: 'mcp' }))]);
    await rawRequest(port, 'GET', '/mcp', [bearer(await sign(key, { scope: 'other' }))]);
    await rawRequest(port, 'GET', '/mcp', [['Host', 'evil.example']]);
    const types = events.events.map((event) => event.type);
    expect(types).toEqual([
      'authn_login_fail',
      'authn_login_success',
      'authz_fail',
      'malicious_dns_rebinding',
    ]);
    const fail = events.events[0]!;
    expect(fail).toMatchObject({
      code: 'ERR_TOKEN_MALFORMED',
      outcome: 'failure',
      remoteAddress: '127.0.0.1',
    });
    expect(JSON.stringify(events.events)).not.toContain('eyJ');
  });
});
