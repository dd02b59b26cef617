import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import { basename, delimiter, dirname, extname, isAbsolute, join } from 'node:path';
import { ConfigError } from '@mcp-warden/core';

/** An executable resolved at start: the real path every run executes, and its identity then. */
export interface ResolvedExecutable {
  readonly path: string;
  /**
   * `argv[0]` for the child: the name found before following symlinks, so multi-call binaries
   * (busybox, coreutils single binary) still act as the program named.
   */
  readonly argv0: string;
  readonly device: number;
  readonly inode: number;
  /**
   * Identity and content stamp at start (device, inode, size, mtime, ctime in ns): a file replaced
   * (new inode) or rewritten in place (same inode, new ctime) no longer matches.
   */
  readonly fingerprint: string;
}

/** The stamp {@link ResolvedExecutable.fingerprint} holds; undefined when the file is gone. */
export function executableFingerprint(path: string): string | undefined {
  try {
    const stats = statSync(path, { bigint: true });
    return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}`;
  } catch {
    return undefined;
  }
}

const WORLD_WRITABLE = 0o002;
const STICKY = 0o1000;

/** True when anyone may create or replace entries in `directory` (world-writable). */
function isWorldWritableDirectory(directory: string): boolean {
  try {
    return (statSync(directory).mode & WORLD_WRITABLE) !== 0;
  } catch {
    return false;
  }
}

/**
 * Why someone other than its owner could change what `real` (a real path) runs, or undefined: the
 * file is world-writable (rewritten in place, same inode), or a directory on its path is
 * world-writable without the sticky bit (the file, or a directory above it, swapped).
 */
function replaceableBy(real: string): string | undefined {
  if ((statSync(real).mode & WORLD_WRITABLE) !== 0) return 'the executable is world-writable';
  for (let directory = dirname(real); ; directory = dirname(directory)) {
    const mode = statSync(directory).mode;
    if ((mode & WORLD_WRITABLE) !== 0 && (mode & STICKY) === 0) {
      return 'a directory above the executable is world-writable';
    }
    if (dirname(directory) === directory) return undefined;
  }
}

function isRunnableFile(candidate: string): boolean {
  try {
    if (!statSync(candidate).isFile()) return false;
    accessSync(candidate, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Programs that are command interpreters: allowing one would be a shell by another name. */
const SHELLS: ReadonlySet<string> = new Set([
  'sh',
  'bash',
  'dash',
  'zsh',
  'ksh',
  'mksh',
  'csh',
  'tcsh',
  'fish',
  'ash',
  'cmd',
  'powershell',
  'pwsh',
]);

function isShell(path: string): boolean {
  return SHELLS.has(
    basename(path)
      .toLowerCase()
      .replace(/\.exe$/, ''),
  );
}

/** What resolution may accept that it refuses by default. */
export interface ResolveOptions {
  /** Windows: accept a `.bat`/`.cmd` target. */
  readonly allowBatchFiles?: boolean;
  /** Accept a shell (`sh`, `bash`, `cmd`, `powershell`, …) as the program. */
  readonly allowShell?: boolean;
  /** The platform to judge for. Default: `process.platform`. */
  readonly platform?: NodeJS.Platform;
}

/**
 * Resolves `executable` once: an absolute path as given, or a bare name looked up in `searchPath`
 * (a PATH-style list; relative and world-writable entries skipped), then through symlinks. A file
 * anyone could rewrite or swap (world-writable, or under a world-writable non-sticky directory) is
 * refused (`ERR_EXECUTABLE_NOT_FOUND`). A missing program is a config error now, not a
 * surprise at run time. A shell is refused (`ERR_SHELL_NOT_ALLOWED`), and on Windows a `.bat`/`.cmd`
 * target (`ERR_BATCH_FILE_NOT_ALLOWED`), unless explicitly allowed.
 */
export function resolveExecutable(
  command: string,
  executable: string,
  searchPath: string,
  options: ResolveOptions = {},
): ResolvedExecutable {
  const platform = options.platform ?? process.platform;
  let found: string | undefined;
  if (isAbsolute(executable)) {
    if (isRunnableFile(executable)) found = executable;
  } else if (!/[\\/]/.test(executable) && executable !== '' && executable !== '.' && executable !== '..') {
    for (const directory of searchPath.split(delimiter)) {
      // Relative PATH entries (including the empty one, meaning ".") would depend on the cwd; in a
      // world-writable one (`/tmp`, sticky or not) anyone can plant a program under any name.
      if (!isAbsolute(directory)) continue;
      if (platform !== 'win32' && isWorldWritableDirectory(directory)) continue;
      const candidate = join(directory, executable);
      if (isRunnableFile(candidate)) {
        found = candidate;
        break;
      }
    }
  } else {
    throw new ConfigError(
      'ERR_EXECUTABLE_NOT_FOUND',
      `executable for ${command} must be absolute or a bare name`,
      {
        data: { command },
      },
    );
  }
  if (found === undefined) {
    throw new ConfigError('ERR_EXECUTABLE_NOT_FOUND', `executable for ${command} not found`, {
      data: { command },
      detail: { executable },
    });
  }
  const real = realpathSync(found);
  const extension = extname(real).toLowerCase();
  // A multi-call binary dispatches on argv[0] (the found name, kept below): `ls` → busybox is ls,
  // `sh` → busybox is a shell.
  if ((isShell(found) || isShell(real)) && options.allowShell !== true) {
    throw new ConfigError('ERR_SHELL_NOT_ALLOWED', `${command}: a shell is not allowed as a program`, {
      data: { command },
    });
  }
  if (
    platform === 'win32' &&
    (extension === '.bat' || extension === '.cmd') &&
    options.allowBatchFiles !== true
  ) {
    throw new ConfigError(
      'ERR_BATCH_FILE_NOT_ALLOWED',
      `${command}: .bat/.cmd targets run through cmd.exe and are refused`,
      { data: { command } },
    );
  }
  if (platform !== 'win32') {
    let reason: string | undefined;
    try {
      reason = replaceableBy(real);
    } catch {
      reason = 'the executable could not be checked';
    }
    if (reason !== undefined) {
      throw new ConfigError('ERR_EXECUTABLE_NOT_FOUND', `executable for ${command} is not safe to run`, {
        data: { command, reason },
        detail: { executable: real },
      });
    }
  }
  const stats = statSync(real);
  const fingerprint = executableFingerprint(real);
  if (fingerprint === undefined) {
    throw new ConfigError('ERR_EXECUTABLE_NOT_FOUND', `executable for ${command} not found`, {
      data: { command },
    });
  }
  return { path: real, argv0: found, device: stats.dev, inode: stats.ino, fingerprint };
}
