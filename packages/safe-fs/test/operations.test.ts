import { existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, memorySink } from '@mcp-warden/core';
import { describe, expect, it } from 'vitest';
import { createSafeFs } from '../src/index.js';
import { codeOf, SECRET, safeFsFor, sandbox } from './helpers.js';

describe('operations', () => {
  it('lists sorted entries with types, bounded by entries and depth', async () => {
    const box = sandbox();
    mkdirSync(join(box.root, 'd', 'e', 'f'), { recursive: true });
    for (const name of ['c.txt', 'a.txt', 'b.txt']) writeFileSync(join(box.root, name), name);
    writeFileSync(join(box.root, 'd', 'e', 'f', 'deep.txt'), 'deep');
    symlinkSync('a.txt', join(box.root, 'link'));
    const fs = safeFsFor(box, { maxListEntries: 50, maxListDepth: 3 });
    const flat = await fs.list('.');
    expect(flat.entries.map((entry) => `${entry.path}:${entry.type}`)).toEqual([
      'a.txt:file',
      'b.txt:file',
      'c.txt:file',
      'd:directory',
      'link:symlink',
    ]);
    expect(flat.truncated).toBe(false);
    const deep = await fs.list('.', { recursive: true });
    expect(deep.entries.map((entry) => entry.path)).toContain('d/e/f');
    expect(deep.entries.map((entry) => entry.path)).not.toContain('d/e/f/deep.txt');
    expect(deep.truncated).toBe(true);
    const limited = await fs.list('.', { maxEntries: 2 });
    expect(limited.entries).toHaveLength(2);
    expect(limited.truncated).toBe(true);
    expect(await codeOf(fs.list('a.txt'))).toBe('ERR_NOT_A_DIRECTORY');
    expect(await codeOf(fs.list('nope'))).toBe('ERR_NOT_FOUND');
  });

  it('stat describes files, directories and the root', async () => {
    const box = sandbox();
    writeFileSync(join(box.root, 'f.txt'), '12345');
    const fs = safeFsFor(box);
    const info = await fs.stat('f.txt');
    expect(info).toMatchObject({ type: 'file', size: 5, nlink: 1 });
    expect((await fs.stat('.')).type).toBe('directory');
    expect((await fs.stat(box.root)).type).toBe('directory');
    expect(await codeOf(fs.stat('f.txt/'))).toBe('ERR_NOT_A_DIRECTORY');
    expect(await codeOf(fs.stat('nope'))).toBe('ERR_NOT_FOUND');
  });

  it('mkdir creates one level, or all levels with recursive; refuses what exists', async () => {
    const box = sandbox();
    const fs = safeFsFor(box);
    await fs.mkdir('one');
    expect(await codeOf(fs.mkdir('one'))).toBe('ERR_ALREADY_EXISTS');
    expect(await codeOf(fs.mkdir('two/three'))).toBe('ERR_NOT_FOUND');
    await fs.mkdir('two/three/four', { recursive: true });
    await fs.mkdir('two/three/four', { recursive: true });
    expect(statSync(join(box.root, 'two', 'three', 'four')).isDirectory()).toBe(true);
    expect(await codeOf(fs.mkdir('.'))).toBe('ERR_ALREADY_EXISTS');
  });

  it('remove deletes files, empty directories, and trees only when recursive; never the root', async () => {
    const box = sandbox();
    mkdirSync(join(box.root, 'tree', 'sub'), { recursive: true });
    writeFileSync(join(box.root, 'tree', 'sub', 'f.txt'), 'f');
    symlinkSync(box.outside, join(box.root, 'tree', 'sub', 'out'));
    writeFileSync(join(box.root, 'file.txt'), 'x');
    const fs = safeFsFor(box);
    await fs.remove('file.txt');
    expect(existsSync(join(box.root, 'file.txt'))).toBe(false);
    expect(await codeOf(fs.remove('tree'))).toBe('ERR_DIRECTORY_NOT_EMPTY');
    await fs.remove('tree', { recursive: true });
    expect(existsSync(join(box.root, 'tree'))).toBe(false);
    expect(readFileSync(join(box.outside, 'secret.txt'), 'utf8')).toBe(SECRET); // the link was not entered
    expect(await codeOf(fs.remove('.'))).toBe('ERR_ROOT_OPERATION');
    expect(await codeOf(fs.remove(box.root))).toBe('ERR_ROOT_OPERATION');
    expect(await codeOf(fs.remove('nope'))).toBe('ERR_NOT_FOUND');
  });

  it('move renames inside the roots, refuses to replace unless asked, and refuses to move a root', async () => {
    const box = sandbox();
    const second = join(box.base, 'second');
    mkdirSync(second);
    writeFileSync(join(box.root, 'a.txt'), 'a');
    writeFileSync(join(box.root, 'b.txt'), 'b');
    const fs = createSafeFs({ roots: [box.root, second] });
    expect(await codeOf(fs.move('a.txt', 'b.txt'))).toBe('ERR_ALREADY_EXISTS');
    expect(readFileSync(join(box.root, 'a.txt'), 'utf8')).toBe('a');
    await fs.move('a.txt', 'b.txt', { ifExists: 'replace' });
    expect(readFileSync(join(box.root, 'b.txt'), 'utf8')).toBe('a');
    expect(existsSync(join(box.root, 'a.txt'))).toBe(false);
    await fs.move('b.txt', join(second, 'moved.txt'));
    expect(readFileSync(join(second, 'moved.txt'), 'utf8')).toBe('a');
    mkdirSync(join(box.root, 'dir'));
    await fs.move('dir', 'dir2');
    expect(await codeOf(fs.move('dir2', 'dir2/inside'))).toBe('ERR_INVALID_PATH');
    expect(await codeOf(fs.move('dir2', '../outside/dir2'))).toBe('ERR_PATH_OUTSIDE_ROOTS');
    expect(await codeOf(fs.move(join(box.outside, 'secret.txt'), 'stolen.txt'))).toBe(
      'ERR_PATH_OUTSIDE_ROOTS',
    );
    expect(await codeOf(fs.move('.', 'x'))).toBe('ERR_ROOT_OPERATION');
    expect(existsSync(join(box.outside, 'dir2'))).toBe(false);
  });

  it('read-only roots refuse every change and allow reads', async () => {
    const box = sandbox();
    writeFileSync(join(box.root, 'f.txt'), 'f');
    mkdirSync(join(box.root, 'd'));
    const fs = createSafeFs({ roots: [{ path: box.root, readOnly: true }] });
    expect(await fs.readText('f.txt')).toBe('f');
    expect(await codeOf(fs.writeFile('f.txt', 'x'))).toBe('ERR_READ_ONLY_ROOT');
    expect(await codeOf(fs.writeFile('new.txt', 'x'))).toBe('ERR_READ_ONLY_ROOT');
    expect(await codeOf(fs.appendFile('f.txt', 'x'))).toBe('ERR_READ_ONLY_ROOT');
    expect(await codeOf(fs.mkdir('m'))).toBe('ERR_READ_ONLY_ROOT');
    expect(await codeOf(fs.remove('f.txt'))).toBe('ERR_READ_ONLY_ROOT');
    expect(await codeOf(fs.remove('d'))).toBe('ERR_READ_ONLY_ROOT');
    expect(await codeOf(fs.move('f.txt', 'g.txt'))).toBe('ERR_READ_ONLY_ROOT');
    expect(await codeOf(fs.resolve('f.txt', { intent: 'write' }))).toBe('ERR_READ_ONLY_ROOT');
    expect(await fs.resolve('f.txt')).toBe(join(box.root, 'f.txt'));
    expect(readFileSync(join(box.root, 'f.txt'), 'utf8')).toBe('f');
  });

  it('a read-only root nested in a writable one wins for paths inside it', async () => {
    const box = sandbox();
    mkdirSync(join(box.root, 'ro'));
    const fs = createSafeFs({ roots: [box.root, { path: join(box.root, 'ro'), readOnly: true }] });
    await fs.writeFile('rw.txt', 'ok');
    expect(await codeOf(fs.writeFile('ro/x.txt', 'x'))).toBe('ERR_READ_ONLY_ROOT');
    expect(await codeOf(fs.remove('ro', { recursive: true }))).toBe('ERR_ROOT_OPERATION');
    expect(existsSync(join(box.root, 'ro'))).toBe(true);
  });

  it('resolve returns the canonical path for existing and new paths, inside a root only', async () => {
    const box = sandbox();
    mkdirSync(join(box.root, 'real'));
    symlinkSync('real', join(box.root, 'alias'));
    const fs = safeFsFor(box);
    expect(await fs.resolve('alias')).toBe(join(box.root, 'real'));
    expect(await fs.resolve('alias/new/deeper.txt')).toBe(join(box.root, 'real', 'new', 'deeper.txt'));
    expect(await fs.resolve('.')).toBe(box.root);
    expect(await codeOf(fs.resolve('../outside'))).toBe('ERR_PATH_OUTSIDE_ROOTS');
    expect(await codeOf(fs.resolve('missing/../x'))).toBe('ERR_NOT_FOUND');
  });

  it('emits fs_access for successes and fs_denied for policy refusals, through the sink or the context', async () => {
    const box = sandbox();
    const events = memorySink();
    const fs = safeFsFor(box, { events, maxWriteBytes: 4 });
    await fs.writeFile('f.txt', 'ok');
    await fs.readText('f.txt');
    await fs.writeFile('big.txt', 'too big').catch(() => undefined);
    await fs.readText('missing.txt').catch(() => undefined);
    expect(events.events.map((event) => [event.type, event.outcome, event.code])).toEqual([
      ['fs_access', 'success', undefined],
      ['fs_access', 'success', undefined],
      ['fs_denied', 'denied', 'ERR_FILE_TOO_LARGE'],
      ['fs_access', 'failure', 'ERR_NOT_FOUND'],
    ]);
    const seen: unknown[] = [];
    const context = {
      principal: undefined,
      requestId: '1',
      sessionId: undefined,
      transport: 'stdio' as const,
      remoteAddress: undefined,
      signal: new AbortController().signal,
      correlationId: 'c',
      emit: (event: unknown) => seen.push(event),
    };
    await fs.readText('../x', { context }).catch(() => undefined);
    expect(seen).toEqual([
      {
        type: 'malicious_path_traversal',
        operation: 'read',
        reason: 'dotdot_above_root',
        code: 'ERR_PATH_OUTSIDE_ROOTS',
      },
    ]);
    expect(events.events).toHaveLength(4); // the context took it, not the sink
  });

  it('an aborted signal stops list, mkdir, remove and move before they change anything', async () => {
    const box = sandbox();
    mkdirSync(join(box.root, 'tree', 'sub'), { recursive: true });
    writeFileSync(join(box.root, 'tree', 'sub', 'f.txt'), 'f');
    const fs = safeFsFor(box);
    const signal = AbortSignal.abort();
    expect(await codeOf(fs.list('tree', { signal }))).toBe('ERR_ABORTED');
    expect(await codeOf(fs.mkdir('new', { signal }))).toBe('ERR_ABORTED');
    expect(await codeOf(fs.remove('tree', { recursive: true, signal }))).toBe('ERR_ABORTED');
    expect(await codeOf(fs.move('tree', 'moved', { signal }))).toBe('ERR_ABORTED');
    expect(await codeOf(fs.writeFile('w.txt', 'x', { signal }))).toBe('ERR_ABORTED');
    expect(readFileSync(join(box.root, 'tree', 'sub', 'f.txt'), 'utf8')).toBe('f');
    expect(existsSync(join(box.root, 'new'))).toBe(false);
    expect(existsSync(join(box.root, 'w.txt'))).toBe(false);
  });

  it('validates options: roots must exist, limits must be positive, defaultRoot must be a root', async () => {
    const box = sandbox();
    const events = memorySink();
    const configCode = (build: () => unknown): string => {
      try {
        build();
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as ConfigError).code;
      }
      throw new Error('expected a ConfigError');
    };
    expect(configCode(() => createSafeFs({ roots: [] }))).toBe('ERR_INVALID_OPTIONS');
    expect(configCode(() => createSafeFs({ roots: [join(box.base, 'nope')] }))).toBe('ERR_ROOT_UNAVAILABLE');
    expect(configCode(() => createSafeFs({ roots: [join(box.outside, 'secret.txt')] }))).toBe(
      'ERR_ROOT_UNAVAILABLE',
    );
    expect(configCode(() => createSafeFs({ roots: [box.root], maxReadBytes: 0 }))).toBe(
      'ERR_INVALID_OPTIONS',
    );
    expect(
      configCode(() => createSafeFs({ roots: [box.root], maxWriteBytes: Number.POSITIVE_INFINITY })),
    ).toBe('ERR_INVALID_OPTIONS');
    expect(configCode(() => createSafeFs({ roots: [box.root], defaultRoot: box.outside }))).toBe(
      'ERR_INVALID_OPTIONS',
    );
    expect(configCode(() => createSafeFs({ roots: [box.root], symlinks: 'always' as 'never' }))).toBe(
      'ERR_INVALID_OPTIONS',
    );
    const fs = createSafeFs({ roots: [box.root], hardLinks: 'allow', events });
    expect(fs.roots).toEqual([{ path: box.root, readOnly: false }]);
    expect(events.events).toMatchObject([{ type: 'sys_startup', component: 'safe-fs', level: 'warn' }]);
  });
});
