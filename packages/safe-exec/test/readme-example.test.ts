import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

const examplePath = fileURLToPath(new URL('../examples/readme-server.ts', import.meta.url));

function textOf(result: object): string {
  const content = (result as { content?: { type: string; text?: string }[] }).content ?? [];
  return content.map((block) => block.text ?? '').join('');
}

let workspace: { path: string; cleanup: () => void };
beforeAll(() => {
  workspace = tempDir('safe-exec-readme-');
  mkdirSync(join(workspace.path, 'src'));
  writeFileSync(join(workspace.path, 'src', 'main.ts'), '// TODO: ship it\nexport {};\n');
});
afterAll(() => workspace.cleanup());

describe('the README example', () => {
  it('is in the README verbatim', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(['```ts', readFileSync(examplePath, 'utf8').trimEnd(), '```'].join('\n'));
  });

  it('runs as a real stdio server: allowed calls run, injections come back as coded errors', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ['--import', 'tsx', examplePath],
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', WORKSPACE: workspace.path },
      stderr: 'pipe',
    });
    const client = new Client({ name: 'readme-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      const found = await client.callTool({
        name: 'run',
        arguments: { command: 'grep', args: ['-rn', 'TODO', 'src'] },
      });
      expect(textOf(found)).toBe('src/main.ts:1:// TODO: ship it\n');
      const listed = await client.callTool({
        name: 'run',
        arguments: { command: 'ls', args: ['-1', 'src'] },
      });
      expect(textOf(listed)).toBe('main.ts\n');
      const injected = await client.callTool({
        name: 'run',
        arguments: { command: 'git', args: ['log', '--upload-pa=touch /tmp/x'] },
      });
      expect(injected.isError).toBe(true);
      expect(textOf(injected)).toContain('[ERR_FLAG_NOT_ALLOWED]');
      const escaped = await client.callTool({ name: 'run', arguments: { command: 'ls', args: ['/etc'] } });
      expect(textOf(escaped)).toContain('[ERR_ARGUMENT_REJECTED]');
    } finally {
      await client.close();
    }
  }, 30_000);
});
