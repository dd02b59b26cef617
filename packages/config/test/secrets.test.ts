import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { format, inspect } from 'node:util';
import { memorySink } from '@mcp-warden/core';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isSecret, loadConfig, printConfig, REDACTED, Secret, secret } from '../src/index.js';
import { problemsFrom, tempDir } from './helpers.js';

const VALUE = 'hunter2-hunter2-hunter2-hunter2-x';
const schema = z.object({
  host: z.string().default('127.0.0.1'),
  jwtSecret: secret(z.string().min(32)).optional(),
  db: z.object({ password: secret(z.string().min(1)).optional() }),
});

describe('secrets by value or by *_FILE', () => {
  let temp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    temp = tempDir();
  });
  afterEach(() => temp.cleanup());

  it('reads a secret from the file a *_FILE variable names, dropping one final newline', () => {
    const file = temp.file('jwt', `${VALUE}\n`);
    const loaded = loadConfig(schema, { env: { MCP_JWT_SECRET_FILE: file, MCP_DB__PASSWORD: 'pw' } });
    expect(loaded.config.jwtSecret?.reveal()).toBe(VALUE);
    expect(loaded.config.db.password?.reveal()).toBe('pw');
    expect(loaded.warnings).toEqual([]);
    expect(loaded.entries.find((entry) => entry.key === 'jwtSecret')).toEqual({
      key: 'jwtSecret',
      env: 'MCP_JWT_SECRET',
      value: REDACTED,
      source: `env MCP_JWT_SECRET_FILE (file ${file})`,
      secret: true,
    });
  });

  it('reads a list of secrets from one file, split like the variable would be', () => {
    const keys = z.object({ apiKeys: z.array(secret(z.string().min(4))) });
    const file = temp.file('keys', 'key-one, key-two\n');
    const { config } = loadConfig(keys, { env: { MCP_API_KEYS_FILE: file } });
    expect(config.apiKeys.map((key) => key.reveal())).toEqual(['key-one', 'key-two']);
    expect(JSON.stringify(config)).toBe(`{"apiKeys":["${REDACTED}","${REDACTED}"]}`);
  });

  it('reads a secret through a symlink, as Kubernetes mounts them', () => {
    const file = temp.file('real', VALUE);
    const link = join(temp.dir, 'link');
    symlinkSync(file, link);
    expect(loadConfig(schema, { env: { MCP_JWT_SECRET_FILE: link } }).config.jwtSecret?.reveal()).toBe(VALUE);
  });

  it('accepts <key>File in the config file and --<key>-file on the command line', () => {
    const secretPath = temp.file('pw', 'from-file');
    const config = temp.file('config.json', JSON.stringify({ db: { passwordFile: secretPath } }));
    expect(loadConfig(schema, { file: config, env: {} }).config.db.password?.reveal()).toBe('from-file');
    const viaFlag = loadConfig(schema, { env: {}, argv: [`--db.password-file=${secretPath}`] });
    expect(viaFlag.config.db.password?.reveal()).toBe('from-file');
  });

  it('refuses a missing secret file, a directory, an empty file and an oversized one — all at once', () => {
    const dir = join(temp.dir, 'dir');
    mkdirSync(dir);
    const empty = temp.file('empty', '\n');
    const big = temp.file('big', 'x'.repeat(300));
    const missing = join(temp.dir, 'nope');
    const problems = problemsFrom(() =>
      loadConfig(schema, {
        env: { MCP_JWT_SECRET_FILE: missing, MCP_DB__PASSWORD_FILE: dir },
        overrides: { db: { passwordFile: empty } },
        maxSecretFileBytes: 256,
      }),
    );
    expect(problems).toEqual([
      {
        key: 'db.password',
        source: 'env MCP_DB__PASSWORD_FILE',
        reason: `secret file ${dir}: is a directory, not a file`,
        code: 'ERR_CONFIG_SECRET_FILE',
      },
      {
        key: 'jwtSecret',
        source: 'env MCP_JWT_SECRET_FILE',
        reason: `secret file ${missing}: file not found`,
        code: 'ERR_CONFIG_SECRET_FILE',
      },
      {
        key: 'db.password',
        source: 'override db.passwordFile',
        reason: `secret file ${empty} is empty`,
        code: 'ERR_CONFIG_SECRET_FILE',
      },
    ]);
    const tooBig = problemsFrom(() =>
      loadConfig(schema, { env: { MCP_JWT_SECRET_FILE: big }, maxSecretFileBytes: 256 }),
    );
    expect(tooBig[0]?.reason).toBe(`secret file ${big}: larger than 256 bytes`);
  });

  it('does not hang on a FIFO named as a secret file', () => {
    const fifo = join(temp.dir, 'fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const problems = problemsFrom(() => loadConfig(schema, { env: { MCP_JWT_SECRET_FILE: fifo } }));
    expect(problems[0]?.reason).toBe(`secret file ${fifo}: not a regular file`);
  });

  it('warns when a secret file is readable by group or others, and refuses it in strict mode', () => {
    const file = temp.file('jwt', VALUE, 0o644);
    const loaded = loadConfig(schema, { env: { MCP_JWT_SECRET_FILE: file } });
    expect(loaded.warnings).toEqual([
      `${file} (jwtSecret) has mode 0644: group or others may read it; use 0600 or 0400`,
    ]);
    const problems = problemsFrom(() =>
      loadConfig(schema, { env: { MCP_JWT_SECRET_FILE: file }, strictSecretFilePermissions: true }),
    );
    expect(problems[0]?.code).toBe('ERR_CONFIG_SECRET_FILE_PERMISSIONS');
    for (const mode of [0o600, 0o400]) {
      const tight = temp.file(`tight-${mode}`, VALUE, mode);
      expect(loadConfig(schema, { env: { MCP_JWT_SECRET_FILE: tight } }).warnings).toEqual([]);
    }
  });

  it('refuses a secret given both by value and by file', () => {
    const file = temp.file('jwt', VALUE);
    const problems = problemsFrom(() =>
      loadConfig(schema, { env: { MCP_JWT_SECRET: VALUE, MCP_JWT_SECRET_FILE: file } }),
    );
    expect(problems).toEqual([
      {
        key: 'jwtSecret',
        source: 'env MCP_JWT_SECRET',
        reason: 'set either MCP_JWT_SECRET or MCP_JWT_SECRET_FILE, not both',
        code: 'ERR_CONFIG_SECRET_CONFLICT',
      },
    ]);
  });

  it('refuses a secret on the command line, in every flag form, without echoing it', () => {
    for (const argv of [[`--jwt-secret=${VALUE}`], ['--jwt-secret', VALUE], [`--db.password=${VALUE}`]]) {
      const problems = problemsFrom(() => loadConfig(schema, { env: {}, argv }));
      expect(problems).toHaveLength(1);
      expect(problems[0]?.code).toBe('ERR_CONFIG_SECRET_ON_COMMAND_LINE');
      expect(JSON.stringify(problems)).not.toContain(VALUE);
    }
  });

  it('never puts a secret value into a problem or an event, even when the schema refuses it', () => {
    const sink = memorySink();
    const strict = z.object({
      token: secret(
        z.string().refine((value) => value.startsWith('tok_'), { error: (issue) => `bad ${issue.input}` }),
      ),
    });
    const problems = problemsFrom(() => loadConfig(strict, { env: { MCP_TOKEN: VALUE }, events: sink }));
    expect(problems[0]?.reason).toBe(`bad ${REDACTED}`);
    expect(JSON.stringify(sink.events)).not.toContain(VALUE);
  });

  it('warns when a config file holding secrets by value is readable by others', () => {
    const config = temp.file('config.json', JSON.stringify({ jwtSecret: VALUE }), 0o644);
    const loaded = loadConfig(schema, { file: config, env: {} });
    expect(loaded.warnings).toEqual([
      `config file ${config} holds secrets by value (jwtSecret) and has mode 0644; use a *File key or restrict it to 0600`,
    ]);
  });
});

describe('redaction', () => {
  const load = (value: string) =>
    loadConfig(schema, { env: { MCP_JWT_SECRET: value, MCP_DB__PASSWORD: value } });

  it('redacts secrets in JSON.stringify, util.inspect, console formatting, template strings and String()', () => {
    const { config } = load(VALUE);
    const renderings = [
      JSON.stringify(config),
      inspect(config, { depth: 10 }),
      inspect(config, { depth: 10, showHidden: true }),
      inspect(config, { depth: 10, customInspect: false }),
      format('%s %o %O %j', config.jwtSecret, config, config, config),
      `${config.jwtSecret}`,
      String(config.db.password),
      `${config.db.password}`,
      JSON.stringify({ ...config, db: { ...config.db } }),
      JSON.stringify(structuredClone(config)),
    ];
    for (const text of renderings) expect(text).not.toContain(VALUE);
    expect(JSON.stringify(config)).toContain(`"jwtSecret":"${REDACTED}"`);
    expect(inspect(config.jwtSecret)).toBe(`Secret(${REDACTED})`);
    expect(Object.keys(config.jwtSecret ?? {})).toEqual([]);
    expect(isSecret(config.jwtSecret)).toBe(true);
  });

  it('redacts any secret value, whatever its characters (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 32, maxLength: 64 }).filter((s) => !s.includes('\0')),
        (value) => {
          const { config } = load(value);
          expect(config.jwtSecret?.reveal()).toBe(value);
          for (const text of [
            JSON.stringify(config),
            inspect(config, { depth: 10 }),
            `${config.jwtSecret}`,
          ]) {
            expect(text.includes(value)).toBe(false);
          }
        },
      ),
      { numRuns: 50 },
    );
  });

  it('redacts secrets in pino log lines (pino serialises through toJSON)', async () => {
    const requireFromBenchmarks = createRequire(new URL('../../../benchmarks/package.json', import.meta.url));
    const { default: pino } = (await import(requireFromBenchmarks.resolve('pino'))) as {
      default: (options: object, stream: Writable) => { info(object: object, message: string): void };
    };
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(chunk.toString());
        callback();
      },
    });
    const logger = pino({}, stream);
    const { config } = load(VALUE);
    logger.info({ config, jwtSecret: config.jwtSecret }, `loaded ${config.jwtSecret}`);
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(VALUE);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({
      config: { jwtSecret: REDACTED, db: { password: REDACTED } },
      jwtSecret: REDACTED,
      msg: `loaded ${REDACTED}`,
    });
  });

  it('redacts secrets in print-config, which still shows every other value and its source', () => {
    const loaded = load(VALUE);
    for (const format of ['table', 'json'] as const) {
      const printed = printConfig(loaded, { format });
      expect(printed).not.toContain(VALUE);
      expect(printed).toContain(REDACTED);
      expect(printed).toContain('env MCP_JWT_SECRET');
    }
    expect(JSON.parse(printConfig(loaded, { format: 'json' }))).toEqual({
      host: { value: '127.0.0.1', source: 'default' },
      jwtSecret: { value: REDACTED, source: 'env MCP_JWT_SECRET' },
      'db.password': { value: REDACTED, source: 'env MCP_DB__PASSWORD' },
    });
  });

  it('keeps the value reachable only through reveal()', () => {
    const value = new Secret('abc');
    expect(value.reveal()).toBe('abc');
    expect(value.sameAs(new Secret('abc'))).toBe(true);
    expect(`${value}`).toBe(REDACTED);
    // biome-ignore lint/style/useTemplate: `+` uses the "default" hint of Symbol.toPrimitive, which is what this checks.
    expect(value + '').toBe(REDACTED);
    expect(Object.isFrozen(value)).toBe(true);
  });
});
