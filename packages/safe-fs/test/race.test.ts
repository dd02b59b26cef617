import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SECRET, safeFsFor, sandbox, startSwapper } from './helpers.js';

// Swaps <root>/d between a real directory and a symlink to <outside>/target as fast as it can, in a
// separate process (a second core), until killed or a minute has passed.
const SWAPPER = `
const fs = require('node:fs');
const [root, outsideTarget] = process.argv.slice(1);
const d = root + '/d', parked = root + '/.parked-dir', link = root + '/.parked-link';
fs.symlinkSync(outsideTarget, link);
const until = Date.now() + 60000;
process.stdout.write('ready\\n');
while (Date.now() < until) {
  try {
    fs.renameSync(d, parked); fs.renameSync(link, d);   // d is now the link to outside
    fs.renameSync(d, link); fs.renameSync(parked, d);   // d is the real directory again
  } catch {}
}
`;

// Swaps <root>/f.txt between a regular file and a symlink to the outside secret, by renames.
const FILE_SWAPPER = `
const fs = require('node:fs');
const [root, outsideSecret] = process.argv.slice(1);
const f = root + '/f.txt', source = root + '/.inside-source', tmpLink = root + '/.tmp-link', tmpFile = root + '/.tmp-file';
fs.writeFileSync(source, 'inside');
const until = Date.now() + 60000;
process.stdout.write('ready\\n');
while (Date.now() < until) {
  try { fs.symlinkSync(outsideSecret, tmpLink); fs.renameSync(tmpLink, f); } catch {}
  try { fs.linkSync(source, tmpFile); fs.renameSync(tmpFile, f); } catch {}
  try { fs.unlinkSync(tmpLink); } catch {}
  try { fs.unlinkSync(tmpFile); } catch {}
}
`;

describe('race: a directory swapped for a symlink to outside while SafeFs reads and writes through it', () => {
  it('never reads or writes outside over 10,000+ attempts each way', async () => {
    const box = sandbox();
    const target = join(box.outside, 'target');
    mkdirSync(target);
    writeFileSync(join(target, 'file.txt'), SECRET);
    mkdirSync(join(box.root, 'd'));
    writeFileSync(join(box.root, 'd', 'file.txt'), 'inside');
    const fs = safeFsFor(box, { durable: false });
    const swapper = await startSwapper(box.root, target, SWAPPER);
    const outcomes: Record<string, number> = {};
    const count = (key: string): void => {
      outcomes[key] = (outcomes[key] ?? 0) + 1;
    };
    const outcome = (error: unknown): string => String((error as { code?: unknown }).code);
    let escapes = 0;
    const attempts = 10_000;
    const deadline = Date.now() + 100_000;
    try {
      for (let i = 0; i < attempts && Date.now() < deadline; i++) {
        const read = fs.readText('d/file.txt').then(
          (text) => {
            if (text !== 'inside') escapes++;
            count('read:ok');
          },
          (error: unknown) => count(`read:${outcome(error)}`),
        );
        const write = fs.writeFile(`d/w${i % 8}.txt`, 'written').then(
          () => count('write:ok'),
          (error: unknown) => count(`write:${outcome(error)}`),
        );
        const append =
          i % 4 === 0
            ? fs.appendFile('d/log.txt', 'x').then(
                () => count('append:ok'),
                (error: unknown) => count(`append:${outcome(error)}`),
              )
            : undefined;
        await Promise.all([read, write, append]);
      }
    } finally {
      swapper.kill('SIGKILL');
    }
    const total = (prefix: string): number =>
      Object.entries(outcomes)
        .filter(([key]) => key.startsWith(prefix))
        .reduce((sum, [, value]) => sum + value, 0);
    expect(total('read:')).toBeGreaterThanOrEqual(attempts);
    expect(total('write:')).toBeGreaterThanOrEqual(attempts);
    expect(escapes).toBe(0);
    // The outside directory is exactly as it was: no file created, the secret unchanged.
    expect(readdirSync(target)).toEqual(['file.txt']);
    expect(readFileSync(join(target, 'file.txt'), 'utf8')).toBe(SECRET);
    // The race really happened: some attempts landed inside, some met the link and were refused.
    expect(outcomes['read:ok'] ?? 0).toBeGreaterThan(0);
    expect(outcomes['read:ERR_SYMLINK_ESCAPE'] ?? 0).toBeGreaterThan(0);
    expect(outcomes['write:ERR_SYMLINK_ESCAPE'] ?? 0).toBeGreaterThan(0);
    // Every outcome is a success or a coded refusal; nothing unexpected.
    const allowed = new Set(['ok', 'ERR_SYMLINK_ESCAPE', 'ERR_NOT_FOUND']);
    for (const key of Object.keys(outcomes)) expect(allowed, key).toContain(key.split(':')[1]);
  }, 120_000);

  it('never follows a file swapped for a symlink to outside (final component) over 3,000 attempts', async () => {
    const box = sandbox();
    const secret = join(box.outside, 'secret.txt');
    writeFileSync(join(box.root, 'f.txt'), 'inside');
    const fs = safeFsFor(box, { durable: false });
    const swapper = await startSwapper(box.root, secret, FILE_SWAPPER);
    const outcomes: Record<string, number> = {};
    const count = (key: string): void => {
      outcomes[key] = (outcomes[key] ?? 0) + 1;
    };
    const codeOfError = (error: unknown): string => String((error as { code?: unknown }).code);
    let escapes = 0;
    const deadline = Date.now() + 60_000;
    try {
      for (let i = 0; i < 3_000 && Date.now() < deadline; i++) {
        await Promise.all([
          fs.readText('f.txt').then(
            (text) => {
              if (text.includes(SECRET)) escapes++;
              count('read:ok');
            },
            (error: unknown) => count(`read:${codeOfError(error)}`),
          ),
          fs.writeFile('f.txt', 'written').then(
            () => count('write:ok'),
            (error: unknown) => count(`write:${codeOfError(error)}`),
          ),
          fs.appendFile('f.txt', '+').then(
            () => count('append:ok'),
            (error: unknown) => count(`append:${codeOfError(error)}`),
          ),
        ]);
      }
    } finally {
      swapper.kill('SIGKILL');
    }
    expect(escapes).toBe(0);
    expect(readFileSync(secret, 'utf8')).toBe(SECRET);
    expect(readdirSync(box.outside)).toEqual(['secret.txt']);
    expect(outcomes['read:ok'] ?? 0).toBeGreaterThan(0);
    expect(outcomes['read:ERR_SYMLINK_ESCAPE'] ?? 0).toBeGreaterThan(0);
    const allowed = new Set(['ok', 'ERR_SYMLINK_ESCAPE', 'ERR_NOT_FOUND', 'ERR_HARD_LINK_DENIED']);
    for (const key of Object.keys(outcomes)) expect(allowed, key).toContain(key.split(':')[1]);
  }, 120_000);
});
