import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mintApiKey } from '@mcp-warden/auth';
import { describe, expect, it } from 'vitest';
import { SCOPES } from '../src/demo-tools.js';
import { startServer } from '../src/server.js';
import { loadSettings } from '../src/settings.js';
import { httpClient, textOf, workspace } from './helpers.js';

describe('the reference server with API keys', () => {
  it('serves a stored key with its scopes and refuses an unknown one', async () => {
    const ws = workspace();
    const minted = mintApiKey({ subject: 'ci-robot', scopes: [SCOPES.read] });
    const keysFile = join(ws.dir, 'api-keys.json');
    writeFileSync(keysFile, JSON.stringify([minted.record]), { mode: 0o600 });
    const { config, warnings } = loadSettings({
      env: {
        MCP_TRANSPORT: 'http',
        MCP_SERVER_PORT: '0',
        MCP_FS_ROOTS: ws.roots,
        MCP_AUTH_MODE: 'apikey',
        MCP_API_KEYS_FILE: keysFile,
        MCP_AUDIT_LOG: ws.auditLog,
      },
    });
    const running = await startServer(config, warnings);
    try {
      const { client } = await httpClient(running.url, minted.key);
      expect(textOf(await client.callTool({ name: 'read_file', arguments: { path: 'hello.txt' } }))).toBe(
        'hello\n',
      );
      expect((await client.callTool({ name: 'whoami', arguments: {} })).structuredContent).toMatchObject({
        subject: 'ci-robot',
        method: 'api_key',
      });
      await client.close();
      await expect(httpClient(running.url, mintApiKey({ subject: 'stranger' }).key)).rejects.toMatchObject({
        code: 401,
      });
    } finally {
      await running.close('test done');
    }
  });
});
