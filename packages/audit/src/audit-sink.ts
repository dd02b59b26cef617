import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import {
  ConfigError,
  type EventSink,
  FsError,
  type SecurityEvent,
  type SecurityEventType,
  type WardenError,
} from '@mcp-warden/core';
import {
  type AuditStream,
  FileDestination,
  type LineDestination,
  standardStreamDestination,
  streamDestination,
} from './destination.js';
import { HashChain, hmacKeyFrom } from './hash-chain.js';
import { HeldEvents } from './held-events.js';
import { LineEncoder } from './line-encoder.js';
import { type RedactionOptions, resolveRedaction } from './redaction.js';
import { type RotationOptions, rotatedFiles } from './rotation.js';
import { findChainTail } from './sealed-line.js';
import { registerShutdown, type ShutdownParticipant, unregisterShutdown } from './shutdown-hooks.js';

/** The component name the log's own `sys_startup` / `sys_shutdown` records carry. */
export const AUDIT_COMPONENT = '@mcp-warden/audit';

/** Longest wait in `close()` for a stream destination to report that it closed. */
const CLOSE_TIMEOUT_MS = 5_000;

/** Event types written synchronously by default: authentication and authorization failures. */
export const DEFAULT_SYNC_TYPES: readonly SecurityEventType[] = Object.freeze([
  'authn_login_fail',
  'authn_token_reuse',
  'authz_fail',
  'session_use_denied',
]);

/** Options of {@link createAuditSink}. Every default is the safe one. */
export interface AuditSinkOptions {
  /**
   * Where lines go: `'file'` (default), `'stdout'`, `'stderr'`, or any pino-compatible stream such
   * as `pino.transport({ target: … })`. Do not use `'stdout'` in a stdio MCP server: stdout is the
   * protocol channel there.
   */
  readonly destination?: 'file' | 'stdout' | 'stderr' | AuditStream;
  /** The log file, when `destination` is `'file'`. Created with mode 0600. Default: `mcp_security.log`. */
  readonly file?: string;
  /** Size-based rotation of the file; `false` turns it off. Default: `{ maxBytes: 64 MiB }`. */
  readonly rotation?: RotationOptions | false;
  /**
   * The id every line carries; each instance keeps its own chain. Must be unique per process run.
   * Default: `<hostname>:<pid>:<8 random hex digits>`.
   */
  readonly instanceId?: string;
  /**
   * Key material (≥ 32 bytes) for an HMAC on every line, so that someone who can write the file
   * cannot recompute the chain. Default: none (hash chain only).
   */
  readonly hmacKey?: string | Uint8Array;
  /**
   * Writes MCP session ids as they are instead of as `sha256:<32 hex>` digests. A session id can be
   * enough to use the session (OWASP: do not log session ids). Warned about. Default: false.
   */
  readonly insecureLogSessionIds?: boolean;
  /** Writes lines without the hash chain (faster, no tamper evidence). Warned about. Default: false. */
  readonly insecureDisableChain?: boolean;
  /**
   * Event types written to the destination before `emit` returns (no buffering), or `'all'`.
   * Default: {@link DEFAULT_SYNC_TYPES}.
   */
  readonly syncTypes?: readonly string[] | 'all';
  /** Also `fsync` after every write (survives power loss, much slower). Default: false. */
  readonly fsync?: boolean;
  /**
   * Most bytes held in memory before a synchronous write; other lines are written together once per
   * event-loop turn. Bounds memory under a slow disk. Default: 65536.
   */
  readonly bufferBytes?: number;
  /** What counts as secret, and size limits. See {@link RedactionOptions}. */
  readonly redaction?: RedactionOptions;
  /** Flush on `exit`, SIGTERM and SIGINT (re-raising the signal if nobody else handles it). Default: true. */
  readonly handleSignals?: boolean;
  /**
   * Called when a write fails, or the log file was removed or replaced while open
   * (`ERR_AUDIT_WRITE_FAILED`). Default: `process.emitWarning`.
   */
  readonly onError?: (error: WardenError) => void;
}

/** Counters of a sink, for health checks and tests. */
export interface AuditStats {
  /** Lines written or buffered since creation. */
  readonly lines: number;
  /** Synchronous writes made to the destination. */
  readonly writes: number;
  /** Largest number of UTF-16 units ever held in the buffer before a write. */
  readonly maxBufferedChars: number;
  /** Write errors reported by the destination. */
  readonly writeErrors: number;
  /** Events emitted after `close()` (not written). */
  readonly droppedAfterClose: number;
}

/** The audit log: an `EventSink` for core's security events. */
export interface AuditSink extends EventSink {
  /** The instance id on every line of this sink. */
  readonly instanceId: string;
  readonly stats: AuditStats;
  emit(event: SecurityEvent): void;
  /** Writes everything buffered (and fsyncs a file). */
  flush(): Promise<void>;
  /** The same, synchronously. */
  flushSync(): void;
  /** Writes a `sys_shutdown` record, flushes and closes the destination. Later events are counted, not written. */
  close(reason?: string): Promise<void>;
}

const isPrintable = (text: string): boolean => ![...text].some((char) => char < ' ' || char === '\u007f');

function defaultInstanceId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

function invalid(option: string, reason: string, value?: unknown): ConfigError {
  return new ConfigError('ERR_AUDIT_INVALID_OPTION', `audit option ${option} ${reason}`, {
    detail: { option, value },
  });
}

/**
 * Creates the audit log sink. Lines are JSON, one per line, hash-chained per instance; events of
 * `syncTypes` are written before `emit` returns, others within the same event-loop turn.
 */
export function createAuditSink(options: AuditSinkOptions = {}): AuditSink {
  const warnings: string[] = [];
  const instanceId = options.instanceId ?? defaultInstanceId();
  if (instanceId.length === 0 || instanceId.length > 200 || !isPrintable(instanceId)) {
    throw invalid('instanceId', 'must be 1-200 printable characters', instanceId);
  }
  const bufferBytes = options.bufferBytes ?? 65_536;
  if (!Number.isInteger(bufferBytes) || bufferBytes < 0) {
    throw invalid('bufferBytes', 'must be an integer >= 0', bufferBytes);
  }
  const chainEnabled = options.insecureDisableChain !== true;
  if (!chainEnabled)
    warnings.push('insecureDisableChain: lines carry no hash chain; tampering is not detectable');
  const key = options.hmacKey === undefined ? undefined : hmacKeyFrom(options.hmacKey);
  if (key !== undefined && !chainEnabled) {
    throw invalid('hmacKey', 'needs the hash chain (drop insecureDisableChain)');
  }
  const syncAll = options.syncTypes === 'all';
  const syncTypes: ReadonlySet<string> = new Set(
    options.syncTypes === 'all' ? [] : (options.syncTypes ?? DEFAULT_SYNC_TYPES),
  );
  for (const type of DEFAULT_SYNC_TYPES) {
    if (!syncAll && !syncTypes.has(type))
      warnings.push(`syncTypes: ${type} is buffered and can be lost on a crash`);
  }
  if (options.insecureLogSessionIds === true) {
    warnings.push(
      'insecureLogSessionIds: session ids are written in clear and can be replayed by log readers',
    );
  }
  const encoder = new LineEncoder(resolveRedaction(options.redaction), {
    hashSessionIds: options.insecureLogSessionIds !== true,
  });
  const chain = new HashChain({ enabled: chainEnabled, key });

  const stats = { lines: 0, writes: 0, maxBufferedChars: 0, writeErrors: 0, droppedAfterClose: 0 };
  const onError =
    options.onError ??
    ((error: WardenError) => {
      process.emitWarning(`${error.message} (${String(error.detail.cause ?? '')})`, { code: error.code });
    });
  const reportWriteError = (cause: Error): void => {
    stats.writeErrors++;
    onError(
      new FsError('ERR_AUDIT_WRITE_FAILED', 'the audit log could not be written', {
        detail: { cause: cause.message, instanceId },
        cause,
      }),
    );
  };

  const target = options.destination ?? 'file';
  let destination: LineDestination;
  if (target === 'file') {
    const file = options.file ?? 'mcp_security.log';
    // A restarted instance with a fixed id continues its chain instead of starting a second one.
    if (options.instanceId !== undefined && chainEnabled) {
      const tail = findChainTail(rotatedFiles(file), instanceId);
      if (tail !== undefined) chain.resume(tail.seq, tail.hash);
    }
    destination = new FileDestination(file, {
      rotation: options.rotation ?? {},
      fsync: options.fsync ?? false,
      onError: reportWriteError,
      onWarning: (message) => warnings.push(message),
    });
  } else if (target === 'stdout' || target === 'stderr') {
    destination = standardStreamDestination(target === 'stdout' ? 1 : 2, reportWriteError);
  } else {
    destination = streamDestination(target, reportWriteError);
  }

  let buffer = '';
  let scheduled = false;
  let closed = false;
  const held = new HeldEvents();

  const noteBuffered = (): void => {
    const chars = buffer.length + held.chars;
    if (chars > stats.maxBufferedChars) stats.maxBufferedChars = chars;
  };

  const writeOut = (): void => {
    if (buffer.length === 0) return;
    const text = buffer;
    buffer = '';
    stats.writes++;
    try {
      destination.write(text);
    } catch (error) {
      reportWriteError(error instanceof Error ? error : new Error(String(error)));
    }
  };

  const seal = (event: SecurityEvent): void => {
    const body = encoder.encode(event, instanceId, chain.nextSeq);
    chain.take();
    buffer += chain.seal(body);
    noteBuffered();
    if (buffer.length >= bufferBytes) writeOut();
  };

  const sealHeld = (): void => {
    held.drain((event) => {
      try {
        seal(event);
      } catch (error) {
        reportWriteError(error instanceof Error ? error : new Error(String(error)));
      }
    });
  };

  const writeBuffered = (): void => {
    scheduled = false;
    sealHeld();
    writeOut();
  };

  const scheduleWrite = (): void => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(writeBuffered).unref();
  };

  const append = (event: SecurityEvent): void => {
    const writeNow = syncAll || syncTypes.has(event.type);
    if (!writeNow && held.hold(event)) {
      stats.lines++;
      noteBuffered();
      if (buffer.length + held.chars >= bufferBytes) writeBuffered();
      else scheduleWrite();
      return;
    }
    // Whatever is held was emitted first, so it takes the earlier places in the chain.
    sealHeld();
    seal(event);
    stats.lines++;
    if (writeNow) writeOut();
    else scheduleWrite();
  };

  const lifecycle = (type: 'sys_startup' | 'sys_shutdown', reason: string): SecurityEvent =>
    type === 'sys_startup'
      ? {
          type,
          time: new Date().toISOString(),
          level: warnings.length > 0 ? 'warn' : 'info',
          outcome: 'success',
          component: AUDIT_COMPONENT,
          warnings: [...warnings],
        }
      : {
          type,
          time: new Date().toISOString(),
          level: 'info',
          outcome: 'success',
          component: AUDIT_COMPONENT,
          reason,
        };

  const finish = (reason: string): void => {
    append(lifecycle('sys_shutdown', reason));
    writeBuffered();
    closed = true;
    if (options.handleSignals !== false) unregisterShutdown(participant);
  };

  const participant: ShutdownParticipant = {
    shutdownSync(reason, final) {
      if (closed) return;
      if (final) finish(reason);
      else writeBuffered();
      try {
        destination.flushSync();
      } catch {
        // Nothing more can be done while the process is going away.
      }
    },
  };

  const sink: AuditSink = {
    instanceId,
    stats,
    emit(event: SecurityEvent): void {
      if (closed) {
        stats.droppedAfterClose++;
        return;
      }
      try {
        append(event);
      } catch (error) {
        reportWriteError(error instanceof Error ? error : new Error(String(error)));
      }
    },
    flushSync(): void {
      writeBuffered();
      destination.flushSync();
    },
    async flush(): Promise<void> {
      writeBuffered();
      destination.flushSync();
    },
    async close(reason = 'close'): Promise<void> {
      if (closed) return;
      finish(reason);
      try {
        destination.flushSync();
      } catch {
        // A destination that cannot flush any more still gets its end() below.
      }
      // Every line is already handed over; do not let a stream that never reports 'close' hang shutdown.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        destination.end(),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, CLOSE_TIMEOUT_MS);
          timer.unref();
        }),
      ]);
      clearTimeout(timer);
    },
  };

  if (options.handleSignals !== false) registerShutdown(participant);
  for (const warning of warnings) process.emitWarning(warning, { code: 'MCP_WARDEN_AUDIT' });
  append(lifecycle('sys_startup', ''));
  return sink;
}
