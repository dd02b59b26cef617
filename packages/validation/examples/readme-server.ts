import { secureMcpServer } from '@mcp-warden/core';
import { boundedEnum, boundedInt, boundedString, safeUrl, validationGuard } from '@mcp-warden/validation';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';

export const server = new McpServer({ name: 'notes', version: '1.0.0' });
secureMcpServer(server, {
  // Structural limits, then the tool's schema, before the handler; output sanitised after it.
  guards: [validationGuard({ limits: { maxDepth: 8 }, output: { maxTextChars: 20_000 } })],
});

server.registerTool(
  'search_notes',
  {
    inputSchema: {
      query: boundedString({ maxChars: 200, normalize: 'NFC' }),
      limit: boundedInt({ min: 1, max: 50 }).default(10),
      order: boundedEnum(['newest', 'oldest']).default('newest'),
      source: safeUrl({ hosts: ['*.example.com'] }).optional(),
    },
  },
  async ({ query, limit }) => ({
    // Imagine this text came from a web page: the guard strips the hidden instruction and the ANSI.
    content: [{ type: 'text', text: `${limit} notes about ${query}\u{E0049}\u{E0047}\u001b[2J` }],
  }),
);

if (import.meta.url === `file://${process.argv[1]}`) await server.connect(new StdioServerTransport());
