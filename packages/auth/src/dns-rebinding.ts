import { ValidationError } from '@mcp-warden/core';
import type { HeaderValue } from './bearer-token.js';

/** Options of the Host/Origin check (DNS-rebinding protection). */
export interface DnsRebindingOptions {
  /**
   * Hosts (`name` or `name:port`) accepted in `Host`. When set, the check always runs. When unset, it
   * runs only on loopback binds and accepts `localhost`, `127.0.0.1` and `[::1]` on any port.
   */
  readonly allowedHosts?: readonly string[];
  /** Origins (`scheme://host[:port]`) accepted in `Origin`. Loopback origins pass on loopback binds. */
  readonly allowedOrigins?: readonly string[];
}

const LOOPBACK_NAMES: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);

/** True for 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  return plain === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(plain);
}

function single(value: HeaderValue): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  return value.length === 1 ? value[0] : '\u0000';
}

function hostName(host: string): string {
  // `[::1]:3000` → `[::1]`, `example.com:443` → `example.com`.
  const match = /^(\[[^\]]*\]|[^:]*)(?::\d{1,5})?$/.exec(host);
  return (match?.[1] ?? '\u0000').toLowerCase();
}

/**
 * Refuses requests whose `Host` or `Origin` does not belong to this server: the DNS-rebinding defence
 * for servers on loopback (on by default there) or with configured hosts. Throws `ERR_HOST_NOT_ALLOWED`
 * or `ERR_ORIGIN_NOT_ALLOWED` (403).
 *
 * `ownOrigin` is this server's public origin (the resource identifier's, e.g. `https://mcp.example.com`).
 * Without `allowedHosts` its host name is accepted next to the loopback names (a reverse proxy on the same
 * machine forwards it), and so is exactly that origin: an attacker's rebound name is never our own.
 */
export function checkDnsRebinding(
  headers: { readonly host: HeaderValue; readonly origin: HeaderValue },
  localAddress: string | undefined,
  options: DnsRebindingOptions = {},
  ownOrigin?: string,
): void {
  const configured = options.allowedHosts !== undefined;
  const loopback = isLoopbackAddress(localAddress);
  if (!configured && !loopback) return;
  const host = single(headers.host);
  const allowedHosts = (options.allowedHosts ?? []).map((h) => h.toLowerCase());
  // Parsed only when a name is not a loopback one (the common loopback request pays nothing).
  let own: URL | null | undefined;
  const ownUrl = (): URL | null => {
    if (own === undefined) {
      own = null;
      if (!configured && ownOrigin !== undefined && URL.canParse(ownOrigin)) {
        const url = new URL(ownOrigin);
        if (url.protocol === 'http:' || url.protocol === 'https:') own = url;
      }
    }
    return own;
  };
  const ownOk = (name: string): boolean => ownUrl()?.hostname === name;
  const hostOk =
    host !== undefined &&
    (allowedHosts.includes(host.toLowerCase()) ||
      allowedHosts.includes(hostName(host)) ||
      (loopback && !configured && (LOOPBACK_NAMES.has(hostName(host)) || ownOk(hostName(host)))));
  if (!hostOk) {
    throw new ValidationError('ERR_HOST_NOT_ALLOWED', 'host not allowed', {
      detail: { host: host?.slice(0, 256) ?? null },
    });
  }
  const origin = single(headers.origin);
  if (origin === undefined) return;
  let originOk = (options.allowedOrigins ?? []).includes(origin);
  if (!originOk) {
    try {
      const url = new URL(origin);
      const name = url.hostname.startsWith('[') ? url.hostname : url.hostname.toLowerCase();
      originOk =
        url.origin === origin &&
        (url.protocol === 'http:' || url.protocol === 'https:') &&
        ((loopback && LOOPBACK_NAMES.has(name)) ||
          allowedHosts.includes(url.host.toLowerCase()) ||
          (ownOk(name) && url.origin === ownUrl()?.origin));
    } catch {
      originOk = false;
    }
  }
  if (!originOk) {
    throw new ValidationError('ERR_ORIGIN_NOT_ALLOWED', 'origin not allowed', {
      detail: { origin: origin.slice(0, 256) },
    });
  }
}
