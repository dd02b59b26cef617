import { chmodSync, existsSync, lstatSync, mkdirSync, renameSync } from 'node:fs';
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
  }

  #open(): SonicBoom {
    const boom = pino.destination({
      dest: this.#path,
      sync: true,
      mkdir: true,
      mode: 0o600,
      fsync: this.#fsync,
    });
    boom.on('error', this.#onError);
    return boom;
  }

  write(text: string): void {
    const length = Buffer.byteLength(text);
    if (this.#bytes > 0 && this.#bytes + length > this.#maxBytes) this.#rotate();
    this.#boom.write(text);
    this.#bytes += length;
  }

  /**
   * Renames the full file to `<file>.<n+1>` and opens a fresh one. The chain lives in the sink, so
   * the first line of the new file links to the last line of the old one.
   */
  #rotate(): void {
    const previous = this.#boom;
    const index = (rotationIndexes(this.#path).at(-1) ?? 0) + 1;
    renameSync(this.#path, rotatedName(this.#path, index));
    this.#boom = this.#open();
    this.#bytes = 0;
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
  const boom = pino.destination({ dest: fd, sync: true });
  boom.on('error', onError);
  return {
    write: (text) => {
      boom.write(text);
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
