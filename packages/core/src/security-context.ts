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
  /**
   * Emits a security event, filling time, ids, principal, transport and target (values the event
   * gives for these are ignored; `level`, `outcome` and `code` it may set). Never throws.
   */
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
  readonly sink?: EventSink | undefined;
  /** The transport; when omitted, `http` if the SDK passed request info, else `unknown`. */
  readonly transport?: TransportKind | undefined;
  /** The call's target name as events show it (`tool:read_file`). */
  readonly target?: string | undefined;
  /** The correlation id; a process-unique id when omitted. */
  readonly correlationId?: string | undefined;
}

function defaultOutcome(type: SecurityEventType): EventOutcome {
  if (type === 'internal_error') return 'error';
  if (type.startsWith('malicious_') || /_(fail|denied|exceeded|invalid|reuse)$/.test(type)) return 'denied';
  return 'success';
}

function eventPrincipal(principal: Principal): EventPrincipal {
  return principal.clientId === undefined
    ? { subject: principal.subject, method: principal.method }
    : { subject: principal.subject, method: principal.method, clientId: principal.clientId };
}

let lastClockMs = Number.NaN;
let lastClockIso = '';

/** The current time as ISO 8601, formatted once per millisecond however many events share it. */
function isoNow(): string {
  const now = Date.now();
  if (now !== lastClockMs) {
    lastClockMs = now;
    lastClockIso = new Date(now).toISOString();
  }
  return lastClockIso;
}

const correlationPrefix = crypto.randomUUID().slice(0, 24);
let correlationCounter = 0;

/** A process-unique id: a random per-process prefix and a counter (cheap, and never reused in a process). */
function nextCorrelationId(): string {
  correlationCounter = (correlationCounter + 1) % Number.MAX_SAFE_INTEGER;
  return `${correlationPrefix}${correlationCounter.toString(16).padStart(12, '0')}`;
}

type MutableEvent = Record<string, unknown>;

/**
 * Fields only the context fills. An event emitted through it cannot name another caller, request,
 * session, target or time, even if it was built by spreading data a client controls.
 */
const CONTEXT_FIELDS: ReadonlySet<string> = new Set([
  'time',
  'requestId',
  'sessionId',
  'principal',
  'transport',
  'remoteAddress',
  'target',
]);

/**
 * One call's context. A class rather than a closure per call: guards build one for every call,
 * and the fields an event shares are assembled only when the first event is emitted.
 */
class CallSecurityContext implements SecurityContext {
  readonly principal: Principal | undefined;
  readonly requestId: string;
  readonly sessionId: string | undefined;
  readonly transport: TransportKind;
  readonly remoteAddress: string | undefined;
  readonly signal: AbortSignal;
  readonly #sink: EventSink;
  // Made on first use: most calls never show one (it ties an error the client sees to a log line).
  #correlationId: string | undefined;
  readonly #target: string | undefined;
  #eventPrincipal: EventPrincipal | undefined;

  constructor(extra: HandlerExtraLike, options: CreateContextOptions) {
    this.principal = principalFromAuthInfo(extra.authInfo);
    this.requestId = String(extra.requestId);
    this.sessionId = extra.sessionId;
    this.transport = options.transport ?? (extra.requestInfo === undefined ? 'unknown' : 'http');
    const remote = extra.authInfo?.extra?.remoteAddress;
    this.remoteAddress = typeof remote === 'string' ? remote : undefined;
    this.signal = extra.signal;
    this.#correlationId = options.correlationId;
    this.#sink = options.sink ?? noopSink();
    this.#target = options.target;
    Object.freeze(this);
  }

  get correlationId(): string {
    this.#correlationId ??= nextCorrelationId();
    return this.#correlationId;
  }

  emit(event: SecurityEventInput): void {
    const outcome = event.outcome ?? defaultOutcome(event.type);
    // Built field by field (not by spreading): this runs for every audited call.
    const full: MutableEvent = {
      time: isoNow(),
      level: defaultLevel(event.type, outcome),
      requestId: this.requestId,
    };
    if (this.sessionId !== undefined) full.sessionId = this.sessionId;
    if (this.principal !== undefined) {
      this.#eventPrincipal ??= eventPrincipal(this.principal);
      full.principal = this.#eventPrincipal;
    }
    full.transport = this.transport;
    if (this.remoteAddress !== undefined) full.remoteAddress = this.remoteAddress;
    if (this.#target !== undefined) full.target = this.#target;
    for (const key in event) {
      if (Object.hasOwn(event, key) && !CONTEXT_FIELDS.has(key)) full[key] = (event as MutableEvent)[key];
    }
    full.outcome = outcome;
    try {
      this.#sink.emit(full as unknown as SecurityEvent);
    } catch {
      // Sinks must not throw; if one does, the call still completes.
    }
  }
}

/** Builds the security context of one call from the SDK's handler `extra`. */
export function createSecurityContext(
  extra: HandlerExtraLike,
  options: CreateContextOptions = {},
): SecurityContext {
  return new CallSecurityContext(extra, options);
}
