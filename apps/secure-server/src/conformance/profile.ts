import type { AddressInfo } from 'node:net';
import { createAuditSink } from '@mcp-warden/audit';
import { secureMcpServer, sessionOwnership } from '@mcp-warden/core';
import { httpRateLimit, MemoryStore } from '@mcp-warden/ratelimit';
import { anonymousLoopbackPrincipal } from '../assemble.js';
import { createHttpFront, type HttpFront } from '../http-server.js';
import { buildGuards } from '../pipeline.js';
import { createConformanceServer, memoryEventStore } from './everything-surface.js';

/** A running conformance profile. */
export interface ConformanceProfile {
  readonly url: string;
  readonly front: HttpFront;
  close(): Promise<void>;
}

/**
 * The conformance suite's fixed surface served by the reference server's HTTP front with every guard
 * on (audit, session owner, scopes, rate limit, validation and output sanitising). Auth is off the
 * only way the server allows it: no resource server, loopback bind, Host/Origin checked.
 */
export async function startConformanceProfile(options: {
  port?: number;
  auditLog: string;
}): Promise<ConformanceProfile> {
  const audit = createAuditSink({ file: options.auditLog });
  const store = new MemoryStore();
  const sessions = sessionOwnership();
  // The suite makes a few hundred calls as one anonymous principal: a generous but finite budget.
  const guards = buildGuards({ store, callsPerMinute: 10_000, sessions });
  let front: HttpFront | undefined;
  front = createHttpFront({
    newMcpServer: () => {
      const server = createConformanceServer((sessionId) => front?.transportFor(sessionId));
      secureMcpServer(server, { guards, events: audit, transport: 'http' });
      return server;
    },
    resourceServer: undefined,
    anonymousAuthInfo: anonymousLoopbackPrincipal(),
    rateLimiter: httpRateLimit({ store, rule: { limit: 10_000, periodMs: 60_000 }, events: audit }),
    sessions,
    sessionMode: 'stateful',
    maxSessions: 1_000,
    maxConnections: 256,
    maxBodyBytes: 1024 * 1024,
    events: audit,
    transportOptions: () => ({ eventStore: memoryEventStore(), retryInterval: 5_000 }),
  });
  const server = front.server;
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${port}/mcp`,
    front,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await front?.closeSessions();
      await audit.close('conformance run finished');
    },
  };
}
