import { opendir, rmdir, unlink } from 'node:fs/promises';
import { closeQuietly, dirPath, entryPath, O, openFd } from './descriptor.js';
import { safeFsError } from './error-codes.js';
import { errnoOf, fromOsError } from './os-errors.js';

/** Deepest directory nesting a recursive remove descends into. */
export const MAX_REMOVE_DEPTH = 128;
const BATCH = 256;

/**
 * Removes `name` (a directory) in the opened directory `parentFd` with everything below it. Each
 * level is opened `O_DIRECTORY|O_NOFOLLOW` through its parent's descriptor, so a directory swapped for
 * a symbolic link mid-way is unlinked as a link: the walk never leaves the tree it started in.
 */
export async function removeTree(
  parentFd: number,
  parentReal: string,
  name: string,
  depth: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  if (depth > MAX_REMOVE_DEPTH) throw safeFsError('ERR_DIRECTORY_NOT_EMPTY', 'tree_too_deep');
  if (signal?.aborted) throw safeFsError('ERR_ABORTED', 'aborted');
  const path = entryPath(parentFd, parentReal, name);
  let fd: number;
  try {
    fd = await openFd(path, O.RDONLY | O.DIRECTORY | O.NOFOLLOW | O.NONBLOCK);
  } catch (error) {
    const errno = errnoOf(error);
    if (errno === 'ELOOP' || errno === 'ENOTDIR') {
      await unlink(path).catch((cause: unknown) => {
        throw fromOsError(cause, 'remove_unlink');
      });
      return;
    }
    throw fromOsError(error, 'remove_open');
  }
  const real = parentReal === '/' ? `/${name}` : `${parentReal}/${name}`;
  try {
    // Removing while iterating can skip entries: read a batch, remove it, read again until empty.
    for (;;) {
      const batch: { name: string; directory: boolean }[] = [];
      const handle = await opendir(dirPath(fd, real), { bufferSize: 64 });
      for await (const dirent of handle) {
        batch.push({ name: dirent.name, directory: dirent.isDirectory() });
        if (batch.length >= BATCH) break;
      }
      if (batch.length === 0) break;
      for (const entry of batch) {
        if (entry.directory) await removeTree(fd, real, entry.name, depth + 1, signal);
        else {
          try {
            await unlink(entryPath(fd, real, entry.name));
          } catch (error) {
            const errno = errnoOf(error);
            if (errno === 'EISDIR' || errno === 'EPERM')
              await removeTree(fd, real, entry.name, depth + 1, signal);
            else if (errno !== 'ENOENT') throw fromOsError(error, 'remove_unlink');
          }
        }
      }
    }
  } finally {
    closeQuietly(fd);
  }
  try {
    await rmdir(path);
  } catch (error) {
    throw fromOsError(error, 'remove_rmdir');
  }
}
