import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { memorySink } from '@mcp-warden/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadConfig, problemsOf, secret, watchConfig } from '../src/index.js';
import { tempDir } from './helpers.js';

const schema = z.object({
  host: z.string().default('127.0.0.1'),
  rateLimit: z.int().min(1).default(100),
  token: secret(z.string().min(8)).optional(),
});

describe('reload', () => {
  let temp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    temp = tempDir();
  });
  afterEach(() => temp.cleanup());

  it('accepts a valid reload of a reloadable key and reports the changed keys, never values', () => {
    const file = temp.file('c.json', JSON.stringify({ rateLimit: 10, token: 'old-token-1' }));
    const sink = memorySink();
    const seen: [number, readonly string[]][] = [];
    const watcher = watchConfig(schema, {
      file,
      env: {},
      events: sink,
      signal: false,
      reloadable: ['rateLimit', 'token'],
      onReload: (config, keys) => seen.push([config.rateLimit, keys]),
    });
    writeFileSync(file, JSON.stringify({ rateLimit: 20, token: 'new-token-2' }));
    expect(watcher.reload()).toEqual({ ok: true, changedKeys: ['rateLimit', 'token'] });
    expect(watcher.current.config.rateLimit).toBe(20);
    expect(watcher.current.config.token?.reveal()).toBe('new-token-2');
    expect(Object.isFrozen(watcher.current.config)).toBe(true);
    expect(seen).toEqual([[20, ['rateLimit', 'token']]]);
    expect(sink.events.map((event) => event.type)).toEqual(['config_loaded', 'config_reloaded']);
    expect(sink.events[1]).toMatchObject({ changedKeys: ['rateLimit', 'token'] });
    expect(JSON.stringify(sink.events)).not.toContain('token-');
    watcher.close();
  });

  it('rejects an invalid reload, keeps the old config and says why', () => {
    const file = temp.file('c.json', JSON.stringify({ rateLimit: 10 }));
    const sink = memorySink();
    const rejected: unknown[] = [];
    const watcher = watchConfig(schema, {
      file,
      env: {},
      events: sink,
      signal: false,
      reloadable: ['rateLimit'],
      onReject: (error) => rejected.push(error),
    });
    const before = watcher.current;
    writeFileSync(file, JSON.stringify({ rateLimit: 0, rateLimt: 5 }));
    const outcome = watcher.reload();
    expect(outcome.ok).toBe(false);
    expect(watcher.current).toBe(before);
    expect(problemsOf(rejected[0]).map((problem) => problem.key)).toEqual(['rateLimt', 'rateLimit']);
    expect(sink.events.map((event) => event.type)).toEqual(['config_loaded', 'config_invalid']);
    watcher.close();
  });

  it('rejects a reload that changes a setting which needs a restart, even if valid', () => {
    const file = temp.file('c.json', JSON.stringify({ rateLimit: 10 }));
    const watcher = watchConfig(schema, { file, env: {}, signal: false, reloadable: ['rateLimit'] });
    writeFileSync(file, JSON.stringify({ rateLimit: 30, host: '0.0.0.0' }));
    const outcome = watcher.reload();
    expect(outcome.ok).toBe(false);
    expect(outcome.ok ? [] : problemsOf(outcome.error)).toEqual([
      {
        key: 'host',
        source: `file ${file} key host`,
        reason: 'changed, but this setting cannot change without a restart',
        code: 'ERR_CONFIG_RELOAD_UNSAFE',
      },
    ]);
    expect(watcher.current.config).toEqual({ host: '127.0.0.1', rateLimit: 10 });
    watcher.close();
  });

  it('starts from a config loaded before, without loading it again', () => {
    const file = temp.file('c.json', JSON.stringify({ rateLimit: 10 }));
    const initial = loadConfig(schema, { file, env: {} });
    writeFileSync(file, JSON.stringify({ rateLimit: 11 }));
    const watcher = watchConfig(schema, { file, env: {}, signal: false, reloadable: ['rateLimit'], initial });
    expect(watcher.current).toBe(initial);
    expect(watcher.reload()).toEqual({ ok: true, changedKeys: ['rateLimit'] });
    watcher.close();
  });

  it('fails to start like loadConfig when the first load is invalid', () => {
    expect(() => watchConfig(schema, { env: { MCP_RATE_LIMIT: '0' }, signal: false })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }),
    );
  });

  describe('on a real SIGHUP to a child process', () => {
    let child: ChildProcess | undefined;
    afterEach(() => {
      child?.stdin?.end();
      child?.kill();
    });

    it('reloads a valid change and keeps the old config on an invalid one', async () => {
      const file = temp.file('c.json', JSON.stringify({ rateLimit: 10 }));
      const script = fileURLToPath(new URL('./fixtures/reload-child.ts', import.meta.url));
      child = spawn(process.execPath, ['--import', 'tsx', script], {
        env: { PATH: process.env.PATH, MCP_CONFIG_FILE: file },
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
      const next = async (): Promise<Record<string, unknown>> => {
        const line = await lines.next();
        return JSON.parse(String(line.value)) as Record<string, unknown>;
      };
      expect(await next()).toEqual({ event: 'ready', rateLimit: 10 });

      writeFileSync(file, JSON.stringify({ rateLimit: 50 }));
      child.kill('SIGHUP');
      expect(await next()).toEqual({ event: 'reloaded', rateLimit: 50, changedKeys: ['rateLimit'] });

      writeFileSync(file, JSON.stringify({ rateLimit: -1 }));
      child.kill('SIGHUP');
      const rejected = await next();
      expect(rejected).toMatchObject({ event: 'rejected', rateLimit: 50 });
      expect(rejected.problems).toEqual([
        expect.objectContaining({ key: 'rateLimit', source: `file ${file} key rateLimit` }),
      ]);

      writeFileSync(file, JSON.stringify({ rateLimit: 50, host: '0.0.0.0' }));
      child.kill('SIGHUP');
      expect(await next()).toMatchObject({
        event: 'rejected',
        rateLimit: 50,
        problems: [expect.objectContaining({ key: 'host', code: 'ERR_CONFIG_RELOAD_UNSAFE' })],
      });
      expect(child.exitCode).toBeNull();
    }, 30_000);
  });
});
