import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { describe, expect, it } from 'vitest';
import { memorySink, secureMcpServer, sessionOwnerGuard, sessionOwnership } from '../src/index.js';

const alice = { subject: 'alice', scopes: [], clientId: 'app', method: 'bearer' } as const;
const mallory = { subject: 'mallory', scopes: [], clientId: 'app', method: 'bearer' } as const;

describe('sessionOwnership', () => {
  it('lets only the principal that created a session use it', () => {
    const owners = sessionOwnership();
    owners.claim('s1', alice);
    expect(owners.allows('s1', alice)).toBe(true);
    expect(owners.allows('s1', mallory)).toBe(false);
    expect(owners.allows('s1', undefined)).toBe(false);
    expect(owners.allows('s1', { ...alice, clientId: 'other-app' })).toBe(false);
    owners.claim('s1', mallory);
    expect(owners.allows('s1', mallory)).toBe(false);
  });

  it('refuses unknown and released sessions, and stays bounded', () => {
    const owners = sessionOwnership({ maxSessions: 2 });
    expect(owners.allows('nope', alice)).toBe(false);
    owners.claim('a', alice);
    owners.claim('b', alice);
    owners.claim('c', alice);
    expect(owners.size).toBe(2);
    expect(owners.allows('a', alice)).toBe(false);
    owners.release('b');
    expect(owners.allows('b', alice)).toBe(false);
  });

  it('counts the sessions each principal holds, as claims, releases and evictions change them', () => {
    const owners = sessionOwnership({ maxSessions: 3 });
    const held = () => [owners.heldBy?.(alice), owners.heldBy?.(mallory), owners.heldBy?.(undefined)];
    expect(held()).toEqual([0, 0, 0]);
    owners.claim('a1', alice);
    owners.claim('a2', alice);
    owners.claim('a1', alice); // claimed once
    owners.claim('m1', mallory);
    expect(held()).toEqual([2, 1, 0]);
    // Another client id of the same subject is another owner.
    expect(owners.heldBy?.({ ...alice, clientId: 'other-app' })).toBe(0);
    owners.claim('n1', undefined); // past maxSessions: a1, the oldest, is forgotten
    expect(held()).toEqual([1, 1, 1]);
    owners.release('a2');
    owners.release('a2');
    owners.release('unknown');
    expect(held()).toEqual([0, 1, 1]);
  });

  it('binds anonymous sessions to anonymity: a principal cannot take one over', () => {
    const owners = sessionOwnership();
    owners.claim('s', undefined);
    expect(owners.allows('s', undefined)).toBe(true);
    expect(owners.allows('s', alice)).toBe(false);
  });
});

describe('sessionOwnerGuard', () => {
  it('denies a call in a session owned by someone else, with a code and an event', async () => {
    const owners = sessionOwnership();
    owners.claim('session-1', alice);
    const sink = memorySink();
    const server = new McpServer({ name: 's', version: '1' });
    server.registerTool('t', {}, async () => ({ content: [{ type: 'text', text: 'ok' }] }));
    secureMcpServer(server, { guards: [sessionOwnerGuard(owners)], events: sink });
    const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
    const { InMemoryTransport } = await import('@modelcontextprotocol/sdk/inMemory.js');
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    // The in-memory transport has no sessions; give the server side one, as HTTP would.
    Object.defineProperty(serverTransport, 'sessionId', { value: 'session-1' });
    const send = clientTransport.send.bind(clientTransport);
    clientTransport.send = (message, options) =>
      send(message, {
        ...options,
        authInfo: { token: 'x', clientId: 'app', scopes: [], extra: { subject: 'mallory' } },
      });
    const client = new Client({ name: 'c', version: '1' });
    await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
    const result = await client.callTool({ name: 't', arguments: {} });
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toContain('ERR_SESSION_NOT_OWNED');
    expect(sink.events.map((e) => e.type)).toEqual(['session_use_denied']);
  });
});
