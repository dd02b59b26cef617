import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPES } from '../src/demo-tools.js';
import type { RunningServer } from '../src/server.js';
import { httpClient, startJwtServer, textOf, workspace } from './helpers.js';

const ws = workspace();
let running: RunningServer;
let mint: (subject: string, scopes: readonly string[]) => Promise<string>;

beforeAll(async () => {
  ({ running, mint } = await startJwtServer(ws, {
    MCP_MAX_SESSIONS: '3',
    MCP_MAX_SESSIONS_PER_PRINCIPAL: '2',
  }));
});
afterAll(async () => {
  await running?.close('test done');
});

describe('HTTP session quota', () => {
  it('keeps one principal from taking every session, so others still get one', async () => {
    const token = await mint('mallory', []);
    const held = [await httpClient(running.url, token), await httpClient(running.url, token)];
    // Mallory's third session is refused (429) ...
    const refused = await httpClient(running.url, token).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(Error);
    expect(String((refused as Error).message)).toMatch(/429|too many sessions/);
    expect(running.http?.sessionCount()).toBe(2);
    // ... and the last place is left for someone else.
    const bob = await httpClient(running.url, await mint('bob', [SCOPES.read]));
    expect(textOf(await bob.client.callTool({ name: 'read_file', arguments: { path: 'hello.txt' } }))).toBe(
      'hello\n',
    );
    // A session given back frees a place in the principal's quota.
    await held[0]!.transport.terminateSession();
    await held[0]!.client.close();
    const again = await httpClient(running.url, token);
    expect(again.transport.sessionId).toBeTypeOf('string');
    for (const { client } of [held[1]!, bob, again]) await client.close();
  });
});

describe('HTTP session limits under concurrent initialize requests', () => {
  it('lets no more sessions start at once than the global and per-principal limits allow', async () => {
    const fresh = await startJwtServer(workspace(), {
      MCP_MAX_SESSIONS: '3',
      MCP_MAX_SESSIONS_PER_PRINCIPAL: '2',
    });
    try {
      const mallory = await fresh.mint('mallory', []);
      const attempts = await Promise.allSettled(
        Array.from({ length: 6 }, () => httpClient(fresh.running.url, mallory)),
      );
      const opened = attempts.filter((attempt) => attempt.status === 'fulfilled');
      expect(opened).toHaveLength(2);
      expect(fresh.running.http?.sessionCount()).toBe(2);
      // Six principals at once for the one place left: exactly one gets it.
      const others = await Promise.all(
        ['a', 'b', 'c', 'd', 'e', 'f'].map((subject) => fresh.mint(subject, [])),
      );
      const more = await Promise.allSettled(others.map((token) => httpClient(fresh.running.url, token)));
      expect(more.filter((attempt) => attempt.status === 'fulfilled')).toHaveLength(1);
      expect(fresh.running.http?.sessionCount()).toBe(3);
      for (const attempt of [...attempts, ...more]) {
        if (attempt.status === 'fulfilled') await attempt.value.client.close();
      }
    } finally {
      await fresh.running.close('test done');
    }
  });
});
