import { type Guard, secureMcpServer } from '@mcp-warden/core';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { Comparison } from '../harness.js';

function serverWithEcho(): McpServer {
  const server = new McpServer({ name: 'bench', version: '1.0.0' });
  server.registerTool('echo', { inputSchema: { text: z.string() } }, async ({ text }) => ({
    content: [{ type: 'text', text }],
  }));
  return server;
}

async function connected(server: McpServer): Promise<Client> {
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
  return client;
}

const passThrough: Guard = (_call, next) => next();
const call = { name: 'echo', arguments: { text: 'hello' } };

/** The cost of the binding itself: five pass-through guards on a real Client/McpServer round trip. */
async function setup() {
  const bare = await connected(serverWithEcho());
  const guardedServer = serverWithEcho();
  secureMcpServer(guardedServer, {
    guards: [passThrough, passThrough, passThrough, passThrough, passThrough],
  });
  const guarded = await connected(guardedServer);
  return {
    candidate: () => guarded.callTool(call),
    baseline: () => bare.callTool(call),
    teardown: async () => {
      await Promise.all([bare.close(), guarded.close()]);
    },
  };
}

export const comparisons: readonly Comparison[] = [
  {
    name: 'core/binding-overhead',
    candidateLabel: 'secureMcpServer + 5 guards',
    baselineLabel: 'bare McpServer',
    setup,
  },
];
