import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { describe, expect, it } from 'vitest';
import { server } from '../examples/readme-server.js';
import { connect, textOf } from './mcp-helpers.js';

const examplePath = fileURLToPath(new URL('../examples/readme-server.ts', import.meta.url));

describe('the README example', () => {
  it('is in the README verbatim', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(['```ts', readFileSync(examplePath, 'utf8').trimEnd(), '```'].join('\n'));
  });

  it('allows five exports a minute, then answers ERR_RATE_LIMITED', async () => {
    const client = await connect(server, {
      token: 't',
      clientId: 'c',
      scopes: [],
      extra: { subject: 'ann' },
    });
    for (let i = 0; i < 5; i++) {
      expect(textOf(await client.callTool({ name: 'export_report', arguments: { month: '2026-11' } }))).toBe(
        'report for 2026-11',
      );
    }
    const denied = await client.callTool({ name: 'export_report', arguments: { month: '2026-11' } });
    expect(textOf(denied)).toBe('rate limit exceeded [ERR_RATE_LIMITED]');
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
      const texts = [];
      for (let i = 0; i < 6; i++) {
        texts.push(textOf(await client.callTool({ name: 'export_report', arguments: { month: '2026-01' } })));
      }
      expect(texts.slice(0, 5)).toEqual(Array(5).fill('report for 2026-01'));
      // stdio has no principal: the caller is keyed `anonymous`, and is limited all the same.
      expect(texts[5]).toBe('rate limit exceeded [ERR_RATE_LIMITED]');
    } finally {
      await client.close();
    }
  }, 30_000);
});
