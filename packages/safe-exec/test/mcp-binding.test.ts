import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getSecurityContext, memorySink, secureMcpServer } from '@mcp-warden/core';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { catPolicy, createExecutor, findPolicy } from '../src/index.js';
import { rootsCheck, tempDir } from './helpers.js';

let dir: { path: string; cleanup: () => void };
beforeAll(() => {
  dir = tempDir();
  writeFileSync(join(dir.path, 'hello.txt'), 'hello\n');
});
afterAll(() => dir.cleanup());

function textOf(result: object): string {
  const content = (result as { content?: { type: string; text?: string }[] }).content ?? [];
  return content.map((block) => block.text ?? '').join('');
}

describe('inside a secured MCP server (real SDK Client over InMemoryTransport)', () => {
  it("emits through the call's security context: events carry the request id and the tool", async () => {
    const events = memorySink();
    const executor = createExecutor(
      { cwd: dir.path, commands: { cat: catPolicy(), find: findPolicy() } },
      { pathCheck: rootsCheck(dir.path) },
    );
    const server = new McpServer({ name: 'exec', version: '1.0.0' });
    secureMcpServer(server, { guards: [], events });
    server.registerTool(
      'run',
      { inputSchema: { command: z.string(), args: z.array(z.string()) } },
      async ({ command, args }, extra) => {
        const result = await executor.run(command, args, {
          context: getSecurityContext(extra),
          signal: extra.signal,
        });
        return { content: [{ type: 'text', text: result.stdout }] };
      },
    );
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    const client = new Client({ name: 'test', version: '1.0.0' });
    await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
    try {
      const ok = await client.callTool({ name: 'run', arguments: { command: 'cat', args: ['hello.txt'] } });
      expect(textOf(ok)).toBe('hello\n');
      const denied = await client.callTool({
        name: 'run',
        arguments: { command: 'find', args: ['.', '-delete'] },
      });
      expect(denied.isError).toBe(true);
      expect(textOf(denied)).toBe('option "-delete" is not allowed [ERR_FLAG_NOT_ALLOWED]');
      const unknown = await client.callTool({
        name: 'run',
        arguments: { command: 'sh', args: ['-c', 'id'] },
      });
      expect(textOf(unknown)).toBe('command "sh" is not allowed [ERR_COMMAND_NOT_ALLOWED]');
    } finally {
      await client.close();
    }
    const execEvents = events.events.filter(
      (event) => event.type.startsWith('exec_') || event.type.startsWith('malicious_'),
    );
    expect(execEvents.map((event) => event.type)).toEqual([
      'exec_run',
      'exec_denied',
      'malicious_argument_injection',
      'exec_denied',
    ]);
    for (const event of execEvents) {
      expect(event.target).toBe('tool:run');
      expect(typeof event.requestId).toBe('string');
    }
    expect(JSON.stringify(execEvents)).not.toContain('hello.txt');
  }, 30_000);
});
