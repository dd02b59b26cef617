import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestPki {
  readonly dir: string;
  readonly file: (name: string) => string;
  readonly read: (name: string) => Buffer;
}

function openssl(dir: string, args: readonly string[]): void {
  execFileSync('openssl', [...args], { cwd: dir, stdio: 'pipe' });
}

function issue(dir: string, name: string, ca: string, subject: string, ext: string, days = 2): void {
  openssl(dir, [
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
    '-subj',
    subject,
  ]);
  writeFileSync(join(dir, `${name}.ext`), ext);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.crt`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-out',
    `${name}.crt`,
    '-days',
    String(days),
    '-extfile',
    `${name}.ext`,
  ]);
}

/** A real PKI made with the openssl CLI: two CAs, a server cert, client certs from each CA. */
export function makePki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'warden-auth-pki-'));
  for (const ca of ['ca', 'other-ca']) {
    openssl(dir, [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      `${ca}.key`,
      '-out',
      `${ca}.crt`,
      '-subj',
      `/CN=${ca} test`,
      '-days',
      '2',
    ]);
  }
  issue(
    dir,
    'server',
    'ca',
    '/CN=localhost',
    'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n',
  );
  issue(
    dir,
    'server2',
    'ca',
    '/CN=localhost',
    'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n',
  );
  issue(
    dir,
    'client',
    'ca',
    '/O=Example/CN=agent-7',
    'subjectAltName=URI:spiffe://example.org/agent-7,email:agent7@example.org\nextendedKeyUsage=clientAuth\n',
  );
  issue(
    dir,
    'rogue',
    'other-ca',
    '/O=Example/CN=agent-7',
    'subjectAltName=URI:spiffe://example.org/agent-7\nextendedKeyUsage=clientAuth\n',
  );
  return { dir, file: (name) => join(dir, name), read: (name) => readFileSync(join(dir, name)) };
}
