import { isUtf8 } from 'node:buffer';
import { closeSync, constants, fstatSync, openSync, readSync, type Stats, statSync } from 'node:fs';
import type { FileCheck } from './field-markers.js';

/** The result of opening a file the config names. Reasons name the path, never the content. */
export type FileRead =
  | { readonly ok: true; readonly content: string; readonly mode: number }
  | { readonly ok: false; readonly reason: string };

function describeOpenError(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  switch (code) {
    case 'ENOENT':
      return 'file not found';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ELOOP':
      return 'too many symbolic links';
    case 'ENOTDIR':
      return 'a parent of the path is not a directory';
    default:
      return `cannot open the file (${typeof code === 'string' ? code : 'unknown error'})`;
  }
}

const CHUNK_BYTES = 64 * 1024;

function notRegular(stat: Stats): string {
  return stat.isDirectory() ? 'is a directory, not a file' : 'not a regular file';
}

/** The reason a file that is not UTF-8 text is refused (decoding it would replace bytes silently). */
export const NOT_UTF8 = 'not UTF-8 text';

/**
 * Opens a regular file and reads at most `maxBytes`. Opens non-blocking so a FIFO cannot hang the
 * start, and checks the opened descriptor (not the path) so the file checked is the file read. The
 * content must be UTF-8: decoding anything else would turn each bad byte into U+FFFD, so a raw
 * binary key would load as a mostly constant, guessable string.
 */
export function readRegularFile(path: string, maxBytes: number, readContent = true): FileRead {
  // Look before opening: opening a FIFO releases a writer blocked on it, and opening a device may
  // act on it (a tape rewinds, a watchdog arms). The opened descriptor is checked again below.
  let before: Stats;
  try {
    before = statSync(path);
  } catch (error) {
    return { ok: false, reason: describeOpenError(error) };
  }
  if (!before.isFile()) return { ok: false, reason: notRegular(before) };
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    return { ok: false, reason: describeOpenError(error) };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { ok: false, reason: notRegular(stat) };
    if (!readContent) return { ok: true, content: '', mode: stat.mode };
    if (stat.size > maxBytes) return { ok: false, reason: `larger than ${maxBytes} bytes` };
    // Chunks sized by the file, not by the limit (a limit may be huge); files in /proc report size 0.
    const chunks: Buffer[] = [];
    let length = 0;
    while (length <= maxBytes) {
      const chunk = Buffer.alloc(Math.min(maxBytes + 1 - length, Math.max(stat.size + 1, CHUNK_BYTES)));
      const read = readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) break;
      chunks.push(chunk.subarray(0, read));
      length += read;
    }
    if (length > maxBytes) return { ok: false, reason: `larger than ${maxBytes} bytes` };
    const bytes = Buffer.concat(chunks, length);
    if (!isUtf8(bytes)) return { ok: false, reason: NOT_UTF8 };
    return { ok: true, content: bytes.toString('utf8'), mode: stat.mode };
  } catch (error) {
    return { ok: false, reason: describeOpenError(error) };
  } finally {
    closeSync(fd);
  }
}

/** True when group or others may read or write a file: wider than the owner's permissions. */
export function isWiderThanOwner(mode: number): boolean {
  return (mode & 0o077) !== 0;
}

/** Octal permission bits for messages (`0644`). */
export function octalMode(mode: number): string {
  return `0${(mode & 0o777).toString(8)}`;
}

/** Secret files (Docker/Kubernetes) often end with one newline that is not part of the secret. */
export function stripFinalNewline(content: string): string {
  return content.replace(/\r?\n$/, '');
}

/** Checks a path a `readableFile`/`secretFile` field names; returns a problem reason or a warning. */
export function checkNamedFile(
  path: string,
  check: FileCheck,
): { readonly reason?: string; readonly wideMode?: number } {
  const result = readRegularFile(path, 0, false);
  if (!result.ok) return { reason: result.reason };
  if (check === 'secret' && isWiderThanOwner(result.mode)) return { wideMode: result.mode };
  return {};
}
