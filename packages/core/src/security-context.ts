import {
  defaultLevel,
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

function eventPrincipal(principal: Principal | undefined): EventPrincipal | undefined {
  if (principal === undefined) return undefined;
  return {
    subject: principal.subject,
    method: principal.method,
    ...(principal.clientId === undefined ? {} : { clientId: principal.clientId }),
  };
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
  const base = {
    requestId,
    ...(extra.sessionId === undefined ? {} : { sessionId: extra.sessionId }),
    ...(principal === undefined ? {} : { principal: eventPrincipal(principal) }),
    transport,
    ...(remoteAddress === undefined ? {} : { remoteAddress }),
    ...(options.target === undefined ? {} : { target: options.target }),
  };
  return Object.freeze({
    principal,
    requestId,
    sessionId: extra.sessionId,
    transport,
    remoteAddress,
    signal: extra.signal,
    correlationId: options.correlationId ?? crypto.randomUUID(),
    emit(event: SecurityEventInput): void {
      const outcome = event.outcome ?? defaultOutcome(event.type);
      const full = {
        time: new Date().toISOString(),
        level: defaultLevel(event.type, outcome),
        ...base,
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
