import {
  close,
  closeSync,
  constants,
  existsSync,
  fdatasync,
  fstat,
  fsync,
  ftruncate,
  open,
  openSync,
  read,
  readlinkSync,
  readSync,
  type Stats,
  write,
} from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { safeFsError } from './error-codes.js';

// Raw descriptors rather than FileHandle: fewer allocations and no async close for directories.
export const openFd: (path: string, flags: number, mode?: number) => Promise<number> = promisify(open) as (
  path: string,
  flags: number,
  mode?: number,
) => Promise<number>;
export const fstatFd: (fd: number) => Promise<Stats> = promisify(fstat) as (fd: number) => Promise<Stats>;
export const closeFd: (fd: number) => Promise<void> = promisify(close);
export const fsyncFd: (fd: number) => Promise<void> = promisify(fsync);
/** Flushes data and the metadata needed to read it back (size), not timestamps: enough for a new file. */
export const fdatasyncFd: (fd: number) => Promise<void> = promisify(fdatasync);
export const ftruncateFd: (fd: number, length: number) => Promise<void> = promisify(ftruncate);

/** Reads into `buffer` at `offset` from file `position`; resolves the byte count. */
export function readFd(
  fd: number,
  buffer: Uint8Array,
  offset: number,
  length: number,
  position: number | null,
): Promise<number> {
  return new Promise((resolve, reject) => {
    read(fd, buffer, offset, length, position, (error, bytesRead) =>
      error ? reject(error) : resolve(bytesRead),
    );
  });
}

/** Writes all of `buffer` (looping on short writes). */
export async function writeAllFd(fd: number, buffer: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < buffer.length) {
    offset += await new Promise<number>((resolve, reject) => {
      write(fd, buffer, offset, buffer.length - offset, null, (error, written) =>
        error ? reject(error) : resolve(written),
      );
    });
  }
}

/** Closes a descriptor now, ignoring errors (for directories and cleanup paths). */
export function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Already closed or invalid: nothing left to release.
  }
}

const flag = (name: keyof typeof constants): number => {
  const value = constants[name];
  return typeof value === 'number' ? value : 0;
};

/** Open flags; 0 where the platform lacks one. */
export const O: {
  readonly RDONLY: number;
  readonly WRONLY: number;
  readonly CREAT: number;
  readonly EXCL: number;
  readonly APPEND: number;
  readonly DIRECTORY: number;
  readonly NOFOLLOW: number;
  readonly NONBLOCK: number;
  readonly NOCTTY: number;
} = Object.freeze({
  RDONLY: constants.O_RDONLY,
  WRONLY: constants.O_WRONLY,
  CREAT: constants.O_CREAT,
  EXCL: constants.O_EXCL,
  APPEND: constants.O_APPEND,
  DIRECTORY: flag('O_DIRECTORY'),
  NOFOLLOW: flag('O_NOFOLLOW'),
  NONBLOCK: flag('O_NONBLOCK'),
  NOCTTY: flag('O_NOCTTY'),
});

/** Where Linux lists the process's descriptors. */
export const PROC_FD = '/proc/self/fd';

/**
 * `O_PATH` (Linux ≥ 2.6.39; `fstat` on it since 3.6). Node exports no constant, but passes flags to
 * open(2) unchanged; the value is the same on every architecture Node runs on (it differs only on
 * alpha, parisc and sparc).
 */
export const O_PATH = 0o10000000;
const PATH_ARCHES: ReadonlySet<string> = new Set([
  'x64',
  'arm64',
  'arm',
  'ia32',
  'ppc64',
  's390x',
  'riscv64',
  'loong64',
]);
let procFd: boolean | undefined;

/**
 * True on Linux with `/proc` mounted: descriptors can then be mapped to their real path, and names
 * can be opened relative to an opened directory through `/proc/self/fd/<fd>/<name>`.
 */
export function hasProcFd(): boolean {
  procFd ??= process.platform === 'linux' && existsSync(`${PROC_FD}/`);
  return procFd;
}

/** True where reads can go through an `O_PATH` handle (Linux with `/proc`, on a known architecture). */
export function hasPathDescriptors(): boolean {
  return pathDescriptors ?? (hasProcFd() && PATH_ARCHES.has(process.arch));
}

let pathDescriptors: boolean | undefined;

/** Internal, for tests: forces (or, with `undefined`, re-detects) the `O_PATH` read path. */
export function setPathDescriptorsForTesting(enabled: boolean | undefined): void {
  pathDescriptors = enabled;
}

/**
 * Forces (or, with `undefined`, re-detects) whether `/proc/self/fd` is used. Internal: lets the tests
 * exercise the portable fallback on Linux. Not exported from the package.
 */
export function setProcFdForTesting(enabled: boolean | undefined): void {
  procFd = enabled;
}

/**
 * The path to reach `name` inside the opened directory `dirFd`. On Linux this goes through the
 * descriptor, so the kernel resolves it in the directory we hold and verified, whatever happened to
 * its path since. Elsewhere it falls back to the verified real path (a check-then-use gap remains).
 */
export function entryPath(dirFd: number, dirReal: string, name: string): string {
  if (hasProcFd()) return `${PROC_FD}/${dirFd}/${name}`;
  return dirReal === '/' ? `/${name}` : `${dirReal}/${name}`;
}

/** The path by which to address the opened directory `dirFd` itself. */
export function dirPath(dirFd: number, dirReal: string): string {
  return hasProcFd() ? `${PROC_FD}/${dirFd}` : dirReal;
}

/**
 * The real path of what `fd` refers to. Linux: the kernel's own answer (`/proc/self/fd/N`), which
 * describes the object we hold, not whatever a path names now. Elsewhere: `realpath(openedPath)`,
 * accepted only if it is the same inode as the descriptor.
 */
export async function realPathOfFd(fd: number, openedPath: string): Promise<string> {
  if (hasProcFd()) {
    // procfs answers from memory, never from disk: a synchronous call does not block on I/O.
    return readlinkSync(`${PROC_FD}/${fd}`);
  }
  const [real, held] = await Promise.all([realpath(openedPath), fstatFd(fd)]);
  const named = await stat(real);
  if (named.dev !== held.dev || named.ino !== held.ino)
    throw safeFsError('ERR_SYMLINK_ESCAPE', 'fd_path_changed');
  return real;
}

const UMASK_LINE = /\nUmask:\s*([0-7]{1,4})\n/;
const statusHead = Buffer.alloc(512);

/**
 * The process's file mode creation mask, without changing it. Linux (≥ 4.7): the `Umask:` line of
 * `/proc/self/status`. `process.umask()` cannot read it without setting it: it sets 0 and then puts
 * the old mask back, and a file or directory created in that instant on another thread (a concurrent
 * call's `mkdir` or append, or anything else in the process) gets no umask at all: `0777`, `0666`.
 * Only where `/proc` does not answer is `process.umask()` used.
 */
export function currentUmask(): number {
  if (hasProcFd()) {
    try {
      // procfs answers from memory: a synchronous read of its first lines does no disk I/O.
      const fd = openSync(`/proc/self/status`, O.RDONLY | O.NOFOLLOW);
      let length: number;
      try {
        length = readSync(fd, statusHead, 0, statusHead.length, 0);
      } finally {
        closeSync(fd);
      }
      const match = UMASK_LINE.exec(statusHead.toString('latin1', 0, length));
      if (match?.[1] !== undefined) return Number.parseInt(match[1], 8);
    } catch {
      // No readable status file: fall back below.
    }
  }
  return process.umask();
}
