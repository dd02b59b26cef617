import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mintDevToken } from '@mcp-warden/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/server.js';
import { httpClient, startHttpServer, workspace } from './helpers.js';

// An authorization server on loopback that publishes RFC 8414 metadata naming its JWKS: the reference
// server is configured with the issuer alone (MCP_JWT_KEYS_FROM_ISSUER) and finds the keys itself.
const ws = workspace();
const AUDIENCE = 'https://mcp.test.local/mcp';
let authorizationServer: Server;
let issuer: string;
let running: RunningServer;
const requests: string[] = [];

beforeAll(async () => {
  const seed = await mintDevToken({
    issuer: 'urn:seed',
    audience: 'urn:seed',
    subject: 's',
    keyFile: ws.keyFile,
  });
  authorizationServer = createServer((req, res) => {
    requests.push(req.url ?? '');
    res.setHeader('content-type', 'application/json');
    if (req.url === '/.well-known/oauth-authorization-server') {
      res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` }));
    } else if (req.url === '/jwks') res.end(JSON.stringify(seed.jwks));
    else res.writeHead(404).end('{}');
  });
  await new Promise<void>((resolve) => authorizationServer.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(authorizationServer.address() as AddressInfo).port}`;
  running = await startHttpServer(ws, {
    MCP_AUTH_MODE: 'jwt',
    MCP_JWT_ISSUER: issuer,
    MCP_JWT_AUDIENCE: AUDIENCE,
    MCP_JWT_KEYS_FROM_ISSUER: 'true',
    MCP_JWT_ALGORITHMS: 'ES256',
  });
});
afterAll(async () => {
  await running?.close('test done');
  await new Promise((resolve) => authorizationServer?.close(resolve));
});

const mint = async (tokenIssuer: string) =>
  (await mintDevToken({ issuer: tokenIssuer, audience: AUDIENCE, subject: 'alice', keyFile: ws.keyFile }))
    .token;

describe('JWT keys discovered from the issuer (MCP_JWT_KEYS_FROM_ISSUER)', () => {
  it('verifies tokens with the keys the issuer metadata names, reading the metadata once', async () => {
    const { client } = await httpClient(running.url, await mint(issuer));
    const who = await client.callTool({ name: 'whoami', arguments: {} });
    expect(who.structuredContent).toMatchObject({ subject: 'alice' });
    await client.callTool({ name: 'whoami', arguments: {} });
    await client.close();
    expect(requests.filter((url) => url.startsWith('/.well-known/'))).toEqual([
      '/.well-known/oauth-authorization-server',
    ]);
    expect(requests.filter((url) => url === '/jwks')).toHaveLength(1);
  });

  it('still refuses a token of another issuer signed with the same key', async () => {
    const refused = await httpClient(running.url, await mint(`${issuer}/other`)).catch(
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(Error);
    expect(String((refused as Error).message)).toMatch(/401|invalid_token|Unauthorized/i);
  });
});
