import { chmodSync, existsSync, fstatSync, lstatSync, mkdirSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError } from '@mcp-warden/core';
import pino from 'pino';
import { DEFAULT_ROTATION_BYTES, type RotationOptions, rotatedName, rotationIndexes } from './rotation.js';

/** A writable the audit log can hand lines to: pino destinations and pino transports qualify. */
export interface AuditStream {
  write(chunk: string): unknown;
  flushSync?(): void;
  end?(): unknown;
  on?(event: 'error', listener: (error: Error) => void): unknown;
}

/** Where lines go, as the sink uses it. Writes are synchronous for file, stdout and stderr. */
export interface LineDestination {
  write(text: string): void;
  flushSync(): void;
  end(): Promise<void>;
}

type SonicBoom = ReturnType<typeof pino.destination>;

/** sonic-boom sets `destroyed` once closed; its types do not declare it. */
const isDestroyed = (boom: SonicBoom): boolean => (boom as { destroyed?: boolean }).destroyed === true;

/** How often (ms, at most) a file destination checks that its path still names the open file. */
const PATH_CHECK_MS = 500;

/** The file descriptor a sonic-boom writes to (its types do not declare it). */
const descriptorOf = (boom: SonicBoom): number => (boom as unknown as { fd: number }).fd;

function endBoom(boom: SonicBoom): Promise<void> {
  return new Promise((resolve) => {
    if (isDestroyed(boom)) {
      resolve();
      return;
    }
    boom.once('close', () => resolve());
    boom.once('error', () => resolve());
    boom.end();
  });
}

/** Refuses a log path that is a symlink or a directory; narrows an existing regular file to 0600. */
function prepareFile(path: string, onWarning: (message: string) => void): number {
  if (!existsSync(path)) {
    // Directories the log creates are owner-only too (an existing directory is left as it is).
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    return 0;
  }
  const stat = lstatSync(path);
  if (stat.isSymbolicLink() || stat.isDirectory()) {
    throw new ConfigError(
      'ERR_AUDIT_UNSAFE_FILE',
      'the audit log path must be a file, not a link or directory',
      {
        detail: { path, symlink: stat.isSymbolicLink() },
      },
    );
  }
  // FIFOs and devices (a pipe to a shipper, /dev/null) are allowed; their mode is not ours to change.
  if (stat.isFile() && (stat.mode & 0o077) !== 0) {
    chmodSync(path, 0o600);
    onWarning(`audit log file mode was ${(stat.mode & 0o777).toString(8)}; narrowed to 600`);
  }
  return stat.isFile() ? stat.size : 0;
}

/** A file written synchronously through pino's destination (sonic-boom), created 0600, rotated by size. */
export class FileDestination implements LineDestination {
  readonly #path: string;
  readonly #maxBytes: number;
  readonly #fsync: boolean;
  readonly #onError: (error: Error) => void;
  #boom: SonicBoom;
  #bytes: number;
  #failed = false;
  /** The open file's identity; `#pathCheckDue` turns true {@link PATH_CHECK_MS} after the last check. */
  #ino = 0;
  #dev = 0;
  #pathCheckDue = false;

  constructor(
    path: string,
    options: {
      readonly rotation: RotationOptions | false;
      readonly fsync: boolean;
      readonly onError: (error: Error) => void;
      readonly onWarning: (message: string) => void;
    },
  ) {
    this.#path = path;
    this.#fsync = options.fsync;
    this.#onError = options.onError;
    const maxBytes = options.rotation === false ? Number.POSITIVE_INFINITY : options.rotation.maxBytes;
    if (maxBytes !== undefined && !(maxBytes > 0)) {
      throw new ConfigError('ERR_AUDIT_INVALID_OPTION', 'rotation.maxBytes must be > 0', {
        detail: { maxBytes },
      });
    }
    this.#maxBytes = maxBytes ?? DEFAULT_ROTATION_BYTES;
    this.#bytes = prepareFile(path, options.onWarning);
    this.#boom = this.#open();
    this.#remember();
  }

  /**
   * A timer, not a clock read per line: one unref'd timeout sets a flag that the next write sees, and
   * an idle log arms nothing more until it writes again.
   */
  #armPathCheck(): void {
    this.#pathCheckDue = false;
    setTimeout(() => {
      this.#pathCheckDue = true;
    }, PATH_CHECK_MS).unref();
  }

  /** Notes which file is open, to tell later whether the path still names it. */
  #remember(): void {
    this.#armPathCheck();
    try {
      const stat = fstatSync(descriptorOf(this.#boom));
      this.#ino = stat.ino;
      this.#dev = stat.dev;
    } catch {
      // Checked again on the next write.
    }
  }

  /**
   * A log deleted (or renamed away, or replaced) under the writer would take every later line into
   * a file nobody can see. At most every {@link PATH_CHECK_MS}, the path is compared with the open
   * file; when it no longer names it, that is reported (lines written since may be lost) and the log
   * is opened afresh at the path, with the same checks as at start (no symlink, mode 0600). The chain
   * continues, so the new file shows the gap.
   */
  #checkPath(): void {
    this.#armPathCheck();
    let stat: ReturnType<typeof lstatSync> | undefined;
    try {
      stat = lstatSync(this.#path);
    } catch {
      stat = undefined;
    }
    if (stat !== undefined && stat.ino === this.#ino && stat.dev === this.#dev) return;
    this.#onError(
      new Error(
        `the audit log file was ${stat === undefined ? 'removed' : 'replaced or renamed'} while open; lines written since may be lost; reopening ${this.#path}`,
      ),
    );
    let bytes: number;
    try {
      bytes = prepareFile(this.#path, () => {});
    } catch (error) {
      // A symlink or directory now at the path is not followed: keep the open file, report again later.
      this.#onError(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    const previous = this.#boom;
    this.#boom = this.#open();
    this.#bytes = bytes;
    this.#remember();
    void endBoom(previous);
  }

  /** Opens the file, or (after a failed write) takes over the descriptor `fd` of the last destination. */
  #open(fd?: number): SonicBoom {
    const boom = pino.destination(
      fd === undefined
        ? { dest: this.#path, sync: true, mkdir: true, mode: 0o600, fsync: this.#fsync }
        : { dest: fd, sync: true, fsync: this.#fsync },
    );
    boom.on('error', (error: Error) => {
      // pino's destination re-emits the first error it sees: report each failure once.
      if (this.#failed) return;
      this.#failed = true;
      this.#onError(error);
    });
    return boom;
  }

  write(text: string): void {
    if (this.#pathCheckDue) this.#checkPath();
    const length = Buffer.byteLength(text);
    if (this.#bytes > 0 && this.#bytes + length > this.#maxBytes) this.#rotate();
    this.#failed = false;
    this.#boom.write(text);
    if (this.#failed) {
      // sonic-boom keeps a line it could not write (ENOSPC, EIO…) and retries it before every later
      // one, so lines would pile up in memory, and its flushSync retries forever (a hang on
      // shutdown). The line is lost (reported, and the chain shows the gap): a fresh destination on
      // the same descriptor takes over without it, and the old one is left unclosed for the GC.
      this.#boom = this.#open(descriptorOf(this.#boom));
      return;
    }
    this.#bytes += length;
  }

  /**
   * Renames the full file to `<file>.<n+1>` and opens a fresh one. The chain lives in the sink, so
   * the first line of the new file links to the last line of the old one.
   */
  #rotate(): void {
    const previous = this.#boom;
    const index = (rotationIndexes(this.#path).at(-1) ?? 0) + 1;
    try {
      renameSync(this.#path, rotatedName(this.#path, index));
    } catch (error) {
      // An append-only (`chattr +a`) or otherwise unrenamable log: losing every later line would be
      // worse than a file past its size. Report it, keep writing here, try again after another maxBytes.
      this.#onError(
        new Error(
          `the audit log could not be rotated (${error instanceof Error ? error.message : String(error)}); still writing to ${this.#path}`,
        ),
      );
      this.#bytes = 0;
      return;
    }
    this.#boom = this.#open();
    this.#bytes = 0;
    this.#remember();
    void endBoom(previous);
  }

  flushSync(): void {
    if (!isDestroyed(this.#boom)) this.#boom.flushSync();
  }

  end(): Promise<void> {
    return endBoom(this.#boom);
  }
}

/** stdout or stderr, written synchronously through pino's destination. */
export function standardStreamDestination(fd: 1 | 2, onError: (error: Error) => void): LineDestination {
  let failed = false;
  const open = (): SonicBoom => {
    const created = pino.destination({ dest: fd, sync: true });
    created.on('error', (error: Error) => {
      if (failed) return;
      failed = true;
      onError(error);
    });
    return created;
  };
  let boom = open();
  return {
    write: (text) => {
      failed = false;
      boom.write(text);
      // As for a file: a line that could not be written (EPIPE…) is dropped, not kept and retried
      // forever. The process's own stdout/stderr is never closed: a fresh destination takes over.
      if (failed) boom = open();
    },
    flushSync: () => {
      if (!isDestroyed(boom)) boom.flushSync();
    },
    // Never close the process's own stdout/stderr.
    end: async () => {},
  };
}

/** Any pino-compatible stream, e.g. the result of `pino.transport(…)`. */
export function streamDestination(stream: AuditStream, onError: (error: Error) => void): LineDestination {
  stream.on?.('error', onError);
  return {
    write: (text) => {
      stream.write(text);
    },
    flushSync: () => {
      stream.flushSync?.();
    },
    end: () =>
      new Promise<void>((resolve) => {
        const withEvents = stream as AuditStream & {
          once?: (event: string, listener: () => void) => unknown;
        };
        if (typeof stream.end !== 'function' || typeof withEvents.once !== 'function') {
          resolve();
          return;
        }
        withEvents.once('close', () => resolve());
        withEvents.once('finish', () => resolve());
        withEvents.once('error', () => resolve());
        stream.end();
      }),
  };
}
