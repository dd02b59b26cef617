import { randomUUID } from 'node:crypto';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer, type ServerOptions as HttpsOptions } from 'node:https';
import {
  type AuthRequest,
  authenticateNodeRequest,
  checkDnsRebinding,
  type ResourceServer,
  type WardenAuthInfo,
} from '@mcp-warden/auth';
import {
  ConfigError,
  createSecurityContext,
  type EventSink,
  type HandlerExtraLike,
  isWardenError,
  principalFromAuthInfo,
  type SecurityEventInput,
  type SessionOwnership,
} from '@mcp-warden/core';
import { type ConnectionLimit, type HttpRateLimiter, limitConnections } from '@mcp-warden/ratelimit';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

/** What the HTTP front of the server is assembled from. */
export interface HttpFrontOptions {
  /** A fresh, secured `McpServer` (one per session, or per request when stateless). */
  readonly newMcpServer: () => McpServer;
  /** The OAuth resource server; `undefined` only with `insecureAllowNoAuth` on loopback. */
  readonly resourceServer: ResourceServer | undefined;
  /** Who unauthenticated loopback requests act as when there is no resource server. */
  readonly anonymousAuthInfo?: WardenAuthInfo;
  readonly rateLimiter: HttpRateLimiter;
  readonly sessions: SessionOwnership;
  readonly sessionMode: 'stateful' | 'stateless';
  readonly maxSessions: number;
  /**
   * Sessions one principal (subject and client id) may hold at once (429 past it), so that no
   * principal can take every place. Needs `sessions.heldBy` (core's `sessionOwnership` has it).
   */
  readonly maxSessionsPerPrincipal?: number;
  /**
   * A session with no request in flight (an open SSE stream counts) for this long is closed, ms.
   * Clients often leave without `DELETE` (the SDK client's `close()` sends none). Default 30 min.
   */
  readonly sessionIdleTimeoutMs?: number;
  readonly maxConnections: number;
  readonly maxBodyBytes: number;
  /** Headers must arrive within this, ms. Default 10 s. */
  readonly headersTimeoutMs?: number;
  /** The whole request must arrive within this, ms. Default 30 s. */
  readonly requestTimeoutMs?: number;
  readonly events: EventSink;
  /** TLS options (`@mcp-warden/auth`'s `createTlsServerOptions`); plain HTTP when absent. */
  readonly tls?: HttpsOptions;
  /** Resumability store factory (SSE), optional. */
  readonly transportOptions?: () => Partial<ConstructorParameters<typeof StreamableHTTPServerTransport>[0]>;
}

/** The running HTTP front. */
export interface HttpFront {
  readonly server: Server;
  readonly connections: ConnectionLimit;
  /** Open sessions (stateful mode). */
  readonly sessionCount: () => number;
  /** The transport of an open session. */
  transportFor(sessionId: string | undefined): StreamableHTTPServerTransport | undefined;
  /** Closes every session transport. */
  closeSessions(): Promise<void>;
}

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'cross-origin-resource-policy': 'same-origin',
};

function jsonError(res: ServerResponse, status: number, code: number, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}

function isInitialize(body: unknown): boolean {
  const messages = Array.isArray(body) ? body : [body];
  return messages.some(
    (message) =>
      typeof message === 'object' &&
      message !== null &&
      (message as { method?: unknown }).method === 'initialize',
  );
}

/**
 * Creates the HTTP(S) server: connection limit (503), security headers, Host/Origin validation
 * (403), per-address rate limit (429), authentication (401/403, RFC 9728 metadata), then the SDK's
 * Streamable HTTP transport with sessions bound to the principal that created them.
 */
export function createHttpFront(options: HttpFrontOptions): HttpFront {
  if (options.maxSessionsPerPrincipal !== undefined && options.sessions.heldBy === undefined) {
    throw new ConfigError(
      'ERR_CONFIG_INVALID',
      'maxSessionsPerPrincipal needs a session ownership that counts sessions (heldBy)',
    );
  }
  const transports = new Map<string, StreamableHTTPServerTransport>();
  // Per session: requests in flight (SSE streams included) and when the last one ended.
  const activity = new Map<string, { inFlight: number; lastActive: number }>();
  const idleMs = options.sessionIdleTimeoutMs ?? 30 * 60_000;
  /** Counts `res` as in flight for the session until it closes. */
  const trackActivity = (sessionId: string, res: ServerResponse): void => {
    const state = activity.get(sessionId) ?? { inFlight: 0, lastActive: Date.now() };
    activity.set(sessionId, state);
    state.inFlight++;
    res.once('close', () => {
      state.inFlight--;
      state.lastActive = Date.now();
    });
  };
  // Events outside any MCP call (refused before the SDK) still carry the request's ids and principal.
  const emit = (event: SecurityEventInput, extra: Partial<HandlerExtraLike> = {}): void =>
    createSecurityContext(
      { signal: AbortSignal.abort(), requestId: 'http', ...extra },
      { sink: options.events },
    ).emit(event);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    if (options.tls !== undefined) res.setHeader('strict-transport-security', 'max-age=63072000');
    const path = (req.url ?? '/').split('?')[0];

    if (options.resourceServer === undefined) {
      try {
        checkDnsRebinding({ host: req.headers.host, origin: req.headers.origin }, req.socket.localAddress);
      } catch (error) {
        emit({
          type: 'malicious_dns_rebinding',
          header: req.headers.origin === undefined ? 'host' : 'origin',
          reason: isWardenError(error) ? error.code : 'rejected',
        });
        jsonError(res, 403, -32000, 'forbidden: host or origin not allowed');
        return;
      }
    }
    if (!(await options.rateLimiter.check(req, res))) return;

    const isMetadata = options.resourceServer !== undefined && path === options.resourceServer.metadataPath;
    if (path !== '/mcp' && !isMetadata) {
      jsonError(res, 404, -32601, 'not found');
      return;
    }
    const authReq = req as AuthRequest;
    if (options.resourceServer !== undefined) {
      const authInfo = await authenticateNodeRequest(options.resourceServer, authReq, res, {
        maxBodyBytes: options.maxBodyBytes,
      });
      if (authInfo === undefined) return;
    } else if (options.anonymousAuthInfo !== undefined) {
      authReq.auth = {
        ...options.anonymousAuthInfo,
        extra: { ...options.anonymousAuthInfo.extra, remoteAddress: req.socket.remoteAddress },
      };
    }
    const principal = principalFromAuthInfo(authReq.auth);

    if (options.sessionMode === 'stateless') {
      if (req.method !== 'POST') {
        jsonError(res, 405, -32000, 'method not allowed in stateless mode');
        return;
      }
      const server = options.newMcpServer();
      // No session id generator: the SDK's stateless mode, a fresh transport for each request.
      const transport = new StreamableHTTPServerTransport({ maxRequestBodySize: options.maxBodyBytes });
      res.on('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(authReq, res, authReq.body);
      return;
    }

    const sessionHeader = req.headers['mcp-session-id'];
    const sessionId = typeof sessionHeader === 'string' ? sessionHeader : undefined;
    if (sessionId !== undefined) {
      const transport = transports.get(sessionId);
      if (transport === undefined) {
        jsonError(res, 404, -32001, 'session not found');
        return;
      }
      if (!options.sessions.allows(sessionId, principal)) {
        emit(
          { type: 'session_use_denied', reason: 'session belongs to another principal' },
          { sessionId, authInfo: authReq.auth },
        );
        jsonError(res, 403, -32003, 'forbidden: this session belongs to another principal');
        return;
      }
      trackActivity(sessionId, res);
      await transport.handleRequest(authReq, res, authReq.body);
      return;
    }
    // A new session starts with `initialize`. When the auth layer already parsed the body, refuse
    // anything else here; otherwise the SDK reads it (bounded by maxRequestBodySize) and refuses it.
    if (req.method !== 'POST' || (authReq.body !== undefined && !isInitialize(authReq.body))) {
      jsonError(res, 400, -32000, 'bad request: no valid session id');
      return;
    }
    if (transports.size >= options.maxSessions) {
      jsonError(res, 503, -32000, 'too many sessions');
      return;
    }
    const quota = options.maxSessionsPerPrincipal;
    if (quota !== undefined && (options.sessions.heldBy?.(principal) ?? quota) >= quota) {
      emit(
        { type: 'session_use_denied', reason: 'too many sessions for this principal' },
        { authInfo: authReq.auth },
      );
      jsonError(res, 429, -32000, 'too many sessions for this principal');
      return;
    }
    const server = options.newMcpServer();
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      maxRequestBodySize: options.maxBodyBytes,
      ...options.transportOptions?.(),
      onsessioninitialized: (id) => {
        transports.set(id, transport);
        trackActivity(id, res);
        options.sessions.claim(id, principal);
      },
    });
    transport.onclose = () => {
      const id = transport.sessionId;
      if (id !== undefined) {
        transports.delete(id);
        activity.delete(id);
        options.sessions.release(id);
      }
      void server.close();
    };
    await server.connect(transport);
    await transport.handleRequest(authReq, res, authReq.body);
  };

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((error: unknown) => {
      emit({
        type: 'internal_error',
        correlationId: randomUUID(),
        errorName: error instanceof Error ? error.name : typeof error,
        errorMessage: error instanceof Error ? error.message : String(error),
      });
      jsonError(res, 500, -32603, 'internal error');
    });
  };
  // Slow clients are cut: headers and whole requests have deadlines, checked every second.
  const timeouts = {
    headersTimeout: options.headersTimeoutMs ?? 10_000,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    keepAliveTimeout: 5_000,
    connectionsCheckingInterval: 1_000,
    maxHeaderSize: 16 * 1024,
  };
  const server =
    options.tls === undefined
      ? createHttpServer(timeouts, listener)
      : createHttpsServer({ ...options.tls, ...timeouts }, listener);
  server.maxHeadersCount = 100;
  // Sessions nobody uses any more (no request or stream for `idleMs`) are closed, freeing their place.
  const sweep = setInterval(
    () => {
      const now = Date.now();
      for (const [id, state] of activity) {
        if (state.inFlight === 0 && now - state.lastActive >= idleMs) void transports.get(id)?.close();
      }
    },
    Math.min(idleMs, 60_000),
  );
  sweep.unref();
  server.once('close', () => clearInterval(sweep));
  const connections = limitConnections(server, {
    maxConnections: options.maxConnections,
    events: options.events,
  });
  return {
    server,
    connections,
    sessionCount: () => transports.size,
    transportFor: (sessionId) => (sessionId === undefined ? undefined : transports.get(sessionId)),
    async closeSessions() {
      clearInterval(sweep);
      await Promise.allSettled([...transports.values()].map((transport) => transport.close()));
    },
  };
}
