import type { AuthMethod } from './principal.js';

/** Severity of a security event. */
export type EventLevel = 'info' | 'warn' | 'critical';

/** What happened to the attempt the event describes. */
export type EventOutcome = 'success' | 'failure' | 'denied' | 'error';

/** The principal as events carry it: identifiers only, never credentials. */
export interface EventPrincipal {
  readonly subject: string;
  readonly clientId?: string;
  readonly method: AuthMethod;
}

/** Fields every event carries; filled by the security context when emitted through it. */
export interface EventBase {
  /** ISO 8601 UTC timestamp. */
  readonly time: string;
  readonly level: EventLevel;
  readonly outcome: EventOutcome;
  readonly requestId?: string;
  readonly sessionId?: string;
  readonly principal?: EventPrincipal;
  readonly transport?: string;
  readonly remoteAddress?: string;
  /** The tool, resource or prompt concerned (`tool:read_file`, `resource:secure://x`). */
  readonly target?: string;
  /** The error code, for denials and failures. */
  readonly code?: string;
}

/**
 * Event-specific fields by event type, named after the OWASP Logging Vocabulary. Packages may add
 * types through declaration merging (`declare module '@mcp-warden/core' { interface SecurityEventMap … }`).
 */
export interface SecurityEventMap {
  authn_login_success: { readonly method: AuthMethod };
  authn_login_fail: { readonly method: AuthMethod; readonly reason: string };
  authn_token_reuse: { readonly method: AuthMethod; readonly reason: string };
  authn_token_created: { readonly method: AuthMethod; readonly keyId?: string };
  authn_token_revoked: { readonly method: AuthMethod; readonly keyId?: string };
  authz_fail: { readonly requiredScopes: readonly string[]; readonly reason: string };
  session_use_denied: { readonly reason: string };
  input_validation_fail: { readonly fields: readonly { readonly path: string; readonly reason: string }[] };
  malicious_path_traversal: { readonly operation: string; readonly reason: string };
  malicious_symlink_escape: { readonly operation: string; readonly reason: string };
  malicious_argument_injection: { readonly command: string; readonly reason: string };
  malicious_dns_rebinding: { readonly header: 'host' | 'origin'; readonly reason: string };
  malicious_output: { readonly removed: Readonly<Record<string, number>> };
  fs_denied: { readonly operation: string; readonly reason: string };
  fs_access: { readonly operation: string };
  exec_denied: { readonly command: string; readonly argCount: number; readonly reason: string };
  exec_run: {
    readonly command: string;
    readonly argCount: number;
    readonly exitCode: number | null;
    readonly signal: string | null;
    readonly timedOut: boolean;
    readonly truncated: boolean;
    readonly durationMs: number;
    readonly args?: readonly string[];
  };
  ratelimit_exceeded: { readonly key: string; readonly limit: number; readonly retryAfterMs: number };
  ratelimit_store_degraded: {
    readonly store: string;
    readonly mode: 'deny' | 'fallback';
    readonly reason: string;
  };
  ratelimit_store_recovered: { readonly store: string };
  mcp_call: { readonly durationMs: number; readonly arguments?: Readonly<Record<string, unknown>> };
  internal_error: {
    readonly correlationId: string;
    readonly errorName: string;
    readonly errorMessage: string;
  };
  sys_startup: { readonly component: string; readonly warnings: readonly string[] };
  sys_shutdown: { readonly component: string; readonly reason: string };
  config_loaded: { readonly sources: readonly string[]; readonly warnings: readonly string[] };
  config_invalid: {
    readonly problems: readonly { readonly key: string; readonly source: string; readonly reason: string }[];
  };
  config_reloaded: { readonly changedKeys: readonly string[] };
}

/** Every event type name. */
export type SecurityEventType = keyof SecurityEventMap;

/** A typed security event: the common base plus the fields of its type. */
export type SecurityEvent = {
  [K in SecurityEventType]: EventBase & { readonly type: K } & SecurityEventMap[K];
}[SecurityEventType];

/** An event before the context filled the base fields: `type`, its fields, and optional overrides. */
export type SecurityEventInput = {
  [K in SecurityEventType]: Partial<EventBase> & { readonly type: K } & SecurityEventMap[K];
}[SecurityEventType];

/** Where events go. `emit` must not throw and must not block; `flush` is awaited on shutdown. */
export interface EventSink {
  emit(event: SecurityEvent): void;
  flush?(): Promise<void>;
}

const NOOP_SINK: EventSink = Object.freeze({ emit(): void {} });

/** A sink that drops every event: the default when none is configured. */
export function noopSink(): EventSink {
  return NOOP_SINK;
}

/** A sink that sends each event to every given sink; one sink's failure does not stop the others. */
export function fanOutSink(...sinks: readonly EventSink[]): EventSink {
  return {
    emit(event: SecurityEvent): void {
      for (const sink of sinks) {
        try {
          sink.emit(event);
        } catch {
          // A broken sink must not break the call or starve the other sinks.
        }
      }
    },
    async flush(): Promise<void> {
      await Promise.allSettled(sinks.map((sink) => sink.flush?.()));
    },
  };
}

/** A sink that keeps events in memory (bounded), for tests and diagnostics. */
export interface MemorySink extends EventSink {
  readonly events: readonly SecurityEvent[];
  clear(): void;
}

/** Creates a {@link MemorySink} keeping at most `max` events (oldest dropped first). */
export function memorySink(max = 10_000): MemorySink {
  const events: SecurityEvent[] = [];
  return {
    events,
    emit(event: SecurityEvent): void {
      events.push(event);
      if (events.length > max) events.shift();
    },
    clear(): void {
      events.length = 0;
    },
  };
}

const LEVEL_BY_OUTCOME: Readonly<Record<EventOutcome, EventLevel>> = {
  success: 'info',
  failure: 'warn',
  denied: 'warn',
  error: 'critical',
};

/** The level an event gets when it names none. `malicious_*` events are always critical. */
export function defaultLevel(type: SecurityEventType, outcome: EventOutcome): EventLevel {
  return type.startsWith('malicious_') ? 'critical' : LEVEL_BY_OUTCOME[outcome];
}
