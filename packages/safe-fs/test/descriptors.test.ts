import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { safeFsFor, sandbox } from './helpers.js';

const openDescriptors = (): number => readdirSync('/proc/self/fd').length;

describe('descriptors', () => {
  it('closes every descriptor it opens, on success and on every kind of refusal', async () => {
    const box = sandbox();
    mkdirSync(join(box.root, 'd', 'e'), { recursive: true });
    writeFileSync(join(box.root, 'd', 'f.txt'), 'f');
    symlinkSync(box.outside, join(box.root, 'out'));
    symlinkSync(join(box.outside, 'secret.txt'), join(box.root, 'out-file'));
    symlinkSync('d/f.txt', join(box.root, 'in-file'));
    symlinkSync('loop', join(box.root, 'loop'));
    linkSync(join(box.outside, 'secret.txt'), join(box.root, 'hard'));
    execFileSync('mkfifo', [join(box.root, 'pipe')]);
    const fs = safeFsFor(box, { maxReadBytes: 1 << 20, durable: false });
    const round = async (): Promise<void> => {
      const attempts: (() => Promise<unknown>)[] = [
        () => fs.readText('d/f.txt'),
        () => fs.readText('in-file'),
        () => fs.readText('out/secret.txt'),
        () => fs.readText('out-file'),
        () => fs.readText('loop'),
        () => fs.readText('pipe'),
        () => fs.readText('missing/x'),
        () => fs.readText('../x'),
        () => fs.readText('d/f.txt', { head: 1 }),
        () => fs.readText('in-file', { tail: 1 }),
        () => fs.readText('out-file', { tail: 1 }),
        () => fs.readText('pipe', { head: 1 }),
        () => fs.readText('d/f.txt', { head: 0 }),
        () => fs.writeFile('d/w.txt', 'w'),
        () => fs.writeFile('hard', 'w'),
        () => fs.writeFile('out/w.txt', 'w'),
        () => fs.writeFile('pipe', 'w'),
        () => fs.writeFile('d/x.txt', 'w', { ifExists: 'fail' }),
        () => fs.appendFile('d/a.txt', 'a'),
        () => fs.appendFile('pipe', 'a'),
        () => fs.list('.', { recursive: true }),
        () => fs.list('out'),
        () => fs.stat('in-file'),
        () => fs.stat('out-file'),
        () => fs.mkdir('m/n', { recursive: true }),
        () => fs.mkdir('out/n', { recursive: true }),
        () => fs.move('d/w.txt', 'd/e/w.txt', { ifExists: 'replace' }),
        () => fs.remove('m', { recursive: true }),
        () => fs.resolve('out/x'),
      ];
      for (const attempt of attempts) await attempt().catch(() => undefined);
    };
    await round(); // warm up lazily opened handles (module loading, /proc detection)
    const before = openDescriptors();
    for (let i = 0; i < 20; i++) await round();
    expect(openDescriptors()).toBe(before);
  });
});
