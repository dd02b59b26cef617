import { memorySink, secureMcpServer } from '@mcp-warden/core';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { describe, expect, it } from 'vitest';
import { resolvePublicAddresses, safeUrl, urlProblem, validationGuard } from '../src/index.js';
import { connect, textOf } from './helpers.js';

const web = { schemes: ['http', 'https'] };

describe('adversarial: SSRF URL forms (held)', () => {
  const refused = [
    'http://2130706433/',
    'http://0x7f.1/',
    'http://017700000001/',
    'http://127.1/',
    'http://0177.1/',
    'http://%31%32%37.0.0.1/',
    'http://①②⑦.0.0.1/',
    'http://127。0。0。1/',
    'http://127.0.0.1./',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:7f00:1]/',
    'http://[::127.0.0.1]/',
    'http://[::ffff:0:127.0.0.1]/',
    'http://[64:ff9b::10.0.0.1]/',
    'http://[64:ff9b::127.0.0.1]/',
    'http://[64:ff9b:1::a00:1]/',
    'http://[2002:a00:1::]/',
    'http://[2002:c0a8:101::1]/',
    'http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/',
    'http://[::]/',
    'http://0.0.0.0/',
    'http://0.1.2.3/',
    'http://100.64.0.1/',
    'http://169.254.169.254/latest/meta-data/',
    'http://[fd00:ec2::254]/',
    'http://[fc00::1]/',
    'http://[fe80::1]/',
    'http://[fec0::1]/',
    'http://[ff02::1]/',
    'http://224.0.0.1/',
    'http://255.255.255.255/',
    'http://localhost./',
    'http://LOCALHOST/',
    'http://a.localhost/',
    'http://ⓛocalhost/',
    'http://localhost%2e/',
    'HTTP://127.0.0.1:8080/',
  ];
  for (const url of refused) {
    it(`refuses ${url}`, () => {
      expect(urlProblem(url, web)).toMatch(/^host is an? /);
    });
  }

  it('refuses zone ids, credentials, parser-rewritten characters and dangerous schemes', () => {
    expect(urlProblem('http://[fe80::1%25eth0]/', web)).toBe('not a valid absolute URL');
    expect(urlProblem('http://good.com@evil.com/', web)).toBe('credentials in the URL are not allowed');
    expect(urlProblem('http://good.com\\@evil.com/', web)).toMatch(/backslash/);
    for (const url of ['http://ev\til.com/', 'http://ev\nil.com/', 'http://evil.com\r/'])
      expect(urlProblem(url, web)).toMatch(/control character/);
    for (const url of [
      'file:///etc/passwd',
      'gopher://x/',
      'data:text/plain,x',
      'javascript:alert(1)',
      'FILE:///x',
    ])
      expect(urlProblem(url, web)).toBe('scheme not allowed');
    expect(urlProblem('http://example.com:99999/', web)).toBe('not a valid absolute URL');
  });

  it('judges the fragment trick by the host actually fetched', () => {
    expect(urlProblem('http://evil.com#@good.com/', { ...web, hosts: ['good.com'] })).toBe(
      'host not allowed',
    );
  });

  it('refuses a name resolving to several addresses when one is private, and fails closed', async () => {
    const lookup = async () => [
      { address: '2606:4700::1', family: 6 },
      { address: 'fe80::1%eth0', family: 6 },
    ];
    await expect(resolvePublicAddresses('mixed.example', { lookup })).rejects.toMatchObject({
      code: 'ERR_FORBIDDEN_ADDRESS',
    });
    const failing = safeUrl({
      resolveHost: true,
      lookup: async () => {
        throw new Error('SERVFAIL');
      },
    });
    expect((await failing.safeParseAsync('https://down.example/')).success).toBe(false);
  });

  it('accepts ordinary URLs with ports, queries, fragments, public IPv6 and IDN (must-allow)', () => {
    for (const url of [
      'https://api.example.com:8443/v1/items?q=a%20b&page=2#top',
      'http://example.com:8080/path/to?x=1&y=@z',
      'https://[2606:4700:4700::1111]:443/dns-query',
      'https://münchen.de/straße',
      'HTTPS://Example.COM/',
      'http://8.8.8.8/',
    ]) {
      expect(urlProblem(url, web)).toBeUndefined();
    }
  });
});

describe('adversarial: special-scheme URLs not written scheme://host', () => {
  // The WHATWG parser reads `http:@evil.com`, `http:/evil.com` and `http:////evil.com` as
  // http://evil.com/; other parsers read them as paths. `http:@evil.com` also slipped past the bare-@
  // credentials check, which looked for `//` first.
  for (const url of [
    'http:@evil.com/',
    'http:/@evil.com/',
    'https:@example.com/',
    'http:evil.com/',
    'http:/evil.com/',
    'http:///evil.com/',
    'http:////evil.com/',
    'HTTPS:example.com/',
  ]) {
    it(`refuses ${url}`, () => {
      expect(urlProblem(url, web)).toBeDefined();
      expect(safeUrl(web).safeParse(url).success).toBe(false);
    });
  }

  it('refuses them through the guard with ERR_INVALID_ARGUMENT, before the handler', async () => {
    const mcp = new McpServer({ name: 'fetcher', version: '1.0.0' });
    secureMcpServer(mcp, { guards: [validationGuard()], events: memorySink() });
    let fetched = 0;
    mcp.registerTool('fetch', { inputSchema: { url: safeUrl({ hosts: ['good.example'] }) } }, async () => {
      fetched++;
      return { content: [{ type: 'text', text: 'fetched' }] };
    });
    const client = await connect(mcp);
    const refused = await client.callTool({ name: 'fetch', arguments: { url: 'https:@good.example/' } });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toContain('ERR_INVALID_ARGUMENT');
    const ok = await client.callTool({ name: 'fetch', arguments: { url: 'https://good.example/a?b=c' } });
    expect(textOf(ok)).toBe('fetched');
    expect(fetched).toBe(1);
    await client.close();
  });
});
