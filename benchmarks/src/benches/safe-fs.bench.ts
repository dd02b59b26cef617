import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSafeFs } from '@mcp-warden/safe-fs';
import type { Comparison } from '../harness.js';

const SIZE = 4096;

function scratch(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'safe-fs-bench-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** 4 KiB read: open the verified parent, open O_NOFOLLOW through it, fstat, read — vs readFile. */
async function readSetup() {
  const { dir, cleanup } = scratch();
  writeFileSync(join(dir, 'file.bin'), randomBytes(SIZE));
  const fs = createSafeFs({ roots: [dir] });
  const plainPath = join(dir, 'file.bin');
  return {
    candidate: () => fs.readFile('file.bin'),
    baseline: () => readFile(plainPath),
    teardown: cleanup,
  };
}

/** The same read three directories deep (the parent is opened and verified; the kernel walks it). */
async function nestedReadSetup() {
  const { dir, cleanup } = scratch();
  mkdirSync(join(dir, 'a', 'b', 'c'), { recursive: true });
  writeFileSync(join(dir, 'a', 'b', 'c', 'file.bin'), randomBytes(SIZE));
  const fs = createSafeFs({ roots: [dir] });
  const plainPath = join(dir, 'a', 'b', 'c', 'file.bin');
  return {
    candidate: () => fs.readFile('a/b/c/file.bin'),
    baseline: () => readFile(plainPath),
    teardown: cleanup,
  };
}

/** 4 KiB atomic write without fsync (temp file, rename) vs writeFile (neither syncs). */
async function writeSetup() {
  const { dir, cleanup } = scratch();
  const data = randomBytes(SIZE);
  const fs = createSafeFs({ roots: [dir], durable: false });
  const plainPath = join(dir, 'plain.bin');
  return {
    candidate: () => fs.writeFile('safe.bin', data),
    baseline: () => writeFile(plainPath, data),
    teardown: cleanup,
  };
}

/** 4 KiB durable atomic write (the default: fsync file and directory) vs writeFile + fsync. */
async function durableWriteSetup() {
  const { dir, cleanup } = scratch();
  const data = randomBytes(SIZE);
  const fs = createSafeFs({ roots: [dir] });
  const plainPath = join(dir, 'plain.bin');
  return {
    candidate: () => fs.writeFile('safe.bin', data),
    baseline: async () => {
      const handle = await open(plainPath, 'w');
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
    },
    teardown: cleanup,
  };
}

export const comparisons: readonly Comparison[] = [
  {
    name: 'safe-fs/read-4k',
    candidateLabel: 'SafeFs.readFile',
    baselineLabel: 'fs.promises.readFile',
    targetTimeRatio: 1.5,
    setup: readSetup,
  },
  {
    name: 'safe-fs/read-4k-nested',
    candidateLabel: 'SafeFs.readFile (a/b/c/file)',
    baselineLabel: 'fs.promises.readFile',
    targetTimeRatio: 1.5,
    setup: nestedReadSetup,
  },
  {
    name: 'safe-fs/atomic-write-4k',
    candidateLabel: 'SafeFs.writeFile (durable: false)',
    baselineLabel: 'fs.promises.writeFile',
    targetTimeRatio: 2,
    setup: writeSetup,
  },
  {
    name: 'safe-fs/durable-atomic-write-4k',
    candidateLabel: 'SafeFs.writeFile (default, fsync)',
    baselineLabel: 'writeFile + fsync',
    targetTimeRatio: 2,
    setup: durableWriteSetup,
  },
];
