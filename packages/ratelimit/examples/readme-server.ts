import { secureMcpServer } from '@mcp-warden/core';
import { MemoryStore, rateLimitGuard } from '@mcp-warden/ratelimit';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

// One store for the process; use RedisStore to share limits across instances.
const store = new MemoryStore({ maxKeys: 100_000 });

export const server = new McpServer({ name: 'limited', version: '1.0.0' });
secureMcpServer(server, {
  guards: [
    rateLimitGuard({
      store,
      rule: { limit: 60, periodMs: 60_000 }, // every caller: 60 calls a minute, burst 60
      tools: { export_report: { limit: 5, periodMs: 60_000 } }, // and this tool: 5 a minute
      maxInFlight: 4, // at most 4 calls at once per caller
    }),
  ],
  policies: { tools: { export_report: { cost: 2 } } }, // spends 2 of the 60
});

server.registerTool('export_report', { inputSchema: { month: z.string().max(7) } }, async ({ month }) => ({
  content: [{ type: 'text', text: `report for ${month}` }],
}));

if (import.meta.url === `file://${process.argv[1]}`) await server.connect(new StdioServerTransport());
