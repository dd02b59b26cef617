import type { Dirent, Stats } from 'node:fs';

/** The kind of a directory entry. */
export type EntryType =
  | 'file'
  | 'directory'
  | 'symlink'
  | 'fifo'
  | 'socket'
  | 'character-device'
  | 'block-device'
  | 'unknown';

/** What `stat` returns. No device or inode numbers, no owner ids. */
export interface FileInfo {
  readonly type: EntryType;
  /** Size in bytes (for a symbolic link not followed: the length of its target). */
  readonly size: number;
  /** Permission bits (`mode & 0o7777`). */
  readonly mode: number;
  /** Number of hard links. */
  readonly nlink: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  readonly birthtimeMs: number;
}

/** The entry type of a `Stats` or `Dirent`. */
export function entryTypeOf(entry: Stats | Dirent): EntryType {
  if (entry.isFile()) return 'file';
  if (entry.isDirectory()) return 'directory';
  if (entry.isSymbolicLink()) return 'symlink';
  if (entry.isFIFO()) return 'fifo';
  if (entry.isSocket()) return 'socket';
  if (entry.isCharacterDevice()) return 'character-device';
  if (entry.isBlockDevice()) return 'block-device';
  return 'unknown';
}

/** The public view of a `Stats`. */
export function fileInfoOf(stats: Stats): FileInfo {
  return {
    type: entryTypeOf(stats),
    size: stats.size,
    mode: stats.mode & 0o7777,
    nlink: stats.nlink,
    mtimeMs: stats.mtimeMs,
    ctimeMs: stats.ctimeMs,
    birthtimeMs: stats.birthtimeMs,
  };
}
