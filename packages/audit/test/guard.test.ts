import { join } from 'node:path';
import { AuthorizationError, type Guard, secureMcpServer } from '@mcp-warden/core';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { completable } from '@modelcontextprotocol/sdk/server/completable.js';
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { auditCalls, auditEventSchemas, createAuditSink, verifyAuditLog } from '../src/index.js';
import { readLines, readRecords, tempDir } from './helpers.js';

async function connect(server: McpServer, authInfo?: AuthInfo): Promise<Client> {
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  if (authInfo !== undefined) {
    const send = clientTransport.send.bind(clientTransport);
    clientTransport.send = (message, options) => send(message, { ...options, authInfo });
  }
  const client = new Client({ name: 'test-client', version: '1.0.0' });
  await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
  return client;
}

const requireScopes: Guard = async (call, next) => {
  const granted = call.context.principal?.scopes ?? [];
  const missing = call.policy.scopes.filter((scope) => !granted.includes(scope));
  if (missing.length > 0) {
    call.context.emit({
      type: 'authz_fail',
      requiredScopes: missing,
      reason: 'missing scope',
      code: 'ERR_INSUFFICIENT_SCOPE',
    });
    throw new AuthorizationError('ERR_INSUFFICIENT_SCOPE', 'missing scope');
  }
  return next();
};

function build(file: string) {
  const sink = createAuditSink({ file, handleSignals: false });
  const server = new McpServer({ name: 'audit-test', version: '1.0.0' });
  secureMcpServer(server, {
    guards: [auditCalls(), requireScopes],
    events: sink,
    policies: {
      tools: {
        write_note: { scopes: ['notes:write'], audit: { arguments: ['title'] } },
        echo: { audit: { arguments: true } },
      },
    },
  });
  server.registerTool('read_note', { inputSchema: { path: z.string() } }, async ({ path }) => ({
    content: [{ type: 'text', text: `note at ${path}` }],
  }));
  server.registerTool(
    'echo',
    { inputSchema: { text: z.string(), apiKey: z.string().optional() } },
    async ({ text }) => ({
      content: [{ type: 'text', text }],
    }),
  );
  server.registerTool('write_note', { inputSchema: { title: z.string(), body: z.string() } }, async () => ({
    content: [{ type: 'text', text: 'ok' }],
  }));
  server.registerTool('broken', {}, async () => {
    throw new Error('database password=hunter22 rejected');
  });
  server.registerResource(
    'note',
    new ResourceTemplate('notes://{id}', { list: undefined }),
    {},
    async (uri) => ({
      contents: [{ uri: uri.href, text: 'n' }],
    }),
  );
  server.registerPrompt('summarize', { argsSchema: { topic: z.string() } }, async ({ topic }) => ({
    messages: [{ role: 'user', content: { type: 'text', text: topic } }],
  }));
  return { sink, server };
}

describe('auditCalls guard', () => {
  it('records every tool, resource and prompt call with outcome, code and duration', async () => {
    const file = join(tempDir(), 'audit.log');
    const { sink, server } = build(file);
    const client = await connect(server, {
      token: 'secret-token-value',
      clientId: 'client-1',
      scopes: [],
      extra: { subject: 'ann' },
    });
    await client.callTool({ name: 'read_note', arguments: { path: '/home/ann/diary.txt' } });
    const denied = await client.callTool({ name: 'write_note', arguments: { title: 't', body: 'b' } });
    expect(denied.isError).toBe(true);
    const broken = await client.callTool({ name: 'broken', arguments: {} });
    expect(broken.isError).toBe(true);
    await client.readResource({ uri: 'notes://7' });
    await expect(client.readResource({ uri: 'unknown://x' })).rejects.toThrow();
    await client.getPrompt({ name: 'summarize', arguments: { topic: 'x' } });
    await client.close();
    await sink.close();

    const calls = readRecords(file).filter((record) => record.type === 'mcp_call');
    expect(calls.map((call) => [call.target, call.outcome, call.code])).toEqual([
      ['tool:read_note', 'success', undefined],
      ['tool:write_note', 'denied', 'ERR_INSUFFICIENT_SCOPE'],
      ['tool:broken', 'failure', 'ERR_INTERNAL'],
      ['resource:notes://7', 'success', undefined],
      ['resource:unknown://x', 'failure', undefined],
      ['prompt:summarize', 'success', undefined],
    ]);
    for (const call of calls) {
      expect(call.durationMs).toBeTypeOf('number');
      expect(call.principal).toEqual({ subject: 'ann', clientId: 'client-1', method: 'bearer' });
      // Only write_note opted in, and only for `title`: other argument values stay out.
      expect(call.arguments).toEqual(call.target === 'tool:write_note' ? { title: 't' } : undefined);
    }
    expect(calls[1]!.level).toBe('warn');
    const text = readLines(file).join('\n');
    expect(text).not.toContain('/home/ann/diary.txt');
    expect(text).not.toContain('secret-token-value');
    expect(text).not.toContain('hunter22');
    expect(readRecords(file).find((record) => record.type === 'internal_error')).toMatchObject({
      target: 'tool:broken',
      errorMessage: 'database password=[REDACTED] rejected',
    });
    const authz = readRecords(file).find((record) => record.type === 'authz_fail');
    expect(authz).toMatchObject({ target: 'tool:write_note', requiredScopes: ['notes:write'] });
    expect((await verifyAuditLog(file, { requireClosed: true })).ok).toBe(true);
  });

  it('logs argument values only for tools that opt in, redacted and one line per call', async () => {
    const file = join(tempDir(), 'audit.log');
    const { sink, server } = build(file);
    const client = await connect(server, { token: 't', clientId: 'c', scopes: ['notes:write'] });
    await client.callTool({
      name: 'echo',
      arguments: { text: 'hi\n{"type":"authn_login_success"}', apiKey: 'sk-live-abcdefghijklmnop1234' },
    });
    await client.callTool({ name: 'write_note', arguments: { title: 'shopping', body: 'private body' } });
    await client.close();
    await sink.close();
    const lines = readLines(file);
    expect(lines).toHaveLength(4);
    const [echo, write] = readRecords(file).filter((record) => record.type === 'mcp_call');
    expect(echo).toMatchObject({
      arguments: { text: 'hi\n{"type":"authn_login_success"}', apiKey: '[REDACTED]' },
    });
    expect(write).toMatchObject({ outcome: 'success', arguments: { title: 'shopping' } });
    expect(JSON.stringify(write)).not.toContain('private body');
    expect(lines.join('\n')).not.toContain('sk-live-abcdefghijklmnop1234');
  });

  it('marks completion/complete and template list requests with their operation, so they are not read as calls', async () => {
    const file = join(tempDir(), 'audit.log');
    const sink = createAuditSink({ file, handleSignals: false });
    const server = new McpServer({ name: 'audit-test', version: '1.0.0' });
    secureMcpServer(server, { guards: [auditCalls()], events: sink });
    server.registerPrompt(
      'greet',
      {
        argsSchema: { who: completable(z.string(), (value) => ['world'].filter((w) => w.startsWith(value))) },
      },
      ({ who }) => ({ messages: [{ role: 'user', content: { type: 'text', text: who } }] }),
    );
    server.registerResource(
      'notes',
      new ResourceTemplate('notes://{id}', {
        list: async () => ({ resources: [{ uri: 'notes://1', name: 'note 1' }] }),
        complete: { id: () => ['1'] },
      }),
      {},
      async (uri) => ({ contents: [{ uri: uri.href, text: 'x' }] }),
    );
    const client = await connect(server);
    await client.getPrompt({ name: 'greet', arguments: { who: 'ann' } });
    await client.complete({
      ref: { type: 'ref/prompt', name: 'greet' },
      argument: { name: 'who', value: 'wo' },
    });
    await client.listResources();
    await client.readResource({ uri: 'notes://1' });
    await client.complete({
      ref: { type: 'ref/resource', uri: 'notes://{id}' },
      argument: { name: 'id', value: '' },
    });
    await client.close();
    await sink.close();

    const calls = readRecords(file).filter((record) => record.type === 'mcp_call');
    expect(calls.map((call) => [call.target, call.operation, call.outcome])).toEqual([
      ['prompt:greet', undefined, 'success'],
      ['prompt:greet', 'complete', 'success'],
      ['resource:notes://{id}', 'list', 'success'],
      ['resource:notes://1', undefined, 'success'],
      ['resource:notes://{id}', 'complete', 'success'],
    ]);
    // The field is part of the documented line shape.
    expect(auditEventSchemas.mcp_call).toMatchObject({
      properties: { operation: { enum: ['complete', 'list'] } },
    });
    expect((await verifyAuditLog(file, { requireClosed: true })).ok).toBe(true);
  });
});
