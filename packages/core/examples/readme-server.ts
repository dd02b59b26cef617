import { AuthorizationError, type Guard, secureMcpServer } from '@mcp-warden/core';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

// Guard 1: the principal must hold every scope the call's policy names.
const requireScopes: Guard = async (call, next) => {
  const granted = call.context.principal?.scopes ?? [];
  const missing = call.policy.scopes.filter((scope) => !granted.includes(scope));
  if (missing.length > 0) {
    throw new AuthorizationError('ERR_INSUFFICIENT_SCOPE', 'missing scope', { data: { scopes: missing } });
  }
  return next();
};

// Guard 2: time every call (stderr: stdout belongs to the stdio transport).
const timing: Guard = async (call, next) => {
  const started = performance.now();
  try {
    return await next();
  } finally {
    console.error(`${call.kind} ${call.name}: ${(performance.now() - started).toFixed(1)} ms`);
  }
};

export const server = new McpServer({ name: 'hello', version: '1.0.0' });
secureMcpServer(server, {
  guards: [timing, requireScopes],
  policies: { tools: { greet: { scopes: ['greet'] } } },
});

server.registerTool('greet', { inputSchema: { name: z.string().max(100) } }, async ({ name }) => ({
  content: [{ type: 'text', text: `Hello, ${name}!` }],
}));

if (import.meta.url === `file://${process.argv[1]}`) await server.connect(new StdioServerTransport());
