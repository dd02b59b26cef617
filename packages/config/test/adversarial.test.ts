import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  formatProblems,
  loadConfig,
  loadMcpServerConfig,
  parseNumber,
  printConfig,
  problemsOf,
  REDACTED,
  Secret,
  secret,
  watchConfig,
} from '../src/index.js';
import { problemsFrom, tempDir } from './helpers.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const exitChild = fileURLToPath(new URL('./fixtures/exit-child.ts', import.meta.url));
/** ESC, CSI (C1) and the right-to-left override: what terminal-injection payloads use. */
const hasControl = (text: string): boolean =>
  ['\u001b', '\u009b', '\u202e'].some((char) => text.includes(char));

describe('secret and config files must be text', () => {
  let temp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    temp = tempDir();
  });
  afterEach(() => temp.cleanup());

  it('refuses a binary secret file instead of silently mangling it into a weak key', () => {
    const schema = z.object({ hmacKey: secret(z.string().min(32)) });
    // 0xff never occurs in UTF-8; random bytes around it make a typical raw key.
    const raw = Buffer.concat([randomBytes(24), Buffer.from([0xff]), randomBytes(23)]);
    const path = join(temp.dir, 'hmac.key');
    writeFileSync(path, raw, { mode: 0o600 });
    const problems = problemsFrom(() => loadConfig(schema, { env: { MCP_HMAC_KEY_FILE: path } }));
    expect(problems).toEqual([
      {
        key: 'hmacKey',
        source: 'env MCP_HMAC_KEY_FILE',
        reason: `secret file ${path}: not UTF-8 text; store a binary key as base64 or hex`,
        code: 'ERR_CONFIG_SECRET_FILE',
      },
    ]);
    // Must-allow: the same key as base64, and a UTF-8 secret with non-ASCII letters and a final newline.
    const base64 = temp.file('hmac.b64', `${raw.toString('base64')}\n`);
    expect(loadConfig(schema, { env: { MCP_HMAC_KEY_FILE: base64 } }).config.hmacKey.reveal()).toBe(
      raw.toString('base64'),
    );
    const unicode = temp.file('unicode', 'pässwörd-✓-Пароль-密码-🔑=#with-equals\n');
    expect(loadConfig(schema, { env: { MCP_HMAC_KEY_FILE: unicode } }).config.hmacKey.reveal()).toBe(
      'pässwörd-✓-Пароль-密码-🔑=#with-equals',
    );
  });

  it('refuses a config file that is not UTF-8 text', () => {
    const path = join(temp.dir, 'config.json');
    writeFileSync(
      path,
      Buffer.concat([Buffer.from('{"name": "'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]),
    );
    const schema = z.object({ name: z.string().default('n') });
    const problems = problemsFrom(() => loadConfig(schema, { file: path, env: {} }));
    expect(problems).toEqual([
      {
        key: '(config file)',
        source: 'option file',
        reason: `${path}: not UTF-8 text`,
        code: 'ERR_CONFIG_FILE_READ',
      },
    ]);
  });
});

describe('file reads', () => {
  let temp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    temp = tempDir();
  });
  afterEach(() => temp.cleanup());

  it('reads a small file under a very large size limit (the buffer follows the file, not the limit)', () => {
    const schema = z.object({ token: secret(z.string()), name: z.string().default('n') });
    const secretPath = temp.file('token', 'small-token\n');
    const file = temp.file('config.json', '{"name": "from-file"}');
    const limits = { maxSecretFileBytes: 2 ** 40, maxFileBytes: Number.MAX_SAFE_INTEGER };
    const loaded = loadConfig(schema, { file, env: { MCP_TOKEN_FILE: secretPath }, ...limits });
    expect(loaded.config.token.reveal()).toBe('small-token');
    expect(loaded.config.name).toBe('from-file');
    // The limit still holds for a file over it.
    const big = temp.file('big', 'y'.repeat(200_000));
    expect(
      problemsFrom(() => loadConfig(schema, { env: { MCP_TOKEN_FILE: big }, maxSecretFileBytes: 100_000 })),
    ).toEqual([
      {
        key: 'token',
        source: 'env MCP_TOKEN_FILE',
        reason: `secret file ${big}: larger than 100000 bytes`,
        code: 'ERR_CONFIG_SECRET_FILE',
      },
    ]);
  });

  it('does not open a FIFO at all (opening one releases a writer waiting on it)', async () => {
    const fifo = join(temp.dir, 'fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    // The writer's open() returns only once some process opens the FIFO for reading.
    const writer = spawn('sh', ['-c', 'exec 3>"$0"; echo opened', fifo], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let output = '';
    writer.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const schema = z.object({ token: secret(z.string()) });
      expect(problemsFrom(() => loadConfig(schema, { env: { MCP_TOKEN_FILE: fifo } }))[0]?.reason).toBe(
        `secret file ${fifo}: not a regular file`,
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(output).toBe('');
    } finally {
      writer.kill('SIGKILL');
    }
  });
});

describe('JSON input limits', () => {
  let temp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    temp = tempDir();
  });
  afterEach(() => temp.cleanup());

  it('refuses duplicate keys in a config file, where a later key would silently win', () => {
    const schema = z.object({
      authMode: z.enum(['jwt', 'none']).default('jwt'),
      tls: z.object({ enabled: z.boolean().default(true) }),
    });
    const cases: [string, string][] = [
      ['{\n  "authMode": "jwt",\n  "authMode": "none"\n}', 'duplicate key "authMode" (line 3, column 3)'],
      ['{"tls": {"enabled": true, "enabled": false}}', 'duplicate key "enabled" (line 1, column 27)'],
      // The same key spelt with an escape is the same key.
      ['{"authMode": "jwt", "auth\\u004dode": "none"}', 'duplicate key "authMode" (line 1, column 21)'],
    ];
    for (const [text, reason] of cases) {
      const file = temp.file('config.json', text);
      expect(problemsFrom(() => loadConfig(schema, { file, env: {} }))).toEqual([
        { key: '(config file)', source: `file ${file}`, reason, code: 'ERR_CONFIG_FILE_PARSE' },
      ]);
    }
    // Must-allow: one key name in different objects, and in a list of objects.
    const ok = temp.file('ok.json', '{"authMode": "none", "tls": {"enabled": false}}');
    expect(loadConfig(schema, { file: ok, env: {} }).config).toEqual({
      authMode: 'none',
      tls: { enabled: false },
    });
    const records = z.object({ routes: z.array(z.record(z.string(), z.string())) });
    expect(loadConfig(records, { env: { MCP_ROUTES: '[{"a": "1"}, {"a": "2"}]' } }).config.routes).toEqual([
      { a: '1' },
      { a: '2' },
    ]);
    expect(
      problemsFrom(() => loadConfig(records, { env: { MCP_ROUTES: '[{"a": "1", "a": "2"}]' } })),
    ).toEqual([
      {
        key: 'routes',
        source: 'env MCP_ROUTES',
        reason: 'duplicate key "a" (line 1, column 13)',
        code: 'ERR_CONFIG_COERCE',
      },
    ]);
  });

  it('refuses deeply nested JSON with a problem instead of a stack overflow', () => {
    const schema = z.object({ extra: z.json().optional(), other: z.int().default(1) });
    const depth = 20_000;
    const deep = `${'['.repeat(depth)}${']'.repeat(depth)}`;
    const file = temp.file('deep.json', `{"extra": ${deep}}`);
    const problems = problemsFrom(() => loadConfig(schema, { file, env: { MCP_OTHER: 'x' } }));
    expect(problems).toEqual([
      {
        key: '(config file)',
        source: `file ${file}`,
        reason: 'nested deeper than 64 levels (line 1, column 74)',
        code: 'ERR_CONFIG_FILE_PARSE',
      },
      // Every other problem is still reported.
      {
        key: 'other',
        source: 'env MCP_OTHER',
        reason: 'expected a decimal number',
        code: 'ERR_CONFIG_COERCE',
      },
    ]);
    expect(problemsFrom(() => loadConfig(schema, { env: { MCP_EXTRA: deep } }))).toEqual([
      {
        key: 'extra',
        source: 'env MCP_EXTRA',
        reason: 'nested deeper than 64 levels (line 1, column 65)',
        code: 'ERR_CONFIG_COERCE',
      },
    ]);
    // Must-allow: ordinary nesting.
    const nested = `${'['.repeat(40)}1${']'.repeat(40)}`;
    const fine = temp.file('fine.json', `{"extra": ${nested}}`);
    expect(JSON.stringify(loadConfig(schema, { file: fine, env: {} }).config.extra)).toBe(nested);
  });
});

describe('numbers', () => {
  it('refuses leading zeros, which read as octal elsewhere (0600 would become 600)', () => {
    for (const raw of ['0600', '00', '-007', '+010', '0755.5', '00.5']) {
      expect(parseNumber(raw), raw).toEqual({
        ok: false,
        reason: 'expected a decimal number without leading zeros (octal is not read)',
      });
    }
    // Must-allow: zero itself, fractions, exponents, signs.
    for (const [raw, value] of [
      ['0', 0],
      ['0.5', 0.5],
      ['-0.25', -0.25],
      ['+8080', 8080],
      ['0e0', 0],
      ['1e3', 1000],
      ['.5', 0.5],
      ['10', 10],
    ] as const) {
      expect(parseNumber(raw), raw).toEqual({ ok: true, value });
    }
    const schema = z.object({ fileMode: z.int() });
    expect(problemsFrom(() => loadConfig(schema, { env: { MCP_FILE_MODE: '0600' } }))[0]?.code).toBe(
      'ERR_CONFIG_COERCE',
    );
  });
});

describe('secrets', () => {
  it('refuses an empty secret from any source, as it refuses an empty secret file', () => {
    const temp = tempDir();
    try {
      const schema = z.object({ token: secret(z.string()).optional(), host: z.string().default('h') });
      const file = temp.file('config.json', '{"token": ""}');
      expect(problemsFrom(() => loadConfig(schema, { env: { MCP_TOKEN: '' } }))).toEqual([
        {
          key: 'token',
          source: 'env MCP_TOKEN',
          reason: 'a secret must not be empty; leave it unset instead',
          code: 'ERR_CONFIG_VALIDATION',
        },
      ]);
      expect(problemsFrom(() => loadConfig(schema, { file, env: {} }))[0]).toMatchObject({
        source: `file ${file} key token`,
        code: 'ERR_CONFIG_VALIDATION',
      });
      expect(problemsFrom(() => loadConfig(schema, { env: {}, overrides: { token: '' } }))[0]).toMatchObject({
        source: 'override token',
        code: 'ERR_CONFIG_VALIDATION',
      });
      // Must-allow: unset, "empty means unset", and an empty non-secret string.
      expect(loadConfig(schema, { env: {} }).config.token).toBeUndefined();
      expect(
        loadConfig(schema, { env: { MCP_TOKEN: '' }, emptyEnvAsUnset: true }).config.token,
      ).toBeUndefined();
      expect(loadConfig(schema, { env: { MCP_HOST: '' } }).config.host).toBe('');
    } finally {
      temp.cleanup();
    }
  });

  it('never echoes a secret that a schema message quotes JSON-escaped', () => {
    const value = 'quote"and\\backslash-secret-value';
    const schema = z.object({
      token: secret(
        z.string().refine(() => false, { error: (issue) => `bad token ${JSON.stringify(issue.input)}` }),
      ),
    });
    const problems = problemsFrom(() => loadConfig(schema, { env: { MCP_TOKEN: value } }));
    expect(problems[0]?.reason).toBe(`bad token "${REDACTED}"`);
    expect(JSON.stringify(problems)).not.toContain('backslash-secret-value');
  });

  it('turns a schema that throws into a problem, with the secret scrubbed from its message', () => {
    const value = 'thrown-secret-value-123';
    const schema = z.object({
      token: secret(
        z.string().refine((input) => {
          throw new TypeError(`cannot check ${input}`);
        }),
      ),
      port: z.int().default(1),
    });
    let thrown: unknown;
    try {
      loadConfig(schema, { env: { MCP_TOKEN: value, MCP_PORT: 'x' } });
    } catch (error) {
      thrown = error;
    }
    expect(String((thrown as Error).stack)).not.toContain(value);
    expect(problemsFrom(() => loadConfig(schema, { env: { MCP_TOKEN: value, MCP_PORT: 'x' } }))).toEqual([
      { key: 'port', source: 'env MCP_PORT', reason: 'expected a decimal number', code: 'ERR_CONFIG_COERCE' },
      {
        key: '(root)',
        source: 'schema',
        reason: `the schema threw TypeError: cannot check ${REDACTED}`,
        code: 'ERR_CONFIG_VALIDATION',
      },
    ]);
  });

  it('refuses a Secret passed in overrides for a field that is not secret, instead of revealing it', () => {
    const schema = z.object({ host: z.string(), hosts: z.array(z.string()).default([]) });
    const value = new Secret('revealed-by-accident');
    const problems = problemsFrom(() =>
      loadConfig(schema, { env: {}, overrides: { host: value, hosts: ['a', value] } }),
    );
    expect(problems).toEqual([
      {
        key: 'host',
        source: 'override host',
        reason: 'a Secret was given for a field that is not secret; mark the field with secret()',
        code: 'ERR_CONFIG_VALIDATION',
      },
      {
        key: 'hosts',
        source: 'override hosts',
        reason: 'a Secret was given for a field that is not secret; mark the field with secret()',
        code: 'ERR_CONFIG_VALIDATION',
      },
    ]);
    // Must-allow: a Secret for a secret field.
    const secretSchema = z.object({ token: secret(z.string()) });
    expect(loadConfig(secretSchema, { env: {}, overrides: { token: value } }).config.token.reveal()).toBe(
      'revealed-by-accident',
    );
  });

  it('redacts credentials in URLs of non-secret fields in entries and print-config', () => {
    const schema = z.object({
      upstream: z.url(),
      mirrors: z.array(z.url()).default([]),
      plain: z.url().default('https://example.com/a@b'),
    });
    const loaded = loadConfig(schema, {
      env: {
        MCP_UPSTREAM: 'https://alice:s3cr3t-pw@api.example.com/v1',
        MCP_MIRRORS: 'https://ghp_tokenvalue123@git.example.com/r, https://m.example.com/',
      },
    });
    // The config itself keeps the value: code needs it.
    expect(loaded.config.upstream).toBe('https://alice:s3cr3t-pw@api.example.com/v1');
    for (const format of ['table', 'json'] as const) {
      const printed = printConfig(loaded, { format });
      expect(printed).not.toContain('s3cr3t-pw');
      expect(printed).not.toContain('ghp_tokenvalue123');
      expect(printed).toContain(`https://${REDACTED}@api.example.com/v1`);
      expect(printed).toContain('https://m.example.com/');
      // Must-allow: an @ in a path is not a credential.
      expect(printed).toContain('https://example.com/a@b');
    }
    expect(JSON.stringify(loaded.entries)).not.toContain('s3cr3t-pw');
    // It is still a plain string in the config, so the user is told.
    expect(loaded.warnings).toEqual([
      'upstream holds a URL with credentials but is not a secret field: print-config redacts them, your own logs of the config will not; mark it with secret() or pass the credentials separately',
      'mirrors holds a URL with credentials but is not a secret field: print-config redacts them, your own logs of the config will not; mark it with secret() or pass the credentials separately',
    ]);
    // Must-allow: no warning without credentials.
    expect(loadConfig(schema, { env: { MCP_UPSTREAM: 'https://api.example.com/v1' } }).warnings).toEqual([]);
  });
});

describe('the mcp server schema', () => {
  it('refuses an http JWKS URL whatever the case of its scheme', () => {
    const base = { MCP_AUTH_MODE: 'jwt', MCP_JWT_ISSUER: 'https://idp.example' };
    for (const url of ['HTTP://idp.example/jwks', 'Http://idp.example/jwks']) {
      const problems = problemsFrom(() =>
        loadMcpServerConfig({ env: { ...base, MCP_JWT_JWKS_URL: url }, commandLine: [] }),
      );
      expect(problems).toEqual([
        {
          key: 'jwtJwksUrl',
          source: 'env MCP_JWT_JWKS_URL',
          reason: 'must use https (http only on loopback)',
          code: 'ERR_CONFIG_VALIDATION',
        },
      ]);
    }
    for (const url of ['HTTPS://idp.example/jwks', 'HTTP://127.0.0.1:8080/jwks', 'http://[::1]/jwks']) {
      const loaded = loadMcpServerConfig({ env: { ...base, MCP_JWT_JWKS_URL: url }, commandLine: [] });
      expect(loaded.config.jwtJwksUrl).toBe(url);
    }
  });
});

describe('legitimate schemas', () => {
  it('loads and prints a bigint field instead of crashing', () => {
    const schema = z.object({ maxBytes: z.coerce.bigint().default(10n) });
    const loaded = loadConfig(schema, { env: { MCP_MAX_BYTES: '9007199254740993' } });
    expect(loaded.config.maxBytes).toBe(9007199254740993n);
    expect(printConfig(loaded)).toMatch(/^maxBytes +"9007199254740993" +env MCP_MAX_BYTES$/m);
  });
});

describe('terminal output', () => {
  let temp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    temp = tempDir();
  });
  afterEach(() => temp.cleanup());

  it('shows control characters in problems and print-config as visible escapes (no forged lines)', () => {
    const forged = 'x\n  - serverPort (default): all good [OK]\u001b[2K\u202e';
    const file = temp.file('config.json', JSON.stringify({ [forged]: 1 }));
    const result = spawnSync(process.execPath, ['--import', 'tsx', exitChild], {
      cwd: packageDir,
      env: { PATH: process.env.PATH ?? '', MCP_CONFIG_FILE: file },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(78);
    expect(result.stderr.split('\n').filter((line) => line.length > 0)).toHaveLength(2);
    expect(hasControl(result.stderr)).toBe(false);
    expect(result.stderr).toContain('x\\u{A}  - serverPort (default): all good [OK]\\u{1B}[2K\\u{202E}');
    const problems = problemsFrom(() =>
      loadConfig(z.object({ a: z.string().default('a') }), { file, env: {} }),
    );
    expect(hasControl(formatProblems(problems))).toBe(false);
    // Problems built by hand (or by a caller) are escaped too.
    const handMade = {
      key: 'k\nfake line',
      source: 's\u001b[2J',
      reason: 'r',
      code: 'ERR_CONFIG_VALIDATION',
    };
    expect(formatProblems([handMade]).split('\n')).toEqual([
      'invalid configuration: 1 problem',
      '  - k\\u{A}fake line (s\\u{1B}[2J): r [ERR_CONFIG_VALIDATION]',
    ]);
    // print-config rows: one per key, whatever a value holds.
    const loaded = loadConfig(z.object({ name: z.string() }), { env: { MCP_NAME: 'a\u009b2Jb\u202ec' } });
    expect(hasControl(printConfig(loaded))).toBe(false);
    expect(loaded.config.name).toBe('a\u009b2Jb\u202ec');
  }, 30_000);
});

describe('reload', () => {
  it('sees a change in a value a transform turned into an object (URL, Date), and refuses it if not reloadable', () => {
    const temp = tempDir();
    try {
      const schema = z.object({
        upstream: z.url().transform((text) => new URL(text)),
        notAfter: z.iso.date().transform((text) => new Date(text)),
        rateLimit: z.int().default(1),
      });
      const write = (upstream: string, notAfter: string, rateLimit: number): string =>
        temp.file('config.json', JSON.stringify({ upstream, notAfter, rateLimit }));
      const file = write('https://api.example.com/', '2030-01-01', 1);
      const watcher = watchConfig(schema, { file, env: {}, signal: false, reloadable: ['rateLimit'] });
      // Must-allow: nothing changed, or only a reloadable key.
      expect(watcher.reload()).toEqual({ ok: true, changedKeys: [] });
      write('https://api.example.com/', '2030-01-01', 2);
      expect(watcher.reload()).toEqual({ ok: true, changedKeys: ['rateLimit'] });
      write('https://evil.example/', '2099-01-01', 2);
      const outcome = watcher.reload();
      expect(outcome.ok).toBe(false);
      expect(
        outcome.ok ? [] : problemsOf(outcome.error).map((problem) => [problem.key, problem.code]),
      ).toEqual([
        ['upstream', 'ERR_CONFIG_RELOAD_UNSAFE'],
        ['notAfter', 'ERR_CONFIG_RELOAD_UNSAFE'],
      ]);
      expect(watcher.current.config.upstream.host).toBe('api.example.com');
      watcher.close();
    } finally {
      temp.cleanup();
    }
  });
});
