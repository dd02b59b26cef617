import { isIPv4, isIPv6 } from 'node:net';

/** What an IP address is for; only `public` addresses are reachable on the open internet. */
export type AddressKind =
  | 'public'
  | 'private'
  | 'loopback'
  | 'link-local'
  | 'unspecified'
  | 'multicast'
  | 'documentation'
  | 'reserved';

/** `a loopback address`, `an unspecified address`: the phrase messages use for a kind. */
export function addressPhrase(kind: AddressKind): string {
  return `${kind === 'unspecified' ? 'an' : 'a'} ${kind} address`;
}

type Range4 = readonly [base: number, bits: number, kind: AddressKind];

// IANA IPv4 Special-Purpose Address Registry (RFC 6890 and successors), plus multicast and class E.
const IPV4_RANGES: readonly Range4[] = [
  [0x00000000, 8, 'unspecified'], // 0.0.0.0/8 "this network" (0.0.0.0 reaches localhost on Linux)
  [0x0a000000, 8, 'private'], // 10/8
  [0x64400000, 10, 'private'], // 100.64/10 shared address space (CGNAT)
  [0x7f000000, 8, 'loopback'], // 127/8
  [0xa9fe0000, 16, 'link-local'], // 169.254/16, including cloud metadata 169.254.169.254
  [0xac100000, 12, 'private'], // 172.16/12
  [0xc0000000, 24, 'reserved'], // 192.0.0/24 IETF protocol assignments
  [0xc0000200, 24, 'documentation'], // 192.0.2/24
  [0xc0586300, 24, 'reserved'], // 192.88.99/24 6to4 relay anycast
  [0xc0a80000, 16, 'private'], // 192.168/16
  [0xc6120000, 15, 'reserved'], // 198.18/15 benchmarking
  [0xc6336400, 24, 'documentation'], // 198.51.100/24
  [0xcb007100, 24, 'documentation'], // 203.0.113/24
  [0xe0000000, 4, 'multicast'], // 224/4
  [0xf0000000, 4, 'reserved'], // 240/4, including 255.255.255.255
];

function parseIpv4(text: string): number | undefined {
  if (!isIPv4(text)) return undefined;
  const parts = text.split('.').map(Number);
  return (((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0) as number;
}

function classify4(value: number): AddressKind {
  for (const [base, bits, kind] of IPV4_RANGES) {
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    if ((value & mask) >>> 0 === base) return kind;
  }
  return 'public';
}

/** Eight 16-bit groups, or `undefined` if not an IPv6 address (a zone id `%eth0` is ignored). */
function parseIpv6(input: string): number[] | undefined {
  const text = input.replace(/%.*$/, '');
  if (!isIPv6(text)) return undefined;
  let head = text;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  const dotted = text.slice(lastColon + 1);
  if (dotted.includes('.')) {
    const v4 = parseIpv4(dotted);
    if (v4 === undefined) return undefined;
    tail.push(v4 >>> 16, v4 & 0xffff);
    head = text.slice(0, lastColon + 1);
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const [left = '', right] = head.split('::');
  const parseGroups = (part: string): number[] =>
    part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16));
  const leftGroups = parseGroups(left);
  const rightGroups = [...(right === undefined ? [] : parseGroups(right)), ...tail];
  if (right === undefined) return [...leftGroups, ...tail];
  const zeros = 8 - leftGroups.length - rightGroups.length;
  return [...leftGroups, ...Array.from({ length: zeros }, () => 0), ...rightGroups];
}

function embeddedV4(groups: readonly number[], at: number): number {
  return ((groups[at]! << 16) | groups[at + 1]!) >>> 0;
}

function classify6(g: readonly number[]): AddressKind {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const firstFiveZero = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  if (firstFiveZero && g5 === 0 && g6 === 0)
    return g7 === 0 ? 'unspecified' : g7 === 1 ? 'loopback' : 'reserved';
  // IPv4-mapped ::ffff:a.b.c.d and IPv4-translated ::ffff:0:a.b.c.d reach the embedded IPv4 address.
  if (firstFiveZero && g5 === 0xffff) return classify4(embeddedV4(g, 6));
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0xffff && g5 === 0)
    return classify4(embeddedV4(g, 6));
  // NAT64 well-known prefix 64:ff9b::/96 translates to the embedded IPv4 address.
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) {
    return classify4(embeddedV4(g, 6));
  }
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 1) return 'private'; // local-use NAT64 64:ff9b:1::/48
  if (g0 === 0x2002) return classify4(embeddedV4(g, 1)); // 6to4 2002:V4ADDR::/48
  if (g0 === 0x2001 && g1 === 0x0db8) return 'documentation';
  if (g0 === 0x3fff && g1 < 0x1000) return 'documentation'; // 3fff::/20
  if (g0 === 0x2001 && g1 < 0x0200) return 'reserved'; // 2001::/23, including Teredo 2001::/32
  if ((g0 & 0xfe00) === 0xfc00) return 'private'; // fc00::/7 unique local
  if ((g0 & 0xffc0) === 0xfe80) return 'link-local'; // fe80::/10
  if ((g0 & 0xffc0) === 0xfec0) return 'private'; // fec0::/10 site-local (deprecated)
  if ((g0 & 0xff00) === 0xff00) return 'multicast';
  if ((g0 & 0xe000) === 0x2000) return 'public'; // 2000::/3 global unicast
  return 'reserved';
}

/**
 * Classifies an IP address (IPv4 dotted quad, or IPv6 with optional zone id). IPv4-mapped,
 * IPv4-translated, NAT64 and 6to4 IPv6 addresses are judged by the IPv4 address they reach. Returns
 * `undefined` for anything that is not an IP address.
 */
export function classifyAddress(address: string): AddressKind | undefined {
  const v4 = parseIpv4(address);
  if (v4 !== undefined) return classify4(v4);
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const v6 = parseIpv6(bare);
  return v6 === undefined || v6.length !== 8 ? undefined : classify6(v6);
}

/** True for a host name that is loopback by definition (`localhost`, `*.localhost`, RFC 6761). */
export function isLocalhostName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

/**
 * Top-level names that never resolve publicly: `internal` (ICANN, 2024), `local` (mDNS, RFC 6762),
 * `home.arpa` (RFC 8375), and the private names RFC 6762 Appendix G lists as in common use
 * (`intranet`, `private`, `corp`, `home`, `lan`; ICANN will not delegate `corp` and `home`), plus
 * `localdomain`.
 */
const PRIVATE_USE_SUFFIXES = [
  'internal',
  'local',
  'home.arpa',
  'intranet',
  'private',
  'corp',
  'home',
  'lan',
  'localdomain',
];

/**
 * Why a host name names an internal host by its form alone, or `undefined`: a single label (completed
 * from the resolver's search domains: `metadata` reaches the metadata server on GCE) or a name under a
 * private-use top-level name (`metadata.google.internal`, `printer.local`). IP literals are not names.
 */
export function privateNameKind(hostname: string): 'single-label' | 'private-use' | undefined {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  if (name === '' || classifyAddress(name) !== undefined) return undefined;
  if (!name.includes('.')) return 'single-label';
  return PRIVATE_USE_SUFFIXES.some((suffix) => name.endsWith(`.${suffix}`)) ? 'private-use' : undefined;
}
