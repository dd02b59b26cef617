import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addressKey, clientAddressResolver, normalizeAddress, type RequestLike } from '../src/index.js';

const request = (peer: string, forwardedFor?: string | string[]): RequestLike => ({
  socket: { remoteAddress: peer },
  headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
});

describe('clientAddressResolver', () => {
  it('ignores X-Forwarded-For unless the peer is a trusted proxy', () => {
    const none = clientAddressResolver();
    expect(none(request('203.0.113.9', '1.2.3.4'))).toBe('203.0.113.9');
    const trusting = clientAddressResolver({ trustedProxies: ['10.0.0.0/8'] });
    expect(trusting(request('203.0.113.9', '1.2.3.4'))).toBe('203.0.113.9');
    expect(trusting(request('10.1.2.3', '1.2.3.4'))).toBe('1.2.3.4');
  });

  it('walks from the right through trusted hops only, so a client-supplied prefix is never believed', () => {
    const resolve = clientAddressResolver({ trustedProxies: ['loopback', '10.0.0.0/8'] });
    // The client sent "X-Forwarded-For: 6.6.6.6"; the edge proxy appended the real peer 198.51.100.7.
    expect(resolve(request('127.0.0.1', '6.6.6.6, 198.51.100.7, 10.0.0.2'))).toBe('198.51.100.7');
    expect(resolve(request('::ffff:127.0.0.1', ['6.6.6.6', '198.51.100.7']))).toBe('198.51.100.7');
    // Every hop trusted: the leftmost one is the client.
    expect(resolve(request('127.0.0.1', '10.9.9.9, 10.0.0.2'))).toBe('10.9.9.9');
  });

  it('stops at a malformed hop and keys on the last proxy instead of trusting garbage', () => {
    const resolve = clientAddressResolver({ trustedProxies: ['loopback'] });
    expect(resolve(request('127.0.0.1', '1.2.3.4, not-an-ip'))).toBe('127.0.0.1');
    expect(resolve(request('127.0.0.1', ''))).toBe('127.0.0.1');
    expect(resolve(request('127.0.0.1', '[2001:db8::1]:443'))).toBe('2001:db8::1');
    expect(resolve(request('127.0.0.1', '192.0.2.1:8080'))).toBe('192.0.2.1');
  });

  it('rejects a trusted proxy entry it cannot read', () => {
    for (const entry of ['nonsense', '10.0.0.0/33', '::/129', '10.0.0.0/x', '']) {
      expect(() => clientAddressResolver({ trustedProxies: [entry] })).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_TRUSTED_PROXY' }),
      );
    }
  });

  it('property: without a trusted peer, no header value changes the address', () => {
    const resolve = clientAddressResolver({ trustedProxies: ['10.0.0.0/8'] });
    fc.assert(
      fc.property(
        fc.ipV4(),
        fc.oneof(fc.string(), fc.array(fc.oneof(fc.ipV4(), fc.ipV6(), fc.string()))),
        (peer, header) => {
          fc.pre(!peer.startsWith('10.'));
          const value = Array.isArray(header) ? header.join(', ') : header;
          expect(resolve(request(peer, value))).toBe(peer);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('property: through trusted proxies, the result is the rightmost untrusted hop, whatever the client prepended', () => {
    const resolve = clientAddressResolver({ trustedProxies: ['10.0.0.0/8'] });
    const untrusted = fc.ipV4().filter((ip) => !ip.startsWith('10.'));
    const trusted = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255)).map(([a, b, c]) => `10.${a}.${b}.${c}`);
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.ipV4(), fc.ipV6())),
        untrusted,
        fc.array(trusted, { maxLength: 4 }),
        trusted,
        (spoofed, client, proxies, peer) => {
          const header = [...spoofed, client, ...proxies].join(', ');
          expect(resolve(request(peer, header))).toBe(client);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('addressKey', () => {
  it('groups IPv6 by /64 and writes every spelling of an address the same way', () => {
    expect(addressKey('203.0.113.9')).toBe('ip:203.0.113.9');
    expect(addressKey('::ffff:203.0.113.9')).toBe('ip:203.0.113.9');
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('ip6:2001:db8:1:2:0:0:0:0/64');
    expect(addressKey('2001:0DB8:0001:0002:ffff:ffff:ffff:ffff')).toBe('ip6:2001:db8:1:2:0:0:0:0/64');
    expect(addressKey('2001:db8::1', 128)).toBe('ip6:2001:db8:0:0:0:0:0:1/128');
    expect(addressKey('nonsense')).toBe('ip:invalid');
  });

  it('property: any two addresses in one /64 share a key, addresses in different /64s do not', () => {
    const group = fc.integer({ min: 0, max: 0xffff }).map((n) => n.toString(16));
    fc.assert(
      fc.property(
        fc.array(group, { minLength: 8, maxLength: 8 }),
        fc.array(group, { minLength: 4, maxLength: 4 }),
        (a, tail) => {
          const first = a.join(':');
          const second = [...a.slice(0, 4), ...tail].join(':');
          expect(normalizeAddress(first)).toBeDefined();
          expect(addressKey(first)).toBe(addressKey(second));
          const other = [
            ...a.slice(0, 3),
            ((Number.parseInt(a[3]!, 16) + 1) % 0x10000).toString(16),
            ...tail,
          ].join(':');
          expect(addressKey(other)).not.toBe(addressKey(first));
        },
      ),
      { numRuns: 500 },
    );
  });
});
