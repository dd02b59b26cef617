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

  it('answers a valid call with sanitised output and refuses an invalid one', async () => {
    const client = await connect(server);
    const ok = await client.callTool({ name: 'search_notes', arguments: { query: 'zod', limit: 3 } });
    expect(textOf(ok)).toBe('3 notes about zod');
    const bad = await client.callTool({
      name: 'search_notes',
      arguments: { query: 'zod', limit: 500, source: 'http://169.254.169.254/' },
    });
    expect(textOf(bad)).toBe(
      'invalid arguments: limit: Too big: expected number to be <=50; source: scheme not allowed [ERR_INVALID_ARGUMENT]',
    );
    await client.close();
  });

  it('runs as a real stdio server process', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ['--import', 'tsx', examplePath],
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      stderr: 'pipe',
    });
    const client = new Client({ name: 'readme-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      expect(tools[0]?.inputSchema.properties).toMatchObject({
        query: { maxLength: 200 },
        limit: { minimum: 1, maximum: 50, default: 10 },
      });
      const result = await client.callTool({ name: 'search_notes', arguments: { query: 'a\u202eb' } });
      expect(textOf(result)).toBe(
        'invalid arguments: query: contains a bidirectional control character [ERR_INVALID_ARGUMENT]',
      );
    } finally {
      await client.close();
    }
  }, 30_000);
});
