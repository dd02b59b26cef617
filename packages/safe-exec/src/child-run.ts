import { type ChildProcess, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { ExecError } from '@mcp-warden/core';
import { CappedOutput } from './capped-output.js';
import { trackProcessGroup, untrackProcessGroup } from './live-process-groups.js';
import type { OutputQueue } from './output-queue.js';
import { signalProcessGroup } from './process-group.js';
import { killMarkedProcesses, markersSupported, newRunMarker, RUN_MARKER_VARIABLE } from './run-marker.js';

/** A run longer than this is followed by a scan of every process for its marker, not only newer pids. */
const FULL_SCAN_AFTER_MS = 1000;

/** What a finished run reports. */
export interface ExecResult {
  /** The exit code, or null when the process was ended by a signal. */
  readonly exitCode: number | null;
  /** The signal that ended the process, if any. */
  readonly signal: NodeJS.Signals | null;
  /** Standard output (UTF-8), at most `maxStdoutBytes`; empty for a streamed run. */
  readonly stdout: string;
  /** Standard error (UTF-8), at most `maxStderrBytes`; empty for a streamed run. */
  readonly stderr: string;
  /** Output went over a cap: it was cut and the process group killed. */
  readonly truncated: boolean;
  /** The run hit its timeout and the process group was killed. */
  readonly timedOut: boolean;
  /** The run was aborted through its signal and the process group was killed. */
  readonly aborted: boolean;
  readonly durationMs: number;
}

/** Everything one spawn needs; already checked. */
export interface ChildRunSpec {
  readonly file: string;
  /** `argv[0]` the child sees. Default: `file`. */
  readonly argv0?: string;
  readonly argv: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly stdin: Uint8Array | undefined;
  readonly timeoutMs: number;
  readonly killGraceMs: number;
  readonly maxStdoutBytes: number;
  readonly maxStderrBytes: number;
  readonly signal: AbortSignal | undefined;
  /** Streaming mode: chunks go here instead of being kept. */
  readonly queue?: OutputQueue;
}

/**
 * Spawns one child without a shell, as the leader of a new process group, and enforces the limits:
 * on timeout, abort or output over a cap the whole group gets SIGTERM, then SIGKILL after the
 * grace period. When the leader exits, any process left in its group is killed as well.
 */
export function runChild(spec: ChildRunSpec): Promise<ExecResult> {
  const started = performance.now();
  return new Promise<ExecResult>((resolve, reject) => {
    const stdout = new CappedOutput(spec.maxStdoutBytes);
    const stderr = new CappedOutput(spec.maxStderrBytes);
    let timedOut = false;
    let aborted = false;
    let settled = false;
    let terminating = false;
    let killTimer: NodeJS.Timeout | undefined;
    let closeTimer: NodeJS.Timeout | undefined;
    let child: ChildProcess;

    if (spec.signal?.aborted === true) {
      reject(new ExecError('ERR_EXEC_ABORTED', 'the run was aborted before it started'));
      return;
    }
    // Inherited by every descendant, also one that leaves the process group: found and killed at the end.
    const marker = markersSupported ? newRunMarker() : undefined;
    const env = marker === undefined ? spec.env : { ...spec.env, [RUN_MARKER_VARIABLE]: marker };
    try {
      child = spawn(spec.file, spec.argv, {
        cwd: spec.cwd,
        env,
        ...(spec.argv0 === undefined ? {} : { argv0: spec.argv0 }),
        shell: false,
        detached: true,
        windowsHide: true,
        windowsVerbatimArguments: false,
        stdio: [spec.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      });
    } catch (error) {
      reject(new ExecError('ERR_SPAWN_FAILED', 'the command could not be started', { cause: error }));
      return;
    }
    const pid = child.pid;
    if (pid !== undefined) trackProcessGroup(pid, marker);

    const terminate = (): void => {
      // Once the run is settled the pid may be reused: never signal it again.
      if (terminating || settled || pid === undefined) return;
      terminating = true;
      signalProcessGroup(pid, 'SIGTERM');
      killTimer = setTimeout(() => signalProcessGroup(pid, 'SIGKILL'), spec.killGraceMs);
    };

    const timeout = setTimeout(() => {
      timedOut = true;
      terminate();
    }, spec.timeoutMs);

    const onAbort = (): void => {
      aborted = true;
      terminate();
    };
    spec.signal?.addEventListener('abort', onAbort, { once: true });

    const cleanup = (): void => {
      if (pid !== undefined) untrackProcessGroup(pid);
      clearTimeout(timeout);
      clearTimeout(closeTimer);
      clearTimeout(killTimer);
      spec.signal?.removeEventListener('abort', onAbort);
    };

    const overflow = (stream: Readable): void => {
      // Stop reading: memory stays at the cap whatever the child prints. The child is killed.
      stream.destroy();
      terminate();
    };

    const attach = (stream: Readable | null, name: 'stdout' | 'stderr', capped: CappedOutput): void => {
      if (stream === null) return;
      stream.on('error', () => {});
      stream.on('data', (chunk: Buffer) => {
        const queue = spec.queue;
        if (queue === undefined) {
          if (!capped.push(chunk)) overflow(stream);
          return;
        }
        const allowed = capped.count(chunk.length);
        const data = allowed === chunk.length ? chunk : chunk.subarray(0, allowed);
        const more = data.length > 0 ? queue.push({ stream: name, data }) : true;
        if (capped.truncated) {
          overflow(stream);
          return;
        }
        if (!more) {
          child.stdout?.pause();
          child.stderr?.pause();
        }
      });
    };
    attach(child.stdout, 'stdout', stdout);
    attach(child.stderr, 'stderr', stderr);
    if (spec.queue !== undefined) {
      spec.queue.onDrain = () => {
        if (child.stdout?.destroyed === false) child.stdout.resume();
        if (child.stderr?.destroyed === false) child.stderr.resume();
      };
      spec.queue.onCancel = () => {
        aborted = true;
        terminate();
      };
    }

    if (child.stdin !== null) {
      child.stdin.on('error', () => {});
      child.stdin.end(spec.stdin);
    }

    let exitCode: number | null = null;
    let exitSignal: NodeJS.Signals | null = null;

    const finish = (): void => {
      if (settled) return;
      settled = true;
      cleanup();
      const result: ExecResult = {
        exitCode,
        signal: exitSignal,
        stdout: spec.queue === undefined ? stdout.text() : '',
        stderr: spec.queue === undefined ? stderr.text() : '',
        truncated: stdout.truncated || stderr.truncated,
        timedOut,
        aborted,
        durationMs: performance.now() - started,
      };
      spec.queue?.end();
      resolve(result);
    };

    child.on('error', (error) => {
      if (settled) return;
      if (pid === undefined) {
        settled = true;
        cleanup();
        const failure = new ExecError('ERR_SPAWN_FAILED', 'the command could not be started', {
          cause: error,
        });
        spec.queue?.fail(failure);
        reject(failure);
      }
    });

    child.on('exit', (code, signal) => {
      exitCode = code;
      exitSignal = signal;
      // Whatever the leader left behind in its group (a forked grandchild) dies with it, and so does
      // any descendant that left the group (setsid, a daemon): it still carries the run's marker.
      // After a short normal run only pids allocated since the leader are looked at (cheap); after a
      // kill or a long run (pids may have wrapped around), every process.
      if (pid !== undefined) signalProcessGroup(pid, 'SIGKILL');
      if (marker !== undefined) {
        const short = performance.now() - started < FULL_SCAN_AFTER_MS;
        killMarkedProcesses([marker], terminating || !short ? undefined : pid);
      }
      // A descendant that left the group (setsid) may still hold the pipes open: do not wait for it.
      closeTimer = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        finish();
      }, spec.killGraceMs);
    });

    child.on('close', (code, signal) => {
      exitCode = code;
      exitSignal = signal;
      finish();
    });
  });
}
