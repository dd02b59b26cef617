import { auditCalls, createAuditSink } from '@mcp-warden/audit';
import { secureMcpServer } from '@mcp-warden/core';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

// One JSON line per security event, hash-chained, in a file created with mode 0600.
// With AUDIT_HMAC_KEY set (>= 32 bytes), every line also carries an HMAC.
export const audit = createAuditSink({
  file: process.env.AUDIT_LOG ?? 'mcp_security.log',
  ...(process.env.AUDIT_HMAC_KEY ? { hmacKey: process.env.AUDIT_HMAC_KEY } : {}),
});

export const server = new McpServer({ name: 'notes', version: '1.0.0' });
secureMcpServer(server, {
  guards: [auditCalls()], // first, so it records calls that later guards deny
  events: audit,
  transport: 'stdio',
  // Argument values are never logged unless a tool opts in, here for `query` only.
  policies: { tools: { search: { audit: { arguments: ['query'] } } } },
});

server.registerTool(
  'search',
  { inputSchema: { query: z.string().max(200), apiKey: z.string().optional() } },
  async ({ query }) => ({ content: [{ type: 'text', text: `no notes match ${query}` }] }),
);

if (import.meta.url === `file://${process.argv[1]}`) await server.connect(new StdioServerTransport());
