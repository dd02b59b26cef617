import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { verifyAuditLog } from '@mcp-warden/audit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPES, SENSITIVE_URI } from '../src/demo-tools.js';
import type { RunningServer } from '../src/server.js';
import { codeOf, httpClient, startJwtServer, textOf, workspace } from './helpers.js';

const ws = workspace();
let running: RunningServer;
let mint: (subject: string, scopes: readonly string[]) => Promise<string>;

beforeAll(async () => {
  ({ running, mint } = await startJwtServer(ws));
});
afterAll(async () => {
  await running?.close('test done');
});

describe('the reference server over HTTP with JWT auth', () => {
  it('runs each tool on its happy path', async () => {
    const { client } = await httpClient(running.url, await mint('alice', Object.values(SCOPES)));
    expect(textOf(await client.callTool({ name: 'read_file', arguments: { path: 'hello.txt' } }))).toBe(
      'hello\n',
    );
    const written = await client.callTool({
      name: 'write_file',
      arguments: { path: 'sub/new.txt', content: 'new' },
    });
    expect(written.structuredContent).toEqual({ path: 'sub/new.txt', bytes: 3 });
    expect(await readFile(join(ws.roots, 'sub/new.txt'), 'utf8')).toBe('new');
    const preview = await client.callTool({
      name: 'edit_file',
      arguments: { path: 'sub/new.txt', edits: [{ oldText: 'new', newText: 'edited' }], dryRun: true },
    });
    expect(preview.structuredContent).toMatchObject({ changed: true, dryRun: true });
    expect((preview.structuredContent as { diff: string }).diff).toContain(
      '-new\n\\ No newline at end of file\n+edited',
    );
    expect(await readFile(join(ws.roots, 'sub/new.txt'), 'utf8')).toBe('new');
    const edited = await client.callTool({
      name: 'edit_file',
      arguments: { path: 'sub/new.txt', edits: [{ oldText: 'new', newText: 'edited' }] },
    });
    expect(edited.structuredContent).toMatchObject({ path: 'sub/new.txt', changed: true, dryRun: false });
    expect(await readFile(join(ws.roots, 'sub/new.txt'), 'utf8')).toBe('edited');
    const missing = await client.callTool({
      name: 'edit_file',
      arguments: { path: 'sub/new.txt', edits: [{ oldText: 'new', newText: 'x' }] },
    });
    expect(codeOf(missing)).toBe('ERR_EDIT_NOT_FOUND');
    const listing = await client.callTool({ name: 'list_directory', arguments: { path: '.' } });
    expect(listing.structuredContent).toMatchObject({ truncated: false });
    expect(
      (listing.structuredContent as { entries: { name: string }[] }).entries.map((e) => e.name).sort(),
    ).toEqual(['hello.txt', 'sub']);
    const found = await client.callTool({
      name: 'search_files',
      arguments: { path: '.', patterns: ['**/*.txt'], exclude: ['hello*'] },
    });
    expect(found.structuredContent).toEqual({
      entries: [{ name: 'sub/new.txt', type: 'file' }],
      truncated: false,
    });
    const upward = await client.callTool({
      name: 'search_files',
      arguments: { path: '.', patterns: ['../**'] },
    });
    expect(codeOf(upward)).toBe('ERR_INVALID_PATTERN');
    const ls = await client.callTool({ name: 'run_command', arguments: { command: 'ls', args: ['sub'] } });
    expect(ls.structuredContent).toMatchObject({
      exitCode: 0,
      stdout: 'new.txt\n',
      timedOut: false,
      truncated: false,
    });
    const who = await client.callTool({ name: 'whoami', arguments: {} });
    expect(who.structuredContent).toMatchObject({ subject: 'alice', method: 'bearer' });
    const resource = await client.readResource({ uri: SENSITIVE_URI });
    expect(resource.contents[0]).toMatchObject({ uri: SENSITIVE_URI });
    await client.callTool({
      name: 'write_file',
      arguments: { path: 'sub/log.txt', content: 'one\ntwo\nthree\nfour\n' },
    });
    const lines = (extra: Record<string, number>) =>
      client.callTool({ name: 'read_file', arguments: { path: 'sub/log.txt', ...extra } });
    expect(textOf(await lines({ head: 2 }))).toBe('one\ntwo\n');
    expect(textOf(await lines({ tail: 1 }))).toBe('four\n');
    expect(codeOf(await lines({ head: 1, tail: 1 }))).toBe('ERR_INVALID_RANGE');
    expect(codeOf(await lines({ tail: 0 }))).toBe('ERR_INVALID_ARGUMENT');
    await client.close();
  });

  it('answers each denial with its code', async () => {
    const { client } = await httpClient(running.url, await mint('bob', [SCOPES.read, SCOPES.exec]));
    expect(codeOf(await client.callTool({ name: 'read_file', arguments: { path: '../outside' } }))).toBe(
      'ERR_PATH_OUTSIDE_ROOTS',
    );
    expect(codeOf(await client.callTool({ name: 'read_file', arguments: { path: 'nope.txt' } }))).toBe(
      'ERR_NOT_FOUND',
    );
    expect(
      codeOf(
        await client.callTool({
          name: 'run_command',
          arguments: { command: 'find', args: ['.', '-exec', 'id', ';'] },
        }),
      ),
    ).toBe('ERR_FLAG_NOT_ALLOWED');
    expect(
      codeOf(await client.callTool({ name: 'run_command', arguments: { command: 'sh', args: [] } })),
    ).toBe('ERR_COMMAND_NOT_ALLOWED');
    const tooDeep = await client.callTool({
      name: 'read_file',
      arguments: { path: 'x', extra: JSON.parse('{"a":'.repeat(200) + '1' + '}'.repeat(200)) },
    });
    expect(codeOf(tooDeep)).toBe('ERR_INVALID_ARGUMENT');
    // No files:write: refused at the HTTP layer with a step-up challenge, before the SDK.
    await expect(
      client.callTool({ name: 'write_file', arguments: { path: 'a', content: 'b' } }),
    ).rejects.toMatchObject({
      code: 403,
    });
    // No data:sensitive: the resource is refused by the scope guard.
    await expect(client.readResource({ uri: SENSITIVE_URI })).rejects.toMatchObject({
      data: { code: 'ERR_INSUFFICIENT_SCOPE' },
    });
    await client.close();
  });

  it('refuses a session to a principal other than the one that created it', async () => {
    const { client, transport } = await httpClient(running.url, await mint('carol', [SCOPES.read]));
    const sessionId = transport.sessionId;
    expect(sessionId).toBeTypeOf('string');
    const hijack = await fetch(running.url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await mint('mallory', [SCOPES.read])}`,
        'mcp-session-id': sessionId!,
        'mcp-protocol-version': '2025-11-25',
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/call',
        params: { name: 'read_file', arguments: { path: 'hello.txt' } },
      }),
    });
    expect(hijack.status).toBe(403);
    expect(await hijack.text()).not.toContain('hello');
    // The owner still uses it.
    expect(textOf(await client.callTool({ name: 'read_file', arguments: { path: 'hello.txt' } }))).toBe(
      'hello\n',
    );
    await client.close();
  });

  it('answers 401 with the metadata URL, serves RFC 9728 metadata, and refuses a foreign Origin', async () => {
    const anonymous = await fetch(running.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(anonymous.status).toBe(401);
    const challenge = anonymous.headers.get('www-authenticate') ?? '';
    expect(challenge).toMatch(/^Bearer /);
    expect(challenge).not.toContain('error=');
    const metadataUrl = /resource_metadata="([^"]+)"/.exec(challenge)?.[1];
    expect(metadataUrl).toBeDefined();
    const metadata = await fetch(new URL(new URL(metadataUrl!).pathname, running.url));
    expect(await metadata.json()).toMatchObject({
      resource: 'https://mcp.test.local/mcp',
      bearer_methods_supported: ['header'],
    });
    const foreign = await fetch(running.url, {
      method: 'POST',
      headers: {
        origin: 'http://evil.example',
        authorization: `Bearer ${await mint('dave', [])}`,
        'content-type': 'application/json',
      },
      body: '{}',
    });
    expect(foreign.status).toBe(403);
    const forged = await fetch(running.url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${(await mint('eve', [])).slice(0, -4)}AAAA`,
        'content-type': 'application/json',
      },
      body: '{}',
    });
    expect(forged.status).toBe(401);
    expect(forged.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(foreign.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('writes the calls and denials to an audit log that verifies', async () => {
    await running.assembly.audit.flush();
    const lines = (await readFile(ws.auditLog, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; target?: string; code?: string });
    const types = new Set(lines.map((line) => line.type));
    for (const type of [
      'mcp_call',
      'authn_login_success',
      'authn_login_fail',
      'authz_fail',
      'malicious_path_traversal',
      'malicious_dns_rebinding',
      'exec_denied',
      'exec_run',
    ]) {
      expect(types).toContain(type);
    }
    expect(lines.some((line) => line.type === 'mcp_call' && line.target === 'tool:read_file')).toBe(true);
    expect(JSON.stringify(lines)).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./);
    expect((await verifyAuditLog(ws.auditLog)).ok).toBe(true);
  });
});
