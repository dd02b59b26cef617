import {
  defaultLevel,
  type EventBase,
  type EventOutcome,
  type EventPrincipal,
  type EventSink,
  noopSink,
  type SecurityEvent,
  type SecurityEventInput,
  type SecurityEventType,
} from './events.js';
import { type AuthInfoLike, type Principal, principalFromAuthInfo } from './principal.js';

/** The transport a call arrived on. */
export type TransportKind = 'stdio' | 'http' | 'in-memory' | 'unknown';

/** Everything a guard or handler knows about the call's origin. Immutable. */
export interface SecurityContext {
  /** Who is calling; `undefined` when unauthenticated. */
  readonly principal: Principal | undefined;
  /** The JSON-RPC request id, as a string. */
  readonly requestId: string;
  /** The MCP session id, when the transport has sessions. */
  readonly sessionId: string | undefined;
  readonly transport: TransportKind;
  /** The client's network address, when the HTTP layer recorded it. */
  readonly remoteAddress: string | undefined;
  /** Aborted when the client cancels the request or the transport closes. */
  readonly signal: AbortSignal;
  /** A random id for this call, tying client-visible errors to log lines. */
  readonly correlationId: string;
  /** Emits a security event, filling time, ids, principal, transport and target. Never throws. */
  emit(event: SecurityEventInput): void;
}

/** The fields of the SDK's request handler `extra` that a context is built from. */
export interface HandlerExtraLike {
  readonly signal: AbortSignal;
  readonly requestId: string | number;
  readonly sessionId?: string | undefined;
  readonly authInfo?: AuthInfoLike | undefined;
  readonly requestInfo?: unknown;
}

/** Options for {@link createSecurityContext}. */
export interface CreateContextOptions {
  readonly sink?: EventSink;
  /** The transport; when omitted, `http` if the SDK passed request info, else `unknown`. */
  readonly transport?: TransportKind;
  /** The call's target name as events show it (`tool:read_file`). */
  readonly target?: string;
  /** The correlation id; a random UUID when omitted. */
  readonly correlationId?: string;
}

function defaultOutcome(type: SecurityEventType): EventOutcome {
  if (type === 'internal_error') return 'error';
  if (type.startsWith('malicious_') || /_(fail|denied|exceeded|invalid|reuse)$/.test(type)) return 'denied';
  return 'success';
}

function eventPrincipal(principal: Principal): EventPrincipal {
  return {
    subject: principal.subject,
    method: principal.method,
    ...(principal.clientId === undefined ? {} : { clientId: principal.clientId }),
  };
}

const correlationPrefix = crypto.randomUUID().slice(0, 24);
let correlationCounter = 0;

/** A process-unique id: a random per-process prefix and a counter (cheap, and never reused in a process). */
function nextCorrelationId(): string {
  correlationCounter = (correlationCounter + 1) % Number.MAX_SAFE_INTEGER;
  return `${correlationPrefix}${correlationCounter.toString(16).padStart(12, '0')}`;
}

/** Builds the security context of one call from the SDK's handler `extra`. */
export function createSecurityContext(
  extra: HandlerExtraLike,
  options: CreateContextOptions = {},
): SecurityContext {
  const sink = options.sink ?? noopSink();
  const principal = principalFromAuthInfo(extra.authInfo);
  const remote = extra.authInfo?.extra?.remoteAddress;
  const remoteAddress = typeof remote === 'string' ? remote : undefined;
  const transport = options.transport ?? (extra.requestInfo === undefined ? 'unknown' : 'http');
  const requestId = String(extra.requestId);
  // Built on the first event only: most calls emit none.
  let base: Partial<EventBase> | undefined;
  const eventBase = (): Partial<EventBase> => {
    if (base !== undefined) return base;
    base = {
      requestId,
      ...(extra.sessionId === undefined ? {} : { sessionId: extra.sessionId }),
      ...(principal === undefined ? {} : { principal: eventPrincipal(principal) }),
      transport,
      ...(remoteAddress === undefined ? {} : { remoteAddress }),
      ...(options.target === undefined ? {} : { target: options.target }),
    } satisfies Partial<EventBase>;
    return base;
  };
  return Object.freeze({
    principal,
    requestId,
    sessionId: extra.sessionId,
    transport,
    remoteAddress,
    signal: extra.signal,
    correlationId: options.correlationId ?? nextCorrelationId(),
    emit(event: SecurityEventInput): void {
      const outcome = event.outcome ?? defaultOutcome(event.type);
      const full = {
        time: new Date().toISOString(),
        level: defaultLevel(event.type, outcome),
        ...eventBase(),
        ...event,
        outcome,
      } as SecurityEvent;
      try {
        sink.emit(full);
      } catch {
        // Sinks must not throw; if one does, the call still completes.
      }
    },
  });
}
