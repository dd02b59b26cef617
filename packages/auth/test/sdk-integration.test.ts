import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getSecurityContext, memorySink, secureMcpServer } from '@mcp-warden/core';
import { type OAuthClientProvider, selectResourceURL } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import type { OAuthTokenVerifier } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createResourceServer,
  nodeAuthMiddleware,
  type ResourceServer,
  requireScopes,
  sdkTokenVerifier,
  type WardenAuthInfo,
} from '../src/index.js';
import { ISSUER, makeKey, RESOURCE, sign, sourceFor, type TestKey } from './keys.js';

// Compile-time: our AuthInfo is the SDK's, and our verifier is the SDK's OAuthTokenVerifier.
const _authInfo: AuthInfo = {} as WardenAuthInfo;
void _authInfo;

const toolEvents = memorySink();

function mcpServer(): McpServer {
  const server = new McpServer({ name: 'files', version: '1.0.0' });
  secureMcpServer(server, {
    guards: [requireScopes({ hierarchy: { 'files:write': ['files:read'] } })],
    events: toolEvents,
    policies: { tools: { read_file: { scopes: ['files:read'] }, write_file: { scopes: ['files:write'] } } },
  });
  const whoami = (_args: unknown, extra: object) => {
    const context = getSecurityContext(extra);
    return {
      content: [
        { type: 'text' as const, text: `${context?.principal?.subject}:${context?.principal?.method}` },
      ],
    };
  };
  server.registerTool('read_file', { inputSchema: { path: z.string() } }, whoami);
  server.registerTool('write_file', { inputSchema: { path: z.string() } }, whoami);
  return server;
}

let key: TestKey;
let rs: ResourceServer;
let http: Server;
let base: string;

beforeAll(async () => {
  key = await makeKey('ES256');
  rs = createResourceServer({
    verifier: { issuer: ISSUER, resource: RESOURCE, keys: [sourceFor(key)] },
    authorizationServers: [ISSUER],
    toolScopes: { read_file: ['files:read'], write_file: ['files:write'] },
    scopeHierarchy: { 'files:write': ['files:read'] },
  });
  const app = express();
  app.use(express.json());
  app.post('/mcp', nodeAuthMiddleware(rs), async (req, res) => {
    const server = mcpServer();
    const transport = new StreamableHTTPServerTransport({});
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  });
  const verifier: OAuthTokenVerifier = sdkTokenVerifier(rs);
  app.get(
    '/sdk-protected',
    requireBearerAuth({ verifier, expectedResource: new URL(RESOURCE) }),
    (req, res) => {
      res.json({ clientId: req.auth?.clientId, subject: req.auth?.extra?.subject });
    },
  );
  http = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => http.once('listening', resolve));
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});

afterAll(async () => {
  http.closeAllConnections();
  await new Promise((resolve) => http.close(resolve));
});

async function clientWith(token: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(`${base}/mcp`), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  });
  const client = new Client({ name: 'test', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

describe('with the SDK over Streamable HTTP', () => {
  it('a token with the scope calls the tool; the principal reaches the handler', async () => {
    const client = await clientWith(await sign(key, { scope: 'files:read' }));
    const result = await client.callTool({ name: 'read_file', arguments: { path: 'a' } });
    expect(result.content).toEqual([{ type: 'text', text: 'user-1:bearer' }]);
    await client.close();
  });

  it('a tools/call needing more scope is refused at the HTTP layer with 403 (step-up)', async () => {
    const client = await clientWith(await sign(key, { scope: 'files:read' }));
    const error = await client.callTool({ name: 'write_file', arguments: { path: 'a' } }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/403|insufficient_scope/);
    await client.close();
  });

  it('a bad token cannot even initialize (401)', async () => {
    const error = await clientWith('not.a.token').then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error).toBeDefined();
  });

  it('the core guard denies too when the HTTP layer has no per-tool map (stdio and other paths)', async () => {
    const server = mcpServer();
    const { InMemoryTransport } = await import('@modelcontextprotocol/sdk/inMemory.js');
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    const authInfo = await rs.verifyToken(await sign(key, { scope: 'files:read' }));
    const send = clientTransport.send.bind(clientTransport);
    clientTransport.send = (message, options) => send(message, { ...options, authInfo });
    const client = new Client({ name: 'test', version: '1.0.0' });
    await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
    toolEvents.clear();
    const denied = await client.callTool({ name: 'write_file', arguments: { path: 'a' } });
    expect(denied.isError).toBe(true);
    expect(JSON.stringify(denied)).toContain('ERR_INSUFFICIENT_SCOPE');
    expect(toolEvents.events.find((event) => event.type === 'authz_fail')).toMatchObject({
      requiredScopes: ['files:write'],
      code: 'ERR_INSUFFICIENT_SCOPE',
    });
    const allowed = await client.callTool({ name: 'read_file', arguments: { path: 'a' } });
    expect(allowed.isError).toBeFalsy();
    await client.close();
  });
});

describe("the SDK's requireBearerAuth with sdkTokenVerifier", () => {
  it('accepts our tokens and answers 401 (never 500) for bad ones', async () => {
    const good = await fetch(`${base}/sdk-protected`, {
      headers: { Authorization: `Bearer ${await sign(key, { scope: 'files:read' })}` },
    });
    expect(good.status).toBe(200);
    expect(await good.json()).toEqual({ clientId: 'client-1', subject: 'user-1' });
    for (const token of ['x.y.z', await sign(key, { aud: 'https://elsewhere.example/mcp' })]) {
      const bad = await fetch(`${base}/sdk-protected`, { headers: { Authorization: `Bearer ${token}` } });
      expect(bad.status).toBe(401);
      expect(JSON.stringify(await bad.json())).toMatch(/ERR_TOKEN_/);
    }
  });
});

describe('RFC 8707 resource indicator as the SDK client sends it', () => {
  it('accepts the aud the SDK client requests for an origin-only or non-canonical resource, nothing else', async () => {
    const cases = [
      { resource: 'https://mcp.example.com', serverUrl: 'https://mcp.example.com/' },
      { resource: 'https://MCP.Example.com:443/mcp', serverUrl: 'https://mcp.example.com/mcp' },
    ];
    for (const { resource, serverUrl } of cases) {
      const server = createResourceServer({
        verifier: { issuer: ISSUER, resource, keys: [sourceFor(key)], cache: false },
        authorizationServers: [ISSUER],
      });
      // What the real SDK client puts in `resource=` (authorization and token requests), read from our metadata.
      const document = JSON.parse(JSON.stringify(server.metadata)) as { resource: string };
      const requested = await selectResourceURL(new URL(serverUrl), {} as OAuthClientProvider, document);
      expect(requested).toBeDefined();
      const issuedFor = requested!.href;
      expect(issuedFor).not.toBe(resource);
      await expect(server.verifyToken(await sign(key, { aud: issuedFor }))).resolves.toMatchObject({
        clientId: 'client-1',
      });
      // The configured spelling keeps working (e.g. an AS that copies the identifier verbatim).
      await expect(server.verifyToken(await sign(key, { aud: resource }))).resolves.toBeDefined();
      // Still exact otherwise: another path, a trailing slash on a path, another host.
      for (const aud of [
        'https://mcp.example.com/other',
        `${issuedFor}/`,
        'https://mcp.example.com.evil/',
        'https://mcp.example.com:8443/mcp',
      ]) {
        await expect(server.verifyToken(await sign(key, { aud }))).rejects.toMatchObject({
          code: 'ERR_TOKEN_AUDIENCE_INVALID',
        });
      }
    }
  });
});
