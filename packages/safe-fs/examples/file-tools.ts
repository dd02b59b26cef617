import { getSecurityContext, memorySink, secureMcpServer } from '@mcp-warden/core';
import { createSafeFs } from '@mcp-warden/safe-fs';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

// The only directory the model may touch; relative paths resolve against it, never the cwd.
export const files = createSafeFs({
  roots: [process.env.FILES_ROOT ?? './workspace'],
  maxReadBytes: 1024 * 1024,
});

// Denials become `malicious_path_traversal`, `malicious_symlink_escape` and `fs_denied` events
// (`@mcp-warden/audit` provides a sink that logs them).
export const events = memorySink();
export const server = new McpServer({ name: 'files', version: '1.0.0' });
secureMcpServer(server, { guards: [], events });

server.registerTool(
  'read_file',
  { inputSchema: { path: z.string().max(4096) }, annotations: { readOnlyHint: true } },
  async ({ path }, extra) => {
    const text = await files.readText(path, { signal: extra.signal, context: getSecurityContext(extra) });
    return { content: [{ type: 'text', text }] };
  },
);

server.registerTool(
  'write_file',
  { inputSchema: { path: z.string().max(4096), text: z.string() } },
  async ({ path, text }, extra) => {
    await files.writeFile(path, text, { signal: extra.signal, context: getSecurityContext(extra) });
    return { content: [{ type: 'text', text: `wrote ${Buffer.byteLength(text)} bytes` }] };
  },
);

if (import.meta.url === `file://${process.argv[1]}`) await server.connect(new StdioServerTransport());
