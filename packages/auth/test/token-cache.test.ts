import { isWardenError } from '@mcp-warden/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createJwtVerifier, TokenCache } from '../src/index.js';
import { ISSUER, makeKey, RESOURCE, sign, sourceFor } from './keys.js';

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (!isWardenError(error)) throw error;
    return error.code;
  }
  return 'ACCEPTED';
}

describe('verified-token cache', () => {
  it('serves a repeat token from the cache and never past exp', async () => {
    const key = await makeKey('ES256');
    let clock = Date.now();
    const v = createJwtVerifier({
      issuer: ISSUER,
      resource: RESOURCE,
      keys: [sourceFor(key)],
      clockToleranceSec: 0,
      now: () => clock,
    });
    const exp = Math.floor(clock / 1000) + 30;
    const token = await sign(key, { exp, iat: Math.floor(clock / 1000) });
    expect(await codeOf(v.verify(token))).toBe('ACCEPTED');
    expect(v.cacheSize).toBe(1);
    expect(await codeOf(v.verify(token))).toBe('ACCEPTED');
    clock = exp * 1000 - 1;
    expect(await codeOf(v.verify(token))).toBe('ACCEPTED');
    clock = exp * 1000;
    expect(await codeOf(v.verify(token))).toBe('ERR_TOKEN_EXPIRED');
  });

  it('does not cache failures, and reload() empties it', async () => {
    const key = await makeKey('ES256');
    const v = createJwtVerifier({ issuer: ISSUER, resource: RESOURCE, keys: [sourceFor(key)] });
    expect(await codeOf(v.verify(await sign(key, { aud: 'https://other.example' })))).toBe(
      'ERR_TOKEN_AUDIENCE_INVALID',
    );
    expect(v.cacheSize).toBe(0);
    await v.verify(await sign(key));
    expect(v.cacheSize).toBe(1);
    await v.reload();
    expect(v.cacheSize).toBe(0);
  });

  it('re-checks the binding on every cache hit', async () => {
    const key = await makeKey('ES256');
    const v = createJwtVerifier({ issuer: ISSUER, resource: RESOURCE, keys: [sourceFor(key)] });
    const token = await sign(key, { cnf: { 'x5t#S256': 'thumb' } });
    expect(await codeOf(v.verify(token, { certificateThumbprint: 'thumb' }))).toBe('ACCEPTED');
    expect(await codeOf(v.verify(token))).toBe('ERR_TOKEN_BINDING_REQUIRED');
    expect(await codeOf(v.verify(token, { certificateThumbprint: 'other' }))).toBe(
      'ERR_TOKEN_BINDING_MISMATCH',
    );
  });

  it('stays bounded and evicts the oldest insertion first', () => {
    const cache = new TokenCache<number>({ maxEntries: 3 });
    for (const key of ['a', 'b', 'c']) cache.set(key, 1, 10_000, 0);
    cache.set('d', 1, 10_000, 0);
    expect(cache.size).toBe(3);
    expect(cache.get('a', 1)).toBeUndefined();
    expect(cache.get('b', 1)).toBe(1);
    // Re-storing a key moves it to the back.
    cache.set('b', 2, 10_000, 0);
    cache.set('e', 1, 10_000, 0);
    expect(cache.get('c', 1)).toBeUndefined();
    expect(cache.get('b', 1)).toBe(2);
  });

  it('property: an entry is never returned at or after its expiry, nor past maxTtl', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e6 }),
        fc.integer({ min: 0, max: 1e6 }),
        fc.integer({ min: 0, max: 2e6 }),
        (now, exp, at) => {
          const cache = new TokenCache<string>({ maxTtlSec: 100 });
          cache.set('k', 'v', exp, now);
          const hit = cache.get('k', at) !== undefined;
          if (hit) {
            expect(at).toBeLessThan(exp);
            expect(at).toBeLessThan(now + 100_000);
          }
          if (at >= now && at < Math.min(exp, now + 100_000)) expect(hit).toBe(true);
        },
      ),
    );
  });
});
