import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isSecret, loadConfig, loadMcpServerConfig, Secret, secret } from '../src/index.js';
import { problemsFrom, tempDir } from './helpers.js';

describe('the loaded config is deeply frozen', () => {
  const schema = z.object({
    server: z.object({ host: z.string().default('h'), ports: z.array(z.int()).default([1, 2]) }),
    headers: z.record(z.string(), z.string()).default({ a: 'b' }),
    token: secret(z.string()).default(new Secret('t'.repeat(8))),
  });

  it('freezes objects, nested objects, arrays, records and the loaded result itself', () => {
    const loaded = loadConfig(schema, { env: {} });
    const { config } = loaded;
    for (const value of [
      config,
      config.server,
      config.server.ports,
      config.headers,
      config.token,
      loaded,
      loaded.entries,
    ]) {
      expect(Object.isFrozen(value)).toBe(true);
    }
    expect(loaded.entries.every((entry) => Object.isFrozen(entry))).toBe(true);
    // ESM test files are strict mode: writes to frozen objects throw.
    expect(() => {
      (config.server as { host: string }).host = 'evil';
    }).toThrow(TypeError);
    expect(() => {
      (config.server.ports as number[]).push(3);
    }).toThrow(TypeError);
    expect(() => {
      (config.headers as Record<string, string>).x = 'y';
    }).toThrow(TypeError);
    expect(config.server.host).toBe('h');
  });

  it('gives each load its own objects: freezing one never touches a later load', () => {
    const first = loadConfig(schema, { env: {} });
    const second = loadConfig(schema, { env: { MCP_SERVER__HOST: 'other' } });
    expect(first.config.server.host).toBe('h');
    expect(second.config.server.host).toBe('other');
  });
});

describe('hardening', () => {
  it('seals a secret default given as a plain string (zod skips the transform for defaults)', () => {
    const schema = z.object({
      // A JavaScript caller (or a cast) can slip a plain string past the types.
      token: secret(z.string()).default('plain-default-value' as unknown as Secret<string>),
    });
    const { config } = loadConfig(schema, { env: {} });
    expect(isSecret(config.token)).toBe(true);
    expect(JSON.stringify(config)).not.toContain('plain-default-value');
  });

  it('reports variables with the prefix in the wrong case (POSIX names are case-sensitive)', () => {
    const schema = z.object({ rateLimit: z.int().default(1) });
    const problems = problemsFrom(() => loadConfig(schema, { env: { mcp_rate_limit: '5', Mcp_Other: '1' } }));
    expect(problems.map((problem) => [problem.key, problem.reason])).toEqual([
      ['Mcp_Other', 'wrong case'],
      ['mcp_rate_limit', 'wrong case; did you mean MCP_RATE_LIMIT?'],
    ]);
  });

  it('refuses a secret whose value also appears on the process command line', () => {
    const value = 'secret-value-from-argv-123';
    const problems = problemsFrom(() =>
      loadMcpServerConfig({
        env: { MCP_REDIS_URL: `rediss://:${value}@h` },
        commandLine: [`--redis=rediss://:${value}@h`],
      }),
    );
    expect(problems).toEqual([
      {
        key: 'redisUrl',
        source: 'command line',
        reason: 'a secret value appears on the command line, where every local user can read it',
        code: 'ERR_CONFIG_SECRET_ON_COMMAND_LINE',
      },
    ]);
    expect(JSON.stringify(problems)).not.toContain(value);
    expect(
      loadMcpServerConfig({ env: { MCP_REDIS_URL: `rediss://:${value}@h` }, commandLine: ['--verbose'] })
        .config.redisUrl,
    ).toBeDefined();
  });

  it('treats __proto__, constructor and prototype keys in a file as unknown, and pollutes nothing', () => {
    const temp = tempDir();
    try {
      const file = temp.file(
        'config.json',
        '{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}, "nested": {"__proto__": {"x": 1}}}',
      );
      const schema = z.object({ nested: z.object({ a: z.string().default('a') }) });
      const problems = problemsFrom(() => loadConfig(schema, { file, env: {} }));
      expect(problems.map((problem) => [problem.key, problem.code])).toEqual([
        ['__proto__', 'ERR_CONFIG_UNKNOWN_KEY'],
        ['constructor', 'ERR_CONFIG_UNKNOWN_KEY'],
        ['nested.__proto__', 'ERR_CONFIG_UNKNOWN_KEY'],
      ]);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    } finally {
      temp.cleanup();
    }
  });

  it('refuses env names that look like prototype keys', () => {
    const schema = z.object({ a: z.string().default('a') });
    const problems = problemsFrom(() =>
      loadConfig(schema, { env: { MCP___PROTO__: '1', MCP_CONSTRUCTOR: '1' } }),
    );
    expect(problems.map((problem) => problem.code)).toEqual([
      'ERR_CONFIG_UNKNOWN_ENV',
      'ERR_CONFIG_UNKNOWN_ENV',
    ]);
  });
});
