import type { AddressInfo } from 'node:net';
import type { Server as TlsServer } from 'node:tls';
import { hardenTlsServer } from '@mcp-warden/auth';
import { ConfigError } from '@mcp-warden/core';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import {
  type Assembly,
  anonymousLoopbackPrincipal,
  assemble,
  buildHttpRateLimiter,
  buildResourceServer,
  buildTls,
  stdioAuthInfo,
} from './assemble.js';
import { AuthenticatedTransport } from './authenticated-transport.js';
import { createHttpFront, type HttpFront } from './http-server.js';
import { endpointUrl, type Settings } from './settings.js';

/** A started server. */
export interface RunningServer {
  readonly assembly: Assembly;
  /** The MCP endpoint URL (HTTP) or `stdio`. */
  readonly url: string;
  readonly http: HttpFront | undefined;
  /** Stops accepting, lets in-flight calls finish within the grace period, flushes the audit log. */
  close(reason?: string): Promise<void>;
}

/** Starts the server the settings describe. */
export async function startServer(
  settings: Settings,
  warnings: readonly string[] = [],
): Promise<RunningServer> {
  const assembly = await assemble(settings, warnings);
  if (settings.transport === 'stdio') {
    const resourceServer = buildResourceServer(
      settings,
      'stdio://local',
      assembly.events,
      assembly.replayCache,
    );
    const authInfo = await stdioAuthInfo(settings, resourceServer);
    const server = assembly.newMcpServer('stdio');
    await server.connect(new AuthenticatedTransport(new StdioServerTransport(), authInfo));
    return {
      assembly,
      url: 'stdio',
      http: undefined,
      async close(reason = 'shutdown') {
        await server.close();
        await assembly.close(reason);
      },
    };
  }

  const tls = buildTls(settings);
  // The endpoint URL needs the port; a port of 0 is resolved after listen, so build auth lazily.
  const front = await new Promise<{ front: HttpFront; url: string }>((resolve, reject) => {
    let resourceServer: ReturnType<typeof buildResourceServer>;
    const front = createHttpFront({
      newMcpServer: () => assembly.newMcpServer('http'),
      get resourceServer() {
        return resourceServer;
      },
      ...(settings.authMode === 'none' ? { anonymousAuthInfo: anonymousLoopbackPrincipal() } : {}),
      rateLimiter: buildHttpRateLimiter(settings, assembly.store, assembly.events),
      sessions: assembly.sessions,
      sessionMode: settings.httpSessionMode,
      maxSessions: settings.maxSessions,
      maxSessionsPerPrincipal: settings.maxSessionsPerPrincipal,
      sessionIdleTimeoutMs: settings.sessionIdleTimeoutMs,
      maxConnections: settings.maxConnections,
      maxBodyBytes: settings.maxBodyBytes,
      headersTimeoutMs: settings.headersTimeoutMs,
      requestTimeoutMs: settings.requestTimeoutMs,
      events: assembly.events,
      ...(tls === undefined ? {} : { tls: tls.options }),
    });
    if (tls !== undefined)
      hardenTlsServer(front.server as unknown as TlsServer, { clientCertificates: settings.tlsClientAuth });
    front.server.once('error', reject);
    front.server.listen(settings.serverPort, settings.serverHost, () => {
      const { port } = front.server.address() as AddressInfo;
      const url = endpointUrl(settings, port);
      try {
        resourceServer = buildResourceServer(settings, url, assembly.events, assembly.replayCache);
      } catch (error) {
        front.server.close();
        reject(error);
        return;
      }
      resolve({ front, url });
    });
  });
  if (settings.authMode === 'none' && !settings.insecureAllowNoAuth) {
    throw new ConfigError('ERR_CONFIG_INVALID', 'auth mode none over HTTP needs insecureAllowNoAuth');
  }
  return {
    assembly,
    url: front.url,
    http: front.front,
    async close(reason = 'shutdown') {
      const http = front.front;
      await new Promise<void>((resolve) => {
        http.server.close(() => resolve());
        const timer = setTimeout(() => {
          http.server.closeAllConnections();
          resolve();
        }, settings.shutdownGraceMs);
        timer.unref();
        http.server.closeIdleConnections();
      });
      await http.closeSessions();
      await assembly.close(reason);
    },
  };
}
