import {
  type CallOperation,
  type CallResult,
  ERROR_META_KEY,
  type EventOutcome,
  type Guard,
  isWardenError,
} from '@mcp-warden/core';

/** Per-call audit policy, set next to a tool as `policies.tools.<name>.audit`. */
export interface AuditPolicy {
  /**
   * Log the call's argument values: `true` for all of them, or the names of the ones to log. They
   * still pass through redaction and length limits. Default: none are logged.
   */
  readonly arguments?: boolean | readonly string[];
}

declare module '@mcp-warden/core' {
  interface CallPolicy {
    /** What the audit guard records about this call. */
    readonly audit?: AuditPolicy;
  }
}

/** The `mcp_call` event this guard emits, built field by field (it runs for every call). */
type McpCallEvent = {
  type: 'mcp_call';
  outcome: EventOutcome;
  durationMs: number;
  /** `complete` (`completion/complete`) or `list` (a resource template's list callback); absent for a call. */
  operation?: CallOperation;
  code?: string;
  arguments?: Readonly<Record<string, unknown>>;
};

const DENIED_KINDS: ReadonlySet<string> = new Set([
  'authentication',
  'authorization',
  'validation',
  'rate_limit',
  'fs',
  'exec',
]);

/** JSON-RPC errors from the SDK itself (unknown resource, bad params) carry a numeric `code`. */
const isProtocolError = (error: unknown): boolean =>
  error instanceof Error && typeof (error as { code?: unknown }).code === 'number';

function outcomeOfError(error: unknown): EventOutcome {
  if (isWardenError(error)) return DENIED_KINDS.has(error.kind) ? 'denied' : 'error';
  return isProtocolError(error) ? 'failure' : 'error';
}

function codeOfError(error: unknown): string | undefined {
  if (isWardenError(error)) return error.code;
  return isProtocolError(error) ? undefined : 'ERR_INTERNAL';
}

function codeOfResult(result: CallResult): string | undefined {
  const meta = (result as { _meta?: Record<string, unknown> })._meta?.[ERROR_META_KEY];
  const code = (meta as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

function pickArguments(
  args: Readonly<Record<string, unknown>> | undefined,
  policy: AuditPolicy | undefined,
): Readonly<Record<string, unknown>> | undefined {
  const wanted = policy?.arguments;
  if (args === undefined || wanted === undefined || wanted === false) return undefined;
  if (wanted === true) return args;
  const picked: Record<string, unknown> = {};
  for (const name of wanted) if (Object.hasOwn(args, name)) picked[name] = args[name];
  return picked;
}

/**
 * A guard that records every tool, resource and prompt call as an `mcp_call` event: outcome
 * (`success`, `failure` for an error result, `denied` for a refused call, `error` for an unexpected
 * failure), error code and duration, and `operation` (`complete`, `list`) for a completion or a
 * template's list callback, so those read differently from a call. Put it first, so it also sees
 * calls later guards deny.
 */
export function auditCalls(): Guard {
  return (call, next) => {
    const started = performance.now();
    const args = pickArguments(call.arguments, call.policy.audit);
    const record = (outcome: EventOutcome, code: string | undefined): void => {
      const durationMs = Math.round((performance.now() - started) * 1000) / 1000;
      const event: McpCallEvent = { type: 'mcp_call', outcome, durationMs };
      if (call.operation !== undefined) event.operation = call.operation;
      if (code !== undefined) event.code = code;
      if (args !== undefined) event.arguments = args;
      call.context.emit(event);
    };
    let pending: Promise<CallResult>;
    try {
      pending = next();
    } catch (error) {
      pending = Promise.reject(error);
    }
    return pending.then(
      (result) => {
        if (result.isError === true) record('failure', codeOfResult(result));
        else record('success', undefined);
        return result;
      },
      (error: unknown) => {
        record(outcomeOfError(error), codeOfError(error));
        throw error;
      },
    );
  };
}
