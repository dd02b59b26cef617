import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { memorySink } from '@mcp-warden/core';
import { describe, expect, it } from 'vitest';
import { codeOf, SECRET, safeFsFor, sandbox } from './helpers.js';

describe('symbolic links', () => {
  it('refuses a link to a file outside, for every operation', async () => {
    const box = sandbox();
    symlinkSync(join(box.outside, 'secret.txt'), join(box.root, 'to-secret'));
    symlinkSync('../outside/secret.txt', join(box.root, 'relative-to-secret'));
    const fs = safeFsFor(box);
    for (const name of ['to-secret', 'relative-to-secret']) {
      expect(await codeOf(fs.readText(name))).toBe('ERR_SYMLINK_ESCAPE');
      expect(await codeOf(fs.writeFile(name, 'pwned'))).toBe('ERR_SYMLINK_ESCAPE');
      expect(await codeOf(fs.appendFile(name, 'pwned'))).toBe('ERR_SYMLINK_ESCAPE');
      expect(await codeOf(fs.stat(name))).toBe('ERR_SYMLINK_ESCAPE');
      expect(await codeOf(fs.resolve(name))).toBe('ERR_SYMLINK_ESCAPE');
      // Not following: describing the link itself reveals nothing about the target.
      expect((await fs.stat(name, { followSymlinks: false })).type).toBe('symlink');
    }
    expect(readFileSync(join(box.outside, 'secret.txt'), 'utf8')).toBe(SECRET);
  });

  it('refuses a link to a directory outside, in any position of the path', async () => {
    const box = sandbox();
    mkdirSync(join(box.outside, 'deep'));
    writeFileSync(join(box.outside, 'deep', 'f.txt'), SECRET);
    mkdirSync(join(box.root, 'a'));
    symlinkSync(box.outside, join(box.root, 'a', 'out'));
    const fs = safeFsFor(box);
    expect(await codeOf(fs.readText('a/out/secret.txt'))).toBe('ERR_SYMLINK_ESCAPE');
    expect(await codeOf(fs.readText('a/out/deep/f.txt'))).toBe('ERR_SYMLINK_ESCAPE');
    expect(await codeOf(fs.list('a/out'))).toBe('ERR_SYMLINK_ESCAPE');
    expect(await codeOf(fs.stat('a/out/secret.txt'))).toBe('ERR_SYMLINK_ESCAPE');
    expect(await codeOf(fs.mkdir('a/out/new'))).toBe('ERR_SYMLINK_ESCAPE');
    expect(await codeOf(fs.mkdir('a/out/new/deeper', { recursive: true }))).toBe('ERR_SYMLINK_ESCAPE');
    expect(await codeOf(fs.remove('a/out/secret.txt'))).toBe('ERR_SYMLINK_ESCAPE');
    expect(await codeOf(fs.move('a/out/secret.txt', 'stolen.txt'))).toBe('ERR_SYMLINK_ESCAPE');
    expect(await codeOf(fs.move(join(box.root, 'a'), 'a/out/x'))).toBe('ERR_SYMLINK_ESCAPE');
    expect(await codeOf(fs.readText('a/out/../root/x'))).toBe('ERR_SYMLINK_ESCAPE');
    expect(existsSync(join(box.outside, 'new'))).toBe(false);
    expect(existsSync(join(box.outside, 'secret.txt'))).toBe(true);
    // Listing the parent shows the link as a link and does not enter it.
    const listing = await fs.list('a', { recursive: true });
    expect(listing.entries).toEqual([{ name: 'out', path: 'out', type: 'symlink' }]);
  });

  it('never creates a file through a symlinked parent directory (CVE-2025-53109)', async () => {
    const box = sandbox();
    symlinkSync(box.outside, join(box.root, 'parent'));
    const fs = safeFsFor(box);
    expect(await codeOf(fs.writeFile('parent/created.txt', 'x'))).toBe('ERR_SYMLINK_ESCAPE');
    expect(await codeOf(fs.appendFile('parent/created.txt', 'x'))).toBe('ERR_SYMLINK_ESCAPE');
    expect(await codeOf(fs.writeFile(join(box.root, 'parent', 'created.txt'), 'x'))).toBe(
      'ERR_SYMLINK_ESCAPE',
    );
    expect(existsSync(join(box.outside, 'created.txt'))).toBe(false);
  });

  it('never creates the outside file through a dangling link inside the root', async () => {
    const box = sandbox();
    symlinkSync(join(box.outside, 'planted.txt'), join(box.root, 'dangling'));
    symlinkSync('../outside/planted2.txt', join(box.root, 'dangling-relative'));
    symlinkSync(join(box.outside, 'no-such-dir', 'x.txt'), join(box.root, 'dangling-deep'));
    const fs = safeFsFor(box);
    for (const name of ['dangling', 'dangling-relative', 'dangling-deep']) {
      expect(await codeOf(fs.writeFile(name, 'x')), name).toBe('ERR_SYMLINK_ESCAPE');
      expect(await codeOf(fs.appendFile(name, 'x')), name).toBe('ERR_SYMLINK_ESCAPE');
      expect(await codeOf(fs.writeFile(name, 'x', { ifExists: 'fail' })), name).toBe('ERR_SYMLINK_ESCAPE');
      expect(await codeOf(fs.readText(name)), name).toBe('ERR_SYMLINK_ESCAPE');
      expect(await codeOf(fs.resolve(name, { intent: 'write' })), name).toBe('ERR_SYMLINK_ESCAPE');
    }
    expect(existsSync(join(box.outside, 'planted.txt'))).toBe(false);
    expect(existsSync(join(box.outside, 'planted2.txt'))).toBe(false);
    expect(existsSync(join(box.outside, 'no-such-dir'))).toBe(false);
    // The links themselves are left as they were.
    expect(readlinkSync(join(box.root, 'dangling'))).toBe(join(box.outside, 'planted.txt'));
  });

  it('follows links whose target stays inside the root: files, directories, chains, dangling', async () => {
    const box = sandbox();
    mkdirSync(join(box.root, 'real-dir'));
    writeFileSync(join(box.root, 'real-dir', 'f.txt'), 'inside');
    symlinkSync('real-dir', join(box.root, 'dir-link'));
    symlinkSync('real-dir/f.txt', join(box.root, 'file-link'));
    symlinkSync('file-link', join(box.root, 'chain-1'));
    symlinkSync(join(box.root, 'chain-1'), join(box.root, 'chain-2'));
    symlinkSync('real-dir/new.txt', join(box.root, 'dangling-inside'));
    const fs = safeFsFor(box);
    expect(await fs.readText('dir-link/f.txt')).toBe('inside');
    expect(await fs.readText('file-link')).toBe('inside');
    expect(await fs.readText('chain-2')).toBe('inside');
    expect((await fs.stat('chain-2')).type).toBe('file');
    expect(await fs.resolve('chain-2')).toBe(join(box.root, 'real-dir', 'f.txt'));
    await fs.writeFile('chain-2', 'updated');
    expect(readFileSync(join(box.root, 'real-dir', 'f.txt'), 'utf8')).toBe('updated');
    expect(readlinkSync(join(box.root, 'chain-2'))).toBe(join(box.root, 'chain-1')); // the link is kept
    await fs.appendFile('file-link', '+');
    expect(readFileSync(join(box.root, 'real-dir', 'f.txt'), 'utf8')).toBe('updated+');
    await fs.writeFile('dangling-inside', 'created');
    expect(readFileSync(join(box.root, 'real-dir', 'new.txt'), 'utf8')).toBe('created');
    await fs.writeFile('dir-link/via-dir.txt', 'v');
    expect(readFileSync(join(box.root, 'real-dir', 'via-dir.txt'), 'utf8')).toBe('v');
    expect((await fs.list('dir-link')).entries.map((entry) => entry.name)).toEqual([
      'f.txt',
      'new.txt',
      'via-dir.txt',
    ]);
  });

  it('follows a link from one root into another root, honouring the target root being read-only', async () => {
    const box = sandbox();
    const second = join(box.base, 'second');
    mkdirSync(second);
    writeFileSync(join(second, 'shared.txt'), 'shared');
    symlinkSync(join(second, 'shared.txt'), join(box.root, 'to-second'));
    symlinkSync(second, join(box.root, 'second-dir'));
    const { createSafeFs } = await import('../src/index.js');
    const fs = createSafeFs({ roots: [box.root, { path: second, readOnly: true }] });
    expect(await fs.readText('to-second')).toBe('shared');
    expect(await codeOf(fs.writeFile('to-second', 'x'))).toBe('ERR_READ_ONLY_ROOT');
    expect(await codeOf(fs.writeFile('second-dir/new.txt', 'x'))).toBe('ERR_READ_ONLY_ROOT');
    expect(existsSync(join(second, 'new.txt'))).toBe(false);
    expect(readFileSync(join(second, 'shared.txt'), 'utf8')).toBe('shared');
  });

  it('stops link loops with ERR_SYMLINK_LOOP', async () => {
    const box = sandbox();
    symlinkSync('loop-b', join(box.root, 'loop-a'));
    symlinkSync('loop-a', join(box.root, 'loop-b'));
    symlinkSync('self', join(box.root, 'self'));
    symlinkSync('.', join(box.root, 'dot'));
    const fs = safeFsFor(box);
    for (const name of ['loop-a', 'self', 'loop-a/x']) {
      expect(await codeOf(fs.readText(name)), name).toBe('ERR_SYMLINK_LOOP');
      expect(await codeOf(fs.writeFile(name, 'x')), name).toBe('ERR_SYMLINK_LOOP');
    }
    expect(await codeOf(fs.resolve('loop-a'))).toBe('ERR_SYMLINK_LOOP');
    // A link to its own directory is not a loop until it is nested past the kernel's limit.
    writeFileSync(join(box.root, 'f.txt'), 'f');
    expect(await fs.readText('dot/dot/dot/f.txt')).toBe('f');
  });

  it("symlinks: 'never' refuses a link in any component, even one pointing inside", async () => {
    const box = sandbox();
    const events = memorySink();
    mkdirSync(join(box.root, 'real'));
    writeFileSync(join(box.root, 'real', 'f.txt'), 'f');
    symlinkSync('real', join(box.root, 'dir-link'));
    symlinkSync('real/f.txt', join(box.root, 'file-link'));
    const fs = safeFsFor(box, { symlinks: 'never', events });
    expect(await fs.readText('real/f.txt')).toBe('f');
    expect(await codeOf(fs.readText('file-link'))).toBe('ERR_SYMLINK_NOT_ALLOWED');
    expect(await codeOf(fs.readText('dir-link/f.txt'))).toBe('ERR_SYMLINK_NOT_ALLOWED');
    expect(await codeOf(fs.writeFile('file-link', 'x'))).toBe('ERR_SYMLINK_NOT_ALLOWED');
    expect(await codeOf(fs.writeFile('dir-link/new.txt', 'x'))).toBe('ERR_SYMLINK_NOT_ALLOWED');
    expect(await codeOf(fs.list('dir-link'))).toBe('ERR_SYMLINK_NOT_ALLOWED');
    expect(await codeOf(fs.resolve('dir-link/f.txt'))).toBe('ERR_SYMLINK_NOT_ALLOWED');
    expect(readFileSync(join(box.root, 'real', 'f.txt'), 'utf8')).toBe('f');
    expect(events.events.filter((event) => event.type === 'fs_denied')).toHaveLength(6);
  });

  it('answers the same whether or not a probed path outside exists (no existence oracle)', async () => {
    const box = sandbox();
    mkdirSync(join(box.outside, 'exists'));
    symlinkSync(box.outside, join(box.root, 'out'));
    writeFileSync(join(box.root, 'x.txt'), 'inside');
    const fs = safeFsFor(box);
    const probes = async (name: string): Promise<string[]> => [
      await codeOf(fs.readText(`out/${name}/file.txt`)),
      await codeOf(fs.writeFile(`out/${name}/file.txt`, 'x')),
      await codeOf(fs.list(`out/${name}`)),
      await codeOf(fs.stat(`out/${name}/file.txt`)),
      // Out through the link and back in with `..`: refused even though it would land inside.
      await codeOf(fs.readText(`out/${name}/../../root/x.txt`)),
      await codeOf(fs.resolve(`out/${name}/../../root/x.txt`)),
    ];
    const existing = await probes('exists');
    expect(existing).toEqual(await probes('does-not-exist'));
    expect(new Set(existing)).toEqual(new Set(['ERR_SYMLINK_ESCAPE']));
  });

  it('answers the same for a planted link whose target passes outside and comes back (no existence oracle)', async () => {
    const box = sandbox();
    // Things outside the root, next to it and one level further: a directory, a file, a link loop,
    // and nothing. The kernel can only pass through (and come back into the root) a directory, so
    // an answer that differs between them reveals which one is there.
    for (const dir of [box.base, box.outside]) {
      mkdirSync(join(dir, 'dir'));
      writeFileSync(join(dir, 'file'), SECRET);
      symlinkSync('loop', join(dir, 'loop'));
    }
    mkdirSync(join(box.root, 'sub'));
    writeFileSync(join(box.root, 'x.txt'), 'inside');
    const fs = safeFsFor(box);
    const settle = (promise: Promise<unknown>): Promise<string> =>
      promise.then(
        () => 'ok',
        (error: unknown) => String((error as { code?: unknown }).code),
      );
    const probes = async (label: string, fileTarget: string, dirTarget: string): Promise<string[]> => {
      symlinkSync(fileTarget, join(box.root, `f-${label}`));
      symlinkSync(dirTarget, join(box.root, `d-${label}`));
      return [
        await settle(fs.readText(`f-${label}`)),
        await settle(fs.stat(`f-${label}`)),
        await settle(fs.writeFile(`f-${label}`, 'w')),
        await settle(fs.appendFile(`f-${label}`, 'w')),
        await settle(fs.resolve(`f-${label}`)),
        await settle(fs.list(`d-${label}`)),
        await settle(fs.stat(`d-${label}`)),
        await settle(fs.writeFile(`d-${label}/n.txt`, 'w')),
        await settle(fs.readText(`d-${label}/../x.txt`)),
        await settle(fs.mkdir(`d-${label}/m`, { recursive: true })),
        await settle(fs.resolve(`d-${label}/n.txt`)),
      ];
    };
    const answers = new Map<string, string[]>();
    for (const probe of ['dir', 'file', 'loop', 'missing']) {
      // relative, through a sibling of the root; absolute, one level further out
      answers.set(
        `near-${probe}`,
        await probes(`near-${probe}`, `../${probe}/../root/x.txt`, `../${probe}/../root/sub`),
      );
      answers.set(
        `far-${probe}`,
        await probes(
          `far-${probe}`,
          `${box.outside}/${probe}/../../root/x.txt`,
          `${box.outside}/${probe}/../../root/sub`,
        ),
      );
    }
    for (const [label, codes] of answers) {
      expect(codes, label).toEqual(Array.from(codes, () => 'ERR_SYMLINK_ESCAPE'));
    }
    expect(readFileSync(join(box.root, 'x.txt'), 'utf8')).toBe('inside');
    expect(readdirSync(join(box.root, 'sub'))).toEqual([]);
  });

  it('must-allow: links into a root that is itself a link, spelled through it, and into a second root', async () => {
    const box = sandbox();
    // The root is configured as <base>/srv/link-root, a link to <base>/data/real.
    const real = join(box.base, 'data', 'real');
    const second = join(box.base, 'second');
    mkdirSync(join(real, 'sub'), { recursive: true });
    mkdirSync(join(box.base, 'srv'));
    mkdirSync(second);
    symlinkSync(real, join(box.base, 'srv', 'link-root'));
    writeFileSync(join(real, 'f.txt'), 'f');
    writeFileSync(join(second, 's.txt'), 's');
    const given = join(box.base, 'srv', 'link-root');
    symlinkSync(join(given, 'f.txt'), join(real, 'abs-given'));
    symlinkSync(join(given, 'sub'), join(real, 'abs-given-dir'));
    symlinkSync('../../srv/link-root/f.txt', join(real, 'rel-given'));
    symlinkSync(join(real, 'f.txt'), join(real, 'abs-real'));
    symlinkSync('../../second/s.txt', join(real, 'rel-second'));
    const { createSafeFs } = await import('../src/index.js');
    const fs = createSafeFs({ roots: [given, second] });
    for (const name of ['abs-given', 'rel-given', 'abs-real'])
      expect(await fs.readText(name), name).toBe('f');
    expect(await fs.readText('rel-second')).toBe('s');
    await fs.writeFile('abs-given-dir/n.txt', 'n');
    expect(readFileSync(join(real, 'sub', 'n.txt'), 'utf8')).toBe('n');
    expect((await fs.list('abs-given-dir')).entries.map((entry) => entry.name)).toEqual(['n.txt']);
    expect(await fs.resolve('rel-given')).toBe(join(real, 'f.txt'));
  });

  it('removes a link itself, never its target', async () => {
    const box = sandbox();
    symlinkSync(box.outside, join(box.root, 'out-dir'));
    symlinkSync(join(box.outside, 'secret.txt'), join(box.root, 'out-file'));
    const fs = safeFsFor(box);
    mkdirSync(join(box.root, 'sub'));
    symlinkSync('../inside.txt', join(box.root, 'sub', 'in-link'));
    writeFileSync(join(box.root, 'inside.txt'), 'kept');
    await fs.remove('sub/../sub/in-link'); // `..` in the path: the final name is still not followed
    expect(readFileSync(join(box.root, 'inside.txt'), 'utf8')).toBe('kept');
    expect(existsSync(join(box.root, 'sub', 'in-link'))).toBe(false);
    expect((await fs.stat('sub/../out-file', { followSymlinks: false })).type).toBe('symlink');
    await fs.remove('out-file');
    await fs.remove('out-dir', { recursive: true });
    expect(existsSync(join(box.root, 'out-dir'))).toBe(false);
    expect(readFileSync(join(box.outside, 'secret.txt'), 'utf8')).toBe(SECRET);
  });
});
