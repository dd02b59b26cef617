import type { IncomingMessage, ServerResponse } from 'node:http';
import { type EventSink, isWardenError, noopSink, type SecurityEvent } from '@mcp-warden/core';
import { addressKey, type ClientAddressOptions, clientAddressResolver } from './client-address.js';
import { rateLimitHeaders } from './rate-limit-headers.js';
import { type RateLimitRule, type RateLimitRuleSpec, toRule } from './rule.js';
import type { RateLimitStore } from './store.js';

/** Options of {@link httpRateLimit}. */
export interface HttpRateLimitOptions extends ClientAddressOptions {
  readonly store: RateLimitStore;
  /** Default: 300 requests per minute per client address (GCRA). */
  readonly rule?: RateLimitRuleSpec | RateLimitRule;
  /**
   * The key of a request. Default: its client address (`X-Forwarded-For` only through
   * `trustedProxies`), IPv6 grouped by /64.
   */
  readonly key?: (request: IncomingMessage, clientAddress: string | undefined) => string;
  /** Where `ratelimit_exceeded` goes. Default: none. */
  readonly events?: EventSink;
}

/** An HTTP limiter: `check` for a plain `node:http` handler, `middleware` for express/connect. */
export interface HttpRateLimiter {
  /**
   * Decides for one request. Allowed: sets the `RateLimit` headers and resolves `true`. Denied:
   * answers 429 (or 503 when the store cannot decide) with `Retry-After`, and resolves `false`.
   */
  check(request: IncomingMessage, response: ServerResponse): Promise<boolean>;
  /** `(req, res, next)`: calls `next()` only for allowed requests. */
  middleware(request: IncomingMessage, response: ServerResponse, next: (error?: unknown) => void): void;
}

/** Rate-limits HTTP requests before they reach the MCP SDK. */
export function httpRateLimit(options: HttpRateLimitOptions): HttpRateLimiter {
  const rule = toRule(options.rule ?? { limit: 300, periodMs: 60_000 }, 'http');
  const resolve = clientAddressResolver(options);
  const keyOf =
    options.key ?? ((_request, address) => (address === undefined ? 'ip:unknown' : addressKey(address)));
  const events = options.events ?? noopSink();

  const deny = (
    response: ServerResponse,
    status: number,
    headers: Record<string, string>,
    code: string,
  ): void => {
    if (response.headersSent) {
      response.destroy();
      return;
    }
    const body = JSON.stringify({ error: status === 429 ? 'rate_limited' : 'unavailable', code });
    response.writeHead(status, {
      ...headers,
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
      'Cache-Control': 'no-store',
    });
    response.end(body);
  };

  const check = async (request: IncomingMessage, response: ServerResponse): Promise<boolean> => {
    const address = resolve(request);
    const key = keyOf(request, address);
    try {
      const decision = await options.store.consume(key, rule, 1);
      const headers = rateLimitHeaders(rule, decision);
      if (decision.allowed) {
        for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
        return true;
      }
      const event: SecurityEvent = {
        type: 'ratelimit_exceeded',
        time: new Date().toISOString(),
        level: 'warn',
        outcome: 'denied',
        transport: 'http',
        code: 'ERR_RATE_LIMITED',
        key,
        limit: rule.limit,
        retryAfterMs: decision.retryAfterMs,
        ...(address === undefined ? {} : { remoteAddress: address }),
      };
      try {
        events.emit(event);
      } catch {
        // Sinks must not break requests.
      }
      deny(response, 429, headers, 'ERR_RATE_LIMITED');
      return false;
    } catch (error) {
      const retryAfterMs = isWardenError(error) ? Number(error.data.retryAfterMs ?? 1000) : 1000;
      const code = isWardenError(error) ? error.code : 'ERR_INTERNAL';
      deny(response, 503, { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) }, code);
      return false;
    }
  };

  return {
    check,
    middleware(request, response, next) {
      check(request, response).then(
        (allowed) => {
          if (allowed) next();
        },
        (error: unknown) => next(error),
      );
    },
  };
}
