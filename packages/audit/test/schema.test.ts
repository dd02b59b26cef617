import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { createSecurityContext, type SecurityEventInput, type SecurityEventType } from '@mcp-warden/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { auditEventSchemas, auditLineSchema, createAuditSink } from '../src/index.js';
import { HMAC_KEY, readRecords, tempDir } from './helpers.js';

/** One event of every type core defines; the Record type makes a missing type a compile error. */
const SAMPLES: { readonly [K in SecurityEventType]: Extract<SecurityEventInput, { type: K }> } = {
  authn_login_success: { type: 'authn_login_success', method: 'bearer' },
  authn_login_fail: {
    type: 'authn_login_fail',
    method: 'bearer',
    reason: 'token expired',
    code: 'ERR_TOKEN_EXPIRED',
  },
  authn_token_reuse: { type: 'authn_token_reuse', method: 'dpop', reason: 'jti seen before' },
  authn_token_created: { type: 'authn_token_created', method: 'api_key', keyId: 'k1' },
  authn_token_revoked: { type: 'authn_token_revoked', method: 'api_key' },
  authz_fail: { type: 'authz_fail', requiredScopes: ['files:write'], reason: 'missing scope' },
  session_use_denied: { type: 'session_use_denied', reason: 'unknown session' },
  input_validation_fail: {
    type: 'input_validation_fail',
    fields: [{ path: 'path', reason: 'too long' }],
  },
  malicious_path_traversal: { type: 'malicious_path_traversal', operation: 'read', reason: 'outside roots' },
  malicious_symlink_escape: {
    type: 'malicious_symlink_escape',
    operation: 'write',
    reason: 'link leaves root',
  },
  malicious_argument_injection: {
    type: 'malicious_argument_injection',
    command: 'git',
    reason: 'option -c not allowed',
  },
  malicious_dns_rebinding: { type: 'malicious_dns_rebinding', header: 'host', reason: 'host not allowed' },
  malicious_output: { type: 'malicious_output', removed: { ansi: 2, bidi: 1 } },
  fs_denied: { type: 'fs_denied', operation: 'write', reason: 'read-only root' },
  fs_access: { type: 'fs_access', operation: 'read' },
  exec_denied: { type: 'exec_denied', command: 'rm', argCount: 2, reason: 'not allowlisted' },
  exec_run: {
    type: 'exec_run',
    command: 'ls',
    argCount: 1,
    exitCode: 0,
    signal: null,
    timedOut: false,
    truncated: false,
    durationMs: 12.5,
    args: ['-la'],
  },
  ratelimit_exceeded: { type: 'ratelimit_exceeded', key: 'sub:ann', limit: 10, retryAfterMs: 250 },
  ratelimit_store_degraded: {
    type: 'ratelimit_store_degraded',
    store: 'redis',
    mode: 'deny',
    reason: 'ECONNREFUSED',
  },
  ratelimit_store_recovered: { type: 'ratelimit_store_recovered', store: 'redis' },
  mcp_call: { type: 'mcp_call', durationMs: 3.2, arguments: { path: 'a.txt' } },
  internal_error: {
    type: 'internal_error',
    correlationId: '7d1c',
    errorName: 'TypeError',
    errorMessage: 'x is undefined',
  },
  sys_startup: { type: 'sys_startup', component: 'server', warnings: ['insecureAllowNoAuth'] },
  sys_shutdown: { type: 'sys_shutdown', component: 'server', reason: 'SIGTERM' },
  config_loaded: { type: 'config_loaded', sources: ['env', 'file:/etc/app.json'], warnings: [] },
  config_invalid: {
    type: 'config_invalid',
    problems: [{ key: 'PORT', source: 'env', reason: 'not a number' }],
  },
  config_reloaded: { type: 'config_reloaded', changedKeys: ['LOG_LEVEL'] },
};

const validators = Object.fromEntries(
  Object.entries(auditEventSchemas).map(([type, schema]) => [type, z.fromJSONSchema(schema as never)]),
) as Record<SecurityEventType, z.ZodType>;

function writeSamples(): Record<string, unknown>[] {
  const file = join(tempDir(), 'audit.log');
  const sink = createAuditSink({ file, hmacKey: HMAC_KEY, handleSignals: false });
  // Emit through a real security context, as packages do, with every base field present.
  const context = createSecurityContext(
    {
      signal: new AbortController().signal,
      requestId: 42,
      sessionId: 'sess-1',
      authInfo: {
        token: 'never-logged',
        clientId: 'client-1',
        scopes: ['a'],
        extra: { subject: 'ann', authMethod: 'bearer', remoteAddress: '127.0.0.1' },
      },
      requestInfo: {},
    },
    { sink, target: 'tool:read_file' },
  );
  for (const sample of Object.values(SAMPLES)) context.emit(sample);
  sink.flushSync();
  return readRecords(file);
}

describe('event schemas', () => {
  it('cover exactly the event types of core', () => {
    expect(Object.keys(auditEventSchemas).sort()).toEqual(Object.keys(SAMPLES).sort());
  });

  it('every event type, as written to the file, validates against its schema and the line schema', () => {
    const records = writeSamples();
    const lineValidator = z.fromJSONSchema(auditLineSchema as never);
    const seen = new Set<string>();
    for (const record of records) {
      const type = record.type as SecurityEventType;
      const result = validators[type].safeParse(record);
      expect(result.error, `${type}: ${JSON.stringify(record)}`).toBeUndefined();
      expect(lineValidator.safeParse(record).success).toBe(true);
      seen.add(type);
    }
    expect([...seen].sort()).toEqual(Object.keys(SAMPLES).sort());
    const authz = records.find((record) => record.type === 'authz_fail');
    expect(authz).toMatchObject({
      requestId: '42',
      // Session ids are written as digests: linkable, not replayable.
      sessionId: `sha256:${createHash('sha256').update('sess-1').digest('hex').slice(0, 32)}`,
      principal: { subject: 'ann', clientId: 'client-1', method: 'bearer' },
      transport: 'http',
      remoteAddress: '127.0.0.1',
      target: 'tool:read_file',
      level: 'warn',
      outcome: 'denied',
    });
    expect(JSON.stringify(records)).not.toContain('never-logged');
    expect(JSON.stringify(records)).not.toContain('sess-1');
  });

  it('rejects lines that break the schema (the validators are not vacuous)', () => {
    const [record] = writeSamples().filter((line) => line.type === 'authz_fail');
    const validator = validators.authz_fail;
    expect(validator.safeParse(record).success).toBe(true);
    expect(validator.safeParse({ ...record, requiredScopes: undefined }).success).toBe(false);
    expect(validator.safeParse({ ...record, level: 'debug' }).success).toBe(false);
    expect(validator.safeParse({ ...record, time: '25/11/2026' }).success).toBe(false);
    expect(validator.safeParse({ ...record, hash: 'xyz' }).success).toBe(false);
    expect(validator.safeParse({ ...record, surprise: 1 }).success).toBe(false);
    expect(validators.exec_run.safeParse(record).success).toBe(false);
  });
});
