import { isWardenError } from '@mcp-warden/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkDnsRebinding,
  createJwtVerifier,
  extractCredential,
  formatChallenge,
  metadataUrlFor,
} from '../src/index.js';
import { ISSUER, makeKey, RESOURCE, sign } from './keys.js';

const token68 = fc.stringMatching(/^[A-Za-z0-9\-._~+/]{1,80}=*$/);

describe('Authorization header parser', () => {
  it('property: "<Bearer in any case> <token68>" yields exactly that token', () => {
    fc.assert(
      fc.property(token68, fc.constantFrom('Bearer', 'bearer', 'BEARER', 'bEaReR'), (token, scheme) => {
        expect(extractCredential(`${scheme} ${token}`, '/mcp')).toEqual({ scheme: 'bearer', token });
      }),
    );
  });

  it('property: any header value either parses, is ignored, or is a coded 400 — never a raw throw', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 120 }), fc.string({ maxLength: 60 }), (header, query) => {
        try {
          const result = extractCredential(header, `/mcp?${query}`);
          if (result !== undefined) expect(result.token).toMatch(/^[A-Za-z0-9\-._~+/]+=*$/);
        } catch (error) {
          expect(isWardenError(error) && error.code).toBe('ERR_INVALID_REQUEST');
        }
      }),
    );
  });

  it('property: a credential-named query parameter is always a 400, whatever else is sent', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('access_token', 'token', 'api_key', 'apikey'),
        token68,
        fc.boolean(),
        (name, value, withHeader) => {
          expect(() =>
            extractCredential(
              withHeader ? `Bearer ${value}` : undefined,
              `/mcp?a=1&${name}=${encodeURIComponent(value)}`,
            ),
          ).toThrowError(expect.objectContaining({ code: 'ERR_INVALID_REQUEST' }));
        },
      ),
    );
  });
});

describe('WWW-Authenticate formatting', () => {
  it('property: no value can break out of its quotes or inject a header line', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.array(fc.string(), { maxLength: 4 }),
        fc.string(),
        (description, scopes, metadata) => {
          const header = formatChallenge({
            error: 'invalid_token',
            errorDescription: description,
            scopes,
            resourceMetadata: metadata,
          });
          expect(header).not.toMatch(/[\r\n\0]/);
          // Every parameter is name="value" with no quote or backslash inside the value.
          const rest = header.slice('Bearer '.length);
          expect(rest).toMatch(/^(?:[a-z_]+="[^"\\]*"(?:, |$))+$/);
        },
      ),
    );
  });
});

describe('Host header check', () => {
  it('property: on loopback, any Host whose name is not a loopback name is refused', () => {
    fc.assert(
      fc.property(fc.domain(), fc.option(fc.integer({ min: 1, max: 65535 })), (name, port) => {
        fc.pre(!['localhost', '127.0.0.1'].includes(name.toLowerCase()));
        const host = port === null ? name : `${name}:${port}`;
        expect(() => checkDnsRebinding({ host, origin: undefined }, '127.0.0.1')).toThrowError(
          expect.objectContaining({ code: 'ERR_HOST_NOT_ALLOWED' }),
        );
      }),
    );
  });

  it('configured hosts are enforced on any bind, and nothing is checked on a public bind without them', () => {
    expect(() =>
      checkDnsRebinding({ host: 'mcp.example.com', origin: undefined }, '10.0.0.5', {
        allowedHosts: ['mcp.example.com'],
      }),
    ).not.toThrow();
    expect(() =>
      checkDnsRebinding({ host: 'evil.example', origin: undefined }, '10.0.0.5', {
        allowedHosts: ['mcp.example.com'],
      }),
    ).toThrow();
    expect(() =>
      checkDnsRebinding({ host: 'mcp.example.com', origin: 'https://evil.example' }, '10.0.0.5', {
        allowedHosts: ['mcp.example.com'],
      }),
    ).toThrowError(expect.objectContaining({ code: 'ERR_ORIGIN_NOT_ALLOWED' }));
    expect(() => checkDnsRebinding({ host: 'anything', origin: undefined }, '10.0.0.5')).not.toThrow();
    expect(() =>
      checkDnsRebinding({ host: 'localhost', origin: undefined }, '::ffff:127.0.0.1'),
    ).not.toThrow();
    expect(() =>
      checkDnsRebinding({ host: ['localhost', 'evil'], origin: undefined }, '127.0.0.1'),
    ).toThrow();
  });
});

describe('RFC 9728 metadata URL', () => {
  it('inserts the well-known segment between host and path', () => {
    expect(metadataUrlFor('https://h.example/mcp').href).toBe(
      'https://h.example/.well-known/oauth-protected-resource/mcp',
    );
    expect(metadataUrlFor('https://h.example/').href).toBe(
      'https://h.example/.well-known/oauth-protected-resource',
    );
    expect(metadataUrlFor('https://h.example:8443/a/b/').href).toBe(
      'https://h.example:8443/.well-known/oauth-protected-resource/a/b',
    );
  });
});

describe('key source forms', () => {
  it('accepts a public JWK object and re-reads a JWKS file on reload()', async () => {
    const key = await makeKey('RS256', 'r1');
    const token = await sign(key);
    const viaJwk = createJwtVerifier({
      issuer: ISSUER,
      resource: RESOURCE,
      keys: [{ type: 'public-key', keys: [{ key: key.publicJwk! }], algorithms: ['RS256'] }],
    });
    expect((await viaJwk.verify(token)).subject).toBe('user-1');
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const file = join(mkdtempSync(join(tmpdir(), 'warden-jwks-')), 'jwks.json');
    writeFileSync(file, JSON.stringify({ keys: [] }));
    const viaFile = createJwtVerifier({
      issuer: ISSUER,
      resource: RESOURCE,
      keys: [{ type: 'jwks', file, algorithms: ['RS256'] }],
    });
    await expect(viaFile.verify(token)).rejects.toMatchObject({ code: 'ERR_TOKEN_KEY_NOT_FOUND' });
    writeFileSync(file, JSON.stringify({ keys: [key.publicJwk] }));
    await viaFile.reload();
    expect((await viaFile.verify(token)).subject).toBe('user-1');
  });
});
