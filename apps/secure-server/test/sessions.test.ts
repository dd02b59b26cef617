import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPES } from '../src/demo-tools.js';
import type { RunningServer } from '../src/server.js';
import { httpClient, startJwtServer, textOf, workspace } from './helpers.js';

const ws = workspace();
let running: RunningServer;
let mint: (subject: string, scopes: readonly string[]) => Promise<string>;

beforeAll(async () => {
  // Room for one session only, which is forgotten after 1 s without any request or open stream.
  ({ running, mint } = await startJwtServer(ws, {
    MCP_MAX_SESSIONS: '1',
    MCP_SESSION_IDLE_TIMEOUT_MS: '1000',
  }));
});
afterAll(async () => {
  await running?.close('test done');
});

async function waitFor(condition: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return condition();
}

describe('HTTP sessions', () => {
  it('frees the session of a client that left without DELETE, and keeps a connected one however quiet', async () => {
    // The SDK client's close() sends no DELETE: its session would otherwise be kept forever, and
    // once `maxSessions` such clients have come and gone every new client is refused with 503.
    const first = await httpClient(running.url, await mint('dave', [SCOPES.read]));
    expect(textOf(await first.client.callTool({ name: 'read_file', arguments: { path: 'hello.txt' } }))).toBe(
      'hello\n',
    );
    await first.client.close();
    expect(running.http?.sessionCount()).toBe(1);
    expect(await waitFor(() => running.http?.sessionCount() === 0, 5_000)).toBe(true);

    // A new client gets the freed place; while it stays connected (its SSE stream open) it keeps its
    // session past the idle timeout.
    const second = await httpClient(running.url, await mint('erin', [SCOPES.read]));
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(running.http?.sessionCount()).toBe(1);
    expect(
      textOf(await second.client.callTool({ name: 'read_file', arguments: { path: 'hello.txt' } })),
    ).toBe('hello\n');
    await second.transport.terminateSession();
    await second.client.close();
    expect(running.http?.sessionCount()).toBe(0);
  });
});
