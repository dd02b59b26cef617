import { isAbsolute, resolve } from 'node:path';
import {
  defaultLevel,
  type EventSink,
  ExecError,
  isWardenError,
  noopSink,
  RateLimitError,
  type SecurityEvent,
  type SecurityEventInput,
} from '@mcp-warden/core';
import { type CheckedArguments, checkArguments } from './argument-check.js';
import { buildChildEnvironment, DEFAULT_CHILD_ENV } from './child-environment.js';
import { type ExecResult, runChild } from './child-run.js';
import { executableFingerprint, type ResolvedExecutable, resolveExecutable } from './executable.js';
import { checkGitRepository, SAFE_REPOSITORY_CONFIG } from './git-repository-check.js';
import { type OutputChunk, OutputQueue } from './output-queue.js';
import { physicalPath } from './physical-path.js';
import type { ExecPolicy } from './policy.js';
import { parseExecPolicy } from './policy-validation.js';

/** What a path check is asked about. */
export interface PathCheckInfo {
  /** `cwd`: the working directory; `argument`: a path argument; `repository`: git's work tree or git dir. */
  readonly purpose: 'cwd' | 'argument' | 'repository';
  /** The command name as the policy knows it. */
  readonly command: string;
}

/**
 * Decides whether an absolute path may be used: `true` allows it as given, a string allows it and
 * replaces it (e.g. with its real path), `false` or a throw denies. `@mcp-warden/safe-fs` provides
 * one; any function of this shape plugs in.
 */
export type PathCheck = (
  absolutePath: string,
  info: PathCheckInfo,
) => boolean | string | Promise<boolean | string>;

/** Where a run's events go: the call's security context (preferred) or anything with `emit`. */
export interface EventEmitterLike {
  emit(event: SecurityEventInput): void;
}

/** Options of {@link createExecutor}. */
export interface ExecutorOptions {
  /** Required when the policy has path rules or callers choose a cwd. Default: none. */
  readonly pathCheck?: PathCheck;
  /** Sink for events of runs that give no `context`. Default: no-op. */
  readonly events?: EventSink;
  /** PATH-style list bare executable names are looked up in, once. Default: `process.env.PATH`. */
  readonly searchPath?: string;
}

/** Options of one run. */
export interface RunOptions {
  /** Working directory; relative to the policy's `cwd`. Default: the policy's `cwd`. */
  readonly cwd?: string;
  /** Bytes written to the child's stdin; stdin is closed (reads `/dev/null`) when omitted. */
  readonly stdin?: string | Uint8Array;
  /** Aborting kills the process group, as a timeout does. */
  readonly signal?: AbortSignal | undefined;
  /** A shorter timeout than the policy's (a longer one is capped at the policy's). */
  readonly timeoutMs?: number;
  /** The call's security context (`getSecurityContext(extra)`), so events carry its ids and principal. */
  readonly context?: EventEmitterLike | undefined;
}

/** A streamed run: iterate the output chunks; `result` settles when the process is gone. */
export interface ExecStream extends AsyncIterable<OutputChunk> {
  readonly result: Promise<ExecResult>;
}

/** Runs the commands of one policy. */
export interface Executor {
  /** Runs a command to completion and returns its (capped) output. Denials throw coded errors. */
  run(command: string, args: readonly string[], options?: RunOptions): Promise<ExecResult>;
  /** Starts a command and streams its output; denials reject before anything runs. */
  stream(command: string, args: readonly string[], options?: RunOptions): Promise<ExecStream>;
  /** The absolute executable each command runs, as resolved at creation. */
  readonly executables: Readonly<Record<string, string>>;
  /** Processes running now. */
  readonly running: number;
  /** Warnings about weakened settings, also emitted as `sys_startup` at creation. */
  readonly warnings: readonly string[];
}

interface Prepared {
  readonly name: string;
  readonly argCount: number;
  readonly file: string;
  readonly argv0: string;
  readonly checked: CheckedArguments;
  readonly argv: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly stdin: Uint8Array | undefined;
  readonly timeoutMs: number;
}

const DEFAULTS = {
  timeoutMs: 30_000,
  killGraceMs: 2_000,
  maxStdoutBytes: 1024 * 1024,
  maxStderrBytes: 256 * 1024,
  maxStdinBytes: 1024 * 1024,
  maxConcurrent: 4,
  maxArgs: 64,
  maxArgLength: 4096,
} as const;

const STREAM_HIGH_WATER_BYTES = 256 * 1024;

function shortName(command: unknown): string {
  const text = typeof command === 'string' ? command : String(typeof command);
  return text.length > 64 ? `${text.slice(0, 64)}…` : text;
}

/**
 * Builds an executor from a policy (validated here: pass the raw object loaded from a config file).
 * Every command's executable is resolved now; a missing one throws `ERR_EXECUTABLE_NOT_FOUND`.
 */
export function createExecutor(policy: ExecPolicy, options: ExecutorOptions = {}): Executor {
  const valid = parseExecPolicy(policy);
  const sink = options.events ?? noopSink();
  const searchPath = options.searchPath ?? process.env.PATH ?? '';
  const pathCheck = options.pathCheck;
  const limits = { ...DEFAULTS, ...definedOnly(valid) };
  const warnings: string[] = [];
  const executables: Record<string, ResolvedExecutable> = Object.create(null);
  for (const [name, command] of Object.entries(valid.commands)) {
    executables[name] = resolveExecutable(name, command.executable, searchPath, {
      allowBatchFiles: command.insecureAllowBatchFiles === true,
      allowShell: command.insecureAllowShell === true,
    });
    if (command.insecureAllowBatchFiles === true) {
      warnings.push(`${name}: insecureAllowBatchFiles lets a .bat/.cmd target run through cmd.exe`);
    }
    if (command.insecureAllowShell === true) {
      warnings.push(`${name}: insecureAllowShell lets a shell run as the program`);
    }
  }
  if (valid.logArguments === true) warnings.push('logArguments puts argument values in exec_run events');
  if (warnings.length > 0) {
    sink.emit(complete({ type: 'sys_startup', component: '@mcp-warden/safe-exec', warnings }));
  }
  const parentEnv = process.env;
  const envSet = valid.env?.set ?? DEFAULT_CHILD_ENV;
  const envInherit = valid.env?.inherit ?? [];
  let running = 0;

  function emit(runOptions: RunOptions | undefined, event: SecurityEventInput): void {
    if (runOptions?.context !== undefined) {
      try {
        runOptions.context.emit(event);
      } catch {
        // An emitter must not break the run.
      }
      return;
    }
    try {
      sink.emit(complete(event));
    } catch {
      // As above.
    }
  }

  async function checkPath(path: string, info: PathCheckInfo): Promise<string | false> {
    if (pathCheck === undefined) return false;
    try {
      const verdict = await pathCheck(path, info);
      if (verdict === true) return path;
      if (typeof verdict === 'string' && verdict.length > 0) return verdict;
      return false;
    } catch {
      return false;
    }
  }

  async function resolveCwd(name: string, requested: string | undefined): Promise<string> {
    const base = valid.cwd;
    if (requested === undefined && base === undefined) {
      throw new ExecError('ERR_CWD_OUTSIDE_ROOTS', 'no working directory given and the policy sets none', {
        data: { reason: 'missing' },
      });
    }
    if (requested !== undefined && (typeof requested !== 'string' || requested.includes('\0'))) {
      throw new ExecError('ERR_CWD_OUTSIDE_ROOTS', 'invalid working directory', {
        data: { reason: 'invalid' },
      });
    }
    let wanted: string;
    if (requested === undefined) wanted = base!;
    else if (isAbsolute(requested)) wanted = requested;
    else if (base !== undefined) wanted = resolve(base, requested);
    else {
      throw new ExecError('ERR_CWD_OUTSIDE_ROOTS', 'a relative working directory needs a policy cwd', {
        data: { reason: 'relative' },
      });
    }
    if (pathCheck === undefined) {
      // Without a path check the only directory known to be safe is the configured one.
      if (base !== undefined && resolve(wanted) === resolve(base)) return resolve(base);
      throw new ExecError('ERR_CWD_OUTSIDE_ROOTS', 'working directory not allowed', {
        data: { reason: 'no path check configured' },
      });
    }
    const checked = await checkPath(resolve(wanted), { purpose: 'cwd', command: name });
    if (checked === false) {
      throw new ExecError('ERR_CWD_OUTSIDE_ROOTS', 'working directory outside the allowed roots', {
        data: { reason: 'outside roots' },
      });
    }
    return checked;
  }

  async function prepare(
    command: string,
    args: readonly string[],
    runOptions: RunOptions,
  ): Promise<Prepared> {
    const name = shortName(command);
    const argCount = Array.isArray(args) ? args.length : 0;
    try {
      if (typeof command !== 'string' || !Object.hasOwn(valid.commands, command)) {
        throw new ExecError('ERR_COMMAND_NOT_ALLOWED', `command ${JSON.stringify(name)} is not allowed`, {
          data: { command: name },
        });
      }
      const policy = valid.commands[command]!;
      const executable = executables[command]!;
      const checked = checkArguments(policy, args, limits);
      const cwd = await resolveCwd(command, runOptions.cwd);
      const argv = [...checked.argv];
      for (const reference of checked.paths) {
        const value = argv[reference.index]!.slice(reference.prefix.length);
        // Judge what the program will open: `link/..` is where the link leads, then up.
        const target = await physicalPath(cwd, value);
        const verdict = await checkPath(target, { purpose: 'argument', command });
        if (verdict === false) {
          throw new ExecError('ERR_ARGUMENT_REJECTED', 'argument rejected: path outside the allowed roots', {
            data: { reason: 'path outside roots' },
          });
        }
        if (verdict !== target) argv[reference.index] = `${reference.prefix}${verdict}`;
      }
      const stdin = encodeStdin(runOptions.stdin, limits.maxStdinBytes);
      const env = buildChildEnvironment(parentEnv, envInherit, envSet, policy.env ?? {});
      const timeoutMs = Math.min(limits.timeoutMs, positiveOr(runOptions.timeoutMs, limits.timeoutMs));
      verifyExecutable(command, executable);
      return {
        name: command,
        argCount,
        file: executable.path,
        argv0: executable.argv0,
        checked,
        argv,
        cwd,
        env,
        stdin,
        timeoutMs,
      };
    } catch (error) {
      denied(runOptions, name, argCount, error);
      throw error;
    }
  }

  function denied(runOptions: RunOptions, name: string, argCount: number, error: unknown): void {
    const code = isWardenError(error) ? error.code : 'ERR_INTERNAL';
    const reason = isWardenError(error) && typeof error.data.reason === 'string' ? error.data.reason : code;
    emit(runOptions, { type: 'exec_denied', command: name, argCount, reason, code });
    if (isWardenError(error) && error.detail.malicious === true) {
      emit(runOptions, { type: 'malicious_argument_injection', command: name, reason, code });
    }
  }

  /** Runs the command's named preflight (inside the concurrency slot: it spawns too). */
  async function preflight(prepared: Prepared, runOptions: RunOptions): Promise<void> {
    const policy = valid.commands[prepared.name]!;
    if (policy.preflight !== 'git') return;
    try {
      await checkGitRepository({
        git: prepared.file,
        cwd: prepared.cwd,
        env: prepared.env,
        allowedKeys: [...SAFE_REPOSITORY_CONFIG, ...(policy.allowedRepositoryConfig ?? [])],
        timeoutMs: prepared.timeoutMs,
        killGraceMs: limits.killGraceMs,
        signal: runOptions.signal,
        checkPath: async (path) =>
          (await checkPath(path, { purpose: 'repository', command: prepared.name })) !== false,
      });
    } catch (error) {
      running--;
      denied(runOptions, prepared.name, prepared.argCount, error);
      throw error;
    }
  }

  function acquire(prepared: Prepared, runOptions: RunOptions): void {
    if (running >= limits.maxConcurrent) {
      emit(runOptions, {
        type: 'exec_denied',
        command: prepared.name,
        argCount: prepared.argCount,
        reason: 'too many processes',
        code: 'ERR_TOO_MANY_PROCESSES',
      });
      throw new RateLimitError('ERR_TOO_MANY_PROCESSES', 'too many commands are running; retry later', {
        data: { limit: limits.maxConcurrent },
      });
    }
    running++;
  }

  function report(prepared: Prepared, runOptions: RunOptions, result: ExecResult): void {
    const ok = result.exitCode === 0 && !result.timedOut && !result.truncated && !result.aborted;
    emit(runOptions, {
      type: 'exec_run',
      outcome: ok ? 'success' : 'failure',
      command: prepared.name,
      argCount: prepared.argCount,
      exitCode: result.exitCode,
      signal: result.signal,
      timedOut: result.timedOut,
      truncated: result.truncated,
      durationMs: Math.round(result.durationMs),
      ...(valid.logArguments === true ? { args: prepared.argv } : {}),
    });
  }

  function spawnPrepared(
    prepared: Prepared,
    runOptions: RunOptions,
    queue?: OutputQueue,
  ): Promise<ExecResult> {
    return runChild({
      file: prepared.file,
      argv0: prepared.argv0,
      argv: prepared.argv,
      cwd: prepared.cwd,
      env: prepared.env,
      stdin: prepared.stdin,
      timeoutMs: prepared.timeoutMs,
      killGraceMs: limits.killGraceMs,
      maxStdoutBytes: limits.maxStdoutBytes,
      maxStderrBytes: limits.maxStderrBytes,
      signal: runOptions.signal,
      ...(queue === undefined ? {} : { queue }),
    }).then(
      (result) => {
        running--;
        report(prepared, runOptions, result);
        return result;
      },
      (error: unknown) => {
        running--;
        emit(runOptions, {
          type: 'exec_denied',
          command: prepared.name,
          argCount: prepared.argCount,
          reason: 'spawn failed',
          code: isWardenError(error) ? error.code : 'ERR_SPAWN_FAILED',
        });
        throw error;
      },
    );
  }

  const executablePaths: Record<string, string> = Object.create(null);
  for (const [name, resolved] of Object.entries(executables)) executablePaths[name] = resolved.path;

  return {
    async run(command, args, runOptions = {}) {
      const prepared = await prepare(command, args, runOptions);
      acquire(prepared, runOptions);
      await preflight(prepared, runOptions);
      return spawnPrepared(prepared, runOptions);
    },
    async stream(command, args, runOptions = {}) {
      const prepared = await prepare(command, args, runOptions);
      acquire(prepared, runOptions);
      await preflight(prepared, runOptions);
      const queue = new OutputQueue(STREAM_HIGH_WATER_BYTES);
      const result = spawnPrepared(prepared, runOptions, queue);
      // The caller may only iterate; a failure then surfaces through the iterator, not as unhandled.
      result.catch(() => {});
      return {
        result,
        [Symbol.asyncIterator]: () => queue[Symbol.asyncIterator](),
      };
    },
    executables: Object.freeze(executablePaths),
    get running() {
      return running;
    },
    warnings: Object.freeze(warnings),
  };
}

/** The limits a policy sets, without its undefined fields (so defaults stay). */
function definedOnly(policy: ExecPolicy): Partial<typeof DEFAULTS> {
  const out: Record<string, number> = {};
  for (const key of Object.keys(DEFAULTS) as (keyof typeof DEFAULTS)[]) {
    const value = policy[key];
    if (typeof value === 'number') out[key] = value;
  }
  return out as Partial<typeof DEFAULTS>;
}

function positiveOr(value: number | undefined, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback;
}

function encodeStdin(stdin: string | Uint8Array | undefined, max: number): Uint8Array | undefined {
  if (stdin === undefined) return undefined;
  const bytes = typeof stdin === 'string' ? Buffer.from(stdin, 'utf8') : stdin;
  if (!(bytes instanceof Uint8Array)) {
    throw new ExecError('ERR_ARGUMENT_REJECTED', 'stdin must be a string or bytes', {
      data: { reason: 'invalid stdin' },
    });
  }
  if (bytes.length > max) {
    throw new ExecError('ERR_ARGUMENT_REJECTED', 'stdin too large', { data: { reason: 'stdin too large' } });
  }
  return bytes;
}

/**
 * Refuses to run when the resolved file was replaced since start (same path, another file) or
 * written in place (same inode: its ctime moved, which no one can set back).
 */
function verifyExecutable(command: string, executable: ResolvedExecutable): void {
  if (executableFingerprint(executable.path) !== executable.fingerprint) {
    throw new ExecError('ERR_EXECUTABLE_CHANGED', `the executable of ${command} changed since start`, {
      data: { command: shortName(command), reason: 'executable changed' },
    });
  }
}

function complete(event: SecurityEventInput): SecurityEvent {
  const outcome =
    event.outcome ??
    (event.type === 'exec_denied' || event.type.startsWith('malicious_') ? 'denied' : 'success');
  return {
    time: new Date().toISOString(),
    level: defaultLevel(event.type, outcome),
    ...event,
    outcome,
  } as SecurityEvent;
}
