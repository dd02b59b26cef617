import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { mintDevToken } from '@mcp-warden/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPES } from '../src/demo-tools.js';
import { ISSUER, workspace } from './helpers.js';

// Abuse against the built server running as its own process, so its memory can be measured.
const binary = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const AUDIENCE = 'https://mcp.test.local/mcp';
const ws = workspace();
let child: ChildProcess;
let url: URL;
let token: string;

const rssKiB = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]);

beforeAll(async () => {
  const seed = await mintDevToken({
    issuer: ISSUER,
    audience: AUDIENCE,
    subject: 'abuser',
    scopes: [SCOPES.read],
    keyFile: ws.keyFile,
  });
  token = seed.token;
  writeFileSync(ws.jwksFile, JSON.stringify(seed.jwks));
  child = spawn(process.execPath, [binary], {
    env: {
      PATH: process.env.PATH ?? '',
      MCP_TRANSPORT: 'http',
      MCP_SERVER_PORT: '0',
      MCP_FS_ROOTS: ws.roots,
      MCP_AUTH_MODE: 'jwt',
      MCP_JWT_ISSUER: ISSUER,
      MCP_JWT_AUDIENCE: AUDIENCE,
      MCP_JWT_JWKS_FILE: ws.jwksFile,
      MCP_JWT_ALGORITHMS: 'ES256',
      MCP_AUDIT_LOG: ws.auditLog,
      MCP_MAX_CONNECTIONS: '20',
      MCP_HEADERS_TIMEOUT_MS: '1000',
      MCP_REQUEST_TIMEOUT_MS: '3000',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  url = await new Promise<URL>((resolve, reject) => {
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /address\s+(http:\/\/\S+)/.exec(stderr);
      if (match) resolve(new URL(match[1]!));
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}: ${stderr}`)));
  });
});

afterAll(async () => {
  if (child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
});

const rpc = (body: string, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body,
  });

function rawSocket(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => resolve(socket));
    socket.once('error', reject);
  });
}

describe('abuse against the running server', () => {
  it('refuses a 50 MB body with 413 without buffering it', async () => {
    const before = rssKiB();
    const chunk = Buffer.alloc(1024 * 1024, 0x61);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 50) return controller.close();
        sent++;
        controller.enqueue(chunk);
      },
    });
    const response = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit).catch((error: unknown) => error);
    // Either the 413 arrives, or the server cut the upload (the socket closes under the sender).
    if (response instanceof Response) expect(response.status).toBe(413);
    expect(sent).toBeLessThan(50);
    expect(rssKiB() - before).toBeLessThan(40 * 1024);
  });

  it('cuts a client sending its headers one byte at a time', async () => {
    const socket = await rawSocket();
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const header = `POST /mcp HTTP/1.1\r\nHost: ${url.host}\r\nX-Slow: ${'a'.repeat(60)}\r\n`;
    let written = 0;
    let open = true;
    void closed.then(() => {
      open = false;
    });
    while (open && written < header.length) {
      socket.write(header[written]!);
      written++;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await closed;
    // The header would take ~8 s at this pace; the 1 s headers timeout ended it first.
    expect(written).toBeLessThan(header.length);
  }, 30_000);

  it('answers connections past the limit with 503, and serves again once they close', async () => {
    const sockets = await Promise.all(Array.from({ length: 20 }, () => rawSocket()));
    const extra = await rawSocket();
    let answer = '';
    extra.on('data', (chunk: Buffer) => {
      answer += chunk.toString();
    });
    await new Promise((resolve) => extra.once('close', resolve));
    expect(answer).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await rpc('{}')).status).toBeLessThan(500);
  });

  it('answers malformed JSON-RPC, wrong content types and batch floods with errors, then still serves', async () => {
    expect((await rpc('{"jsonrpc":')).status).toBe(400);
    expect((await rpc('{}', { 'content-type': 'text/plain' })).status).toBeGreaterThanOrEqual(400);
    const flood = JSON.stringify(
      Array.from({ length: 5_000 }, (_, id) => ({ jsonrpc: '2.0', id, method: 'ping' })),
    );
    const batch = await rpc(flood);
    expect(batch.status).toBeGreaterThanOrEqual(400);
    expect(batch.status).toBeLessThan(500);
    const before = rssKiB();
    for (let i = 0; i < 200; i++) await (await rpc('not json')).text();
    const initialize = await rpc(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-11-25',
          capabilities: {},
          clientInfo: { name: 'after', version: '1' },
        },
      }),
    );
    expect(initialize.status).toBe(200);
    expect(rssKiB() - before).toBeLessThan(30 * 1024);
    expect(rssKiB()).toBeLessThan(300 * 1024);
  });
});
