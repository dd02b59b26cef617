import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, memorySink } from '@mcp-warden/core';
import { describe, expect, it } from 'vitest';
import { createSafeFs, MAX_PATTERN_LENGTH, MAX_PATTERNS } from '../src/index.js';
import { codeOf, type Sandbox, safeFsFor, sandbox } from './helpers.js';

/** Creates files (and their directories) under the root; a name ending in `/` is a directory. */
function plant(box: Sandbox, names: readonly string[]): void {
  for (const name of names) {
    const path = join(box.root, name);
    if (name.endsWith('/')) mkdirSync(path, { recursive: true });
    else {
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, name);
    }
  }
}

function wide(box: Sandbox, dir: string, count: number): void {
  mkdirSync(join(box.root, dir), { recursive: true });
  for (let i = 0; i < count; i++) writeFileSync(join(box.root, dir, `f${i}.txt`), '');
}

async function pathsOf(listing: Promise<{ entries: readonly { path: string }[] }>): Promise<string[]> {
  return (await listing).entries.map((entry) => entry.path);
}

describe('list with match and exclude', () => {
  it('must-allow: **/*.ts finds nested files, and several match patterns select their union', async () => {
    const box = sandbox();
    plant(box, ['a.ts', 'b.js', 'src/c.ts', 'src/deep/er/d.ts', 'src/deep/e.md', 'README.md']);
    const fs = safeFsFor(box);
    const ts = await fs.list('.', { recursive: true, match: '**/*.ts' });
    expect(ts.entries.map((entry) => entry.path)).toEqual(['a.ts', 'src/c.ts', 'src/deep/er/d.ts']);
    expect(ts.entries.every((entry) => entry.type === 'file')).toBe(true);
    expect(ts).toMatchObject({ truncated: false, truncatedBy: [] });
    expect(await pathsOf(fs.list('.', { recursive: true, match: ['**/*.md', '*.js'] }))).toEqual([
      'README.md', // sorted by UTF-16 code unit, as list sorts
      'b.js',
      'src/deep/e.md',
    ]);
    // not recursive: only the directory's own entries are candidates
    expect(await pathsOf(fs.list('.', { match: '**/*.ts' }))).toEqual(['a.ts']);
    // relative to the directory listed, not to the root
    expect(await pathsOf(fs.list('src', { recursive: true, match: 'deep/**' }))).toEqual([
      'deep',
      'deep/e.md',
      'deep/er',
      'deep/er/d.ts',
    ]);
  });

  it('must-allow: braces, character classes and unicode names match; case is exact', async () => {
    const box = sandbox();
    plant(box, [
      'x.ts',
      'y.js',
      'z.py',
      'log1.txt',
      'log2.txt',
      'logA.txt',
      'café/naïve.ts',
      'Upper.TS',
      '日本.md',
    ]);
    const fs = safeFsFor(box);
    expect(await pathsOf(fs.list('.', { match: '*.{ts,js}' }))).toEqual(['x.ts', 'y.js']);
    expect(await pathsOf(fs.list('.', { match: 'log[0-9].txt' }))).toEqual(['log1.txt', 'log2.txt']);
    expect(await pathsOf(fs.list('.', { recursive: true, match: 'café/*.ts' }))).toEqual(['café/naïve.ts']);
    expect(await pathsOf(fs.list('.', { match: '日本.*' }))).toEqual(['日本.md']);
    expect(await pathsOf(fs.list('.', { recursive: true, match: '**/*.ts' }))).toEqual([
      'café/naïve.ts',
      'x.ts',
    ]);
    expect(await pathsOf(fs.list('.', { match: '*.TS' }))).toEqual(['Upper.TS']);
  });

  it('must-allow: dotfiles match * and ** by default; exclude **/.* leaves them out', async () => {
    const box = sandbox();
    plant(box, ['.env', 'visible.txt', '.config/app.json', 'sub/.hidden']);
    const fs = safeFsFor(box);
    expect(await pathsOf(fs.list('.', { match: '*' }))).toEqual(['.config', '.env', 'sub', 'visible.txt']);
    expect(await pathsOf(fs.list('.', { recursive: true, match: '**/*' }))).toEqual([
      '.config',
      '.config/app.json',
      '.env',
      'sub',
      'sub/.hidden',
      'visible.txt',
    ]);
    expect(await pathsOf(fs.list('.', { recursive: true, exclude: '**/.*' }))).toEqual([
      'sub',
      'visible.txt',
    ]);
  });

  it('must-allow: an excluded directory (node_modules/**, **/.git) is never entered', async () => {
    const box = sandbox();
    plant(box, ['src/index.ts', 'src/.git/HEAD', '.git/config']);
    wide(box, 'node_modules/big', 200);
    wide(box, '.git/objects', 200);
    // a budget far below what the excluded trees hold: entering either would exhaust it
    const fs = safeFsFor(box, { maxListVisited: 50 });
    const listing = await fs.list('.', {
      recursive: true,
      match: '**',
      exclude: ['node_modules/**', '**/.git'],
    });
    expect(listing.entries.map((entry) => entry.path)).toEqual(['src', 'src/index.ts']);
    expect(listing).toMatchObject({ truncated: false, truncatedBy: [] });
    // read: .git, node_modules, src (root); .git, index.ts (src)
    expect(listing.visited).toBe(5);
    const unpruned = await fs.list('.', { recursive: true, match: 'src/**' });
    expect(unpruned).toMatchObject({ truncated: true, truncatedBy: ['maxListVisited'], visited: 50 });
  });

  it('a link to outside and a link loop are at most listed as links, never entered, whatever the pattern', async () => {
    const box = sandbox();
    plant(box, ['in/own.txt']);
    mkdirSync(join(box.outside, 'deep'));
    writeFileSync(join(box.outside, 'deep', 'leak.txt'), 'leak');
    symlinkSync(box.outside, join(box.root, 'in', 'out'));
    symlinkSync('../in', join(box.root, 'in', 'loop'));
    symlinkSync('.', join(box.root, 'self'));
    const fs = safeFsFor(box);
    for (const match of ['**', '**/*', '**/secret.txt', '**/leak.txt', 'in/out/**', 'self/**']) {
      const listing = await fs.list('.', { recursive: true, match });
      const paths = listing.entries.map((entry) => entry.path);
      expect(
        paths.filter((path) => /secret|leak|deep|own\.txt\/|in\/(out|loop)\/|self\//.test(path)),
      ).toEqual([]);
      expect(JSON.stringify(listing)).not.toContain(box.outside);
      expect(listing.visited, match).toBe(5); // in, self; loop, out, own.txt
    }
    const everything = await fs.list('.', { recursive: true, match: '**' });
    expect(everything.entries.map((entry) => `${entry.path}:${entry.type}`)).toEqual([
      'in:directory',
      'in/loop:symlink',
      'in/out:symlink',
      'in/own.txt:file',
      'self:symlink',
    ]);
    expect(await codeOf(fs.list('.', { recursive: true, match: '../**' }))).toBe('ERR_INVALID_PATTERN');
  });

  it('refuses absolute, .., NUL, control-character, overlong, too many and non-string patterns before touching the disk', async () => {
    const box = sandbox();
    const events = memorySink();
    const fs = safeFsFor(box, { events });
    const refused: [unknown, unknown, string][] = [
      ['/etc/**', undefined, 'absolute_pattern'],
      [undefined, '/proc', 'absolute_pattern'],
      ['../**', undefined, 'dotdot_segment'],
      ['a/../../b', undefined, 'dotdot_segment'],
      ['**/..', undefined, 'dotdot_segment'],
      ['{..,x}/secret.txt', undefined, 'dotdot_segment'],
      ['a\u0000b', undefined, 'control_character'],
      [undefined, 'x\ny', 'control_character'],
      ['a\u009bb', undefined, 'control_character'],
      ['a'.repeat(MAX_PATTERN_LENGTH + 1), undefined, 'pattern_too_long'],
      [Array.from({ length: MAX_PATTERNS + 1 }, (_, i) => `${i}.txt`), undefined, 'too_many_patterns'],
      [undefined, Array.from({ length: MAX_PATTERNS + 1 }, () => 'x'), 'too_many_patterns'],
      ['', undefined, 'empty_pattern'],
      [[42], undefined, 'not_a_string'],
      [{ length: 1, 0: '*' }, undefined, 'not_a_pattern_list'],
    ];
    for (const [match, exclude, reason] of refused) {
      // the directory does not exist: the pattern is refused before it is looked for
      const options = { recursive: true, match, exclude } as Parameters<typeof fs.list>[1];
      const error = await fs.list('missing', options).catch((caught: unknown) => caught);
      expect(error, reason).toMatchObject({ code: 'ERR_INVALID_PATTERN', detail: { reason } });
    }
    expect(events.events).toHaveLength(refused.length);
    expect(
      events.events.every((event) => event.type === 'fs_denied' && event.code === 'ERR_INVALID_PATTERN'),
    ).toBe(true);
    expect(events.events[0]).toMatchObject({ operation: 'list', reason: 'absolute_pattern' });
    const named = await fs.list('.', { match: '*.ts', exclude: ['ok', 'a/../b'] }).catch((caught) => caught);
    expect(named).toMatchObject({ data: { option: 'exclude', index: 1 } });
    expect(JSON.stringify(named)).not.toContain('a/../b'); // the pattern itself is never echoed
    // at the limits: accepted
    await fs.list('.', { match: 'a'.repeat(MAX_PATTERN_LENGTH) });
    await fs.list('.', { match: Array.from({ length: MAX_PATTERNS }, (_, i) => `${i}.txt`) });
    await fs.list('.', { match: ['..foo', 'foo..', 'a..b/*'] }); // literal names, not `..` segments
  });

  it('brace ranges and patterns with many wildcards (catastrophic backtracking) are refused', async () => {
    const box = sandbox();
    plant(box, ['file1.txt', 'a.ts', 'b.js']);
    const fs = safeFsFor(box);
    const started = performance.now();
    const range = await fs.list('.', { match: 'file{1..100000000}.txt' }).catch((caught: unknown) => caught);
    const refuseMs = performance.now() - started;
    expect(range).toMatchObject({ code: 'ERR_INVALID_PATTERN', detail: { reason: 'brace_range' } });
    for (const pattern of ['{a..z}*', '**/{0..9}/x', 'x{1..3..1}']) {
      expect(await codeOf(fs.list('.', { match: pattern })), pattern).toBe('ERR_INVALID_PATTERN');
    }
    // a pattern whose regular expression would take minutes on a crafted 255-byte name
    const redos = await fs.list('.', { match: '*a*a*a*b' }).catch((caught: unknown) => caught);
    expect(redos).toMatchObject({ code: 'ERR_INVALID_PATTERN', detail: { reason: 'too_many_wildcards' } });
    expect(await codeOf(fs.list('.', { exclude: '**/*a*/**/*a*b' }))).toBe('ERR_INVALID_PATTERN');
    // three runs are allowed; `**` counts once; escaped braces are literal
    expect(await pathsOf(fs.list('.', { recursive: true, match: '**/*.{ts,js}' }))).toEqual(['a.ts', 'b.js']);
    await fs.list('.', { match: '**/src/**/*.ts' });
    await fs.list('.', { match: '\\{1..3\\}' });
    console.info(`refusing a brace range of 10^8 took ${refuseMs.toFixed(1)} ms`);
  });

  it('a wide tree with no match stops at maxListVisited and says so', async () => {
    const box = sandbox();
    wide(box, 'a', 150);
    wide(box, 'b', 150);
    const fs = safeFsFor(box, { maxListVisited: 120 });
    const listing = await fs.list('.', { recursive: true, match: '**/*.nothing' });
    expect(listing).toEqual({ entries: [], truncated: true, truncatedBy: ['maxListVisited'], visited: 120 });
    // a plain listing under the same budget is cut by entries first, and still says why
    const plain = await fs.list('a', { maxEntries: 10 });
    expect(plain).toMatchObject({ truncated: true, truncatedBy: ['maxEntries'] });
    expect(plain.entries).toHaveLength(10);
    const roomy = safeFsFor(box);
    expect(await roomy.list('.', { recursive: true, match: '**/*.nothing' })).toEqual({
      entries: [],
      truncated: false,
      truncatedBy: [],
      visited: 302,
    });
  });

  it('names crafted against a pattern (its matching backtracks) stop the search at maxListMs, and it says so', async () => {
    const box = sandbox();
    // `*a*a*b` (3 runs of *, the most allowed) against 255-byte names of a's takes milliseconds a name.
    mkdirSync(join(box.root, 'crafted'));
    for (let i = 0; i < 300; i++)
      writeFileSync(join(box.root, 'crafted', `${'a'.repeat(250)}${1000 + i}`), '');
    const fs = safeFsFor(box, { maxListMs: 50 });
    const started = performance.now();
    const listing = await fs.list('crafted', { match: '*a*a*b' });
    const tookMs = performance.now() - started;
    expect(listing).toMatchObject({ entries: [], truncated: true, truncatedBy: ['maxListMs'] });
    expect(listing.visited).toBeLessThan(300);
    console.info(`stopped after ${listing.visited} of 300 crafted names, ${tookMs.toFixed(0)} ms`);
    // must-allow: an ordinary search of the same tree is not cut by the default budget
    const roomy = safeFsFor(box);
    expect(await roomy.list('crafted', { match: '*1299' })).toMatchObject({ truncated: false, visited: 300 });
    for (const maxListMs of [0, -1, 1.5, Number.POSITIVE_INFINITY]) {
      expect(() => createSafeFs({ roots: [box.root], maxListMs })).toThrow(ConfigError);
    }
  });

  it('a slow search lets the event loop run: an abort arrives and stops it inside one directory', async () => {
    const box = sandbox();
    // 64 crafted names come in one directory read: without turns of the event loop in between, no
    // timer could fire (and no other request be served) until all of them were matched.
    mkdirSync(join(box.root, 'crafted'));
    for (let i = 0; i < 64; i++)
      writeFileSync(join(box.root, 'crafted', `${'a'.repeat(250)}${1000 + i}`), '');
    const fs = safeFsFor(box);
    const match = ['*a*a*b', '*a*a*c', '*a*a*d', '*a*a*e'];
    const controller = new AbortController();
    let turns = 0;
    const timer = setTimeout(() => controller.abort(), 5);
    const ticker = setInterval(() => turns++, 1);
    try {
      expect(await codeOf(fs.list('crafted', { match, signal: controller.signal }))).toBe('ERR_ABORTED');
    } finally {
      clearTimeout(timer);
      clearInterval(ticker);
    }
    expect(turns).toBeGreaterThan(0);
    // must-allow: the same search, not aborted, completes
    expect(await fs.list('crafted', { match })).toMatchObject({ entries: [], truncated: false, visited: 64 });
  });

  it('maxEntries counts only matches; an aborted signal stops a search; maxListVisited is validated', async () => {
    const box = sandbox();
    wide(box, 'many', 40);
    plant(box, ['many/hit1.ts', 'many/hit2.ts', 'many/hit3.ts']);
    const fs = safeFsFor(box, { maxListEntries: 2 });
    const listing = await fs.list('.', { recursive: true, match: '**/*.ts' });
    expect(listing.entries).toHaveLength(2);
    expect(listing).toMatchObject({ truncated: true, truncatedBy: ['maxEntries'] });
    expect(await codeOf(fs.list('.', { recursive: true, match: '**', signal: AbortSignal.abort() }))).toBe(
      'ERR_ABORTED',
    );
    for (const maxListVisited of [0, -1, 1.5, Number.POSITIVE_INFINITY]) {
      expect(() => createSafeFs({ roots: [box.root], maxListVisited })).toThrow(ConfigError);
    }
  });
});
