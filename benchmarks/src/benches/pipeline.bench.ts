import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditCalls, createAuditSink } from '@mcp-warden/audit';
import { requireScopes } from '@mcp-warden/auth';
import { secureMcpServer } from '@mcp-warden/core';
import { MemoryStore, rateLimitGuard } from '@mcp-warden/ratelimit';
import { boundedString, validationGuard } from '@mcp-warden/validation';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { Comparison } from '../harness.js';

// The cost of the whole pipeline — audit (hash-chained file) → scopes → rate limit → validation →
// handler → output sanitising — on a real Client/McpServer round trip over the in-memory transport.

/** The same tool on both servers, written as a user of mcp-warden writes it. */
const inputSchema = { text: boundedString({ maxChars: 1000 }), count: z.number().int().max(100) };

function echoServer(): McpServer {
  const server = new McpServer({ name: 'bench', version: '1.0.0' });
  server.registerTool('echo', { inputSchema }, async ({ text }) => ({
    content: [{ type: 'text', text }],
  }));
  return server;
}

async function connected(server: McpServer, scopes: string[] = []): Promise<Client> {
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const send = clientTransport.send.bind(clientTransport);
  clientTransport.send = (message, options) =>
    send(message, {
      ...options,
      authInfo: { token: 't', clientId: 'bench', scopes, extra: { subject: 'bench' } },
    });
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
  return client;
}

const call = { name: 'echo', arguments: { text: 'hello, pipeline', count: 3 } };

type Layer = 'audit' | 'scopes' | 'ratelimit' | 'validation';

function setupWith(layers: readonly Layer[]) {
  return async () => {
    const bare = await connected(echoServer());
    const audit = createAuditSink({
      file: join(mkdtempSync(join(tmpdir(), 'bench-pipeline-')), 'audit.log'),
    });
    const guarded = echoServer();
    const guards = {
      audit: auditCalls(),
      scopes: requireScopes(),
      ratelimit: rateLimitGuard({
        store: new MemoryStore(),
        rule: { limit: 1_000_000_000, periodMs: 60_000 },
      }),
      validation: validationGuard(),
    };
    secureMcpServer(guarded, {
      events: audit,
      policies: { tools: { echo: { scopes: ['echo'] } } },
      guards: layers.map((layer) => guards[layer]),
    });
    const client = await connected(guarded, ['echo']);
    return {
      candidate: () => client.callTool(call),
      baseline: () => bare.callTool(call),
      teardown: async () => {
        await Promise.all([bare.close(), client.close()]);
        await audit.close('benchmark done');
      },
    };
  };
}

export const comparisons: readonly Comparison[] = [
  {
    name: 'pipeline/full',
    candidateLabel: 'audit+scopes+ratelimit+validate+sanitize',
    baselineLabel: 'bare McpServer tool call',
    targetTimeRatio: 1.15,
    // A ~2 µs difference on a ~12 µs call, on a machine whose rounds vary by ±10%: more rounds.
    rounds: 28,
    setup: setupWith(['audit', 'scopes', 'ratelimit', 'validation']),
  },
  {
    // The median call above does not contain the audit log's encoding, which runs once the turn ends
    // (or when its buffer fills), nor garbage collection. Here the mean over samples of 256 sequential
    // calls is taken, so both are in it: the cost in throughput rather than in latency.
    name: 'pipeline/full-throughput',
    candidateLabel: 'same, mean of 256 sequential calls',
    baselineLabel: 'bare McpServer tool call',
    opsPerIteration: 256,
    statistic: 'mean',
    setup: setupWith(['audit', 'scopes', 'ratelimit', 'validation']),
  },
  ...(['audit', 'scopes', 'ratelimit', 'validation'] as const).map((layer) => ({
    name: `pipeline/only-${layer}`,
    candidateLabel: `binding + ${layer} guard`,
    baselineLabel: 'bare McpServer tool call',
    setup: setupWith([layer]),
  })),
];
