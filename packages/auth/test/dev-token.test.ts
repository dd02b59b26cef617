import { execFile } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createJwtVerifier, mintDevToken, runDevTokenCli } from '../src/index.js';

const ISSUER = 'https://issuer.example.com';
const AUDIENCE = 'https://mcp.example.com/mcp';

describe('mint-token (dev only)', () => {
  it('mints a token a strict verifier accepts, via a JWKS file; the key file is reused and private', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-dev-token-'));
    const keyFile = join(dir, 'dev-key.json');
    const first = await mintDevToken({
      issuer: ISSUER,
      audience: AUDIENCE,
      subject: 'alice',
      scopes: ['files:read'],
      keyFile,
    });
    expect(first.createdKeyFile).toBe(true);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const second = await mintDevToken({ issuer: ISSUER, audience: AUDIENCE, subject: 'bob', keyFile });
    expect(second.createdKeyFile).toBe(false);
    expect(second.jwks).toEqual(first.jwks);
    expect(JSON.stringify(first.jwks)).not.toContain('"d"');
    const verifier = createJwtVerifier({
      issuer: ISSUER,
      resource: AUDIENCE,
      keys: [{ type: 'jwks', jwks: first.jwks, algorithms: ['ES256'] }],
    });
    expect(await verifier.verify(first.token)).toMatchObject({ subject: 'alice', scopes: ['files:read'] });
    expect((await verifier.verify(second.token)).subject).toBe('bob');
  });

  it('refuses long lifetimes and bad scopes', async () => {
    await expect(
      mintDevToken({ issuer: ISSUER, audience: AUDIENCE, subject: 'a', ttlSec: 86_401 }),
    ).rejects.toMatchObject({
      code: 'ERR_AUTH_CONFIG_INVALID',
    });
    await expect(
      mintDevToken({ issuer: ISSUER, audience: AUDIENCE, subject: 'a', scopes: ['a b'] }),
    ).rejects.toMatchObject({
      code: 'ERR_AUTH_CONFIG_INVALID',
    });
    expect(
      await runDevTokenCli(
        ['--issuer', ISSUER],
        () => {},
        () => {},
      ),
    ).toBe(2);
  });

  it('runs as a real process, labelled dev-only, and its JWKS file verifies the token', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-dev-token-'));
    const bin = fileURLToPath(new URL('../src/dev-token-bin.ts', import.meta.url));
    const jwksFile = join(dir, 'jwks.json');
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [
      '--import',
      'tsx',
      bin,
      '--issuer',
      ISSUER,
      '--audience',
      AUDIENCE,
      '--sub',
      'carol',
      '--scope',
      'mcp',
      '--alg',
      'EdDSA',
      '--jwks-out',
      jwksFile,
    ]);
    expect(stderr).toContain('DEV ONLY');
    const verifier = createJwtVerifier({
      issuer: ISSUER,
      resource: AUDIENCE,
      keys: [{ type: 'jwks', file: jwksFile, algorithms: ['EdDSA'] }],
    });
    expect(await verifier.verify(stdout.trim())).toMatchObject({ subject: 'carol', scopes: ['mcp'] });
  }, 20_000);
});
