import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AuthenticationError, InternalError } from '@mcp-warden/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AuditSinkOptions, createAuditSink, verifyAuditLog } from '../src/index.js';
import { event, readLines, readRecords, tempDir } from './helpers.js';

const JWT =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
const SECRETS = {
  jwt: JWT,
  github: 'ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8',
  aws: 'AKIAIOSFODNN7EXAMPLE',
  openai: 'sk-proj-abcDEF1234567890abcdef12',
  password: 'hunter2-correct-horse',
  cookie: 'sid=s%3Aabcdef123456.signature',
  basic: 'dXNlcjpwYXNzd29yZA==',
  pem: '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7\n-----END RSA PRIVATE KEY-----',
  urlPassword: 'p4ssw0rd-in-url',
  query: 'query-token-value-123',
  configured: 'my-db-password-from-config',
} as const;

function writeOne(fields: Record<string, unknown>, options: Partial<AuditSinkOptions> = {}): string {
  const file = join(tempDir(), 'audit.log');
  const sink = createAuditSink({ file, handleSignals: false, ...options });
  sink.emit(
    event({ type: 'internal_error', correlationId: 'c1', errorName: 'Error', errorMessage: 'x', ...fields }),
  );
  sink.flushSync();
  return file;
}

describe('redaction', () => {
  it('keeps secrets in nested objects, headers and errors out of the file', async () => {
    const cause = new Error(`upstream said: Authorization: Bearer ${SECRETS.jwt}`);
    const file = writeOne(
      {
        errorMessage: `connect postgres://app:${SECRETS.urlPassword}@db/x failed`,
        request: {
          headers: new Headers({
            authorization: `Basic ${SECRETS.basic}`,
            cookie: SECRETS.cookie,
            'x-api-key': SECRETS.openai,
            accept: 'application/json',
          }),
          rawHeaders: { Authorization: `Bearer ${SECRETS.jwt}`, 'Set-Cookie': [SECRETS.cookie] },
          url: `https://api.example.com/v1?access_token=${SECRETS.query}&page=2`,
        },
        config: new Map<string, unknown>([
          ['db', { user: 'app', password: SECRETS.password, url: 'postgres://db' }],
          ['nested', { deeper: { list: [{ client_secret: 'cs-123456789' }, `token ${SECRETS.github}`] } }],
        ]),
        error: new AuthenticationError('ERR_TOKEN_INVALID', 'invalid token', {
          detail: { token: SECRETS.jwt, note: `key ${SECRETS.aws} rejected`, privateKey: SECRETS.pem },
          cause,
        }),
        internal: new InternalError('c1', { detail: { dsn: `mysql://root:${SECRETS.urlPassword}@h/` } }),
        pem: `key follows ${SECRETS.pem}`,
        note: `uses ${SECRETS.configured} here`,
      },
      { redaction: { secrets: [SECRETS.configured] } },
    );
    const text = readFileSync(file, 'utf8');
    for (const [name, secret] of Object.entries(SECRETS)) {
      expect(text, name).not.toContain(secret);
    }
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('cs-123456789');
    const [, record] = readRecords(file);
    expect(record).toMatchObject({
      request: {
        headers: {
          authorization: '[REDACTED]',
          cookie: '[REDACTED]',
          'x-api-key': '[REDACTED]',
          accept: 'application/json',
        },
        url: 'https://api.example.com/v1?access_token=[REDACTED]&page=2',
      },
      errorMessage: 'connect postgres://app:[REDACTED]@db/x failed',
      config: { db: { user: 'app', password: '[REDACTED]', url: 'postgres://db' } },
      error: {
        name: 'AuthenticationError',
        code: 'ERR_TOKEN_INVALID',
        kind: 'authentication',
        detail: { token: '[REDACTED]', note: 'key [REDACTED] rejected', privateKey: '[REDACTED]' },
        cause: { name: 'Error', message: 'upstream said: Authorization: [REDACTED]' },
      },
      note: 'uses [REDACTED] here',
    });
    expect(JSON.stringify(record)).not.toContain('    at ');
    expect((await verifyAuditLog(file)).ok).toBe(true);
  });

  it('keeps ordinary text readable (must-allow)', () => {
    const allowed = {
      reason: 'token expired',
      detail: 'Bearer authentication required',
      path: '/srv/data/report-2026.csv',
      message: 'the key was rotated at 10:00; see https://example.com/docs?page=2#auth',
      keyId: 'key-2026-01',
      scopes: ['files:read', 'files:write'],
      count: 3,
    };
    const [, record] = readRecords(writeOne(allowed));
    expect(record).toMatchObject(allowed);
  });

  it('redacts secrets in free-text forms: `password: x`, JSON inside a string, query strings', () => {
    const [, record] = readRecords(
      writeOne({
        errorMessage: 'login failed for ann, password: Tr0ub4dor&3 (attempt 2)',
        body: '{"user":"ann","access_token":"opaque-abc-123","scope":"read"}',
        hint: 'retry with ?api_key=abc123def&page=2 or key=not-a-query',
        dump: 'GET / HTTP/1.1\r\nHost: a\r\nCookie: sid=abc123; theme=dark\r\nX-Api-Key: k-998877\r\nAccept: */*',
      }),
    );
    expect(record).toMatchObject({
      errorMessage: 'login failed for ann, password: [REDACTED] (attempt 2)',
      body: '{"user":"ann","access_token":"[REDACTED]","scope":"read"}',
      hint: 'retry with ?api_key=[REDACTED]&page=2 or key=not-a-query',
      dump: 'GET / HTTP/1.1\r\nHost: a\r\nCookie: [REDACTED]\r\nX-Api-Key: [REDACTED]\r\nAccept: */*',
    });
  });

  it('keeps counts, kinds, ids and addresses whose names merely contain "token" or "key" (must-allow)', () => {
    const kept = {
      maxTokens: 4096,
      max_tokens: 100,
      tokenType: 'Bearer',
      tokenCount: 12,
      apiKeyId: 'key_2026_01',
      keyName: 'signing-2026',
      authorizationUrl: 'https://auth.example.com/authorize',
      tokenEndpoint: 'https://auth.example.com/token',
    };
    const [, record] = readRecords(
      writeOne({ arguments: { ...kept, passwordLength: 12, tokenSecret: 'x' } }),
    );
    expect(record?.arguments).toEqual({ ...kept, passwordLength: '[REDACTED]', tokenSecret: '[REDACTED]' });
  });

  it('writes session ids as digests unless insecureLogSessionIds is set (warned)', () => {
    const sessionId = 'c0ffee00-1234-4abc-9def-0123456789ab';
    const hashed = readRecords(writeOne({ sessionId, detail: { 'mcp-session-id': sessionId } }));
    expect(hashed[1]).toMatchObject({ sessionId: expect.stringMatching(/^sha256:[0-9a-f]{32}$/) });
    expect(JSON.stringify(hashed)).not.toContain(sessionId);
    const clear = readRecords(writeOne({ sessionId }, { insecureLogSessionIds: true }));
    expect(clear[1]).toMatchObject({ sessionId });
    expect(clear[0]).toMatchObject({ type: 'sys_startup', level: 'warn' });
    expect(String(clear[0]?.warnings)).toContain('insecureLogSessionIds');
  });

  it('redacts configured key names and object paths', () => {
    const [, record] = readRecords(
      writeOne(
        {
          arguments: { ssn: '123-45-6789', card: { number: '4111111111111111', brand: 'visa' } },
          patient: 'x',
        },
        { redaction: { keys: ['patient'], paths: ['arguments.ssn', 'arguments.*.number'] } },
      ),
    );
    expect(record).toMatchObject({
      arguments: { ssn: '[REDACTED]', card: { number: '[REDACTED]', brand: 'visa' } },
      patient: '[REDACTED]',
    });
  });

  it('cuts long values, deep nesting, wide objects, long arrays and cycles', () => {
    const deep: Record<string, unknown> = {};
    let cursor = deep;
    for (let i = 0; i < 20; i++) {
      cursor.next = {};
      cursor = cursor.next as Record<string, unknown>;
    }
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const wide = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, i]));
    const file = writeOne({
      long: 'a'.repeat(100_000),
      deep,
      cyclic,
      wide,
      list: Array.from({ length: 1000 }, (_, i) => i),
      bytes: Buffer.alloc(4096),
    });
    const lines = readLines(file);
    expect(lines).toHaveLength(2);
    expect(lines[1]!.length).toBeLessThan(24_000);
    const record = JSON.parse(lines[1]!) as Record<string, unknown>;
    expect(record.long).toMatch(/^a{1024}…\[cut 98976 chars\]$/);
    expect(JSON.stringify(record.deep)).toContain('[depth limit]');
    expect(record.cyclic).toEqual({ name: 'loop', self: '[circular]' });
    expect(Object.keys(record.wide as object)).toHaveLength(65);
    expect((record.list as unknown[]).at(-1)).toBe('[+936 more]');
    expect(record.bytes).toBe('[binary 4096 bytes]');
  });

  it('handles megabyte-sized adversarial strings for every pattern family by cutting first', () => {
    const families = [
      `"${'password'.repeat(125_000)}`,
      `Bearer ${'a'.repeat(1_000_000)}`,
      `http://${'a:'.repeat(500_000)}`,
      '-----BEGIN RSA PRIVATE KEY-----'.repeat(30_000),
      'a='.repeat(500_000),
      `eyJ${'a'.repeat(600)}.${'b'.repeat(1_000_000)}`,
    ];
    const file = writeOne(Object.fromEntries(families.map((text, index) => [`f${index}`, text])));
    const lines = readLines(file);
    expect(lines).toHaveLength(2);
    expect(lines[1]!.length).toBeLessThan(24_000);
    const record = JSON.parse(lines[1]!) as Record<string, string>;
    for (let index = 0; index < families.length; index++) {
      expect(record[`f${index}`]!.length).toBeLessThanOrEqual(1024 + 32);
    }
    expect(record.f0).toMatch(/…\[cut \d+ chars\]$/);
    expect(record.f1).toMatch(/^Bearer \[REDACTED\]/);
    expect(record.f5).toMatch(/^\[REDACTED\]/);
  });

  it('never lets a value under a secret-shaped key through, whatever the nesting (property)', () => {
    const secretKey = fc.constantFrom(
      'password',
      'Authorization',
      'x-api-key',
      'apiKey',
      'client_secret',
      'refresh_token',
      'Cookie',
      'set-cookie',
      'privateKey',
      'DB_PASSWORD',
      'accessToken',
    );
    const secretValue = fc
      .string({ minLength: 12, maxLength: 40 })
      .map((s) => `S3CR3T${s.replace(/\s/g, '')}`);
    const tree = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        fc.string({ maxLength: 10 }),
        fc.integer(),
        fc.array(tie('node'), { maxLength: 3 }),
        fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), tie('node'), { maxKeys: 3 }),
      ),
    })).node;
    fc.assert(
      fc.property(
        tree,
        fc.array(fc.tuple(secretKey, secretValue), { minLength: 1, maxLength: 4 }),
        (base, pairs) => {
          let holder: Record<string, unknown> = { base };
          const root = holder;
          for (const [key, value] of pairs) {
            holder[key] = value;
            holder.child = { sibling: base };
            holder = holder.child as Record<string, unknown>;
          }
          const text = readFileSync(writeOne({ payload: root }), 'utf8');
          for (const [, value] of pairs) expect(text).not.toContain(JSON.stringify(value).slice(1, -1));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('redacts secret-named pairs in free text whatever their case, separators, quoting or place (URL fragment)', () => {
    const cases: Record<string, [string, string]> = {
      envUpper: ['DB_PASSWORD=hunter2-db', 'DB_PASSWORD=[REDACTED]'],
      fragment: [
        'https://app.example.com/cb#access_token=frag-token-123&state=xyz',
        'https://app.example.com/cb#access_token=[REDACTED]&state=xyz',
      ],
      spaced: [
        'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
        'aws_secret_access_key = [REDACTED]',
      ],
      pyDict: ["{'password': 'py dict pass', 'user': 'ann'}", "{'password': '[REDACTED]', 'user': 'ann'}"],
      amz: [
        'https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIDEXAMPLE%2F2026&X-Amz-Signature=abcdef0123456789&X-Amz-Expires=60',
        'https://b.s3.amazonaws.com/k?X-Amz-Credential=[REDACTED]&X-Amz-Signature=[REDACTED]&X-Amz-Expires=60',
      ],
      dashed: ['x-api-key=k-abc-123 auth_token=at-123', 'x-api-key=[REDACTED] auth_token=[REDACTED]'],
      dotted: ['spring.datasource.password=sp-pass', 'spring.datasource.password=[REDACTED]'],
      flag: ['mysql --user=root --password hunter2-cli db', 'mysql --user=root --password [REDACTED] db'],
      leadingFlag: ['--api-key k-lead-1 --verbose', '--api-key [REDACTED] --verbose'],
      azure: [
        'DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=bXlrZXk0MjQyNDI=;EndpointSuffix=core.windows.net',
        'DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=[REDACTED];EndpointSuffix=core.windows.net',
      ],
      atSign: ['redis://user:p@ss-word@cache:6379/0', 'redis://user:[REDACTED]@cache:6379/0'],
      govId: ['SSN: 123-45-6789', 'SSN: [REDACTED]'],
    };
    const [, record] = readRecords(
      writeOne(Object.fromEntries(Object.entries(cases).map(([name, [input]]) => [name, input]))),
    );
    for (const [name, [, expected]] of Object.entries(cases)) expect(record?.[name], name).toBe(expected);
  });

  it('redacts more token formats: Stripe webhook, npm, Hugging Face, Google OAuth, Slack app and webhooks, SendGrid, PGP keys', () => {
    const tokens = {
      whsec: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      npm: 'npm_abcdefghijklmnopqrstuvwxyz0123456789',
      hf: 'hf_abcdefghijklmnopqrstuvwxyzABCDEFGH',
      google: 'ya29.a0AfH6SMBexampleexampleexample1234',
      slackApp: 'xapp-1-A0123456789-1234567890123-abcdef0123456789',
      slackHook: 'T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX',
      discordHook: '123456789012345678/abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ',
      sendgrid: 'SG.abcdefghijklmnopqrstuv.abcdefghijklmnopqrstuvwxyz0123456789abcdefg',
      pgp: 'lQOYBF0AAAAexamplePGPprivatekeymaterial',
    };
    const text = readFileSync(
      writeOne({
        a: `stripe ${tokens.whsec}, npm ${tokens.npm}, hf ${tokens.hf}, google ${tokens.google}`,
        b: `slack ${tokens.slackApp} via https://hooks.slack.com/services/${tokens.slackHook}`,
        c: `discord https://discord.com/api/webhooks/${tokens.discordHook} sendgrid ${tokens.sendgrid}`,
        d: `-----BEGIN PGP PRIVATE KEY BLOCK-----\n${tokens.pgp}\n-----END PGP PRIVATE KEY BLOCK-----`,
      }),
      'utf8',
    );
    for (const [name, token] of Object.entries(tokens)) expect(text, name).not.toContain(token);
    expect(text).toContain('https://hooks.slack.com/services/[REDACTED]');
  });

  it('redacts the value of a secret-named header or flag in arrays of pairs, raw header lists and argv', () => {
    const [, record] = readRecords(
      writeOne({
        request: {
          headerPairs: [
            ['Authorization', 'Token opaque-pair-1'],
            ['Cookie', 'sid=pair-cookie-2'],
            ['X-Api-Key', 'pair-key-3'],
            ['Accept', 'application/json'],
          ],
          rawHeaders: ['Host', 'a.example', 'Cookie', 'sid=raw-cookie-4', 'x-api-key', 'raw-key-5'],
        },
        argv: ['mysql', '--password', 'argv-pass-6', '--api-key', 'argv-key-7', '-v', 'db'],
        // Must-allow: lists of names and scopes are not pairs.
        changedKeys: ['db.password', 'logLevel'],
        requiredScopes: ['token:read', 'files:write'],
      }),
    );
    expect(record).toMatchObject({
      request: {
        headerPairs: [
          ['Authorization', '[REDACTED]'],
          ['Cookie', '[REDACTED]'],
          ['X-Api-Key', '[REDACTED]'],
          ['Accept', 'application/json'],
        ],
        rawHeaders: ['Host', 'a.example', 'Cookie', '[REDACTED]', 'x-api-key', '[REDACTED]'],
      },
      argv: ['mysql', '--password', '[REDACTED]', '--api-key', '[REDACTED]', '-v', 'db'],
      changedKeys: ['db.password', 'logLevel'],
      requiredScopes: ['token:read', 'files:write'],
    });
  });

  it('keeps prose about tokens, keys and signatures readable, and counts named like tokens (must-allow)', () => {
    const kept = {
      usage: 'prompt_tokens=12 completion_tokens=30 total_tokens=42 tokenCount=7',
      reason: 'token: expired; signature: invalid; auth: failed',
      query: 'https://example.com/search?q=api+key+rotation&page=2&sort=asc',
      note: 'key=value pairs and a sessionIdLength of 36; the password policy changed at 10:00',
      unicode: 'Grüße, 日本語のテキスト — ok ✓',
    };
    const [, record] = readRecords(writeOne(kept));
    expect(record).toMatchObject(kept);
  });

  it('still writes an event when a value throws on read (getters, proxies, toJSON), keeping what it can', async () => {
    const file = join(tempDir(), 'audit.log');
    const errors: unknown[] = [];
    const sink = createAuditSink({ file, handleSignals: false, onError: (error) => errors.push(error) });
    const base = { type: 'internal_error' as const, errorName: 'Error', errorMessage: 'x' };
    // Events as loosely typed callers build them (extra fields included).
    const loose = (fields: Record<string, unknown>) => event(fields as never);
    const trap = new Proxy(
      {},
      {
        getPrototypeOf: () => {
          throw new Error('trap');
        },
      },
    );
    sink.emit(loose({ ...base, correlationId: 'nested-proxy', detail: trap }));
    const getter = event({ ...base, correlationId: 'throwing-getter' });
    Object.defineProperty(getter, 'detail', {
      enumerable: true,
      get: () => {
        throw new Error('getter');
      },
    });
    sink.emit(getter);
    const keyless = new Proxy(event({ ...base, correlationId: 'keyless-proxy' }), {
      ownKeys: () => {
        throw new Error('keys');
      },
    });
    sink.emit(keyless);
    class Endless {
      toJSON(): unknown {
        return new Endless();
      }
    }
    sink.emit(loose({ ...base, correlationId: 'endless-toJSON', detail: new Endless() }));
    await sink.close();
    expect(errors.map((error) => String((error as { detail?: { cause?: unknown } }).detail?.cause))).toEqual(
      [],
    );
    const records = readRecords(file).filter((record) => record.type === 'internal_error');
    expect(records.map((record) => [record.correlationId, record.detail])).toEqual([
      ['nested-proxy', '[unreadable]'],
      ['throwing-getter', '[unreadable]'],
      [undefined, undefined],
      ['endless-toJSON', '[depth limit]'],
    ]);
    expect(records[2]).toMatchObject({ type: 'internal_error', level: 'info', outcome: 'success' });
    expect((await verifyAuditLog(file, { requireClosed: true })).ok).toBe(true);
  });

  it('reads no more of a huge Map or Set than it writes (log flooding)', () => {
    let pulled = 0;
    function* counted(count: number): Generator<number> {
      for (let i = 0; i < count; i++) {
        pulled++;
        yield i;
      }
    }
    class CountingMap extends Map<number, number> {
      override entries(): MapIterator<[number, number]> {
        return (function* () {
          for (const i of counted(1_000_000)) yield [i, i] as [number, number];
        })() as MapIterator<[number, number]>;
      }
      override get size(): number {
        return 1_000_000;
      }
    }
    class CountingSet extends Set<number> {
      override [Symbol.iterator](): SetIterator<number> {
        return counted(1_000_000) as SetIterator<number>;
      }
      override values(): SetIterator<number> {
        return counted(1_000_000) as SetIterator<number>;
      }
      override get size(): number {
        return 1_000_000;
      }
    }
    const [, record] = readRecords(writeOne({ map: new CountingMap(), set: new CountingSet() }));
    expect(pulled).toBeLessThanOrEqual(2 * 65);
    const { map, set } = record as { map: Record<string, unknown>; set: unknown[] };
    expect(Object.keys(map)).toHaveLength(65);
    expect(map['[cut]']).toBe('+999936 keys');
    expect(set.at(-1)).toBe('[+999936 more]');
  });
});
