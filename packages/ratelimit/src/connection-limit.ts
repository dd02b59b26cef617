import { Server as HttpServer } from 'node:http';
import type { Server, Socket } from 'node:net';
import { Server as TlsServer } from 'node:tls';
import { ConfigError, type EventSink, noopSink } from '@mcp-warden/core';
import { addressKey } from './client-address.js';

/** Options of {@link limitConnections}. */
export interface ConnectionLimitOptions {
  /** Open connections in total. Default: 1024. */
  readonly maxConnections?: number;
  /** Open connections per client address (TCP peer; IPv6 grouped by /64). Default: 64. */
  readonly maxPerAddress?: number;
  /** Where `ratelimit_exceeded` goes for each refused connection. Default: none. */
  readonly events?: EventSink;
  /**
   * Answer a refused connection with a bare `HTTP/1.1 503` (and `Retry-After: 1`) before closing it,
   * so HTTP clients see why. Default: true for a plain `node:http` server, false for TLS servers
   * (nothing can be said before the handshake) and raw `net` servers.
   */
  readonly answer503?: boolean;
}

const SERVICE_UNAVAILABLE =
  'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n';

/** A running connection limit. */
export interface ConnectionLimit {
  /** Connections open now. */
  readonly active: number;
  /** Connections refused so far. */
  readonly refused: number;
  /** Stops limiting (open connections are left alone). */
  dispose(): void;
}

function limit(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new ConfigError('ERR_INVALID_RATE_LIMIT', `${name} must be an integer >= 1`, {
      detail: { [name]: value },
    });
  }
  return value;
}

/**
 * Caps the open TCP connections of a `net`, `http`, `https` or `tls` server, in total and per
 * client address (the seed's `MCP_MAX_CONNECTIONS`). A connection over a cap is closed before any
 * byte of it is parsed; on a plain HTTP server it is first answered `503` (see `answer503`). It counts the TCP peer: behind a proxy, cap at the proxy instead.
 */
export function limitConnections(server: Server, options: ConnectionLimitOptions = {}): ConnectionLimit {
  const maxConnections = limit('maxConnections', options.maxConnections ?? 1024);
  const maxPerAddress = limit('maxPerAddress', options.maxPerAddress ?? 64);
  const events = options.events ?? noopSink();
  const answer503 = options.answer503 ?? (server instanceof HttpServer && !(server instanceof TlsServer));
  const perAddress = new Map<string, number>();
  let active = 0;
  let refused = 0;

  const onConnection = (socket: Socket): void => {
    const key = addressKey(socket.remoteAddress ?? '');
    const current = perAddress.get(key) ?? 0;
    if (active >= maxConnections || current >= maxPerAddress) {
      refused++;
      if (answer503) {
        // Written before any byte is parsed; the socket is destroyed once it is flushed (or at once on error).
        socket.once('error', () => socket.destroy());
        socket.end(SERVICE_UNAVAILABLE, () => socket.destroy());
      } else {
        socket.destroy();
      }
      try {
        events.emit({
          type: 'ratelimit_exceeded',
          time: new Date().toISOString(),
          level: 'warn',
          outcome: 'denied',
          code: 'ERR_CONNECTION_LIMITED',
          key: `conn:${key}`,
          limit: active >= maxConnections ? maxConnections : maxPerAddress,
          retryAfterMs: 0,
        });
      } catch {
        // Sinks must not break the server.
      }
      return;
    }
    active++;
    perAddress.set(key, current + 1);
    socket.once('close', () => {
      active--;
      const left = (perAddress.get(key) ?? 1) - 1;
      if (left <= 0) perAddress.delete(key);
      else perAddress.set(key, left);
    });
  };

  server.prependListener('connection', onConnection);
  return {
    get active() {
      return active;
    },
    get refused() {
      return refused;
    },
    dispose() {
      server.removeListener('connection', onConnection);
    },
  };
}
