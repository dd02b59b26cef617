import { writeFileSync } from 'node:fs';
import { ConfigError } from '@mcp-warden/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadConfig, loadMcpServerConfig, problemsOf, secret } from '../src/index.js';
import { tempDir } from './helpers.js';

const SECRET = 'fuzz-secret-value-0123456789-abcdef';

/** Names the ready schema knows, plus near misses. */
const envName = fc.constantFrom(
  'MCP_TRANSPORT',
  'MCP_SERVER_HOST',
  'MCP_SERVER_PORT',
  'MCP_SSL_ENABLED',
  'MCP_RATE_LIMIT',
  'MCP_MAX_CONNECTIONS',
  'MCP_FS_ROOTS',
  'MCP_AUTH_MODE',
  'MCP_JWT_ALGORITHMS',
  'MCP_JWT_JWKS_URL',
  'MCP_TLS_CLIENT_AUTH',
  'MCP_INSECURE_ALLOW_NO_AUTH',
  'MCP_RATELIMIT',
  'mcp_server_port',
  'MCP_SERVER__PORT',
);
const envValue = fc.oneof(
  fc.string(),
  fc.constantFrom(
    'true',
    'false',
    '0',
    '1',
    'http',
    'stdio',
    'jwt',
    'none',
    '8080',
    '-1',
    '1e400',
    '/a:/b',
    'HS256,none',
  ),
);

describe('robustness (property)', () => {
  it('any environment either loads or fails with ERR_CONFIG_INVALID listing problems — nothing else', () => {
    fc.assert(
      fc.property(fc.dictionary(envName, envValue, { maxKeys: 8 }), (env) => {
        try {
          const loaded = loadMcpServerConfig({ env: { ...env, MCP_JWT_SECRET: SECRET } });
          expect(Object.isFrozen(loaded.config)).toBe(true);
          expect(JSON.stringify(loaded)).not.toContain(SECRET);
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError);
          expect((error as ConfigError).code).toBe('ERR_CONFIG_INVALID');
          const problems = problemsOf(error);
          expect(problems.length).toBeGreaterThan(0);
          expect(JSON.stringify(error)).not.toContain(SECRET);
          for (const problem of problems) expect(problem.source.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('any command line either loads or is refused, and never echoes a secret given as a flag', () => {
    const schema = z.object({
      port: z.int().default(1),
      verbose: z.boolean().default(false),
      token: secret(z.string()).optional(),
    });
    const token = fc.oneof(
      fc.string(),
      fc.constantFrom(
        '--port',
        '--port=2',
        '--verbose',
        '--no-verbose',
        '--token',
        `--token=${SECRET}`,
        SECRET,
        '--',
        '-x',
      ),
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 6 }), (argv) => {
        try {
          const { config } = loadConfig(schema, { env: {}, argv, commandLine: [] });
          // A value parsed from the command line is never a secret.
          expect(config.token).toBeUndefined();
        } catch (error) {
          expect((error as ConfigError).code).toBe('ERR_CONFIG_INVALID');
          expect(JSON.stringify(error)).not.toContain(SECRET);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('any JSON value as a config file loads or fails with problems naming the file', () => {
    const schema = z.object({ a: z.string().default('a'), nested: z.object({ b: z.int().default(1) }) });
    const temp = tempDir();
    const file = temp.file('config.json', '{}');
    try {
      fc.assert(
        fc.property(fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.string()), (input) => {
          writeFileSync(file, typeof input === 'string' ? input : JSON.stringify(input));
          try {
            loadConfig(schema, { env: {}, file });
          } catch (error) {
            expect((error as ConfigError).code).toBe('ERR_CONFIG_INVALID');
            for (const problem of problemsOf(error)) expect(problem.source).toContain(file);
          }
          expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        }),
        { numRuns: 300 },
      );
    } finally {
      temp.cleanup();
    }
  });
});
