import { opendir } from 'node:fs/promises';
import { closeQuietly, dirPath, entryPath, O, openFd } from './descriptor.js';
import { safeFsError } from './error-codes.js';
import { type EntryType, entryTypeOf } from './file-info.js';
import { errnoOf, fromOsError } from './os-errors.js';

/** One entry of a listing. */
export interface ListEntry {
  readonly name: string;
  /** Path relative to the listed directory, `/`-separated. */
  readonly path: string;
  readonly type: EntryType;
}

/** A listing: entries sorted by path within each directory, and whether a limit cut it short. */
export interface Listing {
  readonly entries: readonly ListEntry[];
  /** `true` when `maxEntries` or `maxDepth` left entries out. */
  readonly truncated: boolean;
}

/** Limits of one {@link listTree}. */
export interface ListLimits {
  readonly maxEntries: number;
  readonly maxDepth: number;
  /** Whether a deeper level was asked for: only then does stopping at `maxDepth` count as truncation. */
  readonly recursive: boolean;
  readonly signal: AbortSignal | undefined;
}

interface State {
  readonly entries: ListEntry[];
  truncated: boolean;
}

/**
 * Lists the opened directory `fd`, descending (when `maxDepth > 1`) into subdirectories opened
 * `O_DIRECTORY|O_NOFOLLOW` relative to their parent's descriptor: a symbolic link is listed as a link
 * and never entered, and a directory swapped for a link during the walk is skipped, not followed.
 */
export async function listTree(fd: number, real: string, limits: ListLimits): Promise<Listing> {
  const state: State = { entries: [], truncated: false };
  await listInto(fd, real, '', 1, limits, state);
  return { entries: state.entries, truncated: state.truncated };
}

async function listInto(
  fd: number,
  real: string,
  prefix: string,
  depth: number,
  limits: ListLimits,
  state: State,
): Promise<void> {
  if (limits.signal?.aborted) throw safeFsError('ERR_ABORTED', 'aborted');
  const here: ListEntry[] = [];
  let handle: Awaited<ReturnType<typeof opendir>>;
  try {
    handle = await opendir(dirPath(fd, real), { bufferSize: 64 });
  } catch (error) {
    throw fromOsError(error, 'list_opendir');
  }
  const room = limits.maxEntries - state.entries.length;
  for await (const dirent of handle) {
    if (here.length >= room) {
      state.truncated = true;
      break; // leaving the loop closes the handle
    }
    here.push({ name: dirent.name, path: prefix + dirent.name, type: entryTypeOf(dirent) });
  }
  here.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of here) {
    if (state.entries.length >= limits.maxEntries) {
      state.truncated = true;
      return;
    }
    state.entries.push(entry);
    if (entry.type !== 'directory') continue;
    if (depth >= limits.maxDepth) {
      if (limits.recursive) state.truncated = true;
      continue;
    }
    let child: number;
    try {
      child = await openFd(entryPath(fd, real, entry.name), O.RDONLY | O.DIRECTORY | O.NOFOLLOW | O.NONBLOCK);
    } catch (error) {
      const errno = errnoOf(error);
      if (errno === 'ELOOP' || errno === 'ENOTDIR' || errno === 'ENOENT') continue; // changed meanwhile
      throw fromOsError(error, 'list_open_child');
    }
    try {
      await listInto(child, `${real}/${entry.name}`, `${entry.path}/`, depth + 1, limits, state);
    } finally {
      closeQuietly(child);
    }
  }
}
