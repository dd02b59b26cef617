import {
  defaultLevel,
  type EventOutcome,
  type EventSink,
  type SecurityEvent,
  type SecurityEventInput,
  type WardenError,
} from '@mcp-warden/core';
import { reasonOf } from './error-codes.js';
import type { CallOptions } from './options.js';

/** Codes that are policy denials (`fs_denied`) rather than plain failures (`fs_access`, outcome failure). */
const DENIALS: ReadonlySet<string> = new Set([
  'ERR_INVALID_PATH',
  'ERR_INVALID_DATA',
  'ERR_INVALID_RANGE',
  'ERR_INVALID_EDIT',
  'ERR_INVALID_PATTERN',
  'ERR_SYMLINK_NOT_ALLOWED',
  'ERR_SYMLINK_LOOP',
  'ERR_NOT_A_FILE',
  'ERR_FILE_TOO_LARGE',
  'ERR_READ_ONLY_ROOT',
  'ERR_HARD_LINK_DENIED',
  'ERR_ROOT_OPERATION',
  'ERR_INVALID_ENCODING',
]);

/** The event a failed operation emits: `malicious_*` for escapes, `fs_denied` for policy, else `fs_access`. */
export function eventForError(operation: string, error: WardenError): SecurityEventInput {
  const reason = reasonOf(error);
  const code = error.code;
  if (code === 'ERR_PATH_OUTSIDE_ROOTS') return { type: 'malicious_path_traversal', operation, reason, code };
  if (code === 'ERR_SYMLINK_ESCAPE') return { type: 'malicious_symlink_escape', operation, reason, code };
  if (DENIALS.has(code)) return { type: 'fs_denied', operation, reason, code };
  return { type: 'fs_access', operation, code, outcome: code === 'ERR_FS_IO' ? 'error' : 'failure' };
}

/** Sends `event` through the call's security context, or else to `sink` with the base fields filled. */
export function emitEvent(sink: EventSink, options: CallOptions, event: SecurityEventInput): void {
  if (options.context !== undefined) {
    options.context.emit(event);
    return;
  }
  const outcome: EventOutcome =
    event.outcome ??
    (event.type.startsWith('malicious_') || event.type === 'fs_denied' ? 'denied' : 'success');
  const full = {
    time: new Date().toISOString(),
    level: defaultLevel(event.type, outcome),
    ...event,
    outcome,
  } as SecurityEvent;
  try {
    sink.emit(full);
  } catch {
    // A sink must not throw; if one does, the file operation's own result still stands.
  }
}
