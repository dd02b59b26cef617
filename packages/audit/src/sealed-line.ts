import { closeSync, openSync, readSync, statSync } from 'node:fs';

/** The chain fields at the end of a sealed line. */
export const SEALED: RegExp = /,"hash":"([0-9a-f]{64})"(?:,"hmac":"([0-9a-f]{64})")?\}$/;

/** A sealed line taken apart: its text without the chain fields, and the fields. */
export interface SealedLine {
  readonly body: string;
  readonly hash: string;
  readonly hmac: string | undefined;
  readonly record: { readonly [key: string]: unknown };
}

/** Splits a line into body and chain fields; `undefined` when it is not a sealed JSON line. */
export function parseSealed(text: string): SealedLine | undefined {
  const match = SEALED.exec(text);
  if (match === null) return undefined;
  const body = `${text.slice(0, match.index)}}`;
  try {
    const record: unknown = JSON.parse(body);
    if (typeof record !== 'object' || record === null || Array.isArray(record)) return undefined;
    return { body, hash: match[1] as string, hmac: match[2], record: record as Record<string, unknown> };
  } catch {
    return undefined;
  }
}

/** How far back from the end of a file to look for an instance's last line. */
const TAIL_BYTES = 1024 * 1024;

/**
 * The last sealed line of `instance` in the newest of `files` that has one (files oldest first),
 * looking at the last MiB of each: where a restarted instance with the same id continues its chain.
 */
export function findChainTail(
  files: readonly string[],
  instance: string,
): { readonly seq: number; readonly hash: string } | undefined {
  const marker = '"instance":';
  for (const file of [...files].reverse()) {
    let text: string;
    try {
      const size = statSync(file).size;
      if (size === 0) continue;
      const length = Math.min(size, TAIL_BYTES);
      const buffer = Buffer.alloc(length);
      const fd = openSync(file, 'r');
      try {
        readSync(fd, buffer, 0, length, size - length);
      } finally {
        closeSync(fd);
      }
      text = buffer.toString('utf8');
    } catch {
      continue;
    }
    const lines = text.split('\n');
    // The first piece may be a partial line (the read started mid-file); the last is after the final newline.
    for (let index = lines.length - 1; index >= (text.length < TAIL_BYTES ? 0 : 1); index--) {
      const line = lines[index] as string;
      if (!line.includes(marker)) continue;
      const sealed = parseSealed(line);
      const seq = sealed?.record.seq;
      if (sealed !== undefined && sealed.record.instance === instance && Number.isSafeInteger(seq)) {
        return { seq: seq as number, hash: sealed.hash };
      }
    }
  }
  return undefined;
}
