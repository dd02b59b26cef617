import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  AuthorizationError,
  ERROR_META_KEY,
  FsError,
  InternalError,
  isWardenError,
  normalizeError,
  RateLimitError,
  toJsonRpcError,
  toToolResult,
  WardenError,
} from '../src/index.js';

describe('WardenError', () => {
  it('carries a stable code, a kind, public data and private detail', () => {
    const error = new FsError('ERR_PATH_OUTSIDE_ROOTS', 'path is outside the allowed roots', {
      detail: { resolved: '/etc/shadow' },
    });
    expect(error).toBeInstanceOf(WardenError);
    expect(error.name).toBe('FsError');
    expect(error.code).toBe('ERR_PATH_OUTSIDE_ROOTS');
    expect(error.kind).toBe('fs');
    expect(error.detail).toEqual({ resolved: '/etc/shadow' });
    expect(JSON.stringify(error)).not.toContain('/etc/shadow');
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      code: 'ERR_PATH_OUTSIDE_ROOTS',
      message: 'path is outside the allowed roots',
      data: {},
    });
  });

  it('is recognised across copies of the package by shape', () => {
    const foreign = Object.assign(new Error('x'), { code: 'ERR_X', kind: 'fs', data: {}, detail: {} });
    expect(isWardenError(foreign)).toBe(true);
    expect(isWardenError(Object.assign(new Error('x'), { code: 'ENOENT' }))).toBe(false);
    expect(isWardenError('ERR_X')).toBe(false);
  });

  it('turns unknown errors into a generic internal error naming only the correlation id', () => {
    const cause = new Error('connect ECONNREFUSED 10.0.0.7:5432 password=hunter2');
    const error = normalizeError(cause, 'cid-1');
    expect(error).toBeInstanceOf(InternalError);
    expect(error.code).toBe('ERR_INTERNAL');
    expect(error.message).toBe('internal error (reference cid-1)');
    expect(error.cause).toBe(cause);
    expect(JSON.stringify(toToolResult(cause, 'cid-1'))).not.toContain('hunter2');
    expect(JSON.stringify(toJsonRpcError(cause, 'cid-1'))).not.toContain('ECONNREFUSED');
    expect(inspect(error)).toContain('ERR_INTERNAL');
  });
});

describe('error mapping', () => {
  it('maps to a tool result with isError, a short text and the code in _meta', () => {
    const result = toToolResult(
      new RateLimitError('ERR_RATE_LIMITED', 'rate limit reached', { data: { retryAfterMs: 1200 } }),
      'c',
    );
    expect(result).toEqual({
      content: [{ type: 'text', text: 'rate limit reached [ERR_RATE_LIMITED]' }],
      isError: true,
      _meta: { [ERROR_META_KEY]: { code: 'ERR_RATE_LIMITED', retryAfterMs: 1200 } },
    });
  });

  it('maps to JSON-RPC error codes by kind', () => {
    expect(toJsonRpcError(new AuthorizationError('ERR_INSUFFICIENT_SCOPE', 'missing scope'), 'c')).toEqual({
      code: -32003,
      message: 'missing scope',
      data: { code: 'ERR_INSUFFICIENT_SCOPE' },
    });
    expect(toJsonRpcError(new Error('boom'), 'c9').code).toBe(-32603);
    expect(toJsonRpcError(new Error('boom'), 'c9').data).toEqual({
      code: 'ERR_INTERNAL',
      correlationId: 'c9',
    });
  });

  it('never lets public data overwrite the code', () => {
    const error = new FsError('ERR_REAL', 'x', { data: { code: 'ERR_FAKE' } });
    expect(toToolResult(error, 'c')._meta[ERROR_META_KEY].code).toBe('ERR_REAL');
    expect(toJsonRpcError(error, 'c').data.code).toBe('ERR_REAL');
  });
});
