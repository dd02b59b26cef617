import {
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { codeOf, safeFsFor, sandbox, startSwapper } from './helpers.js';

// A deterministic interleaving without a test hook in the library: the other writer runs while the
// edit syncs its temp file, i.e. after the edit has read the file and before its check and rename.
const interleave = vi.hoisted(() => ({ otherWriter: undefined as (() => void) | undefined }));
vi.mock('../src/descriptor.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../src/descriptor.js')>();
  return {
    ...original,
    fdatasyncFd: async (fd: number): Promise<void> => {
      const writer = interleave.otherWriter;
      interleave.otherWriter = undefined;
      writer?.();
      return original.fdatasyncFd(fd);
    },
  };
});

const EDIT = [{ oldText: 'status: draft', newText: 'status: final' }];

describe('edit: lost updates (another writer between the read and the rename)', () => {
  it('a file replaced by rename meanwhile: ERR_EDIT_CONFLICT, the other content stays, no temp file', async () => {
    const box = sandbox();
    const file = join(box.root, 'doc.md');
    writeFileSync(file, 'title\nstatus: draft\n');
    interleave.otherWriter = () => {
      writeFileSync(join(box.root, 'other.tmp'), 'title\nstatus: draft\nadded by the other writer\n');
      renameSync(join(box.root, 'other.tmp'), file);
    };
    expect(await codeOf(safeFsFor(box).edit('doc.md', EDIT))).toBe('ERR_EDIT_CONFLICT');
    expect(interleave.otherWriter).toBeUndefined(); // the writer really ran
    expect(readFileSync(file, 'utf8')).toBe('title\nstatus: draft\nadded by the other writer\n');
    expect(readdirSync(box.root)).toEqual(['doc.md']);
  });

  it('a file rewritten in place meanwhile, same size and mtime (same inode): ERR_EDIT_CONFLICT', async () => {
    const box = sandbox();
    const file = join(box.root, 'doc.md');
    writeFileSync(file, 'title\nstatus: draft\n');
    const { atime, mtime, ino } = statSync(file);
    interleave.otherWriter = () => {
      // Same length, same inode, and the timestamps put back: only the bytes tell.
      writeFileSync(file, 'TITLE\nstatus: draft\n');
      utimesSync(file, atime, mtime);
    };
    expect(await codeOf(safeFsFor(box).edit('doc.md', EDIT))).toBe('ERR_EDIT_CONFLICT');
    expect(readFileSync(file, 'utf8')).toBe('TITLE\nstatus: draft\n');
    expect(statSync(file).ino).toBe(ino);
    expect(readdirSync(box.root)).toEqual(['doc.md']);
  });

  it('a file removed meanwhile: ERR_EDIT_CONFLICT, and the edit does not recreate it', async () => {
    const box = sandbox();
    const file = join(box.root, 'doc.md');
    writeFileSync(file, 'status: draft\n');
    interleave.otherWriter = () => unlinkSync(file);
    expect(await codeOf(safeFsFor(box).edit('doc.md', EDIT))).toBe('ERR_EDIT_CONFLICT');
    expect(readdirSync(box.root)).toEqual([]);
  });

  it('must-allow: without another writer the same edit goes through the same path', async () => {
    const box = sandbox();
    writeFileSync(join(box.root, 'doc.md'), 'title\nstatus: draft\n');
    let synced = false;
    interleave.otherWriter = () => {
      synced = true;
    };
    await safeFsFor(box).edit('doc.md', EDIT);
    expect(synced).toBe(true);
    expect(readFileSync(join(box.root, 'doc.md'), 'utf8')).toBe('title\nstatus: final\n');
  });
});

// Replaces <root>/doc.md by rename, as fast as it can, with complete versions "v<n>\nstatus: draft\n".
const REWRITER = `
const fs = require('node:fs');
const [root] = process.argv.slice(1);
const until = Date.now() + 60000;
process.stdout.write('ready\\n');
for (let n = 0; Date.now() < until; n++) {
  try {
    fs.writeFileSync(root + '/.w.tmp', 'v' + n + '\\nstatus: draft\\n');
    fs.renameSync(root + '/.w.tmp', root + '/doc.md');
  } catch {}
}
`;

describe('edit: a real concurrent writer', () => {
  it('every edit either lands whole or is refused with ERR_EDIT_CONFLICT; the file is never half-written', async () => {
    const box = sandbox();
    writeFileSync(join(box.root, 'doc.md'), 'v\nstatus: draft\n');
    const fs = safeFsFor(box);
    const writer = await startSwapper(box.root, '', REWRITER);
    const outcomes: Record<string, number> = {};
    const deadline = Date.now() + 20_000;
    try {
      for (let i = 0; i < 1_000 && Date.now() < deadline; i++) {
        const outcome = await fs.edit('doc.md', EDIT).then(
          () => 'ok',
          (error: unknown) => String((error as { code?: unknown }).code),
        );
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
        expect(readFileSync(join(box.root, 'doc.md'), 'utf8')).toMatch(/^v\d*\nstatus: (draft|final)\n$/);
      }
    } finally {
      writer.kill('SIGKILL');
    }
    expect(outcomes.ERR_EDIT_CONFLICT ?? 0).toBeGreaterThan(0);
    // Not found: this edit's own earlier success was read before the writer's next version.
    const allowed = ['ok', 'ERR_EDIT_CONFLICT', 'ERR_EDIT_NOT_FOUND'];
    for (const outcome of Object.keys(outcomes)) expect(allowed).toContain(outcome);
    expect(readdirSync(box.root).filter((name) => name.endsWith('.safe-fs.tmp'))).toEqual([]);
  }, 60_000);
});
