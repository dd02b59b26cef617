import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { describe, expect, it } from 'vitest';
import { verifyAuditLog } from '../src/index.js';
import { HMAC_KEY, readRecords, tempDir } from './helpers.js';

const examplePath = fileURLToPath(new URL('../examples/audit-server.ts', import.meta.url));
const packageDir = fileURLToPath(new URL('..', import.meta.url));

describe('the README example', () => {
  it('is in the README verbatim', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(['```ts', readFileSync(examplePath, 'utf8').trimEnd(), '```'].join('\n'));
  });

  it('runs as a real stdio server, writes a verifiable log, and the CLI verifies it', async () => {
    const file = join(tempDir(), 'mcp_security.log');
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ['--import', 'tsx', examplePath],
      cwd: packageDir,
      env: { ...(process.env as Record<string, string>), AUDIT_LOG: file, AUDIT_HMAC_KEY: HMAC_KEY },
      stderr: 'pipe',
    });
    const client = new Client({ name: 'readme-test', version: '1.0.0' });
    await client.connect(transport);
    await client.callTool({
      name: 'search',
      arguments: { query: 'taxes\nforged', apiKey: 'sk-live-0123456789abcdefgh' },
    });
    await client.close();
    // Closing stdin ends the server; its exit hook writes the shutdown record.
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && readRecords(file).at(-1)?.type !== 'sys_shutdown') {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const records = readRecords(file);
    expect(records.map((record) => record.type)).toEqual(['sys_startup', 'mcp_call', 'sys_shutdown']);
    expect(records[1]).toMatchObject({
      target: 'tool:search',
      outcome: 'success',
      transport: 'stdio',
      arguments: { query: 'taxes\nforged' },
    });
    expect(readFileSync(file, 'utf8')).not.toContain('sk-live');
    expect((await verifyAuditLog(file, { hmacKey: HMAC_KEY, requireClosed: true })).ok).toBe(true);
    const keyEnv = { ...process.env, AUDIT_KEY: HMAC_KEY };
    const cli = spawnSync(
      process.execPath,
      [join(packageDir, 'dist/verify-cli.js'), '--hmac-key-env', 'AUDIT_KEY', '--require-closed', file],
      { encoding: 'utf8', env: keyEnv, timeout: 30_000 },
    );
    expect(cli.stdout).toMatch(/^OK 3 lines in 1 file\(s\), 1 chain\(s\), HMAC verified/);
    expect(cli.status).toBe(0);
  }, 60_000);
});
