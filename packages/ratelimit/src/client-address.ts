import { BlockList, isIP } from 'node:net';
import { ConfigError } from '@mcp-warden/core';

/** Named groups usable in `trustedProxies`, next to addresses and CIDR ranges. */
const NAMED_RANGES: Readonly<Record<string, readonly string[]>> = {
  loopback: ['127.0.0.0/8', '::1/128'],
  private: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
};

/** Options of {@link clientAddressResolver}. */
export interface ClientAddressOptions {
  /**
   * Proxies whose `X-Forwarded-For` entry is believed: addresses, CIDR ranges (`10.0.0.0/8`), or
   * `'loopback'`, `'private'`, `'linklocal'`. Default: none — the TCP peer is the client and the
   * header is ignored, so it cannot be spoofed.
   */
  readonly trustedProxies?: readonly string[];
}

/** The part of an `IncomingMessage` the resolver reads. */
export interface RequestLike {
  readonly socket: { readonly remoteAddress?: string | undefined };
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
}

/**
 * Strips an IPv4-mapped IPv6 prefix, brackets and a port; lower-cases. `undefined` unless the result
 * is a valid IP address.
 */
export function normalizeAddress(raw: string): string | undefined {
  let value = raw.trim();
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(value);
  if (bracketed !== null) value = bracketed[1]!;
  else if (/^\d{1,3}(?:\.\d{1,3}){3}:\d{1,5}$/.test(value)) value = value.slice(0, value.lastIndexOf(':'));
  value = value.toLowerCase();
  if (value.startsWith('::ffff:') && isIP(value.slice(7)) === 4) value = value.slice(7);
  return isIP(value) === 0 ? undefined : value;
}

/** Compiles the trusted-proxy list once; throws `ERR_INVALID_TRUSTED_PROXY` for an entry it cannot read. */
export function trustedProxyList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    for (const item of NAMED_RANGES[entry] ?? [entry]) {
      const [address = '', prefixText] = item.split('/');
      const normalized = normalizeAddress(address);
      const family = normalized === undefined ? 0 : isIP(normalized);
      const prefix = prefixText === undefined ? undefined : Number(prefixText);
      const maxPrefix = family === 4 ? 32 : 128;
      if (
        normalized === undefined ||
        (prefix !== undefined && (!/^\d{1,3}$/.test(prefixText ?? '') || prefix > maxPrefix))
      ) {
        throw new ConfigError(
          'ERR_INVALID_TRUSTED_PROXY',
          'trusted proxy must be an IP address, a CIDR range or a named range',
          {
            detail: { entry },
          },
        );
      }
      const type = family === 4 ? 'ipv4' : 'ipv6';
      if (prefix === undefined) list.addAddress(normalized, type);
      else list.addSubnet(normalized, prefix, type);
    }
  }
  return list;
}

function isTrusted(list: BlockList, address: string): boolean {
  return list.check(address, isIP(address) === 4 ? 'ipv4' : 'ipv6');
}

/**
 * Returns a function giving a request's client address. It starts from the TCP peer and walks
 * `X-Forwarded-For` from the right only while the current hop is a trusted proxy: the first
 * untrusted hop is the client. A malformed entry stops the walk at the last proxy, so a spoofed or
 * garbage header can neither pick an arbitrary key nor reset a limit.
 */
export function clientAddressResolver(
  options: ClientAddressOptions = {},
): (request: RequestLike) => string | undefined {
  const trusted = trustedProxyList(options.trustedProxies ?? []);
  const anyTrusted = (options.trustedProxies ?? []).length > 0;
  return (request) => {
    const peer = normalizeAddress(request.socket.remoteAddress ?? '');
    if (peer === undefined || !anyTrusted || !isTrusted(trusted, peer)) return peer;
    const header = request.headers['x-forwarded-for'];
    const hops = (typeof header === 'string' ? header : (header ?? []).join(',')).split(',');
    let client = peer;
    for (let index = hops.length - 1; index >= 0; index--) {
      const raw = hops[index]!;
      if (raw.trim() === '') continue;
      const hop = normalizeAddress(raw);
      if (hop === undefined) break;
      client = hop;
      if (!isTrusted(trusted, hop)) break;
    }
    return client;
  };
}

/**
 * The rate-limit key of an address: `ip:<v4>` for IPv4, and for IPv6 the network of the first
 * `ipv6PrefixLength` bits (default 64: one subscriber usually holds a whole /64, so per-address keys
 * would let one client rotate through 2^64 fresh limits).
 */
export function addressKey(address: string, ipv6PrefixLength = 64): string {
  const normalized = normalizeAddress(address);
  if (normalized === undefined) return 'ip:invalid';
  if (isIP(normalized) === 4) return `ip:${normalized}`;
  const groups = expandIpv6(normalized);
  const bits = Math.max(0, Math.min(128, Math.floor(ipv6PrefixLength)));
  const kept: string[] = [];
  for (let group = 0; group < 8; group++) {
    const keep = Math.max(0, Math.min(16, bits - group * 16));
    const mask = keep === 0 ? 0 : (0xffff << (16 - keep)) & 0xffff;
    kept.push((groups[group]! & mask).toString(16));
  }
  return `ip6:${kept.join(':')}/${bits}`;
}

function expandIpv6(address: string): number[] {
  let text = address;
  const zone = text.indexOf('%');
  if (zone !== -1) text = text.slice(0, zone);
  // An embedded IPv4 tail (::ffff:1.2.3.4 style) becomes two groups.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4 !== null) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const middle = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...middle, ...right].map((group) => Number.parseInt(group, 16));
}
