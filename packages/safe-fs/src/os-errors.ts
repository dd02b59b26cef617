import { isWardenError, type WardenError } from '@mcp-warden/core';
import { type SafeFsErrorCode, safeFsError } from './error-codes.js';

const BY_ERRNO: Readonly<Record<string, SafeFsErrorCode>> = {
  ENOENT: 'ERR_NOT_FOUND',
  EEXIST: 'ERR_ALREADY_EXISTS',
  ENOTDIR: 'ERR_NOT_A_DIRECTORY',
  EISDIR: 'ERR_NOT_A_FILE',
  ENXIO: 'ERR_NOT_A_FILE',
  ENOTEMPTY: 'ERR_DIRECTORY_NOT_EMPTY',
  ELOOP: 'ERR_SYMLINK_LOOP',
  EXDEV: 'ERR_CROSS_DEVICE',
  ENAMETOOLONG: 'ERR_INVALID_PATH',
  EFBIG: 'ERR_FILE_TOO_LARGE',
  ABORT_ERR: 'ERR_ABORTED',
};

/** The `code` of a Node.js system error (`ENOENT`, …), or `undefined`. */
export function errnoOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Turns anything thrown by `node:fs` into a safe-fs error. Node's own messages contain the path, so
 * they only ever travel as `cause` (kept for logs, never sent).
 */
export function fromOsError(error: unknown, reason: string): WardenError {
  if (isWardenError(error)) return error;
  const errno = errnoOf(error);
  const code: SafeFsErrorCode = (errno === undefined ? undefined : BY_ERRNO[errno]) ?? 'ERR_FS_IO';
  return safeFsError(code, errno === undefined ? reason : `${reason}:${errno}`, {
    cause: error,
    ...(errno === undefined ? {} : { detail: { errno } }),
  });
}
