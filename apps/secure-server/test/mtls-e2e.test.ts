import { mintDevToken } from '@mcp-warden/auth';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPES } from '../src/demo-tools.js';
import type { RunningServer } from '../src/server.js';
import { makePki, type TestPki } from './certificates.js';
import { ISSUER, startJwtServer, textOf, workspace } from './helpers.js';
import { mtlsFetch } from './mtls-fetch.js';

const ws = workspace();
let pki: TestPki;
let running: RunningServer;

beforeAll(async () => {
  pki = makePki(ws.dir);
  ({ running } = await startJwtServer(ws, {
    MCP_SERVER_HOST: '127.0.0.1',
    MCP_SSL_ENABLED: 'true',
    MCP_TLS_CERT_FILE: pki.serverCert,
    MCP_TLS_KEY_FILE: pki.serverKey,
    MCP_TLS_CLIENT_CA_FILE: pki.caCert,
    MCP_TLS_CLIENT_AUTH: 'require',
  }));
});
afterAll(async () => {
  await running?.close('test done');
});

async function connect(certificate: { cert: string; key: string } | undefined, token: string) {
  const transport = new StreamableHTTPClientTransport(new URL(running.url), {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
    fetch: mtlsFetch({ ca: pki.caCert, ...certificate }),
  });
  const client = new Client({ name: 'mtls-test', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

const token = (extra: { certificateThumbprint?: string } = {}) =>
  mintDevToken({
    issuer: ISSUER,
    audience: 'https://mcp.test.local/mcp',
    subject: 'svc',
    scopes: [SCOPES.read],
    keyFile: ws.keyFile,
    ...extra,
  }).then((minted) => minted.token);

describe('the reference server over HTTPS with required client certificates', () => {
  it('serves a client presenting a certificate from the configured CA', async () => {
    expect(running.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const client = await connect(pki.client('client-a'), await token());
    expect(textOf(await client.callTool({ name: 'read_file', arguments: { path: 'hello.txt' } }))).toBe(
      'hello\n',
    );
    await client.close();
  });

  it('refuses, at the TLS handshake, a client without a certificate', async () => {
    await expect(connect(undefined, await token())).rejects.toThrow();
  });

  it('honours RFC 8705 binding: a certificate-bound token works only with its certificate', async () => {
    const bound = pki.client('client-bound');
    const other = pki.client('client-other');
    const boundToken = await token({ certificateThumbprint: bound.thumbprint });
    const client = await connect(bound, boundToken);
    expect(textOf(await client.callTool({ name: 'read_file', arguments: { path: 'hello.txt' } }))).toBe(
      'hello\n',
    );
    await client.close();
    await expect(connect(other, boundToken)).rejects.toMatchObject({ code: 401 });
  });
});
