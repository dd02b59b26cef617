import { realpathSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '@mcp-warden/core';
import { safeFsError } from './error-codes.js';
import type { RootOptions } from './options.js';
import type { ParsedPath } from './path-input.js';

/** A configured root after start-up resolution. */
export interface Root {
  /** The path as configured, made absolute (lexically). */
  readonly given: string;
  /** The canonical path (`realpath`), the form every containment check compares against. */
  readonly real: string;
  readonly readOnly: boolean;
  readonly givenParts: readonly string[];
  readonly realParts: readonly string[];
}

/** Where a caller's path points, lexically: a root and the components below it. */
export interface Location {
  readonly root: Root;
  /** The components below the root, as sent (may contain `.` and `..` that stay inside the root). */
  readonly rest: readonly string[];
}

const partsOf = (absolute: string): string[] => absolute.split('/').filter((part) => part.length > 0);

/**
 * Resolves the configured roots once, at start-up (synchronously, like reading configuration); a
 * root that is missing or not a directory is a config error.
 */
export function resolveRoots(roots: readonly (string | RootOptions)[]): Root[] {
  if (roots.length === 0) throw new ConfigError('ERR_INVALID_OPTIONS', 'safe-fs needs at least one root');
  const resolved = roots.map((entry) => {
    const options: RootOptions = typeof entry === 'string' ? { path: entry } : entry;
    if (typeof options.path !== 'string' || options.path.length === 0 || options.path.includes('\0')) {
      throw new ConfigError('ERR_INVALID_OPTIONS', 'a root path must be a non-empty string');
    }
    const given = resolve(options.path);
    let real: string;
    try {
      real = realpathSync(given);
      if (!statSync(real).isDirectory()) throw new Error('not a directory');
    } catch (cause) {
      throw new ConfigError(
        'ERR_ROOT_UNAVAILABLE',
        'a configured root does not exist or is not a directory',
        {
          cause,
          detail: { root: given },
        },
      );
    }
    return {
      given,
      real,
      readOnly: options.readOnly === true,
      givenParts: partsOf(given),
      realParts: partsOf(real),
    };
  });
  // The same directory configured twice (under one spelling or two) is read-only if either entry
  // says so: whichever entry a path matches, the stricter promise holds.
  const readOnly = new Set(resolved.filter((root) => root.readOnly).map((root) => root.real));
  return resolved.map((root) =>
    !root.readOnly && readOnly.has(root.real) ? { ...root, readOnly: true } : root,
  );
}

function startsWithParts(parts: readonly string[], prefix: readonly string[]): boolean {
  if (prefix.length > parts.length) return false;
  for (let i = 0; i < prefix.length; i++) if (parts[i] !== prefix[i]) return false;
  return true;
}

/** True when `rest` never climbs above its starting directory with `..`. */
export function staysBelow(rest: readonly string[]): boolean {
  let depth = 0;
  for (const part of rest) {
    if (part === '..') {
      if (--depth < 0) return false;
    } else if (part !== '.') depth++;
  }
  return true;
}

/**
 * Finds the root a parsed path lies in, by whole components (never by string prefix: `/srv/root_evil`
 * is not in `/srv/root`). Relative paths belong to the default root. An absolute path may name a root
 * by its configured or its canonical form; the most specific root whose `..` segments stay below it
 * wins. Throws `ERR_PATH_OUTSIDE_ROOTS` otherwise.
 */
export function locate(parsed: ParsedPath, roots: readonly Root[], defaultRoot: Root): Location {
  if (!parsed.absolute) {
    if (!staysBelow(parsed.components)) throw safeFsError('ERR_PATH_OUTSIDE_ROOTS', 'dotdot_above_root');
    return { root: defaultRoot, rest: parsed.components };
  }
  // `.` is a no-op in any position: `/srv/./root/x` is in `/srv/root`. `..` is not dropped: it would
  // need the real directory tree to interpret.
  const components = parsed.components.filter((part) => part !== '.');
  let best: Location | undefined;
  let bestLength = -1;
  let climbed = false;
  for (const root of roots) {
    for (const prefix of [root.realParts, root.givenParts]) {
      if (prefix.length <= bestLength || !startsWithParts(components, prefix)) continue;
      const rest = components.slice(prefix.length);
      if (!staysBelow(rest)) {
        climbed = true;
        continue;
      }
      best = { root, rest };
      bestLength = prefix.length;
    }
  }
  if (best !== undefined) return best;
  throw safeFsError('ERR_PATH_OUTSIDE_ROOTS', climbed ? 'dotdot_above_root' : 'absolute_outside_roots');
}

/** The most specific root whose canonical path contains the canonical path `real`, if any. */
export function rootContaining(real: string, roots: readonly Root[]): Root | undefined {
  let best: Root | undefined;
  for (const root of roots) {
    const inside =
      root.real === '/' ||
      real === root.real ||
      (real.startsWith(root.real) && real[root.real.length] === '/');
    if (inside && (best === undefined || root.real.length > best.real.length)) best = root;
  }
  return best;
}

/**
 * The places outside the roots a link's target may pass on its way into one: every proper ancestor
 * of every root, in canonical and configured form (`/`, `/srv`, …), and the configured spelling of a
 * root itself (`/srv/link-root`, a link that leads into the root's canonical path).
 */
export function waysIn(roots: readonly Root[]): ReadonlySet<string> {
  const places = new Set<string>(['/']);
  for (const root of roots) {
    for (let length = 1; length < root.realParts.length; length++) {
      places.add(`/${root.realParts.slice(0, length).join('/')}`);
    }
    for (let length = 1; length <= root.givenParts.length; length++) {
      places.add(`/${root.givenParts.slice(0, length).join('/')}`);
    }
  }
  return places;
}

/** `base` joined with `rest`, resolving `.` and `..` lexically (what the path is when no symlink is met). */
export function lexicalJoin(base: string, rest: readonly string[]): string {
  const parts = partsOf(base);
  for (const part of rest) {
    if (part === '..') parts.pop();
    else if (part !== '.') parts.push(part);
  }
  return `/${parts.join('/')}`;
}

/** `base` joined with `rest` exactly as sent, for the kernel to resolve. */
export function rawJoin(base: string, rest: readonly string[]): string {
  if (rest.length === 0) return base;
  return base === '/' ? `/${rest.join('/')}` : `${base}/${rest.join('/')}`;
}
