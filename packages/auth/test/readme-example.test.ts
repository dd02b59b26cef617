import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevToken, mintDevToken } from '../src/index.js';

const examplePath = fileURLToPath(new URL('../examples/readme-server.ts', import.meta.url));
const ISSUER = 'https://auth.example.com';
const RESOURCE = 'http://localhost:3000/mcp';

let jwksServer: Server;
let appServer: Server;
let base: string;
let first: DevToken;
const keyFile = join(mkdtempSync(join(tmpdir(), 'warden-readme-')), 'dev-key.json');

beforeAll(async () => {
  first = await mintDevToken({
    issuer: ISSUER,
    audience: RESOURCE,
    subject: 'ann',
    scopes: ['notes:read'],
    keyFile,
  });
  jwksServer = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(first.jwks));
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  process.env.OAUTH_JWKS_URL = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks`;
  const { app } = await import('../examples/readme-server.js');
  appServer = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => appServer.once('listening', resolve));
  base = `http://localhost:${(appServer.address() as AddressInfo).port}`;
});

afterAll(async () => {
  appServer.closeAllConnections();
  await new Promise((resolve) => appServer.close(resolve));
  await new Promise((resolve) => jwksServer.close(resolve));
  delete process.env.OAUTH_JWKS_URL;
});

async function clientWith(token: string): Promise<Client> {
  const client = new Client({ name: 'readme', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${base}/mcp`), {
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
    }),
  );
  return client;
}

describe('the README example', () => {
  it('is in the README verbatim', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(['```ts', readFileSync(examplePath, 'utf8').trimEnd(), '```'].join('\n'));
  });

  it('serves the metadata and challenges a request without a token', async () => {
    const meta = await fetch(`${base}/.well-known/oauth-protected-resource/mcp`);
    expect(await meta.json()).toMatchObject({ resource: RESOURCE, authorization_servers: [ISSUER] });
    const res = await fetch(`${base}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(
      'Bearer resource_metadata="http://localhost:3000/.well-known/oauth-protected-resource/mcp"',
    );
  });

  it('lets a notes:read token read, answers its write with a 403 step-up, and a notes:write token does both', async () => {
    const reader = await clientWith(first.token);
    expect(await reader.callTool({ name: 'read_note', arguments: { id: '1' } })).toMatchObject({
      content: [{ type: 'text', text: 'note 1, read by ann' }],
    });
    await expect(reader.callTool({ name: 'write_note', arguments: { id: '1' } })).rejects.toThrow(
      /403|insufficient_scope/,
    );
    await reader.close();
    // Same dev key (the JWKS server serves it): notes:write implies notes:read.
    const writer = await mintDevToken({
      issuer: ISSUER,
      audience: RESOURCE,
      subject: 'bo',
      scopes: ['notes:write'],
      keyFile,
    });
    const client = await clientWith(writer.token);
    expect(await client.callTool({ name: 'write_note', arguments: { id: '2' } })).toMatchObject({
      content: [{ type: 'text', text: 'note 2 saved' }],
    });
    expect(await client.callTool({ name: 'read_note', arguments: { id: '2' } })).toMatchObject({
      content: [{ type: 'text', text: 'note 2, read by bo' }],
    });
    await client.close();
    // A token minted with another key is refused.
    const stranger = await mintDevToken({
      issuer: ISSUER,
      audience: RESOURCE,
      subject: 'eve',
      scopes: ['notes:write'],
    });
    await expect(clientWith(stranger.token)).rejects.toThrow();
  });
});
