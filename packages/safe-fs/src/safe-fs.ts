import { type BigIntStats, fstatSync, type Stats } from 'node:fs';
import { link, lstat, mkdir, realpath, rename, rmdir, unlink } from 'node:fs/promises';
import { ConfigError, type EventSink, isWardenError, noopSink, type WardenError } from '@mcp-warden/core';
import { atomicWrite, type OpenedDir } from './atomic-write.js';
import {
  closeFd,
  closeQuietly,
  entryPath,
  fstatFd,
  fsyncFd,
  ftruncateFd,
  hasPathDescriptors,
  O,
  O_PATH,
  openFd,
  PROC_FD,
  realPathOfFd,
  writeAllFd,
} from './descriptor.js';
import { unifiedDiff } from './edit-diff.js';
import { safeFsError } from './error-codes.js';
import { entryTypeOf, type FileInfo, fileInfoOf } from './file-info.js';
import { type LineRange, lineRange, readLines } from './line-read.js';
import { type Listing, listTree } from './listing.js';
import {
  type CallOptions,
  DEFAULTS,
  type HardLinkPolicy,
  type SafeFsOptions,
  type SymlinkPolicy,
} from './options.js';
import { errnoOf, fromOsError } from './os-errors.js';
import { type PathLimits, parsePath } from './path-input.js';
import { compilePathFilter, type PatternList } from './path-patterns.js';
import { readBounded } from './read-bounded.js';
import {
  type Location,
  lexicalJoin,
  locate,
  type Root,
  rawJoin,
  resolveRoots,
  rootContaining,
  waysIn,
} from './roots.js';
import { emitEvent, eventForError } from './security-events.js';
import { MAX_SYMLINK_HOPS, type WalkOptions, walkPath } from './symlink-walk.js';
import { applyEdits, type TextEdit, validateEdits } from './text-edit.js';
import { removeTree } from './tree-removal.js';
import { boundedChunks, immediateBytes, type WriteData } from './write-data.js';

/** A range to read: `length` bytes from `offset` (default: from 0 to the end). */
export interface ReadOptions extends CallOptions {
  readonly offset?: number;
  readonly length?: number;
}

/** Text encodings `readText` decodes, strictly (invalid sequences fail with `ERR_INVALID_ENCODING`). */
export type TextEncoding = 'utf-8' | 'utf-16le';

export interface ReadTextOptions extends ReadOptions {
  /** Default `utf-8`. */
  readonly encoding?: TextEncoding;
  /**
   * Only the first `head` lines (each with its line feed as stored; all of them if the file has
   * fewer). A positive integer up to `MAX_LINES` (100,000); not with `tail`, `offset` or `length`, and
   * only for `utf-8` (otherwise `ERR_INVALID_RANGE`). The file may be larger than `maxReadBytes`; the
   * lines may not (`ERR_FILE_TOO_LARGE`, reason `lines_over_limit`).
   */
  readonly head?: number;
  /**
   * Only the last `tail` lines, read backwards from the end (a final line feed ends the last line).
   * The same rules as `head`: a positive integer up to `MAX_LINES` (100,000), alone, `utf-8` only, and
   * the lines must fit in `maxReadBytes` however large the file is.
   */
  readonly tail?: number;
}

export interface WriteOptions extends CallOptions {
  /** When the file exists: `replace` it atomically (default) or `fail` with `ERR_ALREADY_EXISTS`. */
  readonly ifExists?: 'replace' | 'fail';
  /** When the file does not exist: `create` it (default) or `fail` with `ERR_NOT_FOUND`. */
  readonly ifMissing?: 'create' | 'fail';
}

export interface AppendOptions extends CallOptions {
  /** When the file does not exist: `create` it (default) or `fail` with `ERR_NOT_FOUND`. */
  readonly ifMissing?: 'create' | 'fail';
}

export interface ListOptions extends CallOptions {
  /** Descend into subdirectories (up to `maxDepth`). Default `false`. */
  readonly recursive?: boolean;
  /** At most the instance's `maxListDepth`. */
  readonly maxDepth?: number;
  /** At most the instance's `maxListEntries`. */
  readonly maxEntries?: number;
  /**
   * Return only entries whose path relative to the listed directory matches one of these globs
   * (picomatch syntax, `/`-separated, dotfiles included, case-sensitive). Directories are still walked
   * to find matches below them.
   */
  readonly match?: PatternList;
  /** Skip entries matching one of these globs: neither returned nor, if directories, entered. */
  readonly exclude?: PatternList;
}

export interface StatOptions extends CallOptions {
  /** Describe the target of a final symbolic link (per the symlink policy) rather than the link. Default `true`. */
  readonly followSymlinks?: boolean;
}

export interface MkdirOptions extends CallOptions {
  /** Create missing parents, and succeed if the directory exists. Default `false`. */
  readonly recursive?: boolean;
}

export interface RemoveOptions extends CallOptions {
  /** Remove a directory with its contents. Default `false` (only files, links and empty directories). */
  readonly recursive?: boolean;
}

export interface MoveOptions extends CallOptions {
  /** When the destination exists: `fail` (default, `ERR_ALREADY_EXISTS`) or `replace` it. */
  readonly ifExists?: 'replace' | 'fail';
}

export interface EditOptions extends CallOptions {
  /** Check the edits and compute the diff, but write nothing. Default `false`. */
  readonly dryRun?: boolean;
}

/** What {@link SafeFs.edit} did (or, with `dryRun`, would do). */
export interface EditResult {
  /** Unified diff labelled with the path as given; empty when nothing changed; at most `maxReadBytes` long. */
  readonly diff: string;
  /** Replacements made: one per edit. */
  readonly replacements: number;
  /** `false` when the edits leave the text as it was (nothing is written then). */
  readonly changed: boolean;
}

export interface ResolveOptions extends CallOptions {
  /** `write` also refuses read-only roots. Default `read`. */
  readonly intent?: 'read' | 'write';
}

/** A root as the instance resolved it. */
export interface ResolvedRoot {
  /** The canonical (real) path. */
  readonly path: string;
  readonly readOnly: boolean;
}

interface Settings {
  readonly maxReadBytes: number;
  readonly maxWriteBytes: number;
  readonly symlinks: SymlinkPolicy;
  readonly hardLinks: HardLinkPolicy;
  readonly maxListEntries: number;
  readonly maxListDepth: number;
  readonly maxListVisited: number;
  readonly maxListMs: number;
  readonly limits: PathLimits;
  readonly durable: boolean;
  readonly sink: EventSink;
}

/** A regular file opened for reading, with its `fstat` and the root it really is in. */
interface OpenedFile {
  readonly fd: number;
  readonly stats: Stats;
  readonly root: Root;
}

/** A file opened for reading, or the target of a final link to read instead. */
type OpenedForRead = OpenedFile | { readonly target: string };

interface Split {
  readonly dir: readonly string[];
  readonly name: string | undefined;
}

/** Longest path the kernel takes, in bytes with the terminating NUL (Linux; macOS allows 1,024). */
const PATH_MAX = 4096;

const READ_FLAGS = O.RDONLY | O.NOFOLLOW | O.NONBLOCK | O.NOCTTY;
const DIR_FLAGS = O.RDONLY | O.DIRECTORY | O.NONBLOCK | O.NOCTTY;

/** Codes a walk may answer instead of a failed open's own error. */
const REFUSALS: ReadonlySet<string> = new Set([
  'ERR_SYMLINK_ESCAPE',
  'ERR_SYMLINK_NOT_ALLOWED',
  'ERR_SYMLINK_LOOP',
]);

function split(rest: readonly string[]): Split {
  const last = rest[rest.length - 1];
  if (last === undefined || last === '.' || last === '..') return { dir: rest, name: undefined };
  return { dir: rest.slice(0, -1), name: last };
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new ConfigError('ERR_INVALID_OPTIONS', `${name} must be a positive integer`);
  }
  return value;
}

/**
 * A caller's limit, never above the instance's: whatever is not a number below `limit` (`NaN`,
 * `Infinity`, a non-number) is `limit`; fractions round down, negatives are 0.
 */
function capped(value: number | undefined, limit: number): number {
  if (typeof value !== 'number' || !(value < limit)) return limit;
  return Math.max(0, Math.floor(value));
}

function isSymlinkRefusal(error: unknown): boolean {
  // O_NOFOLLOW on a final symbolic link: ELOOP on Linux and macOS, EMLINK on FreeBSD.
  const errno = errnoOf(error);
  return errno === 'ELOOP' || errno === 'EMLINK';
}

function notAFile(stats: Stats): WardenError {
  return safeFsError('ERR_NOT_A_FILE', `type_${entryTypeOf(stats)}`);
}

function decodeText(bytes: Uint8Array, encoding: TextEncoding): string {
  try {
    return new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw safeFsError('ERR_INVALID_ENCODING', 'invalid_sequence');
  }
}

function sameInode(a: BigIntStats, b: BigIntStats): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

/**
 * Refuses when a root directory is no longer at its canonical path: replaced by a link to elsewhere
 * after start (a root that is gone is not found). I/O notices by the real path of what it opened;
 * `resolve()` answers a path that others open later, which the kernel would follow through such a link.
 */
async function rootInPlace(root: Root): Promise<void> {
  let real: string;
  try {
    real = await realpath(root.real);
  } catch {
    throw safeFsError('ERR_NOT_FOUND', 'root_missing');
  }
  if (real !== root.real) throw safeFsError('ERR_SYMLINK_ESCAPE', 'root_replaced');
}

/**
 * File access confined to a set of roots. Every operation validates the path before touching the
 * disk, opens the parent directory and verifies the opened descriptor's real path, then acts on the
 * name relative to that descriptor (Linux: `/proc/self/fd/<fd>/<name>`), so a path swapped meanwhile
 * cannot redirect it. Create instances with {@link createSafeFs}.
 */
export class SafeFs {
  readonly #roots: readonly Root[];
  readonly #defaultRoot: Root;
  readonly #settings: Settings;
  /** Places outside the roots a link's target may pass on its way into one (see {@link waysIn}). */
  readonly #waysIn: ReadonlySet<string>;

  private constructor(roots: readonly Root[], defaultRoot: Root, settings: Settings) {
    this.#roots = roots;
    this.#defaultRoot = defaultRoot;
    this.#settings = settings;
    this.#waysIn = waysIn(roots);
  }

  /** Resolves the roots (they must exist) and validates the options. */
  static create(options: SafeFsOptions): SafeFs {
    if (process.platform === 'win32') {
      throw new ConfigError('ERR_UNSUPPORTED_PLATFORM', 'safe-fs does not support Windows');
    }
    if (options === null || typeof options !== 'object' || !Array.isArray(options.roots)) {
      throw new ConfigError('ERR_INVALID_OPTIONS', 'safe-fs options need a roots array');
    }
    const roots = resolveRoots(options.roots);
    let defaultRoot = roots[0]!;
    if (options.defaultRoot !== undefined) {
      const wanted = resolveRoots([options.defaultRoot])[0]!;
      const match = roots.find((root) => root.real === wanted.real);
      if (match === undefined)
        throw new ConfigError('ERR_INVALID_OPTIONS', 'defaultRoot must be one of roots');
      defaultRoot = match;
    }
    const symlinks = options.symlinks ?? DEFAULTS.symlinks;
    if (symlinks !== 'follow-inside-roots' && symlinks !== 'never') {
      throw new ConfigError('ERR_INVALID_OPTIONS', 'symlinks must be follow-inside-roots or never');
    }
    const hardLinks = options.hardLinks ?? DEFAULTS.hardLinks;
    if (hardLinks !== 'refuse-writes' && hardLinks !== 'refuse-all' && hardLinks !== 'allow') {
      throw new ConfigError('ERR_INVALID_OPTIONS', 'hardLinks must be refuse-writes, refuse-all or allow');
    }
    const settings: Settings = {
      maxReadBytes: positiveInteger('maxReadBytes', options.maxReadBytes, DEFAULTS.maxReadBytes),
      maxWriteBytes: positiveInteger('maxWriteBytes', options.maxWriteBytes, DEFAULTS.maxWriteBytes),
      symlinks,
      hardLinks,
      maxListEntries: positiveInteger('maxListEntries', options.maxListEntries, DEFAULTS.maxListEntries),
      maxListDepth: positiveInteger('maxListDepth', options.maxListDepth, DEFAULTS.maxListDepth),
      maxListVisited: positiveInteger('maxListVisited', options.maxListVisited, DEFAULTS.maxListVisited),
      maxListMs: positiveInteger('maxListMs', options.maxListMs, DEFAULTS.maxListMs),
      limits: {
        maxPathBytes: positiveInteger('maxPathBytes', options.maxPathBytes, DEFAULTS.maxPathBytes),
        maxComponentBytes: positiveInteger(
          'maxComponentBytes',
          options.maxComponentBytes,
          DEFAULTS.maxComponentBytes,
        ),
      },
      durable: options.durable ?? DEFAULTS.durable,
      sink: options.events ?? noopSink(),
    };
    const warnings: string[] = [];
    if (hardLinks === 'allow')
      warnings.push('hardLinks: allow — writes may modify files linked from outside the roots');
    if (warnings.length > 0) {
      emitEvent(settings.sink, {}, { type: 'sys_startup', component: 'safe-fs', warnings, level: 'warn' });
    }
    return new SafeFs(roots, defaultRoot, settings);
  }

  /** The roots, canonical, in configuration order. */
  get roots(): readonly ResolvedRoot[] {
    return this.#roots.map((root) => ({ path: root.real, readOnly: root.readOnly }));
  }

  /** Reads a whole regular file, or a range of it, as bytes. */
  readFile(path: string, options: ReadOptions = {}): Promise<Buffer> {
    return this.#run('read', options, () => this.#read(path, options));
  }

  /**
   * Reads a regular file as text, refusing invalid sequences for the encoding; whole, a byte range,
   * or (`head`/`tail`) its first or last lines.
   */
  readText(path: string, options: ReadTextOptions = {}): Promise<string> {
    return this.#run('read', options, async () => {
      const encoding = options.encoding ?? 'utf-8';
      if (encoding !== 'utf-8' && encoding !== 'utf-16le')
        throw safeFsError('ERR_INVALID_ENCODING', 'unsupported');
      if (options.head === undefined && options.tail === undefined) {
        return decodeText(await this.#read(path, options), encoding);
      }
      return decodeText(await this.#readLines(path, options, encoding), encoding);
    });
  }

  /** Writes a file atomically (temp file, `fsync`, rename). */
  writeFile(path: string, data: WriteData, options: WriteOptions = {}): Promise<void> {
    return this.#run('write', options, () => this.#write(path, data, options, 0));
  }

  /**
   * Replaces text in a UTF-8 file: each edit's `oldText` must occur exactly once in the text left by
   * the edits before it. All or nothing, written atomically like `writeFile` (mode kept); fails with
   * `ERR_EDIT_CONFLICT`, writing nothing, if another writer changed the file since it was read.
   */
  edit(path: string, edits: readonly TextEdit[], options: EditOptions = {}): Promise<EditResult> {
    return this.#run('edit', options, () => this.#edit(path, edits, options));
  }

  /** Appends to a file (not atomic; on failure the file is truncated back to its old size). */
  appendFile(path: string, data: WriteData, options: AppendOptions = {}): Promise<void> {
    return this.#run('append', options, () => this.#append(path, data, options, 0));
  }

  /**
   * Lists a directory (sorted by name per directory), bounded in entries, depth and entries read;
   * with `match`/`exclude`, only the entries whose relative path the globs select.
   */
  list(path: string, options: ListOptions = {}): Promise<Listing> {
    return this.#run('list', options, async () => {
      const filter = compilePathFilter(options.match, options.exclude);
      const maxEntries = capped(options.maxEntries, this.#settings.maxListEntries);
      const maxDepth = options.recursive ? capped(options.maxDepth, this.#settings.maxListDepth) : 1;
      const location = await this.#place(path);
      const dir = await this.#openDir(location.root, location.rest);
      try {
        return await listTree(dir.fd, dir.real, {
          maxEntries,
          maxDepth,
          maxVisited: this.#settings.maxListVisited,
          deadline: performance.now() + this.#settings.maxListMs,
          recursive: options.recursive === true,
          filter,
          signal: options.signal,
        });
      } finally {
        closeQuietly(dir.fd);
      }
    });
  }

  /** Describes a file or directory. */
  stat(path: string, options: StatOptions = {}): Promise<FileInfo> {
    return this.#run('stat', options, () => this.#stat(path, options, 0));
  }

  /** Creates a directory. */
  mkdir(path: string, options: MkdirOptions = {}): Promise<void> {
    return this.#run('mkdir', options, () => this.#mkdir(path, options));
  }

  /** Removes a file, a symbolic link (never its target) or a directory. */
  remove(path: string, options: RemoveOptions = {}): Promise<void> {
    return this.#run('remove', options, () => this.#remove(path, options));
  }

  /** Moves or renames; both ends must be inside writable roots. */
  move(from: string, to: string, options: MoveOptions = {}): Promise<void> {
    return this.#run('move', options, () => this.#move(from, to, options));
  }

  /**
   * The canonical path `path` names, if it is inside a root (it need not exist; missing parents are
   * allowed). For checks by other components (e.g. a command's path arguments); it is a check, not
   * a use: between it and a later open the file system may change. Use the other methods for I/O.
   */
  resolve(path: string, options: ResolveOptions = {}): Promise<string> {
    return this.#run('resolve', options, async () => {
      const location = this.#locate(path);
      await rootInPlace(location.root);
      const landed = await walkPath(location.root.real, location.rest, this.#strictWalk());
      const root = rootContaining(landed.path, this.#roots);
      if (root === undefined) throw safeFsError('ERR_SYMLINK_ESCAPE', 'resolved_outside_roots');
      if (root !== location.root) await rootInPlace(root);
      if (options.intent === 'write' && root.readOnly) throw safeFsError('ERR_READ_ONLY_ROOT', 'read_only');
      // A path no system call could use (Linux PATH_MAX, with its NUL): what every other operation
      // answers for it, rather than a string that fails later elsewhere.
      if (Buffer.byteLength(landed.path) >= PATH_MAX) throw safeFsError('ERR_INVALID_PATH', 'path_too_long');
      return landed.path;
    });
  }

  async #run<T>(operation: string, options: CallOptions, body: () => Promise<T>): Promise<T> {
    try {
      if (options.signal?.aborted) throw safeFsError('ERR_ABORTED', 'aborted');
      const result = await body();
      emitEvent(this.#settings.sink, options, { type: 'fs_access', operation });
      return result;
    } catch (caught) {
      const error = isWardenError(caught) ? caught : fromOsError(caught, operation);
      emitEvent(this.#settings.sink, options, eventForError(operation, error));
      throw error;
    }
  }

  #locate(path: string): Location {
    return locate(parsePath(path, this.#settings.limits), this.#roots, this.#defaultRoot);
  }

  /** Walk options that refuse any position outside the roots (and any link, when links are refused). */
  #strictWalk(): WalkOptions {
    return {
      refuseSymlinks: this.#settings.symlinks === 'never',
      hops: { count: 0 },
      checkRoute: this.#checkRoute,
      checkEach: (position) => {
        if (rootContaining(position, this.#roots) === undefined) {
          throw safeFsError('ERR_SYMLINK_ESCAPE', 'path_passes_outside_roots');
        }
      },
    };
  }

  /**
   * Refuses a position that a link's target passes through on its way (not only where it lands): one
   * outside the roots that is not on a way into one (an ancestor of a root, or a root's configured
   * spelling). Passing a place outside would make the
   * answer depend on what exists there (`in -> ../outside/probe/../../root/x` works only when `probe`
   * is a directory): an existence oracle.
   */
  readonly #checkRoute = (position: string): void => {
    if (this.#waysIn.has(position) || rootContaining(position, this.#roots) !== undefined) return;
    // The same token as a target outside: the target's way there is part of the target.
    throw safeFsError('ERR_SYMLINK_ESCAPE', 'link_target_outside_roots');
  };

  /**
   * After an open the kernel resolved through links (the descriptor is not where the path says
   * lexically): walks the path to refuse a route that passed outside the roots, as a failed open
   * would be answered. Only the refusal counts; the descriptor itself is already verified.
   */
  async #checkOpenedRoute(
    root: Root,
    components: readonly string[],
    opened: string,
    real: string,
  ): Promise<void> {
    if (real === opened || real === lexicalJoin(root.real, components)) return;
    try {
      await walkPath(root.real, components, this.#strictWalk());
    } catch (error) {
      if (isWardenError(error) && error.code === 'ERR_SYMLINK_ESCAPE') throw error;
    }
  }

  /**
   * Locates a path; one with `..` segments is first resolved component by component, refusing it if
   * any step lands outside the roots. The kernel would resolve `link/../x` physically and could pass
   * through (and so reveal the layout of) a directory outside before coming back in.
   */
  async #place(path: string): Promise<Location> {
    const location = this.#locate(path);
    if (!location.rest.includes('..')) return location;
    // The final name is kept as sent (not followed): `remove('a/../link')` removes the link.
    const { dir, name } = split(location.rest);
    const landed = await walkPath(location.root.real, dir, this.#strictWalk());
    const root = rootContaining(landed.path, this.#roots);
    if (root === undefined) throw safeFsError('ERR_SYMLINK_ESCAPE', 'resolved_outside_roots');
    const rest =
      landed.path === root.real
        ? []
        : landed.path.slice(root.real === '/' ? 1 : root.real.length + 1).split('/');
    if (name !== undefined) rest.push(name);
    else if (path.endsWith('/') && rest.length > 0) rest.push('.');
    return { root, rest };
  }

  /**
   * After a failed open: if the path passes outside the roots, say so (a symlink escape) rather than
   * "not found", so that answers never reveal what exists outside.
   */
  async #classify(root: Root, components: readonly string[], error: unknown): Promise<never> {
    const errno = errnoOf(error);
    if (errno === 'ENOENT' || errno === 'ENOTDIR' || errno === 'EACCES' || errno === 'ELOOP') {
      try {
        await walkPath(root.real, components, this.#strictWalk());
      } catch (refusal) {
        if (isWardenError(refusal) && REFUSALS.has(refusal.code)) throw refusal;
      }
    }
    throw fromOsError(error, 'open_dir');
  }

  /**
   * Opens `components` below `root` as a directory and verifies where the descriptor really is: inside
   * a root, and (symlinks `never`) exactly where the path says lexically. The kernel follows
   * intermediate links; the check after the open is what makes that safe.
   */
  async #openDir(root: Root, components: readonly string[]): Promise<OpenedDir & { readonly root: Root }> {
    const path = rawJoin(root.real, components);
    let fd: number;
    try {
      fd = await openFd(path, DIR_FLAGS);
    } catch (error) {
      return this.#classify(root, components, error);
    }
    try {
      const real = await realPathOfFd(fd, path);
      const containing = rootContaining(real, this.#roots);
      if (containing === undefined) throw safeFsError('ERR_SYMLINK_ESCAPE', 'dir_outside_roots');
      if (this.#settings.symlinks === 'never' && real !== lexicalJoin(root.real, components)) {
        throw safeFsError('ERR_SYMLINK_NOT_ALLOWED', 'symlink_in_path');
      }
      await this.#checkOpenedRoute(root, components, path, real);
      return { fd, real, root: containing };
    } catch (error) {
      closeQuietly(fd);
      throw fromOsError(error, 'verify_dir');
    }
  }

  /** The canonical target of the symbolic link `name` in `dir`, if the policy lets it be followed. */
  async #followLink(dirReal: string, name: string, hops: number): Promise<string> {
    if (this.#settings.symlinks === 'never') throw safeFsError('ERR_SYMLINK_NOT_ALLOWED', 'final_symlink');
    if (hops >= MAX_SYMLINK_HOPS) throw safeFsError('ERR_SYMLINK_LOOP', 'too_many_links');
    const landed = await walkPath(dirReal, [name], {
      refuseSymlinks: false,
      hops: { count: hops },
      checkRoute: this.#checkRoute,
    });
    if (rootContaining(landed.path, this.#roots) === undefined) {
      throw safeFsError('ERR_SYMLINK_ESCAPE', 'link_target_outside_roots');
    }
    return landed.path;
  }

  async #read(path: string, options: ReadOptions): Promise<Buffer> {
    const location = await this.#place(path);
    const start = options.offset ?? 0;
    if (!Number.isSafeInteger(start) || start < 0) throw safeFsError('ERR_INVALID_RANGE', 'bad_offset');
    if (options.length !== undefined) {
      if (!Number.isSafeInteger(options.length) || options.length < 0) {
        throw safeFsError('ERR_INVALID_RANGE', 'bad_length');
      }
      if (options.length > this.#settings.maxReadBytes) {
        throw safeFsError('ERR_FILE_TOO_LARGE', 'range_over_limit', {
          data: { limit: this.#settings.maxReadBytes },
        });
      }
    }
    const { fd, stats } = await this.#openFile(path, location, 0);
    try {
      return await this.#readOpened(fd, stats, options);
    } finally {
      // Closing a read-only descriptor writes nothing back: synchronous, like the fstat.
      closeQuietly(fd);
    }
  }

  /** The first or last lines of a file, opened and checked exactly as `#read` opens it. */
  async #readLines(path: string, options: ReadTextOptions, encoding: TextEncoding): Promise<Buffer> {
    const location = await this.#place(path);
    // Only called with `head` or `tail` set, so there is a range (or a refusal).
    const range = lineRange({ ...options, encoding }) as LineRange;
    const { fd, stats } = await this.#openFile(path, location, 0);
    try {
      return await readLines(fd, {
        ...range,
        size: stats.size,
        limit: this.#settings.maxReadBytes,
        signal: options.signal,
      });
    } finally {
      closeQuietly(fd);
    }
  }

  /** Opens a regular file for reading, following a final link per policy; the caller closes it. */
  async #openFile(path: string, location: Location, hops: number): Promise<OpenedFile> {
    const { dir: dirParts, name } = split(location.rest);
    if (name === undefined || path.endsWith('/')) throw safeFsError('ERR_NOT_A_FILE', 'directory_path');
    const opened = hasPathDescriptors()
      ? await this.#openByPathDescriptor(location, hops)
      : await this.#openInVerifiedDir(location.root, dirParts, name, hops);
    if ('target' in opened) return this.#openFile(opened.target, await this.#place(opened.target), hops + 1);
    try {
      if (!opened.stats.isFile()) throw notAFile(opened.stats);
      if (opened.stats.nlink > 1 && this.#settings.hardLinks === 'refuse-all') {
        throw safeFsError('ERR_HARD_LINK_DENIED', 'hard_link_read');
      }
      return opened;
    } catch (error) {
      closeQuietly(opened.fd);
      throw error;
    }
  }

  /** Reads an opened file, whole (refused over `maxReadBytes`) or the range `options` names. */
  async #readOpened(fd: number, stats: Stats, options: ReadOptions): Promise<Buffer> {
    const start = options.offset ?? 0;
    const available = Math.max(0, stats.size - start);
    const limit = this.#settings.maxReadBytes;
    if (options.length === undefined && available > limit) {
      throw safeFsError('ERR_FILE_TOO_LARGE', 'size_over_limit', { data: { limit } });
    }
    return await readBounded(fd, {
      expected: options.length === undefined ? available : Math.min(available, options.length),
      start,
      cap: options.length ?? limit,
      capIsLimit: options.length === undefined,
      limit,
      regular: true,
      signal: options.signal,
    });
  }

  /**
   * Linux: opens the path `O_PATH|O_NOFOLLOW` — a handle that does not open the file itself, so no
   * device driver or FIFO is ever touched — verifies where it is and what it is, and only then
   * reopens that very inode for reading through `/proc/self/fd/N`.
   */
  async #openByPathDescriptor(location: Location, hops: number): Promise<OpenedForRead> {
    const path = rawJoin(location.root.real, location.rest);
    let handle: number;
    try {
      handle = await openFd(path, O_PATH | O.NOFOLLOW);
    } catch (error) {
      return this.#classify(location.root, location.rest, error);
    }
    try {
      const real = await realPathOfFd(handle, path);
      const root = rootContaining(real, this.#roots);
      if (root === undefined) throw safeFsError('ERR_SYMLINK_ESCAPE', 'file_outside_roots');
      if (this.#settings.symlinks === 'never' && real !== lexicalJoin(location.root.real, location.rest)) {
        throw safeFsError('ERR_SYMLINK_NOT_ALLOWED', 'symlink_in_path');
      }
      await this.#checkOpenedRoute(location.root, location.rest, path, real);
      // fstat of a descriptor just opened answers from the inode the open loaded: no disk I/O, so a
      // synchronous call costs microseconds where a thread-pool round trip costs tens.
      const stats = fstatSync(handle);
      if (stats.isSymbolicLink()) {
        const cut = real.lastIndexOf('/');
        return { target: await this.#followLink(real.slice(0, cut) || '/', real.slice(cut + 1), hops) };
      }
      if (!stats.isFile()) throw notAFile(stats);
      const fd = await openFd(`${PROC_FD}/${handle}`, READ_FLAGS & ~O.NOFOLLOW);
      return { fd, stats, root };
    } catch (error) {
      throw fromOsError(error, 'open_file');
    } finally {
      closeQuietly(handle);
    }
  }

  /** Elsewhere: the verified parent directory, then the name `O_NOFOLLOW|O_NONBLOCK` inside it. */
  async #openInVerifiedDir(
    root: Root,
    dirParts: readonly string[],
    name: string,
    hops: number,
  ): Promise<OpenedForRead> {
    const dir = await this.#openDir(root, dirParts);
    try {
      const fd = await openFd(entryPath(dir.fd, dir.real, name), READ_FLAGS);
      try {
        return { fd, stats: fstatSync(fd), root: dir.root };
      } catch (error) {
        closeQuietly(fd);
        throw error;
      }
    } catch (error) {
      if (!isSymlinkRefusal(error)) throw fromOsError(error, 'open_file');
      return { target: await this.#followLink(dir.real, name, hops) };
    } finally {
      closeQuietly(dir.fd);
    }
  }

  /** True when the canonical path `real` is a root or an ancestor of one. */
  #holdsRoot(real: string): boolean {
    const prefix = real === '/' ? '/' : `${real}/`;
    return this.#roots.some((root) => root.real === real || root.real.startsWith(prefix));
  }

  /** Refuses writes under a read-only root, by where the path says and by where it really is. */
  #writable(root: Root): void {
    if (root.readOnly) throw safeFsError('ERR_READ_ONLY_ROOT', 'read_only');
  }

  /** Refuses to change a file with other hard links, unless the policy is `allow`. */
  #refuseHardLinkWrite(stats: Stats): void {
    if (stats.nlink > 1 && this.#settings.hardLinks !== 'allow') {
      throw safeFsError('ERR_HARD_LINK_DENIED', 'hard_link_write');
    }
  }

  async #edit(path: string, edits: readonly TextEdit[], options: EditOptions): Promise<EditResult> {
    const location = await this.#place(path);
    this.#writable(location.root);
    const checked = validateEdits(edits, this.#settings.maxWriteBytes);
    if (options.dryRun !== undefined && typeof options.dryRun !== 'boolean') {
      // `dryRun: 'true'` must not write: refused rather than guessed.
      throw safeFsError('ERR_INVALID_EDIT', 'bad_dry_run');
    }
    const file = await this.#openFile(path, location, 0);
    try {
      // Checked here as well as by the write, so that a dry run answers what the edit would.
      this.#writable(file.root);
      this.#refuseHardLinkWrite(file.stats);
      const bytes = await this.#readOpened(file.fd, file.stats, { signal: options.signal });
      const before = decodeText(bytes, 'utf-8');
      const { text, replacements } = applyEdits(before, checked);
      const updated = immediateBytes(text, this.#settings.maxWriteBytes);
      const changed = text !== before;
      // Labelled with the caller's path, never the real one: the diff goes back to the client.
      const diff = unifiedDiff(path, before, text, this.#settings.maxReadBytes);
      if (changed && options.dryRun !== true) {
        try {
          await this.#write(
            path,
            updated as Uint8Array,
            { ifMissing: 'fail', signal: options.signal },
            0,
            (finalPath) => this.#stillAsRead(file.fd, bytes, finalPath, options.signal),
          );
        } catch (error) {
          // It was there when read: removed since by someone else.
          if (isWardenError(error) && error.code === 'ERR_NOT_FOUND') {
            throw safeFsError('ERR_EDIT_CONFLICT', 'file_removed', { cause: error });
          }
          throw error;
        }
      }
      return { diff, replacements, changed };
    } finally {
      closeQuietly(file.fd);
    }
  }

  /**
   * An edit's lost-update check, run just before its rename: the name must still be the inode that
   * was read (a writer that renamed a new file over it changed that) and that inode must still hold
   * the bytes read (a writer that wrote in place did not change the inode). Bytes, not size and
   * mtime: timestamps come from a coarse clock (a tick is milliseconds), so a same-size write within
   * the tick of the read would pass. The bytes read are still in memory, so an exact comparison
   * costs one re-read and needs no hash. The inode is checked last, closest to the rename.
   */
  async #stillAsRead(
    fd: number,
    read: Buffer,
    finalPath: string,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    let now: Buffer;
    try {
      now = await readBounded(fd, {
        expected: read.length,
        start: 0,
        cap: read.length,
        capIsLimit: true,
        limit: read.length,
        regular: true,
        signal,
      });
    } catch (error) {
      if (isWardenError(error) && error.code === 'ERR_FILE_TOO_LARGE') {
        throw safeFsError('ERR_EDIT_CONFLICT', 'content_changed');
      }
      throw error;
    }
    if (!now.equals(read)) throw safeFsError('ERR_EDIT_CONFLICT', 'content_changed');
    let current: BigIntStats;
    try {
      current = await lstat(finalPath, { bigint: true });
    } catch (error) {
      if (errnoOf(error) === 'ENOENT')
        throw safeFsError('ERR_EDIT_CONFLICT', 'file_removed', { cause: error });
      throw error;
    }
    if (!sameInode(current, fstatSync(fd, { bigint: true }))) {
      throw safeFsError('ERR_EDIT_CONFLICT', 'file_replaced');
    }
  }

  async #write(
    path: string,
    data: WriteData,
    options: WriteOptions,
    hops: number,
    beforeCommit?: (finalPath: string) => Promise<void>,
  ): Promise<void> {
    const location = await this.#place(path);
    const { dir: dirParts, name } = split(location.rest);
    if (name === undefined) throw safeFsError('ERR_NOT_A_FILE', 'directory_path');
    if (path.endsWith('/')) throw safeFsError('ERR_NOT_A_FILE', 'trailing_slash');
    this.#writable(location.root);
    const bytes = immediateBytes(data, this.#settings.maxWriteBytes);
    const dir = await this.#openDir(location.root, dirParts);
    let target: string | undefined;
    try {
      this.#writable(dir.root);
      const decide = async (): Promise<number | undefined | false> => {
        let stats: Stats | undefined;
        try {
          stats = await lstat(entryPath(dir.fd, dir.real, name));
        } catch (error) {
          if (errnoOf(error) !== 'ENOENT') throw error;
        }
        if (stats?.isSymbolicLink()) {
          const followed = await this.#followLink(dir.real, name, hops);
          // As O_CREAT|O_EXCL: a name taken by a link exists, dangling or not (a link out is still
          // answered as an escape, above). A create-only write never lands where a planted link
          // points (`report.txt -> .git/hooks/pre-commit`).
          if (options.ifExists === 'fail') throw safeFsError('ERR_ALREADY_EXISTS', 'exists_as_link');
          target = followed;
          return false;
        }
        if (stats !== undefined && !stats.isFile()) throw notAFile(stats);
        if (stats !== undefined && options.ifExists === 'fail')
          throw safeFsError('ERR_ALREADY_EXISTS', 'exists');
        if (stats === undefined && options.ifMissing === 'fail')
          throw safeFsError('ERR_NOT_FOUND', 'missing');
        if (stats !== undefined) this.#refuseHardLinkWrite(stats);
        if (options.signal?.aborted) throw safeFsError('ERR_ABORTED', 'aborted');
        // The replaced file's permission bits, less setuid/setgid: new content must not inherit a
        // privilege granted to the old (the kernel drops them on a write, too).
        return stats === undefined ? undefined : stats.mode & 0o1777;
      };
      await atomicWrite(
        dir,
        name,
        {
          bytes,
          data,
          limit: this.#settings.maxWriteBytes,
          exclusive: options.ifExists === 'fail',
          durable: this.#settings.durable,
          signal: options.signal,
          beforeCommit,
        },
        decide,
      );
    } finally {
      closeQuietly(dir.fd);
    }
    if (target !== undefined) await this.#write(target, data, options, hops + 1, beforeCommit);
  }

  async #append(path: string, data: WriteData, options: AppendOptions, hops: number): Promise<void> {
    const location = await this.#place(path);
    const { dir: dirParts, name } = split(location.rest);
    if (name === undefined) throw safeFsError('ERR_NOT_A_FILE', 'directory_path');
    if (path.endsWith('/')) throw safeFsError('ERR_NOT_A_FILE', 'trailing_slash');
    this.#writable(location.root);
    const limit = this.#settings.maxWriteBytes;
    let bytes = immediateBytes(data, limit);
    if (bytes === undefined) {
      // Collected first (bounded by the limit) so a stream over the limit appends nothing at all.
      const chunks: Uint8Array[] = [];
      for await (const chunk of boundedChunks(
        data as Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
        limit,
        options.signal,
      )) {
        chunks.push(chunk);
      }
      bytes = Buffer.concat(chunks);
    }
    const dir = await this.#openDir(location.root, dirParts);
    let target: string | undefined;
    let fd: number | undefined;
    try {
      this.#writable(dir.root);
      const entry = entryPath(dir.fd, dir.real, name);
      let stats: Stats | undefined;
      try {
        stats = await lstat(entry);
      } catch (error) {
        if (errnoOf(error) !== 'ENOENT') throw error;
      }
      if (stats?.isSymbolicLink()) target = await this.#followLink(dir.real, name, hops);
      else {
        // Checked before the open so a device node is never opened (opening one can have effects).
        if (stats !== undefined && !stats.isFile()) throw notAFile(stats);
        if (stats === undefined && options.ifMissing === 'fail')
          throw safeFsError('ERR_NOT_FOUND', 'missing');
        const create = options.ifMissing === 'fail' ? 0 : O.CREAT;
        try {
          fd = await openFd(entry, O.WRONLY | O.APPEND | O.NOFOLLOW | O.NONBLOCK | O.NOCTTY | create, 0o666);
        } catch (error) {
          if (!isSymlinkRefusal(error)) throw error;
          // Swapped for a link after the lstat: treat it as the link it now is.
          target = await this.#followLink(dir.real, name, hops);
        }
        if (fd !== undefined) await this.#appendTo(fd, bytes);
      }
    } finally {
      if (fd !== undefined) await closeFd(fd).catch(() => undefined);
      closeQuietly(dir.fd);
    }
    if (target !== undefined) await this.#append(target, bytes, options, hops + 1);
  }

  async #appendTo(fd: number, bytes: Uint8Array): Promise<void> {
    const opened = await fstatFd(fd);
    if (!opened.isFile()) throw notAFile(opened);
    this.#refuseHardLinkWrite(opened);
    try {
      await writeAllFd(fd, bytes);
      if (this.#settings.durable) await fsyncFd(fd);
    } catch (error) {
      // Leave the file as it was: drop a partial append.
      await ftruncateFd(fd, opened.size).catch(() => undefined);
      throw error;
    }
  }

  async #stat(path: string, options: StatOptions, hops: number): Promise<FileInfo> {
    const location = await this.#place(path);
    const { dir: dirParts, name } = split(location.rest);
    if (name === undefined) {
      const dir = await this.#openDir(location.root, dirParts);
      try {
        return fileInfoOf(await fstatFd(dir.fd));
      } finally {
        closeQuietly(dir.fd);
      }
    }
    const dir = await this.#openDir(location.root, dirParts);
    let target: string | undefined;
    try {
      const stats = await lstat(entryPath(dir.fd, dir.real, name));
      if (path.endsWith('/') && !stats.isDirectory() && !stats.isSymbolicLink()) {
        throw safeFsError('ERR_NOT_A_DIRECTORY', 'trailing_slash');
      }
      if (!stats.isSymbolicLink() || options.followSymlinks === false) return fileInfoOf(stats);
      target = await this.#followLink(dir.real, name, hops);
    } finally {
      closeQuietly(dir.fd);
    }
    return this.#stat(target, options, hops + 1);
  }

  async #mkdir(path: string, options: MkdirOptions): Promise<void> {
    const location = await this.#place(path);
    this.#writable(location.root);
    const { dir: dirParts, name } = split(location.rest);
    if (!options.recursive) {
      if (name === undefined) throw safeFsError('ERR_ALREADY_EXISTS', 'exists');
      const dir = await this.#openDir(location.root, dirParts);
      try {
        this.#writable(dir.root);
        await mkdir(entryPath(dir.fd, dir.real, name), 0o777);
      } finally {
        closeQuietly(dir.fd);
      }
      return;
    }
    // Find the deepest existing directory (verified), then create the rest one level at a time
    // through the descriptor of the level above.
    let existing = location.rest.length;
    let dir: (OpenedDir & { readonly root: Root }) | undefined;
    for (; existing >= 0; existing--) {
      try {
        dir = await this.#openDir(location.root, location.rest.slice(0, existing));
        break;
      } catch (error) {
        if (!isWardenError(error) || error.code !== 'ERR_NOT_FOUND') throw error;
      }
    }
    if (dir === undefined) throw safeFsError('ERR_NOT_FOUND', 'no_existing_ancestor');
    try {
      this.#writable(dir.root);
      for (const part of location.rest.slice(existing)) {
        if (part === '.') continue;
        if (part === '..') throw safeFsError('ERR_NOT_FOUND', 'missing_parent');
        const child = entryPath(dir.fd, dir.real, part);
        try {
          await mkdir(child, 0o777);
        } catch (error) {
          if (errnoOf(error) !== 'EEXIST') throw error;
        }
        const fd = await openFd(child, DIR_FLAGS | O.NOFOLLOW);
        closeQuietly(dir.fd);
        dir = { fd, real: dir.real === '/' ? `/${part}` : `${dir.real}/${part}`, root: dir.root };
      }
    } finally {
      closeQuietly(dir.fd);
    }
  }

  async #remove(path: string, options: RemoveOptions): Promise<void> {
    const location = await this.#place(path);
    const { dir: dirParts, name } = split(location.rest);
    if (name === undefined) {
      if (lexicalJoin(location.root.real, location.rest) === location.root.real) {
        throw safeFsError('ERR_ROOT_OPERATION', 'remove_root');
      }
      throw safeFsError('ERR_INVALID_PATH', 'not_an_entry');
    }
    this.#writable(location.root);
    const dir = await this.#openDir(location.root, dirParts);
    try {
      this.#writable(dir.root);
      const entry = entryPath(dir.fd, dir.real, name);
      const stats = await lstat(entry);
      // `name/` names a directory: never unlink a file or a link given that way (rmdir(2) says ENOTDIR).
      if (path.endsWith('/') && !stats.isDirectory()) {
        throw safeFsError('ERR_NOT_A_DIRECTORY', 'trailing_slash');
      }
      if (!stats.isDirectory()) {
        await unlink(entry);
        return;
      }
      const real = dir.real === '/' ? `/${name}` : `${dir.real}/${name}`;
      // A root, or a directory holding one (a nested, perhaps read-only, root): never removed.
      if (this.#holdsRoot(real)) throw safeFsError('ERR_ROOT_OPERATION', 'remove_root');
      // Only `true` removes a tree: a loosely validated `'false'` or `1` must not delete one.
      if (options.recursive === true) await removeTree(dir.fd, dir.real, name, 0, options.signal);
      else await rmdir(entry);
    } finally {
      closeQuietly(dir.fd);
    }
  }

  async #move(from: string, to: string, options: MoveOptions): Promise<void> {
    const source = await this.#place(from);
    const destination = await this.#place(to);
    const src = split(source.rest);
    const dst = split(destination.rest);
    if (src.name === undefined || dst.name === undefined)
      throw safeFsError('ERR_ROOT_OPERATION', 'move_root');
    this.#writable(source.root);
    this.#writable(destination.root);
    const sourceDir = await this.#openDir(source.root, src.dir);
    try {
      const destinationDir = await this.#openDir(destination.root, dst.dir);
      try {
        this.#writable(sourceDir.root);
        this.#writable(destinationDir.root);
        const sourceEntry = entryPath(sourceDir.fd, sourceDir.real, src.name);
        const destinationEntry = entryPath(destinationDir.fd, destinationDir.real, dst.name);
        const stats = await lstat(sourceEntry);
        // A trailing slash names a directory, at either end (rename(2) says ENOTDIR).
        if (!stats.isDirectory() && (from.endsWith('/') || to.endsWith('/'))) {
          throw safeFsError('ERR_NOT_A_DIRECTORY', 'trailing_slash');
        }
        const sourceReal = sourceDir.real === '/' ? `/${src.name}` : `${sourceDir.real}/${src.name}`;
        const destinationReal =
          destinationDir.real === '/' ? `/${dst.name}` : `${destinationDir.real}/${dst.name}`;
        // Moving a directory that holds a root would carry that root's content elsewhere (out of a
        // read-only root into a writable place); replacing one would remove it. Both are canonical
        // paths of verified directories plus a name, compared with the canonical roots.
        if ((stats.isDirectory() && this.#holdsRoot(sourceReal)) || this.#holdsRoot(destinationReal)) {
          throw safeFsError('ERR_ROOT_OPERATION', 'move_root');
        }
        if (options.signal?.aborted) throw safeFsError('ERR_ABORTED', 'aborted');
        if (options.ifExists === 'replace') {
          await rename(sourceEntry, destinationEntry);
          return;
        }
        if (!stats.isDirectory()) {
          // link() never replaces: an atomic "move unless the destination exists" for non-directories.
          try {
            await link(sourceEntry, destinationEntry);
            await unlink(sourceEntry);
            return;
          } catch (error) {
            const errno = errnoOf(error);
            if (errno === 'EEXIST') throw safeFsError('ERR_ALREADY_EXISTS', 'exists');
            if (errno !== 'EPERM' && errno !== 'EXDEV' && errno !== 'ENOTSUP' && errno !== 'EMLINK')
              throw error;
          }
        }
        try {
          await lstat(destinationEntry);
          throw safeFsError('ERR_ALREADY_EXISTS', 'exists');
        } catch (error) {
          if (isWardenError(error) || errnoOf(error) !== 'ENOENT') throw error;
        }
        await rename(sourceEntry, destinationEntry);
      } finally {
        closeQuietly(destinationDir.fd);
      }
    } catch (error) {
      if (errnoOf(error) === 'EINVAL')
        throw safeFsError('ERR_INVALID_PATH', 'move_into_itself', { cause: error });
      throw error;
    } finally {
      closeQuietly(sourceDir.fd);
    }
  }
}

/**
 * Creates a {@link SafeFs}: resolves the roots (synchronously, once) and validates the options.
 * Throws a `ConfigError` for a missing root or an invalid option.
 */
export function createSafeFs(options: SafeFsOptions): SafeFs {
  return SafeFs.create(options);
}
