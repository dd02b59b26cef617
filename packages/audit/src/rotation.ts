import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Options for size-based rotation of the log file. */
export interface RotationOptions {
  /**
   * Rotate once the file holds about this many bytes (checked per write batch, so a file can end a
   * batch past it). Default: 64 MiB.
   */
  readonly maxBytes?: number;
}

/** Default rotation size: 64 MiB. */
export const DEFAULT_ROTATION_BYTES: number = 64 * 1024 * 1024;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The numbers `n` of existing rotated files `<file>.<n>`, ascending. */
export function rotationIndexes(file: string): number[] {
  const pattern = new RegExp(`^${escapeRegExp(basename(file))}\\.(\\d{1,9})$`);
  let names: string[];
  try {
    names = readdirSync(dirname(file));
  } catch {
    return [];
  }
  const indexes: number[] = [];
  for (const name of names) {
    const match = pattern.exec(name);
    if (match?.[1] !== undefined) indexes.push(Number(match[1]));
  }
  return indexes.sort((a, b) => a - b);
}

/** The name the `index`-th rotated file gets: `<file>.<index>` (1 is the oldest). */
export function rotatedName(file: string, index: number): string {
  return join(dirname(file), `${basename(file)}.${index}`);
}

/**
 * A log and its rotated files in chain order, oldest first: `<file>.1`, `<file>.2`, …, then `<file>`
 * itself (included when it exists, or when there is nothing else, so that a missing log is reported).
 * Pass the result to `verifyAuditLog` to check the chain across rotation.
 */
export function rotatedFiles(file: string): string[] {
  const rotated = rotationIndexes(file).map((index) => rotatedName(file, index));
  return rotated.length === 0 || existsSync(file) ? [...rotated, file] : rotated;
}
