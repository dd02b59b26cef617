import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { describe, expect, it } from 'vitest';
import { server } from '../examples/readme-server.js';
import { connect, textOf } from './helpers.js';

const examplePath = fileURLToPath(new URL('../examples/readme-server.ts', import.meta.url));

describe('the README example', () => {
  it('is in the README verbatim', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(['```ts', readFileSync(examplePath, 'utf8').trimEnd(), '```'].join('\n'));
  });

  it('allows a principal holding the scope and denies one without it', async () => {
    const allowed = await connect(server, {
      token: 't',
      clientId: 'c',
      scopes: ['greet'],
      extra: { subject: 'ann' },
    });
    expect(textOf(await allowed.callTool({ name: 'greet', arguments: { name: 'Ann' } }))).toBe('Hello, Ann!');
    await allowed.close();
    const denied = await connect(server, { token: 't', clientId: 'c', scopes: [] });
    const result = await denied.callTool({ name: 'greet', arguments: { name: 'Bob' } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe('missing scope [ERR_INSUFFICIENT_SCOPE]');
    await denied.close();
  });

  it('runs as a real stdio server process', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ['--import', 'tsx', examplePath],
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const client = new Client({ name: 'readme-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(['greet']);
      // stdio has no bearer token, so there is no principal and the scope check denies.
      const result = await client.callTool({ name: 'greet', arguments: { name: 'Eve' } });
      expect(textOf(result)).toBe('missing scope [ERR_INSUFFICIENT_SCOPE]');
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(stderr).toMatch(/tool greet: \d+\.\d ms/);
    } finally {
      await client.close();
    }
  }, 20_000);
});
