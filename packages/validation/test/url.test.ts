import { lookup } from 'node:dns/promises';
import { createServer, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  classifyAddress,
  createSafeLookup,
  resolvePublicAddresses,
  safeUrl,
  urlProblem,
} from '../src/index.js';

const web = { schemes: ['http', 'https'] };

describe('urlProblem / safeUrl: syntax, scheme, credentials, hosts', () => {
  it('accepts ordinary https URLs by default and refuses http unless allowed', () => {
    expect(urlProblem('https://api.example.com/v1/items?q=1#top')).toBeUndefined();
    expect(urlProblem('http://api.example.com/')).toBe('scheme not allowed');
    expect(urlProblem('http://api.example.com/', web)).toBeUndefined();
  });

  it('refuses dangerous schemes', () => {
    for (const url of [
      'javascript:alert(1)',
      'file:///etc/passwd',
      'data:text/html,x',
      'gopher://x/',
      'ftp://x/',
    ]) {
      expect(urlProblem(url, web)).toBe('scheme not allowed');
    }
  });

  it('refuses relative and malformed URLs, and characters the parser would silently drop', () => {
    for (const url of ['/relative', 'example.com', 'https://', 'https://exa mple.com/'])
      expect(urlProblem(url, web)).toBeDefined();
    expect(urlProblem('https://exa\tmple.com/')).toBe(
      'contains whitespace, a control character or a backslash',
    );
    expect(urlProblem(' https://example.com/')).toBeDefined();
    expect(urlProblem('https://example.com\\@evil.com/')).toBeDefined();
  });

  it('refuses credentials in any form', () => {
    for (const url of [
      'https://user:pass@example.com/',
      'https://user@example.com/',
      'https://:p@example.com/',
      'https://@example.com/',
    ]) {
      expect(urlProblem(url)).toBe('credentials in the URL are not allowed');
    }
  });

  it('matches allowed hosts exactly or by *.suffix, case-insensitively', () => {
    const hosts = ['api.example.com', '*.cdn.example.net'];
    expect(urlProblem('https://API.example.com./x', { hosts })).toBeUndefined();
    expect(urlProblem('https://a.b.cdn.example.net/', { hosts })).toBeUndefined();
    for (const url of [
      'https://cdn.example.net/',
      'https://evilcdn.example.net/',
      'https://api.example.com.evil.io/',
      'https://example.com/',
    ]) {
      expect(urlProblem(url, { hosts })).toBe('host not allowed');
    }
  });

  it('refuses hidden characters the host parser would silently delete', () => {
    expect(urlProblem('https://exa\u200bmple.com/')).toBe('contains hidden characters');
    expect(urlProblem('https://ex\u00adample.com/')).toBe('contains hidden characters');
    expect(urlProblem('https://example.com/\u202efdp.exe')).toBe('contains hidden characters');
  });

  it('compares internationalised host names in their punycode form', () => {
    expect(urlProblem('https://münchen.de/', { hosts: ['münchen.de'] })).toBeUndefined();
    expect(urlProblem('https://xn--mnchen-3ya.de/', { hosts: ['münchen.de'] })).toBeUndefined();
    expect(urlProblem('https://a.münchen.de/', { hosts: ['*.MÜNCHEN.de'] })).toBeUndefined();
    expect(urlProblem('https://munchen.de/', { hosts: ['münchen.de'] })).toBe('host not allowed');
  });

  it('refuses URLs over maxChars (2,048 by default)', () => {
    const base = 'https://example.com/';
    expect(urlProblem(base + 'a'.repeat(2_048 - base.length))).toBeUndefined();
    expect(urlProblem(base + 'a'.repeat(2_049 - base.length))).toBe('longer than 2048 characters');
  });
});

describe('urlProblem: private, loopback and link-local hosts (SSRF)', () => {
  const internal = [
    'http://127.0.0.1/',
    'http://127.1/',
    'http://0x7f.1/',
    'http://0x7f000001/',
    'http://2130706433/',
    'http://017700000001/',
    'http://0177.0.0.1/',
    'http://0/',
    'http://0.0.0.0/',
    'http://10.0.0.1/',
    'http://172.16.5.4/',
    'http://192.168.1.1/',
    'http://100.64.0.1/',
    'http://169.254.169.254/latest/meta-data/',
    'http://[::1]/',
    'http://[::]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:7f00:1]/',
    'http://[::ffff:169.254.169.254]/',
    'http://[0:0:0:0:0:ffff:a00:1]/',
    'http://[64:ff9b::a9fe:a9fe]/',
    'http://[2002:7f00:1::]/',
    'http://[fe80::1]/',
    'http://[fd00::1]/',
    'http://[ff02::1]/',
    'http://localhost/',
    'http://LOCALHOST./',
    'http://api.localhost/',
    'http://224.0.0.1/',
    'http://255.255.255.255/',
  ];
  for (const url of internal) {
    it(`refuses ${url}`, () => {
      expect(urlProblem(url, web)).toMatch(/^host is an? /);
    });
  }

  it('accepts public IP literals', () => {
    for (const url of [
      'http://8.8.8.8/',
      'http://[2606:4700:4700::1111]/',
      'http://[::ffff:8.8.8.8]/',
      'http://[64:ff9b::808:808]/',
    ]) {
      expect(urlProblem(url, web)).toBeUndefined();
    }
  });

  it('accepts them all with allowPrivateAddresses (a named, warned weakening)', () => {
    expect(urlProblem('http://127.0.0.1/', { ...web, allowPrivateAddresses: true })).toBeUndefined();
    expect(safeUrl({ ...web, allowPrivateAddresses: true }).safeParse('http://10.0.0.1/').success).toBe(true);
  });

  // A name without a dot is completed from the resolver's search domains (`https://metadata/` reaches the
  // cloud metadata server on GCE); private-use top-level names never resolve publicly. Both name internal
  // hosts without any DNS lookup, so they are refused even without `resolveHost`.
  it('refuses single-label and private-use names, without resolving them', () => {
    for (const url of [
      'https://intranet/',
      'https://metadata/computeMetadata/v1/',
      'https://db./',
      'https://metadata.google.internal/computeMetadata/v1/',
      'https://HOST.INTERNAL./',
      'https://printer.local/',
      'https://nas.home.arpa/',
      'https://router.lan/',
      'https://git.corp/',
      'https://wiki.intranet/',
      'https://files.home/',
      'https://x.localdomain/',
      'https://svc.private/',
    ]) {
      expect(urlProblem(url), url).toMatch(/^host is a (single-label|private-use) name$/);
    }
    expect(safeUrl().safeParse('https://metadata/').error?.issues[0]?.message).toBe(
      'host is a single-label name',
    );
  });

  it('accepts public names that only contain those words (must-allow)', () => {
    for (const url of [
      'https://internal.example.com/',
      'https://local.example.org/x',
      'https://corp.example.com/',
      'https://home.example.net/',
      'https://lan.party.example/',
      'https://example.com./',
      'https://example.co.uk/',
      'https://xn--mnchen-3ya.de/',
      'https://homeassistant.io/',
    ]) {
      expect(urlProblem(url), url).toBeUndefined();
    }
    expect(urlProblem('https://intranet/', { allowPrivateAddresses: true })).toBeUndefined();
    expect(urlProblem('https://printer.local/', { allowPrivateAddresses: true })).toBeUndefined();
  });

  it('the schema gives the same verdicts', () => {
    const schema = safeUrl(web);
    expect(schema.safeParse('http://0x7f.1/').error?.issues[0]?.message).toBe('host is a loopback address');
    expect(schema.safeParse('http://0.0.0.0/').error?.issues[0]?.message).toBe(
      'host is an unspecified address',
    );
    expect(schema.safeParse('https://example.com/').success).toBe(true);
    expect(schema.safeParse(42).success).toBe(false);
  });
});

describe('classifyAddress properties', () => {
  const octet = fc.integer({ min: 0, max: 255 });
  const v4 = fc.tuple(octet, octet, octet, octet).map((parts) => parts.join('.'));

  it('judges an IPv4-mapped, IPv4-translated, NAT64 and 6to4 address as the IPv4 address it reaches', () => {
    fc.assert(
      fc.property(fc.tuple(octet, octet, octet, octet), (parts) => {
        const dotted = parts.join('.');
        const hex = (a: number, b: number) => ((a << 8) | b).toString(16);
        const kind = classifyAddress(dotted);
        expect(classifyAddress(`::ffff:${dotted}`)).toBe(kind);
        expect(classifyAddress(`::ffff:${hex(parts[0], parts[1])}:${hex(parts[2], parts[3])}`)).toBe(kind);
        expect(classifyAddress(`::ffff:0:${dotted}`)).toBe(kind);
        expect(classifyAddress(`64:ff9b::${dotted}`)).toBe(kind);
        expect(classifyAddress(`2002:${hex(parts[0], parts[1])}:${hex(parts[2], parts[3])}::1`)).toBe(kind);
      }),
    );
  });

  it('judges every address in 10/8, 127/8, 169.254/16, 192.168/16 as non-public', () => {
    fc.assert(
      fc.property(fc.constantFrom('10', '127', '169.254', '192.168'), v4, (prefix, rest) => {
        const address = [...prefix.split('.'), ...rest.split('.')].slice(0, 4).join('.');
        expect(classifyAddress(address)).not.toBe('public');
      }),
    );
  });

  it('returns undefined for non-addresses', () => {
    for (const text of ['example.com', '1.2.3', '1.2.3.4.5', '::g', '', '01.2.3.4'])
      expect(classifyAddress(text)).toBeUndefined();
  });
});

describe('resolving host names (node:dns)', () => {
  it('refuses this machine’s own host name when it resolves to a non-public address', async () => {
    const name = hostname();
    const addresses = await lookup(name, { all: true });
    const expectRefused = addresses.some(({ address }) => classifyAddress(address) !== 'public');
    // Through the resolver itself: safeUrl refuses a single-label name such as this one before any lookup.
    const verdict = await resolvePublicAddresses(name).then(
      () => undefined,
      (error: unknown) => error,
    );
    if (expectRefused) {
      expect(verdict).toMatchObject({
        code: 'ERR_FORBIDDEN_ADDRESS',
        data: { reason: expect.stringMatching(/^host resolves to an? /) },
      });
    } else expect(verdict).toBeUndefined();
    if (!name.includes('.')) {
      const result = await safeUrl({ resolveHost: true }).safeParseAsync(`https://${name}/`);
      expect(result.error?.issues[0]?.message).toBe('host is a single-label name');
    }
  });

  it('refuses a name if any of its addresses is private (a resolver mixing public and private)', async () => {
    const mixed = safeUrl({
      resolveHost: true,
      lookup: async () => [
        { address: '93.184.215.14', family: 4 },
        { address: '10.0.0.7', family: 4 },
      ],
    });
    expect((await mixed.safeParseAsync('https://rebind.example/')).error?.issues[0]?.message).toBe(
      'host resolves to a private address',
    );
    const clean = safeUrl({
      resolveHost: true,
      lookup: async () => [{ address: '93.184.215.14', family: 4 }],
    });
    expect((await clean.safeParseAsync('https://ok.example/')).success).toBe(true);
  });

  it('fails closed when the name does not resolve', async () => {
    const schema = safeUrl({ resolveHost: true });
    const result = await schema.safeParseAsync('https://does-not-exist.invalid/');
    expect(result.error?.issues[0]?.message).toBe('host could not be resolved');
    await expect(resolvePublicAddresses('x.invalid', { lookup: async () => [] })).rejects.toMatchObject({
      code: 'ERR_FORBIDDEN_ADDRESS',
    });
  });

  it('resolvePublicAddresses returns public literals and refuses private ones', async () => {
    expect(await resolvePublicAddresses('8.8.8.8')).toEqual([{ address: '8.8.8.8', family: 4 }]);
    await expect(resolvePublicAddresses('[::1]')).rejects.toMatchObject({ code: 'ERR_FORBIDDEN_ADDRESS' });
    await expect(resolvePublicAddresses('localhost')).rejects.toMatchObject({
      code: 'ERR_FORBIDDEN_ADDRESS',
    });
  });
});

describe('createSafeLookup: checked at connect time', () => {
  it('stops a real HTTP request to a loopback server before it connects', async () => {
    let requests = 0;
    const server = createServer((_req, res) => {
      requests++;
      res.end('secret');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      // Without the safe lookup the request goes through (the server is real).
      const plain = await new Promise<string>((resolve, reject) => {
        get({ host: 'localhost', port, path: '/' }, (res) => {
          let body = '';
          res.on('data', (chunk) => {
            body += chunk;
          });
          res.on('end', () => resolve(body));
        }).on('error', reject);
      });
      expect(plain).toBe('secret');
      const error = await new Promise<unknown>((resolve) => {
        get({ host: hostname(), port, path: '/', lookup: createSafeLookup() }, () => resolve(undefined)).on(
          'error',
          resolve,
        );
      });
      expect(error).toMatchObject({ code: 'ERR_FORBIDDEN_ADDRESS' });
      expect(requests).toBe(1);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
