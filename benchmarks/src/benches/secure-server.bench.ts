import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { mintDevToken } from '@mcp-warden/auth';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { startServer } from '../../../apps/secure-server/src/server.js';
import { loadSettings } from '../../../apps/secure-server/src/settings.js';
import type { Measurement, RunOptions } from '../harness.js';

// The reference server under load — HTTPS, JWT auth, audit log, every guard, stateless sessions —
// against a bare SDK Streamable HTTP server serving the same tool, both in this process, one after
// the other, driven over loopback by autocannon running in a child process.

const run = promisify(execFile);
const ISSUER = 'https://bench-issuer.local';
const AUDIENCE = 'https://bench.local/mcp';
const CALL = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'read_file', arguments: { path: 'hello.txt' } },
});

function certificates(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'server.crt');
  const key = join(dir, 'server.key');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  return { cert, key };
}

async function bareServer(root: string): Promise<Server> {
  const { readFile } = await import('node:fs/promises');
  const server = createServer(async (req, res) => {
    const mcp = new McpServer({ name: 'bare', version: '1.0.0' });
    mcp.registerTool(
      'read_file',
      { inputSchema: { path: (await import('zod')).z.string() } },
      async ({ path }) => ({
        content: [{ type: 'text', text: await readFile(join(root, path), 'utf8') }],
      }),
    );
    const transport = new StreamableHTTPServerTransport({ enableJsonResponse: true });
    res.on('close', () => {
      void transport.close();
      void mcp.close();
    });
    await mcp.connect(transport);
    await transport.handleRequest(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

const loadGenerator = fileURLToPath(new URL('../load-generator.mjs', import.meta.url));

/** One autocannon run from a separate process, so the client's work is not charged to the server. */
async function load(url: string, headers: Record<string, string>, seconds: number) {
  const options = {
    url,
    method: 'POST',
    connections: 16,
    duration: seconds,
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body: CALL,
  };
  const { stdout } = await run(process.execPath, [loadGenerator, JSON.stringify(options)], {
    cwd: dirname(loadGenerator),
  });
  const result = JSON.parse(stdout) as { rps: number; p99: number; non2xx: number; errors: number };
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${url}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  }
  return { rps: result.rps, p99: result.p99 };
}

export async function measure(options: RunOptions): Promise<readonly Measurement[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-secure-server-'));
  const roots = join(dir, 'roots');
  mkdirSync(roots);
  writeFileSync(join(roots, 'hello.txt'), 'hello\n');
  const tls = certificates(dir);
  const minted = await mintDevToken({
    issuer: ISSUER,
    audience: AUDIENCE,
    subject: 'bench',
    scopes: ['files:read'],
    keyFile: join(dir, 'key.json'),
  });
  writeFileSync(join(dir, 'jwks.json'), JSON.stringify(minted.jwks));
  const { config } = loadSettings({
    env: {
      MCP_TRANSPORT: 'http',
      MCP_SERVER_PORT: '0',
      MCP_SSL_ENABLED: 'true',
      MCP_TLS_CERT_FILE: tls.cert,
      MCP_TLS_KEY_FILE: tls.key,
      MCP_FS_ROOTS: roots,
      MCP_AUTH_MODE: 'jwt',
      MCP_JWT_ISSUER: ISSUER,
      MCP_JWT_AUDIENCE: AUDIENCE,
      MCP_JWT_JWKS_FILE: join(dir, 'jwks.json'),
      MCP_JWT_ALGORITHMS: 'ES256',
      MCP_AUDIT_LOG: join(dir, 'audit.log'),
      MCP_HTTP_SESSION_MODE: 'stateless',
      MCP_RATE_LIMIT: '1000000',
    },
  });
  const secured = await startServer(config);
  const bare = await bareServer(roots);
  const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}/mcp`;
  const seconds = options.quick ? 2 : 8;
  const rounds = options.quick ? 1 : 3;
  const candidate: { rps: number; p99: number }[] = [];
  const baseline: { rps: number; p99: number }[] = [];
  try {
    await load(bareUrl, {}, 1);
    await load(secured.url, { authorization: `Bearer ${minted.token}` }, 1);
    for (let round = 0; round < rounds; round++) {
      baseline.push(await load(bareUrl, {}, seconds));
      candidate.push(await load(secured.url, { authorization: `Bearer ${minted.token}` }, seconds));
    }
  } finally {
    await secured.close('benchmark done');
    await new Promise((resolve) => bare.close(resolve));
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
  const ratios = candidate.map((c, i) => baseline[i]!.rps / c.rps);
  return [
    {
      name: 'secure-server/http-load',
      candidateLabel: 'reference server (HTTPS, JWT, audit, all guards)',
      candidate: median(candidate.map((c) => c.rps)),
      baselineLabel: 'bare SDK Streamable HTTP',
      baseline: median(baseline.map((b) => b.rps)),
      unit: 'req/s',
      timeRatio: median(ratios),
      spread: [Math.min(...ratios), Math.max(...ratios)],
      targetTimeRatio: 1.25,
      note: `p99 ${median(candidate.map((c) => c.p99))} ms vs ${median(baseline.map((b) => b.p99))} ms, 16 connections`,
    },
  ];
}
