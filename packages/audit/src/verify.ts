import { timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
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
  const lines: ParsedLine[] = [];
  for (const [fileIndex, file] of list.entries()) {
    let content: string;
    try {
      content = await readFile(file, 'utf8');
    } catch (error) {
      throw new FsError('ERR_AUDIT_VERIFY_READ', 'an audit log file could not be read', {
        detail: { file, cause: error instanceof Error ? error.message : String(error) },
        cause: error,
      });
    }
    const parts = content.split('\n');
    const complete = parts.pop() === '';
    if (!complete) parts.push(content.slice(content.lastIndexOf('\n') + 1));
    const lastFile = fileIndex === list.length - 1;
    parts.forEach((text, index) => {
      lines.push({ file, line: index + 1, text, last: lastFile && !complete && index === parts.length - 1 });
    });
  }

  const chains = new Map<string, Chain>();
  let checked = 0;
  const report = (failure?: VerifyFailure): VerifyReport => ({
    ok: failure === undefined,
    files: list,
    lines: checked,
    chains: [...chains.values()].map((chain) => ({ ...chain })),
    ...(failure === undefined ? {} : { failure }),
  });

  for (const [position, entry] of lines.entries()) {
    checked++;
    const at = { file: entry.file, line: entry.line };
    const sealed = parseSealed(entry.text);
    if (sealed === undefined) {
      const truncated = entry.last || (position === lines.length - 1 && entry.text.length > 0);
      return report({
        ...at,
        reason: truncated && entry.last ? 'truncated' : 'malformed',
        message:
          truncated && entry.last
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
      const later = lines.slice(position + 1).some((candidate) => {
        const id = identify(candidate.text);
        return id !== undefined && id.instance === instance && id.seq === expected;
      });
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
