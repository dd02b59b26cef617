import { FsError, ValidationError, type WardenErrorOptions } from '@mcp-warden/core';

/** Every code `@mcp-warden/safe-fs` throws. Stable API: switch on these, never on messages. */
export type SafeFsErrorCode =
  | 'ERR_INVALID_PATH'
  | 'ERR_INVALID_DATA'
  | 'ERR_INVALID_RANGE'
  | 'ERR_INVALID_EDIT'
  | 'ERR_INVALID_PATTERN'
  | 'ERR_PATH_OUTSIDE_ROOTS'
  | 'ERR_SYMLINK_ESCAPE'
  | 'ERR_SYMLINK_NOT_ALLOWED'
  | 'ERR_SYMLINK_LOOP'
  | 'ERR_NOT_FOUND'
  | 'ERR_ALREADY_EXISTS'
  | 'ERR_NOT_A_FILE'
  | 'ERR_NOT_A_DIRECTORY'
  | 'ERR_DIRECTORY_NOT_EMPTY'
  | 'ERR_FILE_TOO_LARGE'
  | 'ERR_READ_ONLY_ROOT'
  | 'ERR_HARD_LINK_DENIED'
  | 'ERR_INVALID_ENCODING'
  | 'ERR_ROOT_OPERATION'
  | 'ERR_CROSS_DEVICE'
  | 'ERR_EDIT_NOT_FOUND'
  | 'ERR_EDIT_AMBIGUOUS'
  | 'ERR_EDIT_CONFLICT'
  | 'ERR_ABORTED'
  | 'ERR_FS_IO';

/**
 * Fixed public messages. None of them names a path: the caller knows what it sent, and a real path
 * (inside or outside the roots) must never reach a client or a model through an error.
 */
const MESSAGES: Readonly<Record<SafeFsErrorCode, string>> = {
  ERR_INVALID_PATH: 'invalid path',
  ERR_INVALID_DATA: 'invalid data to write',
  ERR_INVALID_RANGE: 'invalid read range',
  ERR_INVALID_EDIT: 'invalid edit list',
  ERR_INVALID_PATTERN: 'invalid search pattern',
  ERR_PATH_OUTSIDE_ROOTS: 'path is outside the allowed roots',
  ERR_SYMLINK_ESCAPE: 'symbolic link leads outside the allowed roots',
  ERR_SYMLINK_NOT_ALLOWED: 'symbolic links are not allowed',
  ERR_SYMLINK_LOOP: 'too many levels of symbolic links',
  ERR_NOT_FOUND: 'no such file or directory',
  ERR_ALREADY_EXISTS: 'file already exists',
  ERR_NOT_A_FILE: 'not a regular file',
  ERR_NOT_A_DIRECTORY: 'not a directory',
  ERR_DIRECTORY_NOT_EMPTY: 'directory not empty',
  ERR_FILE_TOO_LARGE: 'file is larger than the allowed limit',
  ERR_READ_ONLY_ROOT: 'root is read-only',
  ERR_HARD_LINK_DENIED: 'file has other hard links',
  ERR_INVALID_ENCODING: 'file is not valid text in the requested encoding',
  ERR_ROOT_OPERATION: 'operation not allowed on a root itself',
  ERR_CROSS_DEVICE: 'cannot move across file systems',
  ERR_EDIT_NOT_FOUND: 'text to replace not found in the file',
  ERR_EDIT_AMBIGUOUS: 'text to replace occurs more than once in the file',
  ERR_EDIT_CONFLICT: 'file changed while it was being edited',
  ERR_ABORTED: 'operation aborted',
  ERR_FS_IO: 'file system error',
};

/** The public message of a code (what `error.message` is for every safe-fs error). */
export function messageOf(code: SafeFsErrorCode): string {
  return MESSAGES[code];
}

/**
 * Builds the error for `code`: `ValidationError` for malformed input, `FsError` for everything else.
 * `reason` is a short fixed token for logs and events (never a path).
 */
export function safeFsError(
  code: SafeFsErrorCode,
  reason: string,
  options: Omit<WardenErrorOptions, 'detail'> & { readonly detail?: Readonly<Record<string, unknown>> } = {},
): FsError | ValidationError {
  const full: WardenErrorOptions = { ...options, detail: { ...options.detail, reason } };
  return code === 'ERR_INVALID_PATH' ||
    code === 'ERR_INVALID_DATA' ||
    code === 'ERR_INVALID_RANGE' ||
    code === 'ERR_INVALID_EDIT' ||
    code === 'ERR_INVALID_PATTERN'
    ? new ValidationError(code, MESSAGES[code], full)
    : new FsError(code, MESSAGES[code], full);
}

/** The fixed reason token an error was built with (`detail.reason`), or `undefined`. */
export function reasonOf(error: { readonly detail: Readonly<Record<string, unknown>> }): string {
  const reason = error.detail.reason;
  return typeof reason === 'string' ? reason : 'unknown';
}
