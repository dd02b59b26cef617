import { realpathSync } from 'node:fs';
import { relative } from 'node:path';
import { getSecurityContext, secureMcpServer } from '@mcp-warden/core';
import { createExecutor, gitPolicy, grepPolicy, lsPolicy, type PathCheck } from '@mcp-warden/safe-exec';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

const root = realpathSync(process.env.WORKSPACE ?? process.cwd());

// Paths must resolve (symlinks included) inside the workspace. In a full server pass the check
// from @mcp-warden/safe-fs instead: safe-exec takes any function of this shape.
const insideWorkspace: PathCheck = (path) => {
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    return false;
  }
  const inside = relative(root, real);
  return inside === '' || !(inside === '..' || inside.startsWith('../') || inside.startsWith('/'));
};

// The policy is data: it could come from a JSON config file just as well.
export const executor = createExecutor(
  {
    cwd: root,
    timeoutMs: 10_000,
    maxStdoutBytes: 256 * 1024,
    maxConcurrent: 2,
    commands: { git: gitPolicy(), grep: grepPolicy(), ls: lsPolicy() },
  },
  { pathCheck: insideWorkspace },
);

export const server = new McpServer({ name: 'workspace', version: '1.0.0' });
secureMcpServer(server, { guards: [] });

server.registerTool(
  'run',
  {
    description: 'Run git (status/log/diff/show/blame/branch/ls-files), grep or ls in the workspace',
    inputSchema: { command: z.enum(['git', 'grep', 'ls']), args: z.array(z.string()).max(32) },
  },
  async ({ command, args }, extra) => {
    // A denial throws a coded error; the binding turns it into `isError` with the code.
    const result = await executor.run(command, args, {
      context: getSecurityContext(extra),
      signal: extra.signal,
    });
    const note = result.truncated ? '\n[output truncated]' : result.timedOut ? '\n[timed out]' : '';
    return {
      content: [{ type: 'text', text: `${result.stdout}${note}` }],
      isError: result.exitCode !== 0 && !(command === 'grep' && result.exitCode === 1),
    };
  },
);

if (import.meta.url === `file://${process.argv[1]}`) await server.connect(new StdioServerTransport());
