import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import { basename, delimiter, extname, isAbsolute, join } from 'node:path';
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
 * (a PATH-style list), then through symlinks. A missing program is a config error now, not a
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
      // Relative PATH entries (including the empty one, meaning ".") would depend on the cwd.
      if (!isAbsolute(directory)) continue;
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
  const stats = statSync(real);
  return { path: real, argv0: found, device: stats.dev, inode: stats.ino };
}
