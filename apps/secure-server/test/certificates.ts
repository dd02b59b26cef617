import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Real certificates made with the openssl CLI: a CA, a server certificate for loopback, and clients. */
export interface TestPki {
  readonly caCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
  client(name: string): { cert: string; key: string; thumbprint: string };
}

const openssl = (args: string[], cwd: string) => execFileSync('openssl', args, { cwd, stdio: 'pipe' });

function issue(dir: string, name: string, subject: string, extensions: string): void {
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, extensions);
  openssl(
    [
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      subject,
    ],
    dir,
  );
  openssl(
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '1',
      '-extfile',
      ext,
    ],
    dir,
  );
}

export function makePki(dir: string): TestPki {
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '1',
      '-subj',
      '/CN=mcp-warden test CA',
    ],
    dir,
  );
  issue(
    dir,
    'server',
    '/CN=localhost',
    'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n',
  );
  return {
    caCert: join(dir, 'ca.crt'),
    serverCert: join(dir, 'server.crt'),
    serverKey: join(dir, 'server.key'),
    client(name) {
      issue(
        dir,
        name,
        `/CN=${name}`,
        `subjectAltName=URI:spiffe://test/${name}\nextendedKeyUsage=clientAuth\n`,
      );
      const cert = join(dir, `${name}.crt`);
      const der = new X509Certificate(readFileSync(cert)).raw;
      return {
        cert,
        key: join(dir, `${name}.key`),
        thumbprint: createHash('sha256').update(der).digest('base64url'),
      };
    },
  };
}
