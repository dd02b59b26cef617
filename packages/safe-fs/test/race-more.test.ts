import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SECRET, safeFsFor, sandbox, startSwapper } from './helpers.js';

// Swaps <root>/d between a real directory and a symlink to <outside>/target, in a separate process.
const SWAPPER = `
const fs = require('node:fs');
const [root, outsideTarget] = process.argv.slice(1);
const d = root + '/d', parked = root + '/.parked-dir', link = root + '/.parked-link';
fs.symlinkSync(outsideTarget, link);
const until = Date.now() + 60000;
process.stdout.write('ready\\n');
while (Date.now() < until) {
  try {
    fs.renameSync(d, parked); fs.renameSync(link, d);
    fs.renameSync(d, link); fs.renameSync(parked, d);
  } catch {}
}
`;

describe('race: a directory swapped for a symlink to outside during remove, mkdir, move, list and stat', () => {
  it('never removes, creates, moves, lists or describes anything outside over at least 2,000 rounds', async () => {
    const box = sandbox();
    const target = join(box.outside, 'target');
    mkdirSync(target);
    for (const name of ['victim.txt', 'm.txt', 'outside-only.txt']) writeFileSync(join(target, name), SECRET);
    mkdirSync(join(target, 'tree'));
    writeFileSync(join(target, 'tree', 'leaf.txt'), SECRET);
    mkdirSync(join(box.root, 'd'));
    const fs = safeFsFor(box, { durable: false });
    const swapper = await startSwapper(box.root, target, SWAPPER);
    const outcomes: Record<string, number> = {};
    const count = (key: string): void => {
      outcomes[key] = (outcomes[key] ?? 0) + 1;
    };
    const settle = (label: string, promise: Promise<unknown>): Promise<void> =>
      promise.then(
        () => count(`${label}:ok`),
        (error: unknown) => count(`${label}:${String((error as { code?: unknown }).code)}`),
      );
    let leaks = 0;
    const deadline = Date.now() + 60_000;
    try {
      // At least 2,000 rounds, and more (until the deadline) while no call has met the link yet: on a
      // busy machine the swapper can go unscheduled through all of them.
      const metTheLink = (): boolean =>
        Object.keys(outcomes).some((key) => key.endsWith(':ERR_SYMLINK_ESCAPE'));
      for (let i = 0; (i < 2000 || !metTheLink()) && Date.now() < deadline; i++) {
        // (Re)create the inside victims, through SafeFs too.
        await Promise.all([
          settle('write', fs.writeFile('d/victim.txt', 'inside')),
          settle('write', fs.writeFile('d/m.txt', 'inside')),
        ]);
        await Promise.all([
          settle('remove', fs.remove('d/victim.txt')),
          settle('mkdir', fs.mkdir(`d/new${i % 4}`, { recursive: true })),
          settle('rmtree', fs.remove('d/tree', { recursive: true })),
          settle('move', fs.move('d/m.txt', `d/moved${i % 4}.txt`, { ifExists: 'replace' })),
          settle(
            'list',
            fs.list('d').then((listing) => {
              if (listing.entries.some((entry) => entry.name === 'outside-only.txt')) leaks++;
            }),
          ),
          settle(
            'stat',
            fs.stat('d/outside-only.txt').then(() => {
              leaks++;
            }),
          ),
        ]);
      }
    } finally {
      swapper.kill('SIGKILL');
    }
    expect(leaks).toBe(0);
    expect(readdirSync(target).sort()).toEqual(['m.txt', 'outside-only.txt', 'tree', 'victim.txt']);
    for (const name of ['victim.txt', 'm.txt', 'outside-only.txt']) {
      expect(readFileSync(join(target, name), 'utf8')).toBe(SECRET);
    }
    expect(existsSync(join(target, 'tree', 'leaf.txt'))).toBe(true);
    // The race really happened: calls landed inside, and some met the link and were refused.
    expect(outcomes['list:ok'] ?? 0).toBeGreaterThan(0);
    const refused = Object.entries(outcomes).filter(([key]) => key.endsWith(':ERR_SYMLINK_ESCAPE'));
    expect(refused.length).toBeGreaterThan(0);
    // Every outcome is a success or a coded refusal. A recursive mkdir that meets `d` missing mid-swap
    // creates it, and then meets the link renamed over it (ERR_NOT_A_DIRECTORY / ERR_SYMLINK_LOOP).
    const allowed = new Set([
      'ok',
      'ERR_SYMLINK_ESCAPE',
      'ERR_NOT_FOUND',
      'ERR_NOT_A_DIRECTORY',
      'ERR_SYMLINK_LOOP',
      'ERR_ALREADY_EXISTS',
      'ERR_DIRECTORY_NOT_EMPTY',
    ]);
    for (const key of Object.keys(outcomes)) expect(allowed, key).toContain(key.split(':')[1]);
  }, 120_000);
});
