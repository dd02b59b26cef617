#!/usr/bin/env node
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyAuditLog } from '@mcp-warden/audit';
import { mintDevToken } from '@mcp-warden/auth';
import { ERROR_META_KEY } from '@mcp-warden/core';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SCOPES, SENSITIVE_URI } from './demo-tools.js';
import { startServer } from './server.js';
import { loadSettings } from './settings.js';

// `pnpm demo`: starts the server over HTTP on loopback with a generated dev key pair and a temp roots
// directory, then shows — with real requests — what it allows and what it refuses. Exits non-zero if
// any row does not behave as shown.

const ISSUER = 'https://dev-issuer.mcp-warden.local';

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

interface Row {
  readonly check: string;
  readonly expected: string;
  readonly got: string;
}

function codeOf(result: unknown): string {
  const meta = (result as { _meta?: Record<string, { code?: string }> })._meta?.[ERROR_META_KEY];
  return meta?.code ?? ((result as { isError?: boolean }).isError ? 'error' : 'ok');
}

export async function runDemo(
  log: (line: string) => void = console.log,
): Promise<{ rows: Row[]; ok: boolean; auditLog: string }> {
  const work = mkdtempSync(join(tmpdir(), 'mcp-warden-demo-'));
  const roots = join(work, 'roots');
  mkdirSync(join(roots, 'notes'), { recursive: true });
  writeFileSync(join(roots, 'hello.txt'), 'Hello from inside the root.\n');
  writeFileSync(join(roots, 'notes', 'todo.md'), '- try to escape the root\n');
  symlinkSync('/etc', join(roots, 'escape'));
  const keyFile = join(work, 'dev-key.json');
  const jwksFile = join(work, 'jwks.json');
  const auditLog = join(work, 'mcp_security.log');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/mcp`;

  const mint = (scopes: readonly string[], audience = url) =>
    mintDevToken({ issuer: ISSUER, audience, subject: 'demo-user', scopes, keyFile }).then((minted) => {
      writeFileSync(jwksFile, JSON.stringify(minted.jwks));
      return minted.token;
    });
  const full = await mint([SCOPES.read, SCOPES.exec, SCOPES.sensitive]);

  const { config, warnings } = loadSettings({
    env: {
      MCP_TRANSPORT: 'http',
      MCP_SERVER_HOST: '127.0.0.1',
      MCP_SERVER_PORT: String(port),
      MCP_FS_ROOTS: roots,
      MCP_AUTH_MODE: 'jwt',
      MCP_JWT_ISSUER: ISSUER,
      MCP_JWT_AUDIENCE: url,
      MCP_JWT_JWKS_FILE: jwksFile,
      MCP_JWT_ALGORITHMS: 'ES256',
      MCP_AUDIT_LOG: auditLog,
      MCP_RATE_LIMIT: '100',
    },
  });
  const running = await startServer(config, warnings);
  const rows: Row[] = [];
  const record = (check: string, expected: string, got: string) => rows.push({ check, expected, got });

  const connect = async (token: string) => {
    const client = new Client({ name: 'mcp-warden-demo', version: '0.1.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(url), {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      }),
    );
    return client;
  };
  const post = (headers: Record<string, string>) =>
    fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...headers,
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-11-25',
          capabilities: {},
          clientInfo: { name: 'demo', version: '1' },
        },
      }),
    });

  try {
    const client = await connect(full);
    const read = await client.callTool({ name: 'read_file', arguments: { path: 'hello.txt' } });
    record('authenticated read_file hello.txt', 'ok', codeOf(read));

    const anonymous = await post({});
    const challenge = anonymous.headers.get('www-authenticate') ?? '';
    record(
      'no token',
      '401 + resource_metadata',
      `${anonymous.status}${challenge.includes('resource_metadata=') ? ' + resource_metadata' : ''}`,
    );

    const wrongAudience = await post({
      authorization: `Bearer ${await mint([SCOPES.read], 'https://other.example/mcp')}`,
    });
    const wrongChallenge = wrongAudience.headers.get('www-authenticate') ?? '';
    record(
      'token for another audience',
      '401 invalid_token',
      `${wrongAudience.status}${wrongChallenge.includes('invalid_token') ? ' invalid_token' : ''}`,
    );

    const noWrite = await client
      .callTool({ name: 'write_file', arguments: { path: 'x.txt', content: 'x' } })
      .then(
        (result) => codeOf(result),
        (error: { code?: unknown; message?: string }) =>
          error.code === 403 && error.message?.includes('insufficient_scope')
            ? '403 insufficient_scope'
            : String(error),
      );
    record('write_file without files:write', '403 insufficient_scope', noWrite);

    const traversal = await client.callTool({ name: 'read_file', arguments: { path: '../../etc/passwd' } });
    record('read_file ../../etc/passwd', 'ERR_PATH_OUTSIDE_ROOTS', codeOf(traversal));

    const symlink = await client.callTool({ name: 'read_file', arguments: { path: 'escape/passwd' } });
    record('read_file through a symlink to /etc', 'ERR_SYMLINK_ESCAPE', codeOf(symlink));

    const injection = await client.callTool({
      name: 'run_command',
      arguments: { command: 'git', args: ['-c', 'core.sshCommand=touch /tmp/pwned', 'status'] },
    });
    record('git -c core.sshCommand=…', 'ERR_FLAG_NOT_ALLOWED', codeOf(injection));

    let limited = 'never limited';
    for (let attempt = 1; attempt <= 6; attempt++) {
      const outcome = await client.readResource({ uri: SENSITIVE_URI }).then(
        () => 'ok',
        (error: { data?: { code?: string; retryAfterMs?: number } }) =>
          `${error.data?.code ?? 'error'} retry after ${Math.ceil((error.data?.retryAfterMs ?? 0) / 1000)} s`,
      );
      if (outcome !== 'ok') {
        limited = `call ${attempt}: ${outcome}`;
        break;
      }
    }
    record(
      'secure://sensitive-data 6 times (5/min)',
      'call 6: ERR_RATE_LIMITED',
      limited.replace(/ retry after.*/, ''),
    );
    await client.close();
  } finally {
    await running.close('demo finished');
  }
  const report = await verifyAuditLog(auditLog);
  record(
    'audit log hash chain',
    'intact',
    report.ok ? 'intact' : `broken at line ${report.failure?.line ?? '?'}`,
  );

  const expectedOk = (row: Row) => row.got === row.expected || (row.expected === 'ok' && row.got === 'ok');
  const width = Math.max(...rows.map((row) => row.check.length));
  const gotWidth = Math.max(...rows.map((row) => row.got.length), 8);
  log(`${'check'.padEnd(width)} | ${'result'.padEnd(gotWidth)} | as expected`);
  log(`${'-'.repeat(width)}-|-${'-'.repeat(gotWidth)}-|------------`);
  for (const row of rows)
    log(
      `${row.check.padEnd(width)} | ${row.got.padEnd(gotWidth)} | ${expectedOk(row) ? 'yes' : `NO (expected ${row.expected})`}`,
    );
  log(`\naudit log: ${auditLog} (${report.lines} lines, verified)`);
  return { rows, ok: rows.every(expectedOk), auditLog };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { ok } = await runDemo();
  process.exit(ok ? 0 : 1);
}
