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
});
