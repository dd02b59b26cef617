import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import { delimiter, extname, isAbsolute, join } from 'node:path';
import { ConfigError } from '@mcp-warden/core';

/** An executable resolved at start: the real path every run executes, and its identity then. */
export interface ResolvedExecutable {
  readonly path: string;
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

/**
 * Resolves `executable` once: an absolute path as given, or a bare name looked up in `searchPath`
 * (a PATH-style list), then through symlinks. A missing program is a config error now, not a
 * surprise at run time. On Windows a `.bat`/`.cmd` target is refused unless `allowBatchFiles`.
 */
export function resolveExecutable(
  command: string,
  executable: string,
  searchPath: string,
  allowBatchFiles: boolean,
  platform: NodeJS.Platform = process.platform,
): ResolvedExecutable {
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
  if (platform === 'win32' && (extension === '.bat' || extension === '.cmd') && !allowBatchFiles) {
    throw new ConfigError(
      'ERR_BATCH_FILE_NOT_ALLOWED',
      `${command}: .bat/.cmd targets run through cmd.exe and are refused`,
      { data: { command } },
    );
  }
  const stats = statSync(real);
  return { path: real, device: stats.dev, inode: stats.ino };
}
