import { z } from 'zod';
import { findHiddenText, mayNeedSanitizing } from './hidden-text.js';
import { warnInsecureOption } from './insecure-option-warning.js';
import { addressPhrase, classifyAddress, isLocalhostName, privateNameKind } from './ip-address.js';
import { requireInteger } from './option-checks.js';
import { type HostLookup, resolvePublicAddresses } from './public-address.js';
import { overMaxChars } from './string.js';

/** Options for {@link safeUrl} and {@link urlProblem}. */
export interface SafeUrlOptions {
  /** Accepted schemes, with or without the colon. Default `['https']`. */
  readonly schemes?: readonly string[];
  /** Accepted hosts: exact names (`api.example.com`) or `*.example.com` for subdomains. Default: any host. */
  readonly hosts?: readonly string[];
  /** Most characters. Default 2,048. */
  readonly maxChars?: number;
  /**
   * Accept IP literals and names that are private, loopback, link-local, multicast or otherwise not
   * public (`127.0.0.1`, `[::ffff:10.0.0.1]`, `0x7f.1`, `localhost`, single-label names such as
   * `intranet`, private-use names such as `metadata.google.internal`). Default `false`. Warns.
   */
  readonly allowPrivateAddresses?: boolean;
  /**
   * Also resolve the host name (node:dns) and refuse it if any address is not public. Makes the schema
   * asynchronous. Default `false`. The answer can change before your tool connects (DNS rebinding):
   * connect with {@link createSafeLookup} to check the address actually used.
   */
  readonly resolveHost?: boolean;
  /** The resolver used by `resolveHost` (for a custom DNS setup). Default: `dns.promises.lookup`. */
  readonly lookup?: HostLookup;
}

// Characters the WHATWG parser silently strips or rewrites (tab, newline, leading/trailing C0 and space,
// backslash as slash): refusing them keeps what we check identical to what an HTTP client will fetch.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const UNSAFE_RAW = /[\u0000-\u0020\u007f-\u009f\\]/;

/** A host as the URL parser writes it: lower case, IDN in punycode (`münchen.de` → `xn--mnchen-3ya.de`). */
function canonicalHost(host: string): string {
  try {
    return new URL(`http://${host}/`).hostname.replace(/\.$/, '');
  } catch {
    return host.toLowerCase();
  }
}

function hostAllowed(hostname: string, hosts: readonly string[]): boolean {
  const name = hostname.replace(/\.$/, '');
  return hosts.some((entry) => {
    if (entry.startsWith('*.')) {
      const suffix = `.${canonicalHost(entry.slice(2))}`;
      return name.endsWith(suffix) && name.length > suffix.length;
    }
    return name === canonicalHost(entry);
  });
}

// Schemes whose URLs always have a host: the parser accepts `http:@evil.com`, `http:/evil.com` and
// `http:////evil.com` as http://evil.com/, where other parsers see a path (and `@` hides before the host).
const HOST_SCHEMES = new Set(['http:', 'https:', 'ws:', 'wss:', 'ftp:']);
const AUTHORITY_FORM = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/]/;

function normalizeSchemes(schemes: readonly string[]): string[] {
  return schemes.map((scheme) => (scheme.endsWith(':') ? scheme : `${scheme}:`).toLowerCase());
}

/** Returns why `raw` is not an acceptable URL under `options`, or `undefined`. Synchronous checks only. */
export function urlProblem(raw: string, options: SafeUrlOptions = {}): string | undefined {
  const maxChars = options.maxChars ?? 2_048;
  // Characters as zod's max() counts them (code points in recent zod), never more than 2 × maxChars units.
  if (overMaxChars(raw, maxChars)) return `longer than ${maxChars} characters`;
  if (UNSAFE_RAW.test(raw)) return 'contains whitespace, a control character or a backslash';
  // The host parser deletes zero-width characters and soft hyphens (`exa\u200Bmple.com` is example.com):
  // what a reader sees must be what is fetched.
  if (mayNeedSanitizing(raw) && Object.keys(findHiddenText(raw)).length > 0)
    return 'contains hidden characters';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'not a valid absolute URL';
  }
  if (!normalizeSchemes(options.schemes ?? ['https']).includes(url.protocol)) return 'scheme not allowed';
  if (HOST_SCHEMES.has(url.protocol) && !AUTHORITY_FORM.test(raw)) return 'not in the form scheme://host';
  if (url.username !== '' || url.password !== '' || /^[^/?#]*\/\/[^/?#]*@/.test(raw)) {
    return 'credentials in the URL are not allowed';
  }
  if (options.hosts !== undefined && !hostAllowed(url.hostname, options.hosts)) return 'host not allowed';
  if (options.allowPrivateAddresses !== true) {
    const kind = classifyAddress(url.hostname);
    if (kind !== undefined && kind !== 'public') return `host is ${addressPhrase(kind)}`;
    if (isLocalhostName(url.hostname)) return 'host is a loopback name';
    const nameKind = privateNameKind(url.hostname);
    if (nameKind !== undefined) return `host is a ${nameKind} name`;
  }
  return undefined;
}

/**
 * A zod string holding an absolute URL: allowed schemes (default https only) and hosts, no credentials,
 * no characters the URL parser would silently drop, and by default no private, loopback or link-local
 * IP literal or `localhost` name — after the parser's own normalisation, so `http://0x7f.1`,
 * `http://2130706433` and `http://[::ffff:127.0.0.1]` are caught. With `resolveHost`, the name is also
 * resolved and every address must be public. Published with `format: uri` and `maxLength`.
 */
export function safeUrl(options: SafeUrlOptions = {}): z.ZodString {
  const maxChars = requireInteger('maxChars', options.maxChars ?? 2_048, 1, 1_000_000);
  if (options.allowPrivateAddresses === true) warnInsecureOption('allowPrivateAddresses', 'safeUrl');
  const resolved = { ...options, maxChars, schemes: normalizeSchemes(options.schemes ?? ['https']) };
  const schema = z
    .string()
    .max(maxChars)
    .meta({ format: 'uri' })
    .superRefine((value, ctx) => {
      if (overMaxChars(value, maxChars)) return; // refused by max(); anything it let through is checked
      const problem = urlProblem(value, resolved);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
    });
  if (options.resolveHost !== true || options.allowPrivateAddresses === true) return schema;
  return schema.superRefine(async (value, ctx) => {
    if (urlProblem(value, resolved) !== undefined) return;
    const hostname = new URL(value).hostname;
    if (classifyAddress(hostname) !== undefined) return; // an IP literal, already judged
    try {
      await resolvePublicAddresses(hostname, options.lookup === undefined ? {} : { lookup: options.lookup });
    } catch (error) {
      const reason = (error as { data?: { reason?: unknown } }).data?.reason;
      ctx.addIssue({
        code: 'custom',
        message: typeof reason === 'string' ? reason : 'host could not be resolved',
      });
    }
  });
}
