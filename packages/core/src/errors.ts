/**
 * The area a {@link WardenError} belongs to. Maps to the HTTP status / JSON-RPC code a transport
 * answers with, and lets callers branch without parsing codes.
 */
export type ErrorKind =
  | 'authentication'
  | 'authorization'
  | 'validation'
  | 'fs'
  | 'exec'
  | 'rate_limit'
  | 'config'
  | 'internal';

/** JSON value, for the public structured data an error may carry. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };

/** Options shared by every {@link WardenError} constructor. */
export interface WardenErrorOptions {
  /** Internal detail for logs only: never sent to a client or model. */
  readonly detail?: Readonly<Record<string, unknown>>;
  /** Public, structured fields a client may act on (e.g. `retryAfterMs`, `scopes`). Sent to the client. */
  readonly data?: Readonly<Record<string, JsonValue>>;
  /** The underlying error, kept for logs. */
  readonly cause?: unknown;
}

/**
 * The base of every error mcp-warden throws. `code` is stable API (users switch on it), `message` is
 * safe to send to a client, `detail` is for logs only.
 */
export class WardenError extends Error {
  /** A stable machine-readable code such as `ERR_PATH_OUTSIDE_ROOTS`. */
  readonly code: string;
  /** The area the error belongs to. */
  readonly kind: ErrorKind;
  /** Public structured data (safe to send). */
  readonly data: Readonly<Record<string, JsonValue>>;
  /** Internal detail (never sent). */
  readonly detail: Readonly<Record<string, unknown>>;

  constructor(kind: ErrorKind, code: string, publicMessage: string, options: WardenErrorOptions = {}) {
    super(publicMessage, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.kind = kind;
    this.code = code;
    this.data = options.data ?? {};
    this.detail = options.detail ?? {};
  }

  /** The public view: what may cross to a client. Never includes `detail`, `cause` or the stack. */
  toJSON(): { code: string; message: string; data: Readonly<Record<string, JsonValue>> } {
    return { code: this.code, message: this.message, data: this.data };
  }
}

/** The caller could not be authenticated (missing, malformed, expired or invalid credentials). */
export class AuthenticationError extends WardenError {
  constructor(code: string, publicMessage: string, options?: WardenErrorOptions) {
    super('authentication', code, publicMessage, options);
  }
}

/** The caller is authenticated but lacks what the call needs (scopes, ownership). */
export class AuthorizationError extends WardenError {
  constructor(code: string, publicMessage: string, options?: WardenErrorOptions) {
    super('authorization', code, publicMessage, options);
  }
}

/** Input was refused: wrong shape, over a limit, or dangerous. */
export class ValidationError extends WardenError {
  constructor(code: string, publicMessage: string, options?: WardenErrorOptions) {
    super('validation', code, publicMessage, options);
  }
}

/** A file-system operation was refused or failed. */
export class FsError extends WardenError {
  constructor(code: string, publicMessage: string, options?: WardenErrorOptions) {
    super('fs', code, publicMessage, options);
  }
}

/** A command execution was refused or failed. */
export class ExecError extends WardenError {
  constructor(code: string, publicMessage: string, options?: WardenErrorOptions) {
    super('exec', code, publicMessage, options);
  }
}

/** A rate or concurrency limit was reached. `data.retryAfterMs` says when to retry. */
export class RateLimitError extends WardenError {
  constructor(code: string, publicMessage: string, options?: WardenErrorOptions) {
    super('rate_limit', code, publicMessage, options);
  }
}

/** Configuration is invalid or could not be loaded. */
export class ConfigError extends WardenError {
  constructor(code: string, publicMessage: string, options?: WardenErrorOptions) {
    super('config', code, publicMessage, options);
  }
}

/**
 * An unexpected failure. Its public message is generic and names only a correlation id; the cause
 * stays in `cause`/`detail` for the logs.
 */
export class InternalError extends WardenError {
  /** The id that ties the client's error to the log line with the detail. */
  readonly correlationId: string;

  constructor(correlationId: string, options: WardenErrorOptions = {}) {
    super('internal', 'ERR_INTERNAL', `internal error (reference ${correlationId})`, {
      ...options,
      data: { ...options.data, correlationId },
    });
    this.correlationId = correlationId;
  }
}

/** True when `value` is a {@link WardenError}; works across duplicated copies of this package. */
export function isWardenError(value: unknown): value is WardenError {
  if (value instanceof WardenError) return true;
  if (!(value instanceof Error)) return false;
  const candidate = value as Partial<WardenError>;
  return (
    typeof candidate.code === 'string' &&
    typeof candidate.kind === 'string' &&
    typeof candidate.data === 'object' &&
    typeof candidate.detail === 'object'
  );
}
