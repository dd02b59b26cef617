import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { describe, expect, it } from 'vitest';
import { SECRET, sandbox } from './helpers.js';

const examplePath = fileURLToPath(new URL('../examples/file-tools.ts', import.meta.url));

function textOf(result: object): string {
  const content = (result as { content?: { type: string; text?: string }[] }).content ?? [];
  return content.map((block) => block.text ?? '').join('');
}

describe('the README example', () => {
  it('is in the README verbatim', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(['```ts', readFileSync(examplePath, 'utf8').trimEnd(), '```'].join('\n'));
  });

  it('serves files inside the root to a real SDK Client and refuses escapes with coded errors and events', async () => {
    const box = sandbox();
    writeFileSync(join(box.root, 'notes.txt'), 'hello from the root');
    symlinkSync(box.outside, join(box.root, 'escape'));
    process.env.FILES_ROOT = box.root;
    const { server, events } = await import('../examples/file-tools.js');
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    const client = new Client({ name: 'readme-test', version: '1.0.0' });
    await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
    try {
      expect(textOf(await client.callTool({ name: 'read_file', arguments: { path: 'notes.txt' } }))).toBe(
        'hello from the root',
      );
      const written = await client.callTool({
        name: 'write_file',
        arguments: { path: 'new.txt', text: 'hi' },
      });
      expect(textOf(written)).toBe('wrote 2 bytes');
      expect(readFileSync(join(box.root, 'new.txt'), 'utf8')).toBe('hi');

      const traversal = await client.callTool({
        name: 'read_file',
        arguments: { path: '../outside/secret.txt' },
      });
      expect(traversal.isError).toBe(true);
      expect(textOf(traversal)).toBe('path is outside the allowed roots [ERR_PATH_OUTSIDE_ROOTS]');
      const viaLink = await client.callTool({
        name: 'write_file',
        arguments: { path: 'escape/x.txt', text: 'x' },
      });
      expect(textOf(viaLink)).toBe('symbolic link leads outside the allowed roots [ERR_SYMLINK_ESCAPE]');
      expect(existsSync(join(box.outside, 'x.txt'))).toBe(false);
      expect(JSON.stringify([traversal, viaLink])).not.toContain(box.base);

      const types = events.events.map((event) => event.type);
      expect(types).toContain('malicious_path_traversal');
      expect(types).toContain('malicious_symlink_escape');
      const escapeEvent = events.events.find((event) => event.type === 'malicious_symlink_escape');
      expect(escapeEvent?.target).toBe('tool:write_file');
    } finally {
      await client.close();
    }
  });

  it('runs as a real stdio server process', async () => {
    const box = sandbox();
    mkdirSync(join(box.root, 'docs'));
    writeFileSync(join(box.root, 'docs', 'a.md'), '# A');
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ['--import', 'tsx', examplePath],
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: { ...(process.env as Record<string, string>), FILES_ROOT: box.root },
      stderr: 'pipe',
    });
    const client = new Client({ name: 'readme-stdio', version: '1.0.0' });
    await client.connect(transport);
    try {
      expect((await client.listTools()).tools.map((tool) => tool.name).sort()).toEqual([
        'read_file',
        'write_file',
      ]);
      expect(textOf(await client.callTool({ name: 'read_file', arguments: { path: 'docs/a.md' } }))).toBe(
        '# A',
      );
      const denied = await client.callTool({
        name: 'read_file',
        arguments: { path: join(box.outside, 'secret.txt') },
      });
      expect(denied.isError).toBe(true);
      expect(textOf(denied)).not.toContain(SECRET);
      expect(textOf(denied)).toContain('[ERR_PATH_OUTSIDE_ROOTS]');
    } finally {
      await client.close();
    }
  }, 30_000);
});
