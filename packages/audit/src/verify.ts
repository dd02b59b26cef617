import { isUtf8 } from 'node:buffer';
import { timingSafeEqual } from 'node:crypto';
import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { FsError } from '@mcp-warden/core';
import { AUDIT_COMPONENT } from './audit-sink.js';
import { chainHash, chainHmac, GENESIS_HASH, hmacKeyFrom } from './hash-chain.js';
import { parseSealed } from './sealed-line.js';

/** Why verification failed. */
export type VerifyFailureReason =
  /** The line's content does not match its hash: it (or the hash) was changed. */
  | 'edited'
  /** One or more lines of this instance's chain are missing before this line. */
  | 'missing'
  /** This line is out of order (its sequence number belongs elsewhere). */
  | 'reordered'
  /** The last line of the last file is cut short (no newline or incomplete JSON). */
  | 'truncated'
  /** The line is not a log line (not JSON, no sequence number, no hash). */
  | 'malformed'
  /** The HMAC does not match: the chain was recomputed by someone without the key. */
  | 'forged'
  /** An HMAC key was given but the line has no HMAC. */
  | 'unauthenticated'
  /** `requireClosed` was set and this instance's chain ends without the log's shutdown record. */
  | 'unterminated';

/** Where and why the first problem was found. `line` is 1-based within `file`. */
export interface VerifyFailure {
  readonly reason: VerifyFailureReason;
  readonly file: string;
  readonly line: number;
  readonly instance?: string;
  readonly seq?: number;
  readonly message: string;
}

/** The state of one instance's chain after verification. */
export interface ChainSummary {
  readonly instance: string;
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly lines: number;
  /** Hash of the last line: record it elsewhere to detect later deletion of the tail. */
  readonly head: string;
  /** The chain ends with the log's own `sys_shutdown` record (a clean close). */
  readonly closed: boolean;
  /** Where the chain's last line is. */
  readonly lastFile: string;
  readonly lastLine: number;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly files: readonly string[];
  /** Lines checked (up to and including the failing one). */
  readonly lines: number;
  readonly chains: readonly ChainSummary[];
  readonly failure?: VerifyFailure;
}

export interface VerifyOptions {
  /** The HMAC key the log was written with. When given, every line must carry a valid HMAC. */
  readonly hmacKey?: string | Uint8Array;
  /**
   * Accept chains that start mid-way (older rotated files deleted): the first line seen of such a
   * chain is trusted as its anchor. Default: false (a chain must start at seq 0).
   */
  readonly allowPartial?: boolean;
  /** Fail when a chain does not end with the log's shutdown record. Default: false. */
  readonly requireClosed?: boolean;
}

interface ParsedLine {
  readonly file: string;
  readonly line: number;
  readonly text: string;
  readonly last: boolean;
  /** The line's bytes are not valid UTF-8 (the log writes nothing else). */
  readonly invalidUtf8?: boolean;
  /** The file holds nothing at all. */
  readonly empty?: boolean;
  /** The line is longer than the verifier reads. */
  readonly tooLong?: boolean;
}

/** Longest line the verifier reads, in bytes; a longer one is `malformed` (memory stays bounded). */
const MAX_LINE_BYTES = 16 * 1024 * 1024;
/** Bytes read at a time. */
const CHUNK_BYTES = 1024 * 1024;

function readError(file: string, error: unknown): FsError {
  return new FsError('ERR_AUDIT_VERIFY_READ', 'an audit log file could not be read', {
    detail: { file, cause: error instanceof Error ? error.message : String(error) },
    cause: error,
  });
}

/**
 * Opens a log file for reading. Only a regular file is read: a FIFO would block the read until
 * someone writes to it (forever, for a planted one) and a device such as /dev/zero never ends. Opened
 * non-blocking, so that opening a FIFO does not wait for a writer either.
 */
async function openLogFile(file: string): Promise<FileHandle> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    if (!(await handle.stat()).isFile()) {
      throw new Error('not a regular file (a directory, FIFO, socket or device)');
    }
    return handle;
  } catch (error) {
    await handle?.close();
    throw readError(file, error);
  }
}

/**
 * The lines of a log file, read a chunk at a time (memory stays bounded whatever the file's size):
 * an empty file yields one `empty` entry; a line without its newline at the end of the last file is
 * `last`; a line that is not valid UTF-8 is flagged on its bytes (the log writes only valid UTF-8,
 * and a decoder would turn a stray byte into the same U+FFFD a line may hold, hashing the same);
 * a line over {@link MAX_LINE_BYTES} is flagged `tooLong` and ends the reading.
 */
async function* readLines(file: string, lastFile: boolean): AsyncGenerator<ParsedLine> {
  const handle = await openLogFile(file);
  try {
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let total = 0;
    let line = 0;
    const entry = (bytes: Buffer, last: boolean): ParsedLine => ({
      file,
      line,
      text: bytes.toString('utf8'),
      last,
      ...(isUtf8(bytes) ? {} : { invalidUtf8: true }),
    });
    for (;;) {
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(chunk, 0, CHUNK_BYTES, null));
      } catch (error) {
        throw readError(file, error);
      }
      if (bytesRead === 0) break;
      total += bytesRead;
      let start = 0;
      for (
        let end = chunk.indexOf(0x0a, start);
        end !== -1 && end < bytesRead;
        end = chunk.indexOf(0x0a, start)
      ) {
        const piece = chunk.subarray(start, end);
        const bytes = pendingBytes === 0 ? piece : Buffer.concat([...pending, piece]);
        pending = [];
        pendingBytes = 0;
        line++;
        if (bytes.length > MAX_LINE_BYTES) {
          yield { file, line, text: '', last: false, tooLong: true };
          return;
        }
        yield entry(bytes, false);
        start = end + 1;
      }
      if (start < bytesRead) {
        pendingBytes += bytesRead - start;
        if (pendingBytes > MAX_LINE_BYTES) {
          yield { file, line: line + 1, text: '', last: false, tooLong: true };
          return;
        }
        pending.push(Buffer.from(chunk.subarray(start, bytesRead)));
      }
    }
    if (total === 0) yield { file, line: 1, text: '', last: false, empty: true };
    else if (pendingBytes > 0) {
      line++;
      yield entry(Buffer.concat(pending), lastFile);
    }
  } finally {
    await handle.close();
  }
}

interface Chain {
  instance: string;
  firstSeq: number;
  lastSeq: number;
  lines: number;
  head: string;
  closed: boolean;
  lastFile: string;
  lastLine: number;
}

const safeEqualHex = (a: string, b: string): boolean =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** Reads `instance` and `seq` of a line cheaply, for the look-ahead that tells reordering from loss. */
function identify(text: string): { instance: string; seq: number } | undefined {
  const record = parseSealed(text)?.record;
  if (typeof record?.instance !== 'string' || !Number.isSafeInteger(record.seq)) return undefined;
  return { instance: record.instance, seq: record.seq as number };
}

/**
 * Checks one log file, or a log and its rotated files in chain order (see `rotatedFiles`), and
 * reports the first edited, missing, reordered, truncated, malformed or forged line. Each instance's
 * chain is checked on its own, so lines of several instances may interleave in one file.
 */
export async function verifyAuditLog(
  files: string | readonly string[],
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const list = typeof files === 'string' ? [files] : [...files];
  const key = options.hmacKey === undefined ? undefined : hmacKeyFrom(options.hmacKey);
  // Every file is opened (and checked to be a regular file) before any is verified, so that a
  // missing or unreadable file is reported as such whatever the others hold.
  for (const file of list) await (await openLogFile(file)).close();

  const chains = new Map<string, Chain>();
  let checked = 0;
  const report = (failure?: VerifyFailure): VerifyReport => ({
    ok: failure === undefined,
    files: list,
    lines: checked,
    chains: [...chains.values()].map((chain) => ({ ...chain })),
    ...(failure === undefined ? {} : { failure }),
  });

  /** Whether `instance`'s line `seq` comes later than `line` of file `fileIndex` (read again, only on a gap). */
  const appearsLater = async (fileIndex: number, line: number, instance: string, seq: number) => {
    for (let index = fileIndex; index < list.length; index++) {
      for await (const candidate of readLines(list[index] as string, index === list.length - 1)) {
        if (index === fileIndex && candidate.line <= line) continue;
        const id = identify(candidate.text);
        if (id !== undefined && id.instance === instance && id.seq === seq) return true;
      }
    }
    return false;
  };

  for (const [fileIndex, file] of list.entries()) {
    for await (const entry of readLines(file, fileIndex === list.length - 1)) {
      checked++;
      const at = { file: entry.file, line: entry.line };
      if (entry.empty === true) {
        return report({
          ...at,
          reason: 'missing',
          message: 'the file is empty: the log starts every file with a line, so its lines were removed',
        });
      }
      if (entry.tooLong === true) {
        return report({
          ...at,
          reason: 'malformed',
          message: `the line is longer than ${MAX_LINE_BYTES} bytes: not a log line`,
        });
      }
      if (entry.invalidUtf8 === true && !entry.last) {
        return report({
          ...at,
          reason: 'edited',
          message: 'the line holds bytes that are not valid UTF-8 (the log writes none): it was changed',
        });
      }
      const sealed = parseSealed(entry.text);
      if (sealed === undefined) {
        return report({
          ...at,
          reason: entry.last ? 'truncated' : 'malformed',
          message: entry.last
            ? 'the last line is cut short (the file was truncated or a write was interrupted)'
            : entry.text.length === 0
              ? 'empty line inside the log'
              : 'not a sealed log line (no valid JSON with "hash" at the end)',
        });
      }
      const parsed = sealed.record;
      if (
        typeof parsed.instance !== 'string' ||
        !Number.isSafeInteger(parsed.seq) ||
        (parsed.seq as number) < 0
      ) {
        return report({ ...at, reason: 'malformed', message: 'line has no instance or sequence number' });
      }
      const instance = parsed.instance;
      const seq = parsed.seq as number;
      const { hash: claimed, hmac, body } = sealed;
      let chain = chains.get(instance);
      const where = { ...at, instance, seq };

      const partialStart = chain === undefined && options.allowPartial === true;
      const expected = chain === undefined ? (partialStart ? seq : 0) : chain.lastSeq + 1;
      if (seq > expected) {
        const later = await appearsLater(fileIndex, entry.line, instance, expected);
        let message: string;
        if (later)
          message = `seq ${seq} comes before seq ${expected} of instance ${instance}: lines were reordered`;
        else if (chain === undefined) {
          message = `the chain of instance ${instance} starts at seq ${seq}: lines 0-${seq - 1} (or an older rotated file) are missing`;
        } else {
          message = `seq ${seq} follows seq ${expected - 1} of instance ${instance}: ${seq - expected} line(s) missing before this line`;
        }
        return report({ ...where, reason: later ? 'reordered' : 'missing', message });
      }
      if (seq < expected) {
        return report({
          ...where,
          reason: 'reordered',
          message: `seq ${seq} of instance ${instance} comes after seq ${expected - 1}: the line is out of order or repeated`,
        });
      }
      if (chain !== undefined || seq === 0) {
        const previous = chain?.head ?? GENESIS_HASH;
        if (!safeEqualHex(chainHash(previous, body), claimed)) {
          return report({
            ...where,
            reason: 'edited',
            message: `line content does not match its hash: this line (or its hash) was changed`,
          });
        }
      }
      if (key !== undefined) {
        if (hmac === undefined) {
          return report({
            ...where,
            reason: 'unauthenticated',
            message: 'the line has no HMAC but a key was given',
          });
        }
        if (!safeEqualHex(chainHmac(key, claimed), hmac)) {
          return report({
            ...where,
            reason: 'forged',
            message: 'the HMAC does not match: the line or chain was rewritten without the key',
          });
        }
      }
      if (chain === undefined) {
        chain = {
          instance,
          firstSeq: seq,
          lastSeq: seq,
          lines: 0,
          head: claimed,
          closed: false,
          lastFile: entry.file,
          lastLine: entry.line,
        };
        chains.set(instance, chain);
      }
      chain.lastSeq = seq;
      chain.lines++;
      chain.head = claimed;
      chain.lastFile = entry.file;
      chain.lastLine = entry.line;
      chain.closed = parsed.type === 'sys_shutdown' && parsed.component === AUDIT_COMPONENT;
    }
  }

  if (options.requireClosed === true) {
    const open = [...chains.values()].find((chain) => !chain.closed);
    if (open !== undefined) {
      return report({
        file: open.lastFile,
        line: open.lastLine,
        instance: open.instance,
        seq: open.lastSeq,
        reason: 'unterminated',
        message: `the chain of instance ${open.instance} ends without a shutdown record after this line: later lines may have been cut off, or the process crashed`,
      });
    }
  }
  return report();
}
