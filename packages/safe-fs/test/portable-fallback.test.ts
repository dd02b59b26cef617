import { execFileSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setPathDescriptorsForTesting, setProcFdForTesting } from '../src/descriptor.js';
import { codeOf, SECRET, safeFsFor, sandbox } from './helpers.js';

// macOS and other Unix systems have no /proc/self/fd: the same checks then run on verified real
// paths (realpath + device/inode comparison). These tests force that mode on Linux.
describe('without /proc/self/fd (the macOS code path)', () => {
  beforeAll(() => setProcFdForTesting(false));
  afterAll(() => setProcFdForTesting(undefined));

  it('still refuses traversal, sibling prefixes, and links out (parent, final, dangling)', async () => {
    const box = sandbox();
    symlinkSync(box.outside, join(box.root, 'parent-out'));
    symlinkSync(join(box.outside, 'secret.txt'), join(box.root, 'file-out'));
    symlinkSync(join(box.outside, 'planted.txt'), join(box.root, 'dangling-out'));
    const fs = safeFsFor(box);
    expect(await codeOf(fs.readText('../outside/secret.txt'))).toBe('ERR_PATH_OUTSIDE_ROOTS');
    expect(await codeOf(fs.readText(join(box.evil, 'secret.txt')))).toBe('ERR_PATH_OUTSIDE_ROOTS');
    expect(await codeOf(fs.readText('parent-out/secret.txt'))).toBe('ERR_SYMLINK_ESCAPE');
    expect(await codeOf(fs.writeFile('parent-out/new.txt', 'x'))).toBe('ERR_SYMLINK_ESCAPE');
    expect(await codeOf(fs.readText('file-out'))).toBe('ERR_SYMLINK_ESCAPE');
    expect(await codeOf(fs.writeFile('dangling-out', 'x'))).toBe('ERR_SYMLINK_ESCAPE');
    expect(existsSync(join(box.outside, 'new.txt'))).toBe(false);
    expect(existsSync(join(box.outside, 'planted.txt'))).toBe(false);
  });

  it('still reads, writes atomically, lists, moves and removes inside the root', async () => {
    const box = sandbox();
    mkdirSync(join(box.root, 'd'));
    const fs = safeFsFor(box);
    await fs.writeFile('d/f.txt', 'one');
    await fs.writeFile('d/f.txt', 'two');
    await fs.appendFile('d/f.txt', '+');
    expect(await fs.readText('d/f.txt')).toBe('two+');
    expect((await fs.list('d')).entries.map((entry) => entry.name)).toEqual(['f.txt']);
    await fs.move('d/f.txt', 'g.txt');
    await fs.mkdir('x/y', { recursive: true });
    await fs.remove('d', { recursive: true });
    expect(readFileSync(join(box.root, 'g.txt'), 'utf8')).toBe('two+');
    expect(existsSync(join(box.root, 'x', 'y'))).toBe(true);
    linkSync(join(box.outside, 'secret.txt'), join(box.root, 'hard'));
    expect(await codeOf(fs.writeFile('hard', 'x'))).toBe('ERR_HARD_LINK_DENIED');
    expect(readFileSync(join(box.outside, 'secret.txt'), 'utf8')).toBe(SECRET);
    writeFileSync(join(box.root, 'plain.txt'), 'p');
    expect(await fs.resolve('plain.txt')).toBe(join(box.root, 'plain.txt'));
  });
});

// Linux on an architecture where the O_PATH value is not known: reads open the name inside the
// verified parent directory instead.
describe('Linux reads without O_PATH (through the verified parent directory)', () => {
  beforeAll(() => setPathDescriptorsForTesting(false));
  afterAll(() => setPathDescriptorsForTesting(undefined));

  it('refuses links out, special files and loops, and follows links inside', async () => {
    const box = sandbox();
    mkdirSync(join(box.root, 'd'));
    writeFileSync(join(box.root, 'd', 'f.txt'), 'inside');
    symlinkSync(box.outside, join(box.root, 'parent-out'));
    symlinkSync(join(box.outside, 'secret.txt'), join(box.root, 'file-out'));
    symlinkSync('d/f.txt', join(box.root, 'file-in'));
    symlinkSync('loop', join(box.root, 'loop'));
    symlinkSync('/dev/zero', join(box.root, 'zero'));
    execFileSync('mkfifo', [join(box.root, 'pipe')]);
    const fs = safeFsFor(box);
    expect(await codeOf(fs.readText('parent-out/secret.txt'))).toBe('ERR_SYMLINK_ESCAPE');
    expect(await codeOf(fs.readText('file-out'))).toBe('ERR_SYMLINK_ESCAPE');
    expect(await codeOf(fs.readText('zero'))).toBe('ERR_SYMLINK_ESCAPE');
    expect(await codeOf(fs.readText('loop'))).toBe('ERR_SYMLINK_LOOP');
    expect(await codeOf(fs.readText('pipe'))).toBe('ERR_NOT_A_FILE');
    expect(await codeOf(fs.readText('d'))).toBe('ERR_NOT_A_FILE');
    expect(await fs.readText('file-in')).toBe('inside');
    expect(await fs.readText('d/../d/f.txt')).toBe('inside');
    const never = safeFsFor(box, { symlinks: 'never' });
    expect(await codeOf(never.readText('file-in'))).toBe('ERR_SYMLINK_NOT_ALLOWED');
  }, 20_000);
});
