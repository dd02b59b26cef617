import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { verifyAuditLog } from '@mcp-warden/audit';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { describe, expect, it } from 'vitest';
import { codeOf, textOf, workspace } from './helpers.js';

const binary = fileURLToPath(new URL('../dist/main.js', import.meta.url));

function spawnServer(env: Record<string, string>) {
  let stderr = '';
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [binary],
    env,
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return { transport, stderr: () => stderr };
}

describe('the built binary over stdio', () => {
  it('serves the tools to the local principal, guarded, and leaves a verifiable audit log', async () => {
    expect(existsSync(binary), 'the app is built before its tests (turbo test dependsOn build)').toBe(true);
    const ws = workspace();
    const { transport, stderr } = spawnServer({
      MCP_TRANSPORT: 'stdio',
      MCP_FS_ROOTS: ws.roots,
      MCP_AUDIT_LOG: ws.auditLog,
    });
    const client = new Client({ name: 'stdio-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      expect((await client.listTools()).tools.map((tool) => tool.name).sort()).toEqual([
        'edit_file',
        'list_directory',
        'read_file',
        'run_command',
        'search_files',
        'whoami',
        'write_file',
      ]);
      expect(textOf(await client.callTool({ name: 'read_file', arguments: { path: 'hello.txt' } }))).toBe(
        'hello\n',
      );
      const who = await client.callTool({ name: 'whoami', arguments: {} });
      expect(who.structuredContent).toMatchObject({ method: 'environment' });
      expect(codeOf(await client.callTool({ name: 'read_file', arguments: { path: '/etc/passwd' } }))).toBe(
        'ERR_PATH_OUTSIDE_ROOTS',
      );
      expect(stderr()).toContain('transport      stdio');
    } finally {
      await client.close();
    }
    // Closing stdin ends the process; the audit log is flushed and verifies.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const report = await verifyAuditLog(ws.auditLog);
    expect(report.ok).toBe(true);
    expect(readFileSync(ws.auditLog, 'utf8')).toContain('"tool:read_file"');
  });

  it('refuses to start with an invalid configuration, listing every problem, exit 78', async () => {
    const { execFile } = await import('node:child_process');
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        [binary],
        {
          env: {
            PATH: process.env.PATH ?? '',
            MCP_TRANSPORT: 'http',
            MCP_SERVER_PORT: 'eighty',
            MCP_RATELIMIT: '5',
          },
        },
        (_error, _stdout, stderr) => resolve({ code: child.exitCode, stderr }),
      );
    });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('MCP_SERVER_PORT');
    expect(result.stderr).toContain('MCP_RATELIMIT');
    expect(result.stderr).toMatch(/authMode|MCP_AUTH_MODE/);
  });
});
