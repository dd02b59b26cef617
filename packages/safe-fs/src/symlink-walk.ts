import { lstat, readlink } from 'node:fs/promises';
import { safeFsError } from './error-codes.js';
import { errnoOf, fromOsError } from './os-errors.js';

/** Most symbolic links followed while resolving one path (Linux's own limit). */
export const MAX_SYMLINK_HOPS = 40;

/** Where a path lands: its canonical form, and whether it (or an ancestor) does not exist yet. */
export interface WalkResult {
  readonly path: string;
  readonly missing: boolean;
}

/** Options of {@link walkPath}. */
export interface WalkOptions {
  /** Refuse any symbolic link met on the way (`ERR_SYMLINK_NOT_ALLOWED`). */
  readonly refuseSymlinks: boolean;
  /** Shared hop counter across nested links. */
  readonly hops: { count: number };
  /**
   * Called with the position after each component of `parts` (after a link there is fully
   * expanded); throws to refuse a path that passes through a place it must not, even if it comes
   * back later (`link-to-outside/../root/x`). Not called inside a link's own target.
   */
  readonly checkEach?: (position: string) => void;
  /**
   * Called with every position the walk passes, inside links' targets too (`in -> ../outside/d/../../root/x`
   * passes `<outside>/d`), once with a name before it is looked at and again where it led; throws to
   * refuse a route. The answer then never depends on what exists at or past a refused position.
   */
  readonly checkRoute?: (position: string) => void;
}

interface Position {
  readonly path: string;
  readonly missing: boolean;
  readonly directory: boolean;
}

const parentOf = (path: string): string => {
  const cut = path.lastIndexOf('/');
  return cut <= 0 ? '/' : path.slice(0, cut);
};
const childOf = (path: string, name: string): string => (path === '/' ? `/${name}` : `${path}/${name}`);

/**
 * Resolves `parts` from the canonical directory `start` one component at a time, as the kernel does:
 * `..` goes to the physical parent, symbolic links (dangling ones too) are expanded with `readlink`.
 * Unlike `realpath`, it also answers for paths that do not exist yet: the canonical deepest existing
 * ancestor plus the missing tail, which is what a create would touch. This is a check, not a use: the
 * operations re-verify what they open.
 */
export async function walkPath(
  start: string,
  parts: readonly string[],
  options: WalkOptions,
): Promise<WalkResult> {
  const nested: WalkOptions = {
    refuseSymlinks: options.refuseSymlinks,
    hops: options.hops,
    ...(options.checkRoute === undefined ? {} : { checkRoute: options.checkRoute }),
  };
  let position: Position = { path: start, missing: false, directory: true };
  for (const part of parts) {
    if (part === '.' || part.length === 0) continue;
    if (!position.directory) throw safeFsError('ERR_NOT_A_DIRECTORY', 'file_in_path');
    // A name is looked at (lstat, readlink, followed) only where a route may pass: what is found at a
    // refused place (a loop, a file, nothing) must not change the answer. `..` of an allowed place
    // is allowed (a root's parent is one of its ancestors).
    if (part !== '..' && !position.missing) options.checkRoute?.(childOf(position.path, part));
    position = await step(position, part, nested);
    options.checkEach?.(position.path);
    options.checkRoute?.(position.path);
  }
  return { path: position.path, missing: position.missing };
}

async function step(from: Position, part: string, options: WalkOptions, retries = 3): Promise<Position> {
  if (from.missing) {
    // Below a missing directory nothing can be resolved, and `..` would fail in the kernel too.
    if (part === '..') throw safeFsError('ERR_NOT_FOUND', 'missing_parent');
    return { path: childOf(from.path, part), missing: true, directory: true };
  }
  if (part === '..') return { path: parentOf(from.path), missing: false, directory: true };
  const next = childOf(from.path, part);
  let stats: Awaited<ReturnType<typeof lstat>>;
  try {
    stats = await lstat(next);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return { path: next, missing: true, directory: true };
    throw fromOsError(error, 'walk_lstat');
  }
  if (!stats.isSymbolicLink()) return { path: next, missing: false, directory: stats.isDirectory() };
  if (options.refuseSymlinks) throw safeFsError('ERR_SYMLINK_NOT_ALLOWED', 'symlink_in_path');
  if (++options.hops.count > MAX_SYMLINK_HOPS) throw safeFsError('ERR_SYMLINK_LOOP', 'too_many_links');
  let target: string;
  try {
    target = await readlink(next);
  } catch (error) {
    // Swapped between lstat and readlink (no longer a link, or gone): look at it again.
    const errno = errnoOf(error);
    if (errno === 'EINVAL' || errno === 'ENOENT') {
      if (retries > 0) return step(from, part, options, retries - 1);
      throw safeFsError('ERR_NOT_FOUND', 'changed_during_walk', { cause: error });
    }
    throw fromOsError(error, 'walk_readlink');
  }
  const landed = await walkPath(target.startsWith('/') ? '/' : from.path, target.split('/'), options);
  if (landed.missing) return { path: landed.path, missing: true, directory: true };
  let directory = true;
  try {
    directory = (await lstat(landed.path)).isDirectory();
  } catch {
    directory = true;
  }
  return { path: landed.path, missing: false, directory };
}
