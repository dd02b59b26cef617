import { once } from 'node:events';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import { memorySink } from '@mcp-warden/core';
import { afterEach, describe, expect, it } from 'vitest';
import { httpRateLimit, limitConnections, MemoryStore } from '../src/index.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(async (server) => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    }),
  );
});

async function listen(server: Server): Promise<number> {
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function get(port: number, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/mcp', headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('httpRateLimit on a real HTTP server', () => {
  it('answers 429 with Retry-After and the RateLimit / RateLimit-Policy headers before the handler runs', async () => {
    const events = memorySink();
    const limiter = httpRateLimit({ store: new MemoryStore(), rule: { limit: 2, periodMs: 60_000 }, events });
    let handled = 0;
    const port = await listen(
      createServer(async (req, res) => {
        if (!(await limiter.check(req, res))) return;
        handled++;
        res.end('ok');
      }),
    );
    const first = await get(port);
    expect(first.status).toBe(200);
    expect(first.headers['ratelimit-policy']).toBe('"http";q=2;w=60');
    expect(first.headers.ratelimit).toBe('"http";r=1;t=30');
    await get(port);
    const denied = await get(port);
    expect(denied.status).toBe(429);
    expect(denied.headers['retry-after']).toBe('30');
    expect(denied.headers.ratelimit).toBe('"http";r=0;t=60');
    expect(JSON.parse(denied.body)).toEqual({ error: 'rate_limited', code: 'ERR_RATE_LIMITED' });
    expect(handled).toBe(2);
    expect(events.events).toEqual([
      expect.objectContaining({ type: 'ratelimit_exceeded', key: 'ip:127.0.0.1' }),
    ]);
  });

  it('does not let a spoofed X-Forwarded-For reset the limit (no trusted proxy configured)', async () => {
    const limiter = httpRateLimit({ store: new MemoryStore(), rule: { limit: 1, periodMs: 60_000 } });
    const port = await listen(
      createServer((req, res) => {
        limiter.middleware(req, res, () => res.end('ok'));
      }),
    );
    expect((await get(port, { 'X-Forwarded-For': '1.1.1.1' })).status).toBe(200);
    expect((await get(port, { 'X-Forwarded-For': '2.2.2.2' })).status).toBe(429);
  });

  it('keys each client behind a trusted proxy separately', async () => {
    const limiter = httpRateLimit({
      store: new MemoryStore(),
      rule: { limit: 1, periodMs: 60_000 },
      trustedProxies: ['loopback'],
    });
    const port = await listen(
      createServer((req, res) => {
        limiter.middleware(req, res, () => res.end('ok'));
      }),
    );
    expect((await get(port, { 'X-Forwarded-For': '198.51.100.1' })).status).toBe(200);
    expect((await get(port, { 'X-Forwarded-For': '198.51.100.2' })).status).toBe(200);
    expect((await get(port, { 'X-Forwarded-For': '198.51.100.1' })).status).toBe(429);
  });
});

describe('limitConnections on a real HTTP server', () => {
  it('destroys connections over the per-address cap and admits new ones once others close', async () => {
    const events = memorySink();
    const server = createServer((_req, res) => res.end('ok'));
    const limit = limitConnections(server, { maxConnections: 10, maxPerAddress: 2, events });
    const port = await listen(server);
    const open = async (): Promise<Socket> => {
      const socket = netConnect(port, '127.0.0.1');
      await once(socket, 'connect');
      return socket;
    };
    const a = await open();
    const b = await open();
    const c = await open();
    let refusal = '';
    c.on('data', (chunk: Buffer) => {
      refusal += chunk.toString();
    });
    await once(c, 'close');
    expect(refusal).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
    expect(refusal).toContain('Retry-After: 1');
    expect(limit.refused).toBe(1);
    expect(limit.active).toBe(2);
    expect(events.events).toEqual([
      expect.objectContaining({ type: 'ratelimit_exceeded', code: 'ERR_CONNECTION_LIMITED', limit: 2 }),
    ]);
    a.destroy();
    await once(a, 'close');
    // The server side notices the close asynchronously; a bounded wait.
    for (let i = 0; i < 100 && limit.active > 1; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    const d = await open();
    d.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    let response = '';
    d.on('data', (chunk: Buffer) => {
      response += chunk.toString();
    });
    await once(d, 'close');
    expect(response).toMatch(/^HTTP\/1.1 200/);
    b.destroy();
    limit.dispose();
  });

  it('closes refused connections without a word on TLS servers and when asked to', async () => {
    const server = createServer((_req, res) => res.end('ok'));
    const limit = limitConnections(server, { maxConnections: 1, answer503: false });
    const port = await listen(server);
    const a = netConnect(port, '127.0.0.1');
    await once(a, 'connect');
    const b = netConnect(port, '127.0.0.1');
    let said = '';
    b.on('data', (chunk: Buffer) => {
      said += chunk.toString();
    });
    await once(b, 'close');
    expect(said).toBe('');
    expect(limit.refused).toBe(1);
    a.destroy();
    limit.dispose();
  });

  it('caps total connections', async () => {
    const server = createServer((_req, res) => res.end('ok'));
    const limit = limitConnections(server, { maxConnections: 1, maxPerAddress: 5 });
    const port = await listen(server);
    const a = netConnect(port, '127.0.0.1');
    await once(a, 'connect');
    const b = netConnect(port, '127.0.0.1');
    b.resume(); // read the 503, so the socket can end
    await once(b, 'close');
    expect(limit.refused).toBe(1);
    a.destroy();
  });
});
