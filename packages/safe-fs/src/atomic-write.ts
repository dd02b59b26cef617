import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync } from 'node:fs';
import { link, rename, unlink } from 'node:fs/promises';
import {
  closeQuietly,
  currentUmask,
  entryPath,
  fdatasyncFd,
  fsyncFd,
  O,
  openFd,
  writeAllFd,
} from './descriptor.js';
import { safeFsError } from './error-codes.js';
import { errnoOf, fromOsError } from './os-errors.js';
import { boundedChunks, type WriteData } from './write-data.js';

/** An opened and verified directory. */
export interface OpenedDir {
  readonly fd: number;
  readonly real: string;
}

/** How {@link atomicWrite} commits. */
export interface AtomicWriteOptions {
  /** Bytes ready in memory, or `undefined` to stream `data`. */
  readonly bytes: Uint8Array | undefined;
  readonly data: WriteData;
  readonly limit: number;
  /** Fail with `ERR_ALREADY_EXISTS` instead of replacing (committed with `link`, which never replaces). */
  readonly exclusive: boolean;
  readonly durable: boolean;
  readonly signal: AbortSignal | undefined;
  /**
   * Runs last before the commit, once the temp file is complete, with the final name's path;
   * rejecting leaves the name as it is (an edit's check that the file is still the one it read).
   */
  readonly beforeCommit?: ((finalPath: string) => Promise<void>) | undefined;
}

/**
 * The caller's checks of the current entry, run while the temp file is being created: resolves the
 * permission bits to give the file (`undefined`: `0o666` minus the umask), `false` to write nothing
 * (the temp file is removed), or rejects to refuse.
 */
export type WriteDecision = () => Promise<number | undefined | false>;

/**
 * Writes `name` in `dir` atomically: a temp file in the same directory (created `O_EXCL|O_NOFOLLOW`, mode
 * `0o600`, through the directory descriptor), written, given its final permission bits, `fdatasync`ed, then renamed over the name. Readers see
 * the old file or the new one, never a mix; on any failure the old file is untouched and the temp
 * file is removed. A rename replaces a symbolic link itself, so a link swapped in meanwhile is never
 * followed. Resolves `false` when `decide` said not to write.
 */
export async function atomicWrite(
  dir: OpenedDir,
  name: string,
  options: AtomicWriteOptions,
  decide: WriteDecision,
): Promise<boolean> {
  const tempPath = entryPath(dir.fd, dir.real, `.${randomBytes(8).toString('hex')}.safe-fs.tmp`);
  const finalPath = entryPath(dir.fd, dir.real, name);
  // The temp file is created while the caller inspects the entry: two round trips in parallel.
  const [opened, decided] = await Promise.allSettled([
    // Private while it fills: the content may replace a file others cannot read.
    openFd(tempPath, O.WRONLY | O.CREAT | O.EXCL | O.NOFOLLOW | O.NOCTTY, 0o600),
    decide(),
  ]);
  let fd: number | undefined = opened.status === 'fulfilled' ? opened.value : undefined;
  let committed = false;
  try {
    if (decided.status === 'rejected') throw decided.reason;
    if (opened.status === 'rejected') throw opened.reason;
    if (decided.value === false) {
      await discard(fd, tempPath);
      fd = undefined;
      return false;
    }
    const mode = decided.value;
    const writing = fd as number;
    if (options.bytes !== undefined) await writeAllFd(writing, options.bytes);
    else {
      for await (const chunk of boundedChunks(
        options.data as Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
        options.limit,
        options.signal,
      )) {
        await writeAllFd(writing, chunk);
      }
    }
    // The final bits, once the content is complete: a replaced file keeps its own, a new one gets
    // what open(0o666) would have given it. A metadata change on an open inode does no disk I/O, so it
    // is made synchronously.
    if (mode !== undefined) fchmodSync(writing, mode);
    else {
      try {
        fchmodSync(writing, 0o666 & ~currentUmask());
      } catch {
        // A file system with fixed permissions (vfat, some network mounts): its own bits apply.
      }
    }
    if (options.durable) await fdatasyncFd(writing);
    fd = undefined;
    // Closing a file that was just written (and synced, when durable) flushes nothing more locally.
    closeSync(writing);
    if (options.signal?.aborted) throw safeFsError('ERR_ABORTED', 'aborted');
    await options.beforeCommit?.(finalPath);
    if (options.exclusive) {
      try {
        await link(tempPath, finalPath);
      } catch (error) {
        if (errnoOf(error) === 'EEXIST') throw safeFsError('ERR_ALREADY_EXISTS', 'exists');
        throw error;
      }
      committed = true;
      await unlink(tempPath).catch(() => undefined);
    } else {
      await rename(tempPath, finalPath);
      committed = true;
    }
    if (options.durable) await fsyncFd(dir.fd);
    return true;
  } catch (error) {
    if (!committed && (fd !== undefined || opened.status === 'fulfilled')) await discard(fd, tempPath);
    throw fromOsError(error, 'atomic_write');
  }
}

async function discard(fd: number | undefined, tempPath: string): Promise<void> {
  if (fd !== undefined) closeQuietly(fd);
  await unlink(tempPath).catch(() => undefined);
}
