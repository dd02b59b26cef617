import { createHash, X509Certificate } from 'node:crypto';
import { copyFileSync } from 'node:fs';
import { createServer as createHttpsServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authenticateNodeRequest,
  createResourceServer,
  createTlsServerOptions,
  hardenTlsServer,
  identityFromCertificate,
  type ResourceServer,
  type TlsServerConfig,
} from '../src/index.js';
import { makePki, type TestPki } from './certs.js';
import { ISSUER, makeKey, RESOURCE, sign, sourceFor, type TestKey } from './keys.js';

let pki: TestPki;
let key: TestKey;

beforeAll(async () => {
  pki = makePki();
  key = await makeKey('ES256');
}, 30_000);

interface Reply {
  readonly status: number;
  readonly body: string;
  readonly peerFingerprint: string;
}

function httpsGet(
  port: number,
  options: { cert?: string; key?: string; token?: string; path?: string },
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: options.path ?? '/mcp',
        method: 'GET',
        ca: pki.read('ca.crt'),
        servername: 'localhost',
        ...(options.cert === undefined ? {} : { cert: pki.read(options.cert), key: pki.read(options.key!) }),
        headers: options.token === undefined ? {} : { authorization: `Bearer ${options.token}` },
        agent: false,
      },
      (res) => {
        let body = '';
        res.on('data', (chunk) => {
          body += chunk;
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body,
            peerFingerprint:
              (res.socket as import('node:tls').TLSSocket).getPeerCertificate().fingerprint256 ?? '',
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function listen(
  config: TlsServerConfig,
  rs: ResourceServer,
  mode: 'optional' | 'require' | 'none',
): Promise<{ server: Server; port: number }> {
  const server = createHttpsServer(config.options, async (req, res) => {
    const auth = await authenticateNodeRequest(rs, req, res);
    if (auth !== undefined) res.end(JSON.stringify(auth.extra));
  });
  hardenTlsServer(server, { clientCertificates: mode });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

function resourceServer(): ResourceServer {
  return createResourceServer({
    verifier: { issuer: ISSUER, resource: RESOURCE, keys: [sourceFor(key)] },
    authorizationServers: [ISSUER],
    tlsClientCertificateBoundAccessTokens: true,
    certificatePrincipal: (cert) =>
      cert.subjectAltNames.includes('URI:spiffe://example.org/agent-7')
        ? { subject: 'agent-7', scopes: ['mcp'] }
        : undefined,
  });
}

describe('TLS server options: start-up validation', () => {
  it('refuses expired and not-yet-valid certificates with clear codes', () => {
    const base = { certFile: pki.file('server.crt'), keyFile: pki.file('server.key') };
    expect(() => createTlsServerOptions({ ...base, now: () => Date.now() + 10 * 86_400_000 })).toThrowError(
      expect.objectContaining({
        code: 'ERR_TLS_CERT_EXPIRED',
        message: expect.stringContaining('expired on'),
      }),
    );
    expect(() => createTlsServerOptions({ ...base, now: () => Date.now() - 10 * 86_400_000 })).toThrowError(
      expect.objectContaining({ code: 'ERR_TLS_CERT_NOT_YET_VALID' }),
    );
  });

  it('refuses a key that does not match the certificate, unreadable files, and client certs without a CA', () => {
    expect(() =>
      createTlsServerOptions({ certFile: pki.file('server.crt'), keyFile: pki.file('client.key') }),
    ).toThrowError(expect.objectContaining({ code: 'ERR_TLS_KEY_MISMATCH' }));
    expect(() =>
      createTlsServerOptions({ certFile: pki.file('nope.crt'), keyFile: pki.file('server.key') }),
    ).toThrowError(expect.objectContaining({ code: 'ERR_TLS_FILE_UNREADABLE' }));
    expect(() =>
      createTlsServerOptions({ certFile: pki.file('server.key'), keyFile: pki.file('server.key') }),
    ).toThrowError(expect.objectContaining({ code: 'ERR_TLS_CERT_INVALID' }));
    expect(() =>
      createTlsServerOptions({
        certFile: pki.file('server.crt'),
        keyFile: pki.file('server.key'),
        clientCertificates: 'require',
      }),
    ).toThrowError(expect.objectContaining({ code: 'ERR_AUTH_CONFIG_INVALID' }));
  });

  it('TLS 1.2 is the floor: a TLS 1.1 client cannot connect', async () => {
    const config = createTlsServerOptions({
      certFile: pki.file('server.crt'),
      keyFile: pki.file('server.key'),
    });
    expect(config.options.minVersion).toBe('TLSv1.2');
    const { server, port } = await listen(config, resourceServer(), 'none');
    const outcome = await new Promise<string>((resolve) => {
      const socket = connect({
        host: '127.0.0.1',
        port,
        maxVersion: 'TLSv1.1',
        minVersion: 'TLSv1',
        rejectUnauthorized: false,
      });
      socket.on('secureConnect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.on('error', () => resolve('refused'));
    });
    expect(outcome).toBe('refused');
    server.close();
  });
});

describe('client certificates over real TLS', () => {
  let required: { server: Server; port: number };
  let optional: { server: Server; port: number };
  let thumbprint: string;

  beforeAll(async () => {
    const files = {
      certFile: pki.file('server.crt'),
      keyFile: pki.file('server.key'),
      caFile: pki.file('ca.crt'),
    };
    required = await listen(
      createTlsServerOptions({ ...files, clientCertificates: 'require' }),
      resourceServer(),
      'require',
    );
    optional = await listen(
      createTlsServerOptions({ ...files, clientCertificates: 'optional' }),
      resourceServer(),
      'optional',
    );
    thumbprint = createHash('sha256')
      .update(new X509Certificate(pki.read('client.crt')).raw)
      .digest('base64url');
  });

  afterAll(() => {
    required.server.close();
    optional.server.close();
  });

  it('reads subject, SANs and the SHA-256 thumbprint', () => {
    const identity = identityFromCertificate(new X509Certificate(pki.read('client.crt')).raw);
    expect(identity.commonName).toBe('agent-7');
    expect(identity.subject).toBe('O=Example, CN=agent-7');
    expect(identity.subjectAltNames).toEqual([
      'URI:spiffe://example.org/agent-7',
      'email:agent7@example.org',
    ]);
    expect(identity.thumbprintSha256).toBe(thumbprint);
  });

  it('require: no certificate or one from another CA fails the handshake', async () => {
    await expect(httpsGet(required.port, {})).rejects.toThrow();
    await expect(httpsGet(required.port, { cert: 'rogue.crt', key: 'rogue.key' })).rejects.toThrow();
  });

  it('the verified certificate alone authenticates as an mTLS principal', async () => {
    const res = await httpsGet(required.port, { cert: 'client.crt', key: 'client.key' });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({
      subject: 'agent-7',
      authMethod: 'mtls',
      certificateThumbprint: thumbprint,
    });
  });

  it('optional: no certificate is allowed through (then needs a token); a rogue certificate is dropped', async () => {
    expect((await httpsGet(optional.port, {})).status).toBe(401);
    const token = await sign(key);
    expect((await httpsGet(optional.port, { token })).status).toBe(200);
    await expect(httpsGet(optional.port, { cert: 'rogue.crt', key: 'rogue.key' })).rejects.toThrow();
  });

  it('RFC 8705: a certificate-bound token works only with that certificate', async () => {
    const bound = await sign(key, { cnf: { 'x5t#S256': thumbprint } });
    const ok = await httpsGet(optional.port, { cert: 'client.crt', key: 'client.key', token: bound });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ subject: 'user-1' });
    const plain = await httpsGet(optional.port, { token: bound });
    expect(plain.status).toBe(401);
    const wrong = await sign(key, { cnf: { 'x5t#S256': 'A'.repeat(43) } });
    expect(
      (await httpsGet(optional.port, { cert: 'client.crt', key: 'client.key', token: wrong })).status,
    ).toBe(401);
  });
});

describe('certificate reload without restart', () => {
  it('new connections get the new certificate; a bad replacement keeps the old one', async () => {
    const dir = pki.dir;
    copyFileSync(pki.file('server.crt'), `${dir}/live.crt`);
    copyFileSync(pki.file('server.key'), `${dir}/live.key`);
    const config = createTlsServerOptions({ certFile: `${dir}/live.crt`, keyFile: `${dir}/live.key` });
    const { server, port } = await listen(config, resourceServer(), 'none');
    const first = (await httpsGet(port, {})).peerFingerprint;
    copyFileSync(pki.file('server2.crt'), `${dir}/live.crt`);
    copyFileSync(pki.file('server2.key'), `${dir}/live.key`);
    config.reload(server);
    const second = (await httpsGet(port, {})).peerFingerprint;
    expect(second).not.toBe(first);
    expect(second).toBe(new X509Certificate(pki.read('server2.crt')).fingerprint256);
    // A half-written rotation (new cert, old key) is refused and the running context stays.
    copyFileSync(pki.file('server.crt'), `${dir}/live.crt`);
    expect(() => config.reload(server)).toThrowError(
      expect.objectContaining({ code: 'ERR_TLS_KEY_MISMATCH' }),
    );
    expect((await httpsGet(port, {})).peerFingerprint).toBe(second);
    server.close();
  });
});
