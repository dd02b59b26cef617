import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const exitChild = fileURLToPath(new URL('./fixtures/exit-child.ts', import.meta.url));
const cli = fileURLToPath(new URL('../src/print-config-cli.ts', import.meta.url));
const SECRET = 'a-jwt-secret-of-at-least-32-characters!';
const customSchema = fileURLToPath(new URL('./fixtures/custom-schema.ts', import.meta.url));

function run(script: string, env: Record<string, string>, args: string[] = []) {
  return spawnSync(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: packageDir,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
}

describe('loadConfigOrExit', () => {
  it('prints every problem to stderr and exits 78 before the server starts', () => {
    const result = run(exitChild, {
      MCP_TRANSPORT: 'http',
      MCP_SERVER_HOST: '0.0.0.0',
      MCP_SERVER_PORT: '99999',
      MCP_RATELIMIT: '5',
      MCP_JWT_SECRET: SECRET,
    });
    expect(result.status).toBe(78);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('invalid configuration: 4 problems');
    expect(result.stderr).toContain(
      'MCP_RATELIMIT (env MCP_RATELIMIT): unknown variable; did you mean MCP_RATE_LIMIT?',
    );
    expect(result.stderr).toContain('serverPort (env MCP_SERVER_PORT)');
    expect(result.stderr).toContain('sslEnabled (default): plain HTTP on a non-loopback address');
    expect(result.stderr).toContain('authMode (default): auth mode none is only allowed for stdio');
    expect(result.stderr).not.toContain(SECRET);
  }, 30_000);

  it('starts with a valid config and prints its warnings to stderr', () => {
    const result = run(exitChild, {
      MCP_TRANSPORT: 'http',
      MCP_AUTH_MODE: 'none',
      MCP_INSECURE_ALLOW_NO_AUTH: 'true',
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('started on 127.0.0.1:8080\n');
    expect(result.stderr).toContain('config warning: insecureAllowNoAuth is on');
  }, 30_000);
});

describe('the print-config command', () => {
  it('prints the effective config with sources, secrets redacted', () => {
    const result = run(cli, { MCP_SERVER_PORT: '9090', MCP_REDIS_URL: 'rediss://:hunter2pw@cache:6380' });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^serverPort +9090 +env MCP_SERVER_PORT$/m);
    expect(result.stdout).toMatch(/^serverHost +"127\.0\.0\.1" +default$/m);
    expect(result.stdout).toMatch(/^redisUrl +"\[REDACTED\]" +env MCP_REDIS_URL$/m);
    expect(result.stdout).not.toContain('hunter2pw');
  }, 30_000);

  it('prints JSON with --json and exits 78 with the problems when invalid', () => {
    const ok = run(cli, {}, ['--json']);
    expect(JSON.parse(ok.stdout).rateLimit).toEqual({ value: 100, source: 'default' });
    const bad = run(cli, { MCP_RATE_LIMIT: 'lots' }, ['--json']);
    expect(bad.status).toBe(78);
    expect(bad.stderr).toContain('rateLimit (env MCP_RATE_LIMIT): expected a decimal number');
  }, 30_000);

  it('prints any schema a module exports, with another prefix', () => {
    const ok = run(cli, { APP_API_KEY: 'key-value-123' }, [
      '--schema',
      `${customSchema}#schema`,
      '--prefix=APP_',
    ]);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^apiKey +"\[REDACTED\]" +env APP_API_KEY$/m);
    expect(ok.stdout).toMatch(/^listen +"127\.0\.0\.1:3000" +default$/m);
    expect(ok.stdout).not.toContain('key-value-123');
    const missing = run(cli, {}, ['--schema', customSchema, '--prefix', 'APP_']);
    expect(missing.status).toBe(78);
    expect(missing.stderr).toContain('apiKey (not set): required: set APP_API_KEY or APP_API_KEY_FILE');
    expect(run(cli, {}, ['--bogus']).status).toBe(64);
    expect(run(cli, {}, ['--schema', `${customSchema}#nothing`]).status).toBe(64);
  }, 60_000);
});
