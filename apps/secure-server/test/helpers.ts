import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mintDevToken } from '@mcp-warden/auth';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { type RunningServer, startServer } from '../src/server.js';
import { loadSettings } from '../src/settings.js';

export const ISSUER = 'https://issuer.test.mcp-warden.local';

/** A temp directory with roots holding a sample file, a key file and an audit log path. */
export function workspace(): {
  dir: string;
  roots: string;
  keyFile: string;
  jwksFile: string;
  auditLog: string;
} {
  const dir = mkdtempSync(join(tmpdir(), 'secure-server-test-'));
  const roots = join(dir, 'roots');
  mkdirSync(join(roots, 'sub'), { recursive: true });
  writeFileSync(join(roots, 'hello.txt'), 'hello\n');
  return {
    dir,
    roots,
    keyFile: join(dir, 'key.json'),
    jwksFile: join(dir, 'jwks.json'),
    auditLog: join(dir, 'audit.log'),
  };
}

/** Starts the real server over HTTP on a free loopback port, with the workspace's roots and audit log. */
export async function startHttpServer(
  ws: ReturnType<typeof workspace>,
  env: Record<string, string>,
): Promise<RunningServer> {
  const { config, warnings } = loadSettings({
    env: {
      MCP_TRANSPORT: 'http',
      MCP_SERVER_PORT: '0',
      MCP_FS_ROOTS: ws.roots,
      MCP_AUDIT_LOG: ws.auditLog,
      ...env,
    },
  });
  return startServer(config, warnings);
}

/** Starts the real server over HTTP with JWT auth on a free loopback port, and a token minter. */
export async function startJwtServer(
  ws: ReturnType<typeof workspace>,
  env: Record<string, string> = {},
): Promise<{
  running: RunningServer;
  mint: (subject: string, scopes: readonly string[]) => Promise<string>;
}> {
  const seed = await mintDevToken({
    issuer: ISSUER,
    audience: 'urn:seed',
    subject: 'seed',
    keyFile: ws.keyFile,
  });
  writeFileSync(ws.jwksFile, JSON.stringify(seed.jwks));
  const running = await startHttpServer(ws, {
    MCP_AUTH_MODE: 'jwt',
    MCP_JWT_ISSUER: ISSUER,
    MCP_JWT_AUDIENCE: 'https://mcp.test.local/mcp',
    MCP_JWT_JWKS_FILE: ws.jwksFile,
    MCP_JWT_ALGORITHMS: 'ES256',
    ...env,
  });
  const mint = async (subject: string, scopes: readonly string[]) =>
    (
      await mintDevToken({
        issuer: ISSUER,
        audience: 'https://mcp.test.local/mcp',
        subject,
        scopes,
        keyFile: ws.keyFile,
      })
    ).token;
  return { running, mint };
}

/** A real SDK client over Streamable HTTP with a bearer token. */
export async function httpClient(
  url: string,
  token: string,
): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
  });
  const client = new Client({ name: 'secure-server-test', version: '1.0.0' });
  await client.connect(transport);
  return { client, transport };
}

export function codeOf(result: unknown): string | undefined {
  return (result as { _meta?: Record<string, { code?: string }> })._meta?.['mcp-warden/error']?.code;
}

export function textOf(result: unknown): string {
  return ((result as { content?: { text?: string }[] }).content ?? [])
    .map((block) => block.text ?? '')
    .join('');
}
