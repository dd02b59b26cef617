import { execFileSync } from 'node:child_process';
import {
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { mkdir as mkdirAsync, rmdir as rmdirAsync } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSafeFs } from '../src/index.js';
import { codeOf, SECRET, safeFsFor, sandbox } from './helpers.js';

describe('adversarial review probes', () => {
  it('roots configured with a trailing slash, ., .., // or through a symlink contain the same paths', async () => {
    const box = sandbox();
    writeFileSync(join(box.root, 'in.txt'), 'in');
    symlinkSync(box.root, join(box.base, 'root-link'));
    for (const given of [
      `${box.root}/`,
      `${box.root}/.`,
      `${box.base}/outside/../root`,
      `${box.base}//root//`,
      join(box.base, 'root-link'),
      `${join(box.base, 'root-link')}/`,
    ]) {
      const fs = createSafeFs({ roots: [given] });
      expect(await fs.readText('in.txt'), given).toBe('in');
      expect(await fs.readText(`${box.root}/in.txt`), given).toBe('in');
      expect(await codeOf(fs.readText(`${box.evil}/secret.txt`)), given).toBe('ERR_PATH_OUTSIDE_ROOTS');
      expect(await codeOf(fs.readText(`${box.root}_evil/secret.txt`)), given).toBe('ERR_PATH_OUTSIDE_ROOTS');
      expect(await codeOf(fs.readText(`${box.root}/../outside/secret.txt`)), given).toBe(
        'ERR_PATH_OUTSIDE_ROOTS',
      );
      expect(await codeOf(fs.readText(`${box.base}/root-link/../outside/secret.txt`)), given).toBe(
        'ERR_PATH_OUTSIDE_ROOTS',
      );
      expect(await codeOf(fs.readText('../root_evil/secret.txt')), given).toBe('ERR_PATH_OUTSIDE_ROOTS');
      expect(await codeOf(fs.writeFile(`${box.root}_evil/new.txt`, 'x')), given).toBe(
        'ERR_PATH_OUTSIDE_ROOTS',
      );
    }
    // Through the link's spelling, paths land in the real root.
    const linked = createSafeFs({ roots: [join(box.base, 'root-link')] });
    expect(await linked.readText(`${join(box.base, 'root-link')}/in.txt`)).toBe('in');
    expect(await linked.readText(`${join(box.base, 'root-link')}//./in.txt`)).toBe('in');
    expect(existsSync(join(box.evil, 'new.txt'))).toBe(false);
  });

  it('refuses /proc/self/root, /proc/self/fd, /proc/self/cwd and /dev/fd, given or reached through links', async () => {
    const box = sandbox();
    const fs = safeFsFor(box);
    const outsideSecret = join(box.outside, 'secret.txt');
    for (const attempt of [
      `/proc/self/root${outsideSecret}`,
      `/proc/self/root${box.root}/x`,
      `/proc/${process.pid}/root${outsideSecret}`,
      '/proc/self/fd/0',
      '/dev/fd/0',
      '/dev/stdin',
      '/proc/self/cwd/x',
    ]) {
      expect(await codeOf(fs.readText(attempt)), attempt).toBe('ERR_PATH_OUTSIDE_ROOTS');
      expect(await codeOf(fs.writeFile(attempt, 'x')), attempt).toBe('ERR_PATH_OUTSIDE_ROOTS');
    }
    symlinkSync('/proc/self/root', join(box.root, 'proc-root'));
    symlinkSync('/proc/self/fd', join(box.root, 'proc-fd'));
    symlinkSync('/dev/fd', join(box.root, 'dev-fd'));
    symlinkSync('/proc/self/cwd', join(box.root, 'proc-cwd'));
    expect(await codeOf(fs.readText(`proc-root${outsideSecret}`))).toBe('ERR_SYMLINK_ESCAPE');
    expect(await codeOf(fs.writeFile(`proc-root${box.outside}/planted.txt`, 'x'))).toBe('ERR_SYMLINK_ESCAPE');
    expect(await codeOf(fs.list('proc-root'))).toBe('ERR_SYMLINK_ESCAPE');
    expect(await codeOf(fs.list('proc-fd'))).toBe('ERR_SYMLINK_ESCAPE');
    expect(await codeOf(fs.readText('proc-fd/0'))).toBe('ERR_SYMLINK_ESCAPE');
    expect(await codeOf(fs.readText('dev-fd/0'))).toBe('ERR_SYMLINK_ESCAPE');
    expect(await codeOf(fs.writeFile('proc-cwd/planted.txt', 'x'))).toBe('ERR_SYMLINK_ESCAPE');
    // A descriptor the server holds on a file outside, reached by a link to its /proc entry.
    const { openSync, closeSync } = await import('node:fs');
    const held = openSync(outsideSecret, 'r');
    const heldDir = openSync(box.outside, 'r');
    try {
      symlinkSync(`/proc/self/fd/${held}`, join(box.root, 'held'));
      symlinkSync(`/proc/self/fd/${heldDir}`, join(box.root, 'held-dir'));
      expect(await codeOf(fs.readText('held'))).toBe('ERR_SYMLINK_ESCAPE');
      expect(await codeOf(fs.writeFile('held', 'x'))).toBe('ERR_SYMLINK_ESCAPE');
      expect(await codeOf(fs.appendFile('held', 'x'))).toBe('ERR_SYMLINK_ESCAPE');
      expect(await codeOf(fs.readText('held-dir/secret.txt'))).toBe('ERR_SYMLINK_ESCAPE');
      expect(await codeOf(fs.writeFile('held-dir/planted.txt', 'x'))).toBe('ERR_SYMLINK_ESCAPE');
    } finally {
      closeSync(held);
      closeSync(heldDir);
    }
    // Through /proc/self/root back into the root: the route passes /proc, outside the roots, so it
    // is refused like any other link that leaves and comes back (what is outside decides nothing).
    writeFileSync(join(box.root, 'in.txt'), 'in');
    expect(await codeOf(fs.readText(`proc-root${box.root}/in.txt`))).toBe('ERR_SYMLINK_ESCAPE');
    expect(await codeOf(fs.readText(`proc-root${box.root}/missing.txt`))).toBe('ERR_SYMLINK_ESCAPE');
    expect(readFileSync(outsideSecret, 'utf8')).toBe(SECRET);
    expect(existsSync(join(box.outside, 'planted.txt'))).toBe(false);
  });

  it('long link chains inside the root are followed; loops and over-long chains are ERR_SYMLINK_LOOP, without hanging', async () => {
    const box = sandbox();
    writeFileSync(join(box.root, 'target.txt'), 'end');
    // a chain of 30 links, each to the next
    symlinkSync('target.txt', join(box.root, 'c30'));
    for (let i = 29; i >= 1; i--) symlinkSync(`c${i + 1}`, join(box.root, `c${i}`));
    for (let i = 50; i >= 1; i--) symlinkSync(i === 50 ? 'target.txt' : `l${i + 1}`, join(box.root, `l${i}`));
    symlinkSync('b', join(box.root, 'a'));
    symlinkSync('a', join(box.root, 'b'));
    symlinkSync('.', join(box.root, 'dot'));
    const fs = safeFsFor(box);
    expect(await fs.readText('c1')).toBe('end');
    await fs.writeFile('c1', 'new end');
    expect(readFileSync(join(box.root, 'target.txt'), 'utf8')).toBe('new end');
    for (const op of [
      () => fs.readText('l1'),
      () => fs.writeFile('l1', 'x'),
      () => fs.appendFile('l1', 'x'),
      () => fs.stat('l1'),
      () => fs.readText('a'),
      () => fs.writeFile('a', 'x'),
      () => fs.readText('a/x'),
      () => fs.writeFile('a/x', 'x'),
      () => fs.list('a'),
      () => fs.mkdir('a/x', { recursive: true }),
      () => fs.readText(`${'dot/'.repeat(45)}target.txt`),
      () => fs.resolve('a'),
    ]) {
      expect(await codeOf(op())).toBe('ERR_SYMLINK_LOOP');
    }
    expect(readFileSync(join(box.root, 'target.txt'), 'utf8')).toBe('new end');
  });

  it('hard links to outside files: writes, appends, moves over them and ifExists:fail never touch the outside inode', async () => {
    const box = sandbox();
    const outsideSecret = join(box.outside, 'secret.txt');
    linkSync(outsideSecret, join(box.root, 'hard'));
    writeFileSync(join(box.root, 'mine.txt'), 'mine');
    const fs = safeFsFor(box);
    expect(await codeOf(fs.writeFile('hard', 'pwned'))).toBe('ERR_HARD_LINK_DENIED');
    expect(await codeOf(fs.appendFile('hard', 'pwned'))).toBe('ERR_HARD_LINK_DENIED');
    // the hard link's name can be replaced by a move: the outside inode keeps its content
    await fs.move('mine.txt', 'hard', { ifExists: 'replace' });
    expect(readFileSync(outsideSecret, 'utf8')).toBe(SECRET);
    expect(readFileSync(join(box.root, 'hard'), 'utf8')).toBe('mine');
    expect(statSync(outsideSecret).nlink).toBe(1);
    // a link made through a link inside the root still has nlink > 1
    linkSync(outsideSecret, join(box.root, 'hard2'));
    symlinkSync('hard2', join(box.root, 'to-hard2'));
    expect(await codeOf(fs.writeFile('to-hard2', 'pwned'))).toBe('ERR_HARD_LINK_DENIED');
    expect(await codeOf(fs.appendFile('to-hard2', 'pwned'))).toBe('ERR_HARD_LINK_DENIED');
    expect(readFileSync(outsideSecret, 'utf8')).toBe(SECRET);
  });

  it('a FIFO reached through a link inside, and listing a directory of special files, never block', async () => {
    const box = sandbox();
    execFileSync('mkfifo', [join(box.root, 'pipe')]);
    execFileSync('mkfifo', [join(box.outside, 'pipe')]);
    symlinkSync('pipe', join(box.root, 'to-pipe'));
    symlinkSync(join(box.outside, 'pipe'), join(box.root, 'to-outside-pipe'));
    const fs = safeFsFor(box);
    expect(await codeOf(fs.readText('to-pipe'))).toBe('ERR_NOT_A_FILE');
    expect(await codeOf(fs.appendFile('to-pipe', 'x'))).toBe('ERR_NOT_A_FILE');
    expect(await codeOf(fs.writeFile('to-pipe', 'x'))).toBe('ERR_NOT_A_FILE');
    expect(await codeOf(fs.readText('to-outside-pipe'))).toBe('ERR_SYMLINK_ESCAPE');
    expect(await codeOf(fs.appendFile('to-outside-pipe', 'x'))).toBe('ERR_SYMLINK_ESCAPE');
    expect(await codeOf(fs.readText('to-pipe', { offset: 0, length: 4 }))).toBe('ERR_NOT_A_FILE');
    const listing = await fs.list('.');
    expect(listing.entries.map((entry) => `${entry.name}:${entry.type}`)).toEqual([
      'pipe:fifo',
      'to-outside-pipe:symlink',
      'to-pipe:symlink',
    ]);
    expect(lstatSync(join(box.root, 'pipe')).isFIFO()).toBe(true);
  }, 20_000);

  it('files exactly at the read and write limits are allowed; one byte more is refused', async () => {
    const box = sandbox();
    const fs = safeFsFor(box, { maxReadBytes: 1000, maxWriteBytes: 1000 });
    await fs.writeFile('exact.bin', Buffer.alloc(1000, 1));
    expect((await fs.readFile('exact.bin')).length).toBe(1000);
    await fs.writeFile('exact-stream.bin', [Buffer.alloc(500, 1), Buffer.alloc(500, 2)]);
    expect((await fs.readFile('exact-stream.bin')).length).toBe(1000);
    expect(await codeOf(fs.writeFile('over.bin', Buffer.alloc(1001)))).toBe('ERR_FILE_TOO_LARGE');
    expect(await codeOf(fs.writeFile('over.bin', [Buffer.alloc(500), Buffer.alloc(501)]))).toBe(
      'ERR_FILE_TOO_LARGE',
    );
    writeFileSync(join(box.root, 'over-read.bin'), Buffer.alloc(1001));
    expect(await codeOf(fs.readFile('over-read.bin'))).toBe('ERR_FILE_TOO_LARGE');
    expect((await fs.readFile('over-read.bin', { offset: 1 })).length).toBe(1000);
    expect(await fs.readText('exact.bin', { offset: 999 })).toBe('\u0001');
    await fs.appendFile('exact.bin', '');
    expect(await codeOf(fs.appendFile('exact.bin', 'x'.repeat(1001)))).toBe('ERR_FILE_TOO_LARGE');
    expect(existsSync(join(box.root, 'over.bin'))).toBe(false);
    expect(readdirSync(box.root).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('moves: never out of the roots, never a root onto itself, never over a root', async () => {
    const box = sandbox();
    writeFileSync(join(box.root, 'f.txt'), 'f');
    symlinkSync(box.outside, join(box.root, 'out'));
    const fs = safeFsFor(box);
    expect(await codeOf(fs.move('f.txt', join(box.outside, 'f.txt')))).toBe('ERR_PATH_OUTSIDE_ROOTS');
    expect(await codeOf(fs.move('f.txt', 'out/f.txt'))).toBe('ERR_SYMLINK_ESCAPE');
    expect(await codeOf(fs.move('f.txt', 'out/f.txt', { ifExists: 'replace' }))).toBe('ERR_SYMLINK_ESCAPE');
    expect(await codeOf(fs.move('f.txt', `${box.root}_evil/f.txt`))).toBe('ERR_PATH_OUTSIDE_ROOTS');
    expect(await codeOf(fs.move('.', '.'))).toBe('ERR_ROOT_OPERATION');
    expect(await codeOf(fs.move(box.root, box.root))).toBe('ERR_ROOT_OPERATION');
    expect(await codeOf(fs.move('f.txt', '.', { ifExists: 'replace' }))).toBe('ERR_ROOT_OPERATION');
    expect(await codeOf(fs.move('f.txt', box.root, { ifExists: 'replace' }))).toBe('ERR_ROOT_OPERATION');
    // moving a file onto itself changes nothing
    expect(await codeOf(fs.move('f.txt', 'f.txt'))).toBe('ERR_ALREADY_EXISTS');
    await fs.move('f.txt', 'f.txt', { ifExists: 'replace' });
    expect(readFileSync(join(box.root, 'f.txt'), 'utf8')).toBe('f');
    // the link to outside is moved as a link, never through
    await fs.move('out', 'out2');
    expect(readlinkSync(join(box.root, 'out2'))).toBe(box.outside);
    expect(readdirSync(box.outside)).toEqual(['secret.txt']);
  });

  it('names are literal: NFC and NFD, lookalikes and case variants are distinct; newlines are refused', async () => {
    const box = sandbox();
    const nfc = 'caf\u00e9.txt';
    const nfd = 'cafe\u0301.txt';
    const fs = safeFsFor(box);
    await fs.writeFile(nfc, 'nfc');
    expect(await codeOf(fs.readText(nfd))).toBe('ERR_NOT_FOUND');
    await fs.writeFile(nfd, 'nfd');
    expect(await fs.readText(nfc)).toBe('nfc');
    expect(await fs.readText(nfd)).toBe('nfd');
    await fs.writeFile('File.txt', 'upper');
    expect(await codeOf(fs.readText('file.txt'))).toBe('ERR_NOT_FOUND');
    // fullwidth solidus and dot lookalikes are plain characters, not separators or dots
    await fs.writeFile('a\uff0f..\uff0fb', 'fullwidth');
    await fs.writeFile('\u2024\u2024', 'one-dot leaders');
    expect(readdirSync(box.root).sort()).toEqual(
      ['File.txt', 'a\uff0f..\uff0fb', nfd, nfc, '\u2024\u2024'].sort(),
    );
    expect(await codeOf(fs.readText('\u2024\u2024/../../outside/secret.txt'))).toBe('ERR_PATH_OUTSIDE_ROOTS');
    for (const bad of ['a\nb', 'a\rb', '\n', 'x/\n/../..', 'a\u0085b', '']) {
      expect(await codeOf(fs.writeFile(bad, 'x')), JSON.stringify(bad)).toBe('ERR_INVALID_PATH');
    }
    // a name with a newline already on disk is listed but cannot be named
    writeFileSync(join(box.root, 'new\nline'), 'x');
    expect((await fs.list('.')).entries.map((entry) => entry.name)).toContain('new\nline');
  });

  it('over-long names and paths are coded errors, including when the kernel refuses (ENAMETOOLONG)', async () => {
    const box = sandbox();
    const fs = safeFsFor(box);
    expect(await codeOf(fs.writeFile('x'.repeat(256), 'x'))).toBe('ERR_INVALID_PATH');
    expect(await codeOf(fs.readText('x'.repeat(256)))).toBe('ERR_INVALID_PATH');
    expect(await codeOf(fs.writeFile('\u00e9'.repeat(128), 'x'))).toBe('ERR_INVALID_PATH'); // 256 bytes
    await fs.writeFile('x'.repeat(255), 'ok');
    expect(await codeOf(fs.readText(`${'a/'.repeat(2048)}x`))).toBe('ERR_INVALID_PATH');
    // limits raised above the kernel's: the kernel's refusal is still a coded ERR_INVALID_PATH
    const loose = safeFsFor(box, { maxComponentBytes: 10_000, maxPathBytes: 100_000 });
    for (const op of [
      () => loose.writeFile('y'.repeat(300), 'x'),
      () => loose.readText('y'.repeat(300)),
      () => loose.appendFile('y'.repeat(300), 'x'),
      () => loose.stat('y'.repeat(300)),
      () => loose.mkdir('y'.repeat(300)),
      () => loose.list('y'.repeat(300)),
      () => loose.remove('y'.repeat(300)),
      () => loose.readText(`${'d/'.repeat(3000)}x`),
      () => loose.writeFile(`${'d/'.repeat(3000)}x`, 'x'),
    ]) {
      expect(await codeOf(op())).toBe('ERR_INVALID_PATH');
    }
    // resolve (a check, not a use) answers the same for a path longer than the kernel takes
    expect(await codeOf(loose.resolve(`${'d/'.repeat(3000)}x`))).toBe('ERR_INVALID_PATH');
    expect(await codeOf(fs.resolve(`${'d/'.repeat(2047)}x`))).toBe('ERR_INVALID_PATH');
    expect(await fs.resolve(`${'d/'.repeat(1000)}x`)).toBe(join(box.root, `${'d/'.repeat(1000)}x`));
  });

  it('empty, ., ~, backslashes and spaces: refused or literal, never expanded', async () => {
    const box = sandbox();
    writeFileSync(join(box.root, 'top.txt'), 'top');
    const fs = safeFsFor(box);
    expect(await codeOf(fs.readText(''))).toBe('ERR_INVALID_PATH');
    expect(await codeOf(fs.writeFile('', 'x'))).toBe('ERR_INVALID_PATH');
    expect(await codeOf(fs.list(''))).toBe('ERR_INVALID_PATH');
    expect((await fs.list('.')).entries.map((entry) => entry.name)).toEqual(['top.txt']);
    expect((await fs.list('./')).entries.map((entry) => entry.name)).toEqual(['top.txt']);
    expect(await codeOf(fs.readText('.'))).toBe('ERR_NOT_A_FILE');
    expect(await codeOf(fs.writeFile('.', 'x'))).toBe('ERR_NOT_A_FILE');
    expect(await codeOf(fs.readText('~/top.txt'))).toBe('ERR_NOT_FOUND');
    await fs.writeFile('~', 'tilde');
    await fs.writeFile('..\\..\\outside\\secret.txt', 'backslash');
    await fs.writeFile(' spaced name .txt', 'spaced');
    await fs.writeFile('.hidden', 'hidden');
    await fs.mkdir('.config');
    await fs.writeFile('.config/..rc', 'dotdot-prefixed');
    expect(await fs.readText('~')).toBe('tilde');
    expect(readFileSync(join(box.root, '..\\..\\outside\\secret.txt'), 'utf8')).toBe('backslash');
    expect(readFileSync(join(box.outside, 'secret.txt'), 'utf8')).toBe(SECRET);
    expect(await fs.readText(' spaced name .txt')).toBe('spaced');
    expect(await fs.readText('.config/..rc')).toBe('dotdot-prefixed');
  });

  it('a write to an existing final link inside the root writes the target and keeps the link', async () => {
    const box = sandbox();
    mkdirSync(join(box.root, 'real'));
    writeFileSync(join(box.root, 'real', 'target.txt'), 'old');
    symlinkSync('real/target.txt', join(box.root, 'link.txt'));
    symlinkSync('real/new.txt', join(box.root, 'dangling-inside'));
    const fs = safeFsFor(box);
    await fs.writeFile('link.txt', 'new');
    expect(lstatSync(join(box.root, 'link.txt')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(box.root, 'real', 'target.txt'), 'utf8')).toBe('new');
    await fs.appendFile('link.txt', '+');
    expect(readFileSync(join(box.root, 'real', 'target.txt'), 'utf8')).toBe('new+');
    await fs.writeFile('dangling-inside', 'created');
    expect(readFileSync(join(box.root, 'real', 'new.txt'), 'utf8')).toBe('created');
    expect(lstatSync(join(box.root, 'dangling-inside')).isSymbolicLink()).toBe(true);
  });

  it('concurrent writes to one file: one of them wins whole, no temp file remains', async () => {
    const box = sandbox();
    const fs = safeFsFor(box, { durable: false });
    const contents = Array.from({ length: 20 }, (_, i) => String(i).repeat(10_000));
    const results = await Promise.allSettled(contents.map((text) => fs.writeFile('same.txt', text)));
    expect(results.every((result) => result.status === 'fulfilled')).toBe(true);
    expect(contents).toContain(readFileSync(join(box.root, 'same.txt'), 'utf8'));
    const exclusive = await Promise.allSettled(
      contents.map((text) => fs.writeFile('once.txt', text, { ifExists: 'fail' })),
    );
    expect(exclusive.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    expect(readdirSync(box.root).sort()).toEqual(['once.txt', 'same.txt']);
  });

  it('listing a directory with links to outside reports them as links, never their targets or content', async () => {
    const box = sandbox();
    symlinkSync(box.outside, join(box.root, 'out-dir'));
    symlinkSync(join(box.outside, 'secret.txt'), join(box.root, 'out-file'));
    symlinkSync(join(box.outside, 'missing'), join(box.root, 'out-dangling'));
    mkdirSync(join(box.root, 'sub'));
    symlinkSync('..', join(box.root, 'sub', 'up'));
    const fs = safeFsFor(box);
    const listing = await fs.list('.', { recursive: true });
    expect(listing.entries).toEqual([
      { name: 'out-dangling', path: 'out-dangling', type: 'symlink' },
      { name: 'out-dir', path: 'out-dir', type: 'symlink' },
      { name: 'out-file', path: 'out-file', type: 'symlink' },
      { name: 'sub', path: 'sub', type: 'directory' },
      { name: 'up', path: 'sub/up', type: 'symlink' },
    ]);
    expect(JSON.stringify(listing)).not.toContain(box.outside);
    expect(listing.truncated).toBe(false);
  });

  it('recursive remove of a tree with links, FIFOs and hard links removes only names inside', async () => {
    const box = sandbox();
    mkdirSync(join(box.root, 't', 'd'), { recursive: true });
    symlinkSync(box.outside, join(box.root, 't', 'out'));
    symlinkSync(box.outside, join(box.root, 't', 'd', 'out2'));
    linkSync(join(box.outside, 'secret.txt'), join(box.root, 't', 'd', 'hard'));
    execFileSync('mkfifo', [join(box.root, 't', 'd', 'pipe')]);
    const fs = safeFsFor(box);
    await fs.remove('t/out/', { recursive: true }).catch(() => undefined);
    expect(readFileSync(join(box.outside, 'secret.txt'), 'utf8')).toBe(SECRET);
    await fs.remove('t', { recursive: true });
    expect(existsSync(join(box.root, 't'))).toBe(false);
    expect(readFileSync(join(box.outside, 'secret.txt'), 'utf8')).toBe(SECRET);
    expect(readdirSync(box.outside)).toEqual(['secret.txt']);
  }, 20_000);
  it('never removes or moves a root nested in another root, whatever path names it or its ancestors', async () => {
    const box = sandbox();
    mkdirSync(join(box.root, 'a', 'ro'), { recursive: true });
    writeFileSync(join(box.root, 'a', 'ro', 'protected.txt'), 'protected');
    mkdirSync(join(box.root, 'empty-ro'));
    mkdirSync(join(box.root, 'src'));
    const fs = createSafeFs({
      roots: [
        box.root,
        { path: join(box.root, 'a', 'ro'), readOnly: true },
        { path: join(box.root, 'empty-ro'), readOnly: true },
      ],
    });
    // removing an ancestor of a read-only root would delete its content
    expect(await codeOf(fs.remove('a', { recursive: true }))).toBe('ERR_ROOT_OPERATION');
    // moving an ancestor would carry the read-only content to a writable place
    expect(await codeOf(fs.move('a', 'b'))).toBe('ERR_ROOT_OPERATION');
    expect(await codeOf(fs.move('a', 'b', { ifExists: 'replace' }))).toBe('ERR_ROOT_OPERATION');
    // a root as the destination of a replacing move, named through .. so that it is not lexically a root
    expect(await codeOf(fs.move('src', 'a/../empty-ro', { ifExists: 'replace' }))).toBe('ERR_ROOT_OPERATION');
    expect(await codeOf(fs.move('src', `${box.root}/src/../empty-ro`, { ifExists: 'replace' }))).toBe(
      'ERR_ROOT_OPERATION',
    );
    expect(await codeOf(fs.remove('a/../empty-ro'))).toBe('ERR_ROOT_OPERATION');
    expect(await codeOf(fs.remove('a/ro/..', { recursive: true }))).toBe('ERR_ROOT_OPERATION');
    expect(readFileSync(join(box.root, 'a', 'ro', 'protected.txt'), 'utf8')).toBe('protected');
    expect(existsSync(join(box.root, 'src'))).toBe(true);
    expect(statSync(join(box.root, 'empty-ro')).isDirectory()).toBe(true);
    // what contains no root can still be moved and removed
    mkdirSync(join(box.root, 'plain', 'deep'), { recursive: true });
    await fs.move('plain', 'plain2');
    await fs.remove('plain2', { recursive: true });
    expect(existsSync(join(box.root, 'plain2'))).toBe(false);
  });
  it('created files get 0666 minus the umask; replacing a setuid/setgid file drops those bits', async () => {
    const box = sandbox();
    const fs = safeFsFor(box);
    const umask = process.umask();
    await fs.writeFile('new.txt', 'x');
    expect(statSync(join(box.root, 'new.txt')).mode & 0o7777).toBe(0o666 & ~umask);
    await fs.appendFile('appended.txt', 'x');
    expect(statSync(join(box.root, 'appended.txt')).mode & 0o7777).toBe(0o666 & ~umask);
    await fs.mkdir('d');
    expect(statSync(join(box.root, 'd')).mode & 0o7777).toBe(0o777 & ~umask);
    writeFileSync(join(box.root, 'suid'), '#!/bin/sh\n', { mode: 0o755 });
    execFileSync('chmod', ['6755', join(box.root, 'suid')]);
    await fs.writeFile('suid', '#!/bin/sh\necho pwned\n');
    expect(statSync(join(box.root, 'suid')).mode & 0o7777).toBe(0o755);
  });
  it('concurrent creates always get the umask: a new file never makes a sibling create world-writable', async () => {
    const box = sandbox();
    const fs = safeFsFor(box, { durable: false });
    const previous = process.umask(0o022);
    const reading = process.umask;
    let reads = 0;
    // Counts reads of the umask (calls without an argument) and passes every call on unchanged.
    process.umask = ((mask?: string | number) => {
      if (mask === undefined) reads++;
      return mask === undefined ? reading() : reading(mask);
    }) as typeof process.umask;
    const wrong: string[] = [];
    let stop = false;
    try {
      // A new file's bits are 0666 minus the umask. Reading the umask with process.umask() sets it to 0
      // for an instant, process-wide: a create running meanwhile on another thread (a sibling call's
      // mkdir or append, or any other code in the process) then gets 0777 or 0666.
      const siblings = Array.from({ length: 3 }, (_, worker) =>
        (async () => {
          for (let i = 0; !stop; i++) {
            const dir = join(box.base, `sibling-${worker}-${i}`);
            await mkdirAsync(dir);
            if ((statSync(dir).mode & 0o7777) !== 0o755) wrong.push(dir);
            await rmdirAsync(dir);
          }
        })(),
      );
      const deadline = Date.now() + 4_000;
      for (let round = 0; Date.now() < deadline && wrong.length === 0; round++) {
        const created: [string, number][] = [];
        const calls: Promise<unknown>[] = [];
        for (let k = 0; k < 6; k++) {
          calls.push(fs.writeFile(`w${round}-${k}.txt`, 'x'));
          calls.push(fs.appendFile(`a${round}-${k}.txt`, 'x'));
          calls.push(fs.mkdir(`d${round}-${k}`));
          created.push(
            [`w${round}-${k}.txt`, 0o644],
            [`a${round}-${k}.txt`, 0o644],
            [`d${round}-${k}`, 0o755],
          );
        }
        await Promise.all(calls);
        for (const [name, mode] of created) {
          if ((statSync(join(box.root, name)).mode & 0o7777) !== mode) wrong.push(name);
        }
      }
      stop = true;
      await Promise.all(siblings);
    } finally {
      stop = true;
      process.umask = reading;
      process.umask(previous);
    }
    expect(wrong).toEqual([]);
    // and deterministically: safe-fs never reads the umask that way
    expect(reads).toBe(0);
    expect(statSync(join(box.root, 'w0-0.txt')).mode & 0o7777).toBe(0o644);
  }, 20_000);

  it('an abort while a write stream is stalled ends the call and removes the temp file', async () => {
    const box = sandbox();
    writeFileSync(join(box.root, 'keep.txt'), 'old');
    const fs = safeFsFor(box);
    const controller = new AbortController();
    let started = false;
    async function* stalled(): AsyncGenerator<string> {
      yield 'partial';
      started = true;
      await new Promise(() => undefined); // never resolves
    }
    const writing = codeOf(fs.writeFile('keep.txt', stalled(), { signal: controller.signal }));
    while (!started) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    expect(await writing).toBe('ERR_ABORTED');
    expect(readFileSync(join(box.root, 'keep.txt'), 'utf8')).toBe('old');
    expect(readdirSync(box.root)).toEqual(['keep.txt']);
    const appending = codeOf(
      fs.appendFile(
        'keep.txt',
        (async function* () {
          yield 'x';
          await new Promise(() => undefined);
        })(),
        { signal: AbortSignal.timeout(50) },
      ),
    );
    expect(await appending).toBe('ERR_ABORTED');
    expect(readFileSync(join(box.root, 'keep.txt'), 'utf8')).toBe('old');
  }, 10_000);
  it('a loop or dead end outside answers like an escape (no oracle about what is outside)', async () => {
    const box = sandbox();
    symlinkSync('loop', join(box.outside, 'loop'));
    symlinkSync(box.outside, join(box.root, 'out'));
    const fs = safeFsFor(box);
    for (const name of ['out/loop', 'out/loop/x', 'out/secret.txt', 'out/missing', 'out/secret.txt/x']) {
      expect(await codeOf(fs.readText(name)), `read ${name}`).toBe('ERR_SYMLINK_ESCAPE');
      expect(await codeOf(fs.writeFile(`${name}/y`, 'x')), `write ${name}/y`).toBe('ERR_SYMLINK_ESCAPE');
      expect(await codeOf(fs.stat(name)), `stat ${name}`).toBe('ERR_SYMLINK_ESCAPE');
      expect(await codeOf(fs.appendFile(`${name}/y`, 'x')), `append ${name}/y`).toBe('ERR_SYMLINK_ESCAPE');
      expect(await codeOf(fs.list(name)), `list ${name}`).toBe('ERR_SYMLINK_ESCAPE');
      expect(await codeOf(fs.mkdir(`${name}/y/z`, { recursive: true })), `mkdir ${name}`).toBe(
        'ERR_SYMLINK_ESCAPE',
      );
      expect(await codeOf(fs.remove(`${name}/y`)), `remove ${name}/y`).toBe('ERR_SYMLINK_ESCAPE');
      expect(await codeOf(fs.move('out', `${name}/y`)), `move to ${name}/y`).toBe('ERR_SYMLINK_ESCAPE');
    }
  });
  it('a trailing slash names a directory: remove and move refuse a file or link given with one', async () => {
    const box = sandbox();
    writeFileSync(join(box.root, 'file.txt'), 'keep');
    mkdirSync(join(box.root, 'dir'));
    symlinkSync('dir', join(box.root, 'dir-link'));
    const fs = safeFsFor(box);
    expect(await codeOf(fs.remove('file.txt/'))).toBe('ERR_NOT_A_DIRECTORY');
    expect(await codeOf(fs.move('file.txt/', 'moved.txt'))).toBe('ERR_NOT_A_DIRECTORY');
    expect(await codeOf(fs.move('file.txt', 'moved.txt/'))).toBe('ERR_NOT_A_DIRECTORY');
    expect(await codeOf(fs.mkdir('file.txt/'))).toBe('ERR_ALREADY_EXISTS');
    expect(await codeOf(fs.list('file.txt'))).toBe('ERR_NOT_A_DIRECTORY');
    expect(await codeOf(fs.list('file.txt/'))).toBe('ERR_NOT_A_DIRECTORY');
    expect(await codeOf(fs.readText('file.txt/'))).toBe('ERR_NOT_A_FILE');
    expect(await codeOf(fs.stat('file.txt/'))).toBe('ERR_NOT_A_DIRECTORY');
    expect(await codeOf(fs.remove('dir-link/'))).toBe('ERR_NOT_A_DIRECTORY');
    expect(await codeOf(fs.remove('dir-link/', { recursive: true }))).toBe('ERR_NOT_A_DIRECTORY');
    expect(await codeOf(fs.move('dir-link/', 'moved'))).toBe('ERR_NOT_A_DIRECTORY');
    expect(readFileSync(join(box.root, 'file.txt'), 'utf8')).toBe('keep');
    expect(lstatSync(join(box.root, 'dir-link')).isSymbolicLink()).toBe(true);
    // a directory with a trailing slash is fine
    await fs.move('dir/', 'dir2/');
    await fs.remove('dir2/');
    expect(existsSync(join(box.root, 'dir2'))).toBe(false);
  });
  it('list limits cannot be lifted by a NaN, fractional or non-number option', async () => {
    const box = sandbox();
    for (let i = 0; i < 30; i++) writeFileSync(join(box.root, `f${i}`), 'x');
    let deep = box.root;
    for (let i = 0; i < 6; i++) {
      deep = join(deep, `d${i}`);
      mkdirSync(deep);
    }
    const fs = safeFsFor(box, { maxListEntries: 10, maxListDepth: 3 });
    expect((await fs.list('.', { maxEntries: Number.NaN })).entries).toHaveLength(10);
    expect((await fs.list('.', { maxEntries: Number.POSITIVE_INFINITY })).entries).toHaveLength(10);
    expect((await fs.list('.', { maxEntries: 2.5 })).entries).toHaveLength(2);
    expect((await fs.list('.', { maxEntries: -1 })).entries).toHaveLength(0);
    const roomy = safeFsFor(box, { maxListEntries: 1000, maxListDepth: 3 });
    for (const maxDepth of [Number.NaN, Number.POSITIVE_INFINITY, 3.5]) {
      const listing = await roomy.list('d0', { recursive: true, maxDepth });
      expect(listing.entries.map((entry) => entry.path)).toEqual(['d1', 'd1/d2', 'd1/d2/d3']);
      expect(listing.truncated).toBe(true);
    }
  });
  it('the temp file of a write is private while it fills: replacing a 0600 file never exposes the new content', async () => {
    const box = sandbox();
    writeFileSync(join(box.root, 'secret.env'), 'OLD', { mode: 0o600 });
    execFileSync('chmod', ['600', join(box.root, 'secret.env')]);
    const fs = safeFsFor(box);
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let written = false;
    async function* slow(): AsyncGenerator<string> {
      yield 'NEW-SECRET';
      written = true;
      await held;
    }
    const writing = fs.writeFile('secret.env', slow());
    while (!written) await new Promise((resolve) => setTimeout(resolve, 5));
    const temps = readdirSync(box.root).filter((name) => name.endsWith('.safe-fs.tmp'));
    expect(temps).toHaveLength(1);
    expect(statSync(join(box.root, temps[0]!)).mode & 0o077).toBe(0);
    release();
    await writing;
    expect(statSync(join(box.root, 'secret.env')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(box.root, 'secret.env'), 'utf8')).toBe('NEW-SECRET');
    // a new file still gets 0666 minus the umask
    await fs.writeFile('fresh.txt', 'x');
    expect(statSync(join(box.root, 'fresh.txt')).mode & 0o777).toBe(0o666 & ~process.umask());
  });
  it('must-allow: every operation through links that stay inside, with .. and across two roots', async () => {
    const box = sandbox();
    const second = join(box.base, 'second');
    mkdirSync(second);
    mkdirSync(join(box.root, 'real', 'sub'), { recursive: true });
    writeFileSync(join(box.root, 'real', 'sub', 'f.txt'), 'f');
    // a relative target that spells the root's own name (passes through its parent, lands inside)
    symlinkSync('../root/real', join(box.root, 'via-parent'));
    symlinkSync(join(box.root, 'real', 'sub'), join(box.root, 'abs-sub'));
    symlinkSync(second, join(box.root, 'to-second'));
    const fs = createSafeFs({ roots: [box.root, second] });
    expect(await fs.readText('via-parent/sub/f.txt')).toBe('f');
    expect(await fs.readText('abs-sub/../sub/f.txt')).toBe('f');
    expect(await fs.readText('via-parent/sub/../sub/./f.txt')).toBe('f');
    await fs.mkdir('via-parent/made/deeper', { recursive: true });
    expect(statSync(join(box.root, 'real', 'made', 'deeper')).isDirectory()).toBe(true);
    await fs.writeFile('abs-sub/w.txt', 'w');
    await fs.appendFile('abs-sub/w.txt', '+');
    expect(readFileSync(join(box.root, 'real', 'sub', 'w.txt'), 'utf8')).toBe('w+');
    await fs.move('abs-sub/w.txt', 'via-parent/moved.txt');
    expect(readFileSync(join(box.root, 'real', 'moved.txt'), 'utf8')).toBe('w+');
    await fs.move('via-parent/moved.txt', 'to-second/across.txt');
    expect(readFileSync(join(second, 'across.txt'), 'utf8')).toBe('w+');
    expect((await fs.stat('to-second/across.txt')).size).toBe(2);
    expect((await fs.list('to-second')).entries.map((entry) => entry.name)).toEqual(['across.txt']);
    await fs.remove('via-parent/made', { recursive: true });
    expect(existsSync(join(box.root, 'real', 'made'))).toBe(false);
    await fs.remove('to-second/across.txt');
    expect(readdirSync(second)).toEqual([]);
    // names with spaces, Unicode, leading dots, and ... are plain names
    for (const name of [
      'with space.txt',
      'ünïcødé-文件.txt',
      '.dotfile',
      '...',
      '-rf',
      '$HOME',
      'it\'s "q".md',
    ]) {
      await fs.writeFile(`real/${name}`, name);
      expect(await fs.readText(`real/${name}`)).toBe(name);
    }
    expect(await fs.readText(`${second}/../root/real/sub/f.txt`).catch((error) => error.code)).toBe(
      'ERR_PATH_OUTSIDE_ROOTS',
    );
  });

  it('a writer killed mid-write leaves the old file whole', async () => {
    const box = sandbox();
    writeFileSync(join(box.root, 'doc.txt'), 'old content');
    const script = `
      import { createSafeFs } from ${JSON.stringify(new URL('../src/index.ts', import.meta.url).href)};
      const fs = createSafeFs({ roots: [process.argv[1]] });
      async function* slow() {
        yield 'new ';
        process.stdout.write('writing\\n');
        await new Promise(() => setInterval(() => undefined, 1000));
      }
      await fs.writeFile('doc.txt', slow());
    `;
    const { spawn } = await import('node:child_process');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script, box.root],
      {
        cwd: new URL('..', import.meta.url).pathname,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    await new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', () => reject(new Error('exited before writing')));
      child.stdout?.once('data', () => resolve());
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    expect(readFileSync(join(box.root, 'doc.txt'), 'utf8')).toBe('old content');
    // What a crash leaves is one private temp file, never a partial doc.txt.
    const temps = readdirSync(box.root).filter((name) => name.endsWith('.safe-fs.tmp'));
    expect(temps.length).toBeLessThanOrEqual(1);
    for (const temp of temps) expect(statSync(join(box.root, temp)).mode & 0o077).toBe(0);
  }, 30_000);
  it('a directory configured twice, once read-only, is read-only whatever the order or spelling', async () => {
    const box = sandbox();
    writeFileSync(join(box.root, 'f.txt'), 'f');
    symlinkSync(box.root, join(box.base, 'root-link'));
    const link = join(box.base, 'root-link');
    for (const roots of [
      [box.root, { path: box.root, readOnly: true }],
      [{ path: box.root, readOnly: true }, box.root],
      [link, { path: box.root, readOnly: true }],
      [box.root, { path: `${link}/`, readOnly: true }],
    ]) {
      const fs = createSafeFs({ roots });
      const spelled = JSON.stringify(roots).includes('root-link');
      for (const path of ['f.txt', join(box.root, 'f.txt'), ...(spelled ? [join(link, 'f.txt')] : [])]) {
        expect(await codeOf(fs.writeFile(path, 'x')), `${JSON.stringify(roots)} ${path}`).toBe(
          'ERR_READ_ONLY_ROOT',
        );
        expect(await codeOf(fs.remove(path))).toBe('ERR_READ_ONLY_ROOT');
        expect(await fs.readText(path)).toBe('f');
      }
      expect(fs.roots.every((root) => root.readOnly)).toBe(true);
    }
    expect(readFileSync(join(box.root, 'f.txt'), 'utf8')).toBe('f');
  });
  it('only recursive: true removes a tree (a loosely validated "false" or 1 does not)', async () => {
    const box = sandbox();
    mkdirSync(join(box.root, 'tree', 'sub'), { recursive: true });
    writeFileSync(join(box.root, 'tree', 'sub', 'f.txt'), 'f');
    const fs = safeFsFor(box);
    for (const recursive of ['false', 1, 'yes', {}] as unknown as boolean[]) {
      expect(await codeOf(fs.remove('tree', { recursive })), String(recursive)).toBe(
        'ERR_DIRECTORY_NOT_EMPTY',
      );
    }
    expect(readFileSync(join(box.root, 'tree', 'sub', 'f.txt'), 'utf8')).toBe('f');
    await fs.remove('tree', { recursive: true });
    expect(existsSync(join(box.root, 'tree'))).toBe(false);
  });
});

// `resolve()` is how other components (safe-exec's path check) ask "is this inside?". When the root
// directory itself was replaced by a link to elsewhere after start, every I/O refused, but resolve()
// still answered with a path under the root, which the kernel then follows out of it.
describe('resolve() after the root itself is replaced by a symbolic link', () => {
  it('refuses, as every I/O does, instead of answering a path the kernel follows outside', async () => {
    const box = sandbox();
    writeFileSync(join(box.root, 'in.txt'), 'in');
    const fs = safeFsFor(box);
    expect(await fs.resolve('in.txt')).toBe(join(box.root, 'in.txt'));
    renameSync(box.root, join(box.base, 'root-moved'));
    symlinkSync(box.outside, box.root);
    // The threat is real: the answer names the secret once the kernel follows the root link.
    expect(readFileSync(join(box.root, 'secret.txt'), 'utf8')).toBe(SECRET);
    expect(await codeOf(fs.readText('secret.txt'))).toBe('ERR_SYMLINK_ESCAPE');
    expect(await codeOf(fs.resolve('secret.txt'))).toBe('ERR_SYMLINK_ESCAPE');
    expect(await codeOf(fs.resolve('new-file.txt', { intent: 'write' }))).toBe('ERR_SYMLINK_ESCAPE');
    expect(await codeOf(fs.resolve('.'))).toBe('ERR_SYMLINK_ESCAPE');
  });

  it('still answers for a root configured through a link, and after the root is put back (must-allow)', async () => {
    const box = sandbox();
    writeFileSync(join(box.root, 'in.txt'), 'in');
    symlinkSync(box.root, join(box.base, 'root-link'));
    const fs = createSafeFs({ roots: [join(box.base, 'root-link')] });
    expect(await fs.resolve('in.txt')).toBe(join(box.root, 'in.txt'));
    const moved = join(box.base, 'root-moved');
    renameSync(box.root, moved);
    symlinkSync(box.outside, box.root);
    expect(await codeOf(fs.resolve('in.txt'))).toBe('ERR_SYMLINK_ESCAPE');
    unlinkSync(box.root);
    renameSync(moved, box.root);
    expect(await fs.resolve('in.txt')).toBe(join(box.root, 'in.txt'));
  });
});
