import { randomBytes } from 'node:crypto';
import { fchmod } from 'node:fs';
import { link, rename, unlink } from 'node:fs/promises';
import { promisify } from 'node:util';
import { closeFd, entryPath, fdatasyncFd, fsyncFd, O, openFd, writeAllFd } from './descriptor.js';
import { safeFsError } from './error-codes.js';
import { errnoOf, fromOsError } from './os-errors.js';
import { boundedChunks, type WriteData } from './write-data.js';

const fchmodFd: (fd: number, mode: number) => Promise<void> = promisify(fchmod);

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
  /** Permission bits to give the file (the replaced file's); `undefined`: `0o666` minus the umask. */
  readonly mode: number | undefined;
  /** Fail with `ERR_ALREADY_EXISTS` instead of replacing (committed with `link`, which never replaces). */
  readonly exclusive: boolean;
  readonly durable: boolean;
  readonly signal: AbortSignal | undefined;
}

/**
 * Writes `name` in `dir` atomically: a temp file in the same directory (created `O_EXCL|O_NOFOLLOW`
 * through the directory descriptor), written, `fsync`ed, then renamed over the name. Readers see the
 * old file or the new one, never a mix; on any failure the old file is untouched and the temp file
 * is removed. A rename replaces a symbolic link itself, so a link swapped in meanwhile is never
 * followed.
 */
export async function atomicWrite(dir: OpenedDir, name: string, options: AtomicWriteOptions): Promise<void> {
  const tempPath = entryPath(dir.fd, dir.real, `.${randomBytes(8).toString('hex')}.safe-fs.tmp`);
  const finalPath = entryPath(dir.fd, dir.real, name);
  let fd: number | undefined = await openFd(
    tempPath,
    O.WRONLY | O.CREAT | O.EXCL | O.NOFOLLOW | O.NOCTTY,
    options.mode ?? 0o666,
  );
  let committed = false;
  try {
    if (options.bytes !== undefined) await writeAllFd(fd, options.bytes);
    else {
      for await (const chunk of boundedChunks(
        options.data as Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
        options.limit,
        options.signal,
      )) {
        await writeAllFd(fd, chunk);
      }
    }
    // open() applied the umask; a replaced file keeps its own permission bits.
    if (options.mode !== undefined) await fchmodFd(fd, options.mode);
    if (options.durable) await fdatasyncFd(fd);
    const toClose = fd;
    fd = undefined;
    await closeFd(toClose);
    if (options.signal?.aborted) throw safeFsError('ERR_ABORTED', 'aborted');
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
  } catch (error) {
    if (fd !== undefined) await closeFd(fd).catch(() => undefined);
    if (!committed) await unlink(tempPath).catch(() => undefined);
    throw fromOsError(error, 'atomic_write');
  }
}
