import { randomUUID } from 'node:crypto';
import { mintDevToken } from '@mcp-warden/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/server.js';
import { dpopKey, dpopProof } from './dpop-proof.js';
import { codeOf, httpClient, ISSUER, startJwtServer, workspace } from './helpers.js';

// Horizontal scaling: two instances in stateless mode sharing the local Redis (127.0.0.1:6379).
const RESOURCE = 'https://mcp.test.local/mcp';
const ws = workspace();
const shared = {
  MCP_HTTP_SESSION_MODE: 'stateless',
  MCP_REDIS_URL: 'redis://127.0.0.1:6379',
  MCP_RATE_LIMIT: '5',
};
let a: RunningServer;
let b: RunningServer;

beforeAll(async () => {
  ({ running: a } = await startJwtServer(ws, { ...shared, MCP_AUDIT_LOG: `${ws.auditLog}.a` }));
  ({ running: b } = await startJwtServer(ws, { ...shared, MCP_AUDIT_LOG: `${ws.auditLog}.b` }));
});
afterAll(async () => {
  await Promise.all([a?.close('test done'), b?.close('test done')]);
});

const initialize = (token: string, extra: Record<string, string>) => ({
  method: 'POST',
  headers: {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    authorization: `DPoP ${token}`,
    ...extra,
  },
  body: JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: {
      protocolVersion: '2025-11-25',
      capabilities: {},
      clientInfo: { name: 'dpop-test', version: '1' },
    },
  }),
});

describe('two instances sharing Redis', () => {
  it('enforce one rate limit together', async () => {
    const subject = `shared-${randomUUID()}`;
    const token = (await mintDevToken({ issuer: ISSUER, audience: RESOURCE, subject, keyFile: ws.keyFile }))
      .token;
    const clients = [await httpClient(a.url, token), await httpClient(b.url, token)];
    const outcomes: string[] = [];
    for (let call = 0; call < 8; call++) {
      const { client } = clients[call % 2]!;
      outcomes.push(codeOf(await client.callTool({ name: 'whoami', arguments: {} })) ?? 'ok');
    }
    expect(outcomes.filter((outcome) => outcome === 'ok')).toHaveLength(5);
    expect(outcomes.slice(5)).toEqual(['ERR_RATE_LIMITED', 'ERR_RATE_LIMITED', 'ERR_RATE_LIMITED']);
    await Promise.all(clients.map(({ client }) => client.close()));
  });

  it('catch a DPoP proof replayed to the other instance', async () => {
    const key = dpopKey();
    const token = (
      await mintDevToken({
        issuer: ISSUER,
        audience: RESOURCE,
        subject: `dpop-${randomUUID()}`,
        dpopJkt: key.jkt,
        keyFile: ws.keyFile,
      })
    ).token;
    const proof = dpopProof(key, 'POST', RESOURCE, token);
    const first = await fetch(a.url, initialize(token, { dpop: proof }));
    expect(first.status).toBe(200);
    const replayed = await fetch(b.url, initialize(token, { dpop: proof }));
    expect(replayed.status).toBe(401);
    expect(replayed.headers.get('www-authenticate') ?? '').toMatch(/^DPoP .*error="invalid_dpop_proof"/);
    const fresh = await fetch(b.url, initialize(token, { dpop: dpopProof(key, 'POST', RESOURCE, token) }));
    expect(fresh.status).toBe(200);
    // The bound token without its proof is refused, as plain Bearer too.
    const bearer = await fetch(b.url, initialize(token, { authorization: `Bearer ${token}` }));
    expect(bearer.status).toBe(401);
  });
});
