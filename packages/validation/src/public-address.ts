import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { lookup as dnsLookupAsync } from 'node:dns/promises';
import { ValidationError } from '@mcp-warden/core';
import { type AddressKind, addressPhrase, classifyAddress, isLocalhostName } from './ip-address.js';

/** A resolver with the shape of `dns.promises.lookup(hostname, { all: true })`. */
export type HostLookup = (hostname: string) => Promise<readonly LookupAddress[]>;

/** Options for {@link resolvePublicAddresses}. */
export interface PublicAddressOptions {
  /** The resolver. Default: `dns.promises.lookup` with `all: true` (the system resolver, as `fetch` uses). */
  readonly lookup?: HostLookup;
}

const defaultLookup: HostLookup = (hostname) => dnsLookupAsync(hostname, { all: true, verbatim: true });

function forbidden(hostname: string, reason: string): ValidationError {
  return new ValidationError('ERR_FORBIDDEN_ADDRESS', `refused to connect: ${reason}`, {
    data: { reason },
    detail: { hostname },
  });
}

function judge(hostname: string, addresses: readonly LookupAddress[]): void {
  if (addresses.length === 0) throw forbidden(hostname, 'host did not resolve');
  for (const { address } of addresses) {
    const kind: AddressKind | undefined = classifyAddress(address);
    if (kind !== 'public')
      throw forbidden(
        hostname,
        `host resolves to ${kind === undefined ? 'an unknown address' : addressPhrase(kind)}`,
      );
  }
}

/**
 * Resolves `hostname` and returns its addresses if every one is public; otherwise throws
 * `ERR_FORBIDDEN_ADDRESS`. A failed resolution is refused too (fail closed). Connect to one of the
 * returned addresses, or use {@link createSafeLookup}, so the address checked is the address used.
 */
export async function resolvePublicAddresses(
  hostname: string,
  options: PublicAddressOptions = {},
): Promise<readonly LookupAddress[]> {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  const literal = classifyAddress(bare);
  if (literal !== undefined) {
    if (literal !== 'public') throw forbidden(hostname, `host is ${addressPhrase(literal)}`);
    return [{ address: bare, family: bare.includes(':') ? 6 : 4 }];
  }
  if (isLocalhostName(bare)) throw forbidden(hostname, 'host is a loopback name');
  let addresses: readonly LookupAddress[];
  try {
    addresses = await (options.lookup ?? defaultLookup)(bare);
  } catch (error) {
    throw new ValidationError('ERR_FORBIDDEN_ADDRESS', 'refused to connect: host could not be resolved', {
      data: { reason: 'host could not be resolved' },
      detail: { hostname },
      cause: error,
    });
  }
  judge(hostname, addresses);
  return addresses;
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** The `lookup` option of `net.connect`, `tls.connect`, `http.request` and `undici.Agent`'s `connect`. */
export type SafeLookupFunction = (hostname: string, options: LookupOptions, callback: LookupCallback) => void;

/**
 * A drop-in `lookup` for `net`/`tls`/`http(s)` that refuses to connect to anything but public addresses
 * — checked on the address the socket actually connects to, so DNS rebinding between validation and
 * connection does not help. Refusals are `ERR_FORBIDDEN_ADDRESS` errors passed to the callback.
 * Node does not call `lookup` for an IP literal (`http://127.0.0.1/`): judge those, redirect targets
 * included, with `urlProblem` before connecting.
 */
export function createSafeLookup(): SafeLookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => {
      if (error) {
        callback(error, []);
        return;
      }
      try {
        judge(hostname, addresses);
      } catch (refusal) {
        callback(refusal as NodeJS.ErrnoException, []);
        return;
      }
      const family =
        options.family === 6 || options.family === 'IPv6'
          ? 6
          : options.family === 4 || options.family === 'IPv4'
            ? 4
            : 0;
      const usable = family === 0 ? addresses : addresses.filter((entry) => entry.family === family);
      if (options.all === true) callback(null, usable);
      else if (usable[0] === undefined) {
        callback(
          forbidden(hostname, 'host has no address of the requested family') as NodeJS.ErrnoException,
          [],
        );
      } else callback(null, usable[0].address, usable[0].family);
    });
  };
}
