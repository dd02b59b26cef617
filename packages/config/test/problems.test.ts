import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, memorySink } from '@mcp-warden/core';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { formatProblems, loadConfig, problemsOf, secret } from '../src/index.js';
import { problemsFrom, tempDir } from './helpers.js';

const schema = z.object({
  host: z.string().min(1),
  port: z.int().min(1).max(65535).default(8080),
  rateLimit: z.int().min(1).default(100),
  tls: z.object({ enabled: z.boolean().default(false), certFile: z.string().optional() }),
  apiToken: secret(z.string().min(16)).optional(),
});

describe('every problem at once, each with its source', () => {
  let temp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    temp = tempDir();
  });
  afterEach(() => temp.cleanup());

  it('reports file typos, env typos, bad values and missing keys together, then refuses', () => {
    const file = temp.file('config.json', JSON.stringify({ prot: 1, tls: { enabeld: true }, rateLimit: 0 }));
    const sink = memorySink();
    let thrown: unknown;
    try {
      loadConfig(schema, {
        env: { MCP_CONFIG_FILE: file, MCP_RATELIMIT: '5', MCP_PORT: 'eighty', MCP_TLS__CERT_FIEL: '/x' },
        events: sink,
      });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).code).toBe('ERR_CONFIG_INVALID');
    expect(problemsOf(thrown)).toEqual([
      {
        key: 'prot',
        source: `file ${file} key prot`,
        reason: 'unknown key; did you mean "port"?',
        code: 'ERR_CONFIG_UNKNOWN_KEY',
      },
      {
        key: 'tls.enabeld',
        source: `file ${file} key tls.enabeld`,
        reason: 'unknown key; did you mean "enabled"?',
        code: 'ERR_CONFIG_UNKNOWN_KEY',
      },
      { key: 'port', source: 'env MCP_PORT', reason: 'expected a decimal number', code: 'ERR_CONFIG_COERCE' },
      {
        key: 'MCP_RATELIMIT',
        source: 'env MCP_RATELIMIT',
        reason: 'unknown variable; did you mean MCP_RATE_LIMIT?',
        code: 'ERR_CONFIG_UNKNOWN_ENV',
      },
      {
        key: 'MCP_TLS__CERT_FIEL',
        source: 'env MCP_TLS__CERT_FIEL',
        reason: 'unknown variable; did you mean MCP_TLS__CERT_FILE?',
        code: 'ERR_CONFIG_UNKNOWN_ENV',
      },
      {
        key: 'host',
        source: 'not set',
        reason: 'required: set MCP_HOST, or "host" in the config file',
        code: 'ERR_CONFIG_REQUIRED',
      },
      {
        key: 'rateLimit',
        source: `file ${file} key rateLimit`,
        reason: 'Too small: expected number to be >=1',
        code: 'ERR_CONFIG_VALIDATION',
      },
    ]);
    expect(sink.events).toHaveLength(1);
    expect(sink.events[0]).toMatchObject({
      type: 'config_invalid',
      outcome: 'failure',
      code: 'ERR_CONFIG_INVALID',
    });
    expect(formatProblems(problemsOf(thrown))).toContain(
      '  - port (env MCP_PORT): expected a decimal number',
    );
  });

  it('treats every unknown PREFIX_ variable as an error, never silently (property)', () => {
    const small = z.object({ rateLimit: z.int().default(1), host: z.string().default('h') });
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Z][A-Z0-9_]{0,20}$/), (name) => {
        fc.pre(name !== 'RATE_LIMIT' && name !== 'HOST' && name !== 'CONFIG_FILE');
        const problems = problemsFrom(() => loadConfig(small, { env: { [`MCP_${name}`]: '1' } }));
        expect(problems).toHaveLength(1);
        expect(problems[0]?.code).toBe('ERR_CONFIG_UNKNOWN_ENV');
      }),
    );
  });

  it('suggests the config-file variable for a typo of it', () => {
    const small = z.object({ host: z.string().default('h') });
    const problems = problemsFrom(() => loadConfig(small, { env: { MCP_CONFIG_FIEL: '/etc/mcp.json' } }));
    expect(problems[0]?.reason).toBe('unknown variable; did you mean MCP_CONFIG_FILE?');
  });

  it('keeps loading when the event sink throws', () => {
    const small = z.object({ host: z.string().default('h') });
    const broken = {
      emit(): void {
        throw new Error('sink down');
      },
    };
    expect(loadConfig(small, { env: {}, events: broken }).config.host).toBe('h');
    expect(problemsFrom(() => loadConfig(small, { env: { MCP_HOTS: 'x' }, events: broken }))).toHaveLength(1);
  });

  it('leaves variables named in ignoreEnv to their owner', () => {
    const small = z.object({ host: z.string().default('h') });
    expect(
      loadConfig(small, { env: { MCP_LOG_LEVEL: 'debug' }, ignoreEnv: ['MCP_LOG_LEVEL'] }).config.host,
    ).toBe('h');
  });

  it('reports unknown and misspelt flags, and positional arguments without echoing them', () => {
    const problems = problemsFrom(() =>
      loadConfig(schema, {
        env: { MCP_HOST: 'h' },
        argv: ['--rate-limt=5', 'leaked-value', '--tls.enabled', 'maybe'],
      }),
    );
    expect(problems.map((p) => [p.key, p.source, p.reason])).toEqual([
      ['--rate-limt', 'flag --rate-limt', 'unknown flag; did you mean --rate-limit?'],
      ['argument 2', 'command line', 'unexpected argument (expected --key=value)'],
      ['tls.enabled', 'flag --tls.enabled', 'expected a boolean: true/false, 1/0, yes/no or on/off'],
    ]);
    expect(JSON.stringify(problems)).not.toContain('leaked-value');
  });

  it('reads --flag and --no-flag for booleans', () => {
    const on = loadConfig(schema, { env: { MCP_HOST: 'h' }, argv: ['--tls.enabled'] });
    expect(on.config.tls.enabled).toBe(true);
    const off = loadConfig(schema, {
      env: { MCP_HOST: 'h', MCP_TLS__ENABLED: 'true' },
      argv: ['--no-tls.enabled'],
    });
    expect(off.config.tls.enabled).toBe(false);
  });

  it('reports a broken JSON file by position, without quoting its content', () => {
    const file = temp.file('bad.json', '{\n  "host": "h",\n  "apiToken": "super-secret-token-value" oops\n}');
    const problems = problemsFrom(() => loadConfig(schema, { file, env: {} }));
    expect(problems[0]).toEqual({
      key: '(config file)',
      source: `file ${file}`,
      reason: expect.stringMatching(/^not valid JSON \(line 3, column \d+\)$/),
      code: 'ERR_CONFIG_FILE_PARSE',
    });
    expect(JSON.stringify(problems)).not.toContain('super-secret');
  });

  it('refuses a missing config file, a directory, an oversized file and a non-object', () => {
    const dir = join(temp.dir, 'a-directory');
    mkdirSync(dir);
    const big = temp.file('big.json', JSON.stringify({ host: 'x'.repeat(2000) }));
    const list = temp.file('list.json', '[1,2]');
    const cases: [string, string][] = [
      [join(temp.dir, 'missing.json'), 'file not found'],
      [dir, 'is a directory, not a file'],
      [big, 'larger than 1024 bytes'],
    ];
    for (const [file, reason] of cases) {
      const problems = problemsFrom(() =>
        loadConfig(schema, { env: { MCP_CONFIG_FILE: file }, maxFileBytes: 1024 }),
      );
      expect(problems[0]).toEqual({
        key: '(config file)',
        source: 'env MCP_CONFIG_FILE',
        reason: `${file}: ${reason}`,
        code: 'ERR_CONFIG_FILE_READ',
      });
    }
    expect(problemsFrom(() => loadConfig(schema, { file: list, env: {} }))[0]).toMatchObject({
      key: '(root)',
      reason: 'expected an object',
    });
  });

  it('refuses unknown keys in overrides too', () => {
    const problems = problemsFrom(() =>
      loadConfig(schema, { env: { MCP_HOST: 'h' }, overrides: { hots: 'x' } }),
    );
    expect(problems).toEqual([
      {
        key: 'hots',
        source: 'override hots',
        reason: 'unknown key; did you mean "host"?',
        code: 'ERR_CONFIG_UNKNOWN_KEY',
      },
    ]);
  });

  it('emits config_loaded with the sources used and the warnings', () => {
    const sink = memorySink();
    loadConfig(schema, { env: { MCP_HOST: 'h' }, events: sink, warnings: () => ['careful'] });
    expect(sink.events).toEqual([
      expect.objectContaining({
        type: 'config_loaded',
        outcome: 'success',
        level: 'warn',
        sources: ['default', 'env'],
        warnings: ['careful'],
      }),
    ]);
  });
});
