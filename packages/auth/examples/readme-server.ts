import { createResourceServer, nodeAuthMiddleware, requireScopes } from '@mcp-warden/auth';
import { getSecurityContext, secureMcpServer } from '@mcp-warden/core';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import express from 'express';
import { z } from 'zod';

const issuer = process.env.OAUTH_ISSUER ?? 'https://auth.example.com';
const toolScopes = { read_note: ['notes:read'], write_note: ['notes:write'] };
const scopeHierarchy = { 'notes:write': ['notes:read'] }; // a broader scope implies narrower ones

// The HTTP layer: bearer JWTs checked against your authorization server's keys.
export const auth = createResourceServer({
  verifier: {
    issuer,
    resource: process.env.MCP_RESOURCE ?? 'http://localhost:3000/mcp', // tokens must carry this `aud`
    keys: [
      {
        type: 'jwks-uri',
        url: process.env.OAUTH_JWKS_URL ?? `${issuer}/jwks`,
        algorithms: ['ES256', 'RS256'],
      },
    ],
  },
  authorizationServers: [issuer],
  scopesSupported: ['notes:read', 'notes:write'],
  toolScopes, // tools/call without the tool's scopes → 403 insufficient_scope before the SDK runs
  scopeHierarchy,
});

function notesServer(): McpServer {
  const server = new McpServer({ name: 'notes', version: '1.0.0' });
  // The same scopes again as a guard: covers stdio and anything that skips the HTTP layer.
  secureMcpServer(server, {
    guards: [requireScopes({ hierarchy: scopeHierarchy })],
    policies: {
      tools: { read_note: { scopes: toolScopes.read_note }, write_note: { scopes: toolScopes.write_note } },
    },
  });
  server.registerTool('read_note', { inputSchema: { id: z.string().max(64) } }, async ({ id }, extra) => ({
    content: [{ type: 'text', text: `note ${id}, read by ${getSecurityContext(extra)?.principal?.subject}` }],
  }));
  server.registerTool('write_note', { inputSchema: { id: z.string().max(64) } }, async ({ id }) => ({
    content: [{ type: 'text', text: `note ${id} saved` }],
  }));
  return server;
}

export const app = express();
app.use(express.json({ limit: '1mb' }));
app.use(nodeAuthMiddleware(auth)); // also serves /.well-known/oauth-protected-resource/mcp
app.post('/mcp', async (req, res) => {
  const server = notesServer();
  const transport = new StreamableHTTPServerTransport({}); // stateless
  res.on('close', () => void server.close());
  await server.connect(transport);
  await transport.handleRequest(req, res, req.body); // req.auth → extra.authInfo → principal
});

if (import.meta.url === `file://${process.argv[1]}`) app.listen(3000, '127.0.0.1');
