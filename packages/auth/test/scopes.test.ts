import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createScopeHierarchy, scopesFromClaims } from '../src/index.js';

const scopeArb = fc.stringMatching(/^[a-z:]{1,8}$/);

describe('scopes', () => {
  it('reads scope and scp, dropping duplicates', () => {
    expect(scopesFromClaims({ scope: 'a b  c', scp: ['c', 'd'] })).toEqual(['a', 'b', 'c', 'd']);
    expect(scopesFromClaims({})).toEqual([]);
    expect(() => scopesFromClaims({ scope: 'a "b' })).toThrowError(
      expect.objectContaining({ code: 'ERR_TOKEN_CLAIM_INVALID' }),
    );
    expect(() => scopesFromClaims({ scp: ['a b'] })).toThrowError(
      expect.objectContaining({ code: 'ERR_TOKEN_CLAIM_INVALID' }),
    );
  });

  it('property: scope and scp of any length and content read as the plain split-and-dedupe reading does', () => {
    const reference = (claims: { scope: string; scp: string[] }): string[] | 'refused' => {
      const parts = [...claims.scope.split(' ').filter((part) => part.length > 0), ...claims.scp];
      return parts.every((part) => /^[\x21\x23-\x5B\x5D-\x7E]+$/.test(part))
        ? [...new Set(parts)]
        : 'refused';
    };
    const part = fc.oneof(scopeArb, fc.string({ maxLength: 4 }), fc.constantFrom('a', 'b', 'x:y'));
    fc.assert(
      fc.property(fc.array(part, { maxLength: 40 }), fc.array(part, { maxLength: 24 }), (scopeParts, scp) => {
        const claims = { scope: scopeParts.join(' '), scp };
        const expected = reference(claims);
        if (expected === 'refused') {
          expect(() => scopesFromClaims(claims)).toThrowError(
            expect.objectContaining({ code: 'ERR_TOKEN_CLAIM_INVALID' }),
          );
        } else {
          expect(scopesFromClaims(claims)).toEqual(expected);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('property: parsing a joined list gives back the set, exactly', () => {
    fc.assert(
      fc.property(fc.array(scopeArb, { maxLength: 10 }), (scopes) => {
        expect(scopesFromClaims({ scope: scopes.join(' ') })).toEqual([...new Set(scopes)]);
      }),
    );
  });

  it('expands transitively and handles cycles', () => {
    const h = createScopeHierarchy({
      admin: ['files:write', 'exec'],
      'files:write': ['files:read'],
      a: ['b'],
      b: ['a'],
    });
    expect([...h.expand(['admin'])].sort()).toEqual(['admin', 'exec', 'files:read', 'files:write']);
    expect(h.missing(['files:read', 'net'], ['admin'])).toEqual(['net']);
    expect(h.missing(['a'], ['b'])).toEqual([]);
    expect(h.missing(['admin'], ['files:write'])).toEqual(['admin']);
  });

  it('refuses an invalid scope in the hierarchy', () => {
    expect(() => createScopeHierarchy({ 'a b': ['c'] })).toThrowError(
      expect.objectContaining({ code: 'ERR_AUTH_CONFIG_INVALID' }),
    );
  });

  it('property: without a hierarchy, missing = required minus granted, case-sensitively', () => {
    const h = createScopeHierarchy();
    fc.assert(
      fc.property(
        fc.array(scopeArb),
        fc.array(fc.stringMatching(/^[a-zA-Z:]{1,8}$/)),
        (required, granted) => {
          expect(h.missing(required, granted)).toEqual(required.filter((s) => !granted.includes(s)));
        },
      ),
    );
  });

  it('property: a granted scope never covers a different string unless the hierarchy says so', () => {
    const h = createScopeHierarchy({ 'files:write': ['files:read'] });
    fc.assert(
      fc.property(scopeArb, scopeArb, (granted, required) => {
        fc.pre(granted !== required && !(granted === 'files:write' && required === 'files:read'));
        expect(h.missing([required], [granted])).toEqual([required]);
      }),
    );
  });
});
