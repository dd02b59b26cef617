import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codeOf, safeFsFor, sandbox } from './helpers.js';

describe('atomic writes', () => {
  it('creates, replaces, and honours ifExists / ifMissing', async () => {
    const box = sandbox();
    const fs = safeFsFor(box);
    await fs.writeFile('f.txt', 'one');
    await fs.writeFile('f.txt', new TextEncoder().encode('two'));
    expect(readFileSync(join(box.root, 'f.txt'), 'utf8')).toBe('two');
    expect(await codeOf(fs.writeFile('f.txt', 'three', { ifExists: 'fail' }))).toBe('ERR_ALREADY_EXISTS');
    expect(await codeOf(fs.writeFile('g.txt', 'x', { ifMissing: 'fail' }))).toBe('ERR_NOT_FOUND');
    await fs.writeFile('f.txt', 'four', { ifMissing: 'fail' });
    await fs.writeFile('h.txt', 'new', { ifExists: 'fail' });
    expect(readFileSync(join(box.root, 'f.txt'), 'utf8')).toBe('four');
    expect(readFileSync(join(box.root, 'h.txt'), 'utf8')).toBe('new');
    expect(await codeOf(fs.writeFile('missing-dir/f.txt', 'x'))).toBe('ERR_NOT_FOUND');
    expect(readdirSync(box.root).sort()).toEqual(['f.txt', 'h.txt']);
  });

  it("ifExists: 'fail' is O_EXCL: a name taken by a link, dangling or not, is never written through", async () => {
    const box = sandbox();
    mkdirSync(join(box.root, 'hooks'));
    // Planted: a create-only write of report.txt must not land in a place the link chose.
    symlinkSync('hooks/pre-commit', join(box.root, 'report.txt'));
    symlinkSync(join(box.root, 'hooks', 'post-merge'), join(box.root, 'abs-report.txt'));
    writeFileSync(join(box.root, 'kept.txt'), 'kept');
    symlinkSync('kept.txt', join(box.root, 'to-kept'));
    const fs = safeFsFor(box);
    for (const name of ['report.txt', 'abs-report.txt', 'to-kept']) {
      expect(await codeOf(fs.writeFile(name, 'payload', { ifExists: 'fail' })), name).toBe(
        'ERR_ALREADY_EXISTS',
      );
      expect(lstatSync(join(box.root, name)).isSymbolicLink(), name).toBe(true);
    }
    expect(readdirSync(join(box.root, 'hooks'))).toEqual([]);
    expect(readFileSync(join(box.root, 'kept.txt'), 'utf8')).toBe('kept');
    // A new name is still created, and a replacing write still follows a link that stays inside.
    await fs.writeFile('fresh.txt', 'new', { ifExists: 'fail' });
    await fs.writeFile('report.txt', 'through the link');
    expect(readFileSync(join(box.root, 'hooks', 'pre-commit'), 'utf8')).toBe('through the link');
    expect(readdirSync(box.root).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('a failing stream leaves the old file whole and no temp file behind', async () => {
    const box = sandbox();
    writeFileSync(join(box.root, 'keep.txt'), 'original content');
    const fs = safeFsFor(box);
    async function* failing(): AsyncGenerator<string> {
      yield 'partial ';
      yield 'data ';
      throw new Error('producer failed');
    }
    const error = await fs.writeFile('keep.txt', failing()).catch((caught: unknown) => caught);
    expect((error as { code: string }).code).toBe('ERR_FS_IO');
    expect((error as Error).message).toBe('file system error');
    expect(readFileSync(join(box.root, 'keep.txt'), 'utf8')).toBe('original content');
    expect(readdirSync(box.root)).toEqual(['keep.txt']);
    expect(await codeOf(fs.writeFile('keep.txt', [42 as unknown as string]))).toBe('ERR_INVALID_DATA');
    for (const bad of [42, null, undefined, {}, new ArrayBuffer(4)]) {
      expect(await codeOf(fs.writeFile('keep.txt', bad as unknown as string))).toBe('ERR_INVALID_DATA');
      expect(await codeOf(fs.appendFile('keep.txt', bad as unknown as string))).toBe('ERR_INVALID_DATA');
    }
    expect(readdirSync(box.root)).toEqual(['keep.txt']);
  });

  it('an abort mid-stream leaves the old file whole and no temp file behind', async () => {
    const box = sandbox();
    writeFileSync(join(box.root, 'keep.txt'), 'original');
    const fs = safeFsFor(box);
    const controller = new AbortController();
    async function* slow(): AsyncGenerator<string> {
      yield 'a';
      controller.abort();
      yield 'b';
    }
    expect(await codeOf(fs.writeFile('keep.txt', slow(), { signal: controller.signal }))).toBe('ERR_ABORTED');
    expect(await codeOf(fs.readFile('keep.txt', { signal: controller.signal }))).toBe('ERR_ABORTED');
    expect(readFileSync(join(box.root, 'keep.txt'), 'utf8')).toBe('original');
    expect(readdirSync(box.root)).toEqual(['keep.txt']);
  });

  it('concurrent readers see the old or the new content, never a mix', async () => {
    const box = sandbox();
    const a = 'A'.repeat(64 * 1024);
    const b = 'B'.repeat(64 * 1024);
    writeFileSync(join(box.root, 'f.txt'), a);
    const fs = safeFsFor(box, { durable: false });
    const seen = new Set<string>();
    for (let round = 0; round < 30; round++) {
      const reads = Array.from({ length: 4 }, () => fs.readText('f.txt').then((text) => seen.add(text)));
      await Promise.all([fs.writeFile('f.txt', round % 2 === 0 ? b : a), ...reads]);
    }
    for (const text of seen) expect(text === a || text === b).toBe(true);
    expect(readdirSync(box.root)).toEqual(['f.txt']);
  });

  it('keeps the permission bits of the file it replaces', async () => {
    const box = sandbox();
    writeFileSync(join(box.root, 'script.sh'), '#!/bin/sh\n');
    chmodSync(join(box.root, 'script.sh'), 0o750);
    const fs = safeFsFor(box);
    await fs.writeFile('script.sh', '#!/bin/sh\necho hi\n');
    expect(statSync(join(box.root, 'script.sh')).mode & 0o7777).toBe(0o750);
  });

  it('appends, creates on append, and refuses append when ifMissing is fail', async () => {
    const box = sandbox();
    const fs = safeFsFor(box);
    await fs.appendFile('log.txt', 'a');
    await fs.appendFile('log.txt', ['b', new TextEncoder().encode('c')]);
    expect(readFileSync(join(box.root, 'log.txt'), 'utf8')).toBe('abc');
    expect(await codeOf(fs.appendFile('other.txt', 'x', { ifMissing: 'fail' }))).toBe('ERR_NOT_FOUND');
    expect(existsSync(join(box.root, 'other.txt'))).toBe(false);
  });
});
