import { opendir } from 'node:fs/promises';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { closeQuietly, dirPath, entryPath, O, openFd } from './descriptor.js';
import { safeFsError } from './error-codes.js';
import { type EntryType, entryTypeOf } from './file-info.js';
import { errnoOf, fromOsError } from './os-errors.js';
import type { PathFilter } from './path-patterns.js';

/** One entry of a listing. */
export interface ListEntry {
  readonly name: string;
  /** Path relative to the listed directory, `/`-separated. */
  readonly path: string;
  readonly type: EntryType;
}

/** A limit that cut a listing short. */
export type ListLimit = 'maxEntries' | 'maxDepth' | 'maxListVisited' | 'maxListMs';

/** A listing: entries sorted by path within each directory, and whether a limit cut it short. */
export interface Listing {
  readonly entries: readonly ListEntry[];
  /** `true` when a limit left entries out (`truncatedBy` says which). */
  readonly truncated: boolean;
  /** The limits that left entries out, in the order first met; empty when `truncated` is `false`. */
  readonly truncatedBy: readonly ListLimit[];
  /** Directory entries read, returned or not (at most the instance's `maxListVisited`). */
  readonly visited: number;
}

/** Limits of one {@link listTree}. */
export interface ListLimits {
  readonly maxEntries: number;
  readonly maxDepth: number;
  /** Most directory entries read in all, matching or not. */
  readonly maxVisited: number;
  /** `performance.now()` after which no more entries are read: bounds the cost of matching patterns. */
  readonly deadline: number;
  /** Whether a deeper level was asked for: only then does stopping at `maxDepth` count as truncation. */
  readonly recursive: boolean;
  readonly filter: PathFilter;
  readonly signal: AbortSignal | undefined;
}

interface State {
  readonly entries: ListEntry[];
  readonly truncatedBy: Set<ListLimit>;
  visited: number;
  /** When the walk last let the event loop run. */
  sliceStarted: number;
}

/**
 * Longest stretch of reading and matching without a turn of the event loop. Entries already buffered
 * come without one, and a pattern can cost milliseconds a name: other requests (and an abort) wait.
 */
const SLICE_MS = 10;

/**
 * Lists the opened directory `fd`, descending (when `maxDepth > 1`) into subdirectories opened
 * `O_DIRECTORY|O_NOFOLLOW` relative to their parent's descriptor: a symbolic link is listed as a link
 * and never entered, and a directory swapped for a link during the walk is skipped, not followed.
 * Only entries the filter matches are returned; every directory it does not exclude is walked.
 */
export async function listTree(fd: number, real: string, limits: ListLimits): Promise<Listing> {
  const state: State = { entries: [], truncatedBy: new Set(), visited: 0, sliceStarted: performance.now() };
  await listInto(fd, real, '', 1, limits, state);
  return {
    entries: state.entries,
    truncated: state.truncatedBy.size > 0,
    truncatedBy: [...state.truncatedBy],
    visited: state.visited,
  };
}

interface Candidate extends ListEntry {
  readonly matches: boolean;
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
  const here: Candidate[] = [];
  let handle: Awaited<ReturnType<typeof opendir>>;
  try {
    handle = await opendir(dirPath(fd, real), { bufferSize: 64 });
  } catch (error) {
    throw fromOsError(error, 'list_opendir');
  }
  const room = limits.maxEntries - state.entries.length;
  let matchesHere = 0;
  // leaving the loop closes the handle
  for await (const dirent of handle) {
    if (matchesHere >= room) {
      state.truncatedBy.add('maxEntries');
      break;
    }
    if (state.visited >= limits.maxVisited) {
      state.truncatedBy.add('maxListVisited');
      break;
    }
    const now = performance.now();
    if (now > limits.deadline) {
      state.truncatedBy.add('maxListMs');
      break;
    }
    if (now - state.sliceStarted > SLICE_MS) {
      await nextTurn();
      state.sliceStarted = performance.now();
      if (limits.signal?.aborted) throw safeFsError('ERR_ABORTED', 'aborted');
    }
    state.visited++;
    const path = prefix + dirent.name;
    if (limits.filter.excludes(path)) continue;
    const matches = limits.filter.matches(path);
    if (matches) matchesHere++;
    here.push({ name: dirent.name, path, type: entryTypeOf(dirent), matches });
  }
  here.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const { matches, ...entry } of here) {
    if (matches) {
      if (state.entries.length >= limits.maxEntries) {
        state.truncatedBy.add('maxEntries');
        return;
      }
      state.entries.push(entry);
    }
    if (entry.type !== 'directory') continue;
    if (depth >= limits.maxDepth) {
      if (limits.recursive) state.truncatedBy.add('maxDepth');
      continue;
    }
    if (state.visited >= limits.maxVisited) {
      state.truncatedBy.add('maxListVisited'); // a directory left unread may hold entries
      return;
    }
    if (performance.now() > limits.deadline) {
      state.truncatedBy.add('maxListMs');
      return;
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
