import {
  chmodSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { memorySink } from '@mcp-warden/core';
import { applyPatch } from 'diff';
import { describe, expect, it } from 'vitest';
import { createSafeFs, MAX_EDITS, type TextEdit } from '../src/index.js';
import { codeOf, SECRET, safeFsFor, sandbox } from './helpers.js';

/** Writes `content` to `name` in `dir` and returns a function asserting the file is byte-identical. */
function keep(dir: string, name: string, content: string | Buffer): () => void {
  const path = join(dir, name);
  writeFileSync(path, content);
  const before = readFileSync(path);
  return () => expect(readFileSync(path).equals(before), `${name} changed`).toBe(true);
}

describe('edit: must-allow', () => {
  it('applies one edit, then several in order, each to the result of the previous ones', async () => {
    const box = sandbox();
    const fs = safeFsFor(box);
    writeFileSync(join(box.root, 'a.txt'), 'alpha\nbeta\ngamma\n');
    const one = await fs.edit('a.txt', [{ oldText: 'beta', newText: 'BETA' }]);
    expect(one).toMatchObject({ replacements: 1, changed: true });
    expect(readFileSync(join(box.root, 'a.txt'), 'utf8')).toBe('alpha\nBETA\ngamma\n');
    // The second edit's oldText exists only after the first; `$&` is text, not a pattern.
    const several = await fs.edit('a.txt', [
      { oldText: 'alpha', newText: 'first' },
      { oldText: 'first\nBETA', newText: 'first and $& beta' },
      { oldText: 'gamma\n', newText: '' },
    ]);
    expect(several.replacements).toBe(3);
    expect(readFileSync(join(box.root, 'a.txt'), 'utf8')).toBe('first and $& beta\n');
  });

  it('keeps CRLF line endings when edits use \\n; matches a mixed file exactly', async () => {
    const box = sandbox();
    const fs = safeFsFor(box);
    writeFileSync(join(box.root, 'crlf.txt'), 'one\r\ntwo\r\nthree\r\n');
    await fs.edit('crlf.txt', [{ oldText: 'one\ntwo\n', newText: 'one\nnew\ntwo\n' }]);
    expect(readFileSync(join(box.root, 'crlf.txt'), 'utf8')).toBe('one\r\nnew\r\ntwo\r\nthree\r\n');
    // Texts that already say \r\n are used as sent.
    await fs.edit('crlf.txt', [{ oldText: 'three\r\n', newText: '3\r\n' }]);
    expect(readFileSync(join(box.root, 'crlf.txt'), 'utf8')).toBe('one\r\nnew\r\ntwo\r\n3\r\n');
    // Not CRLF throughout: exact matching only.
    const mixed = keep(box.root, 'mixed.txt', 'a\r\nb\nc\r\n');
    expect(await codeOf(fs.edit('mixed.txt', [{ oldText: 'a\nb', newText: 'x' }]))).toBe(
      'ERR_EDIT_NOT_FOUND',
    );
    mixed();
    await fs.edit('mixed.txt', [{ oldText: 'b\nc', newText: 'B\nC' }]);
    expect(readFileSync(join(box.root, 'mixed.txt'), 'utf8')).toBe('a\r\nB\nC\r\n');
  });

  it('edits unicode text, keeps a byte-order mark, and the diff shows it', async () => {
    const box = sandbox();
    const fs = safeFsFor(box);
    writeFileSync(join(box.root, 'u.txt'), '\uFEFFcafé 🎉 naïve\n日本語\n');
    const result = await fs.edit('u.txt', [
      { oldText: '🎉', newText: '🚀✨' },
      { oldText: '日本語', newText: 'Ελληνικά' },
    ]);
    expect(readFileSync(join(box.root, 'u.txt'), 'utf8')).toBe('\uFEFFcafé 🚀✨ naïve\nΕλληνικά\n');
    expect(result.diff).toContain('+\uFEFFcafé 🚀✨ naïve');
    expect(result.diff).toContain('-日本語');
  });

  it('dryRun returns the diff and leaves the file byte-identical, its mtime and inode unchanged', async () => {
    const box = sandbox();
    const fs = safeFsFor(box);
    const unchanged = keep(box.root, 'd.txt', 'keep\nchange me\n');
    const before = statSync(join(box.root, 'd.txt'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const result = await fs.edit('d.txt', [{ oldText: 'change me', newText: 'changed' }], { dryRun: true });
    expect(result).toEqual({
      diff: [
        'Index: d.txt',
        '===================================================================',
        '--- d.txt',
        '+++ d.txt',
        '@@ -1,2 +1,2 @@',
        ' keep',
        '-change me',
        '+changed',
        '',
      ].join('\n'),
      replacements: 1,
      changed: true,
    });
    unchanged();
    const after = statSync(join(box.root, 'd.txt'));
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect(after.ino).toBe(before.ino);
    expect(readdirSync(box.root)).toEqual(['d.txt']);
  });

  it('keeps the file mode, like writeFile', async () => {
    const box = sandbox();
    const fs = safeFsFor(box);
    writeFileSync(join(box.root, 'm.txt'), 'mode test');
    chmodSync(join(box.root, 'm.txt'), 0o640);
    await fs.edit('m.txt', [{ oldText: 'test', newText: 'kept' }]);
    expect(statSync(join(box.root, 'm.txt')).mode & 0o7777).toBe(0o640);
    expect(readFileSync(join(box.root, 'm.txt'), 'utf8')).toBe('mode kept');
  });

  it('edits the target of a link that stays inside (the link stays a link); refuses it with symlinks: never', async () => {
    const box = sandbox();
    mkdirSync(join(box.root, 'docs'));
    writeFileSync(join(box.root, 'docs', 'real.md'), '# Title\n');
    symlinkSync('docs/real.md', join(box.root, 'alias.md'));
    const result = await safeFsFor(box).edit('alias.md', [{ oldText: 'Title', newText: 'New title' }]);
    expect(readFileSync(join(box.root, 'docs', 'real.md'), 'utf8')).toBe('# New title\n');
    expect(lstatSync(join(box.root, 'alias.md')).isSymbolicLink()).toBe(true);
    expect(result.diff).toContain('--- alias.md');
    const strict = safeFsFor(box, { symlinks: 'never' });
    expect(await codeOf(strict.edit('alias.md', [{ oldText: 'New', newText: 'x' }]))).toBe(
      'ERR_SYMLINK_NOT_ALLOWED',
    );
    expect(readFileSync(join(box.root, 'docs', 'real.md'), 'utf8')).toBe('# New title\n');
  });

  it('changed: false when the edits give the same text: nothing is written and the diff is empty', async () => {
    const box = sandbox();
    const fs = safeFsFor(box);
    const unchanged = keep(box.root, 's.txt', 'same text');
    const before = statSync(join(box.root, 's.txt'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const result = await fs.edit('s.txt', [
      { oldText: 'same', newText: 'other' },
      { oldText: 'other', newText: 'same' },
    ]);
    expect(result).toEqual({ diff: '', replacements: 2, changed: false });
    unchanged();
    expect(statSync(join(box.root, 's.txt')).mtimeMs).toBe(before.mtimeMs);
    expect(statSync(join(box.root, 's.txt')).ino).toBe(before.ino);
  });

  it('the diff is labelled with the path as given and never holds the host path of the root', async () => {
    const box = sandbox();
    mkdirSync(join(box.root, 'src'));
    writeFileSync(join(box.root, 'src', 'x.ts'), 'const a = 1;\n');
    const fs = safeFsFor(box);
    const relative = await fs.edit('src/x.ts', [{ oldText: '1', newText: '2' }]);
    expect(relative.diff).toContain('--- src/x.ts\n+++ src/x.ts\n');
    const dotted = await fs.edit('./src/../src/x.ts', [{ oldText: '2', newText: '3' }]);
    expect(dotted.diff).toContain('--- ./src/../src/x.ts\n');
    for (const diff of [relative.diff, dotted.diff]) {
      expect(diff).not.toContain(box.base);
      expect(diff).not.toContain('/proc/self');
    }
  });

  it('the diff applies back to the new text, for a small edit of a large file and a large rewrite', async () => {
    const box = sandbox();
    const fs = safeFsFor(box);
    const lines = (count: number, tag: string): string =>
      Array.from({ length: count }, (_, i) => `${tag} ${i} ${(i * 7919) % 1009}\n`).join('');
    const large = lines(50_000, 'line');
    writeFileSync(join(box.root, 'big.txt'), large);
    const small = await fs.edit('big.txt', [{ oldText: 'line 25000 ', newText: 'LINE 25000 ' }]);
    expect(small.diff).toContain('@@ -24998,7 +24998,7 @@');
    expect(applyPatch(large, small.diff)).toBe(readFileSync(join(box.root, 'big.txt'), 'utf8'));
    // Thousands of changed lines: shown as one block (Myers' diff would take seconds), still exact.
    const before = readFileSync(join(box.root, 'big.txt'), 'utf8');
    const oldBlock = before.slice(before.indexOf('line 10000 '), before.indexOf('line 13000 '));
    const started = Date.now();
    const rewrite = await fs.edit('big.txt', [{ oldText: oldBlock, newText: lines(3000, 'new') }], {
      dryRun: true,
    });
    expect(Date.now() - started).toBeLessThan(5000);
    // Three context lines, then 3,000 lines out and 3,000 in, from line 10,001 (1-based).
    expect(rewrite.diff).toContain('\n@@ -9998,3006 +9998,3006 @@\n line 9997 ');
    expect(applyPatch(before, rewrite.diff)).toBe(before.replace(oldBlock, lines(3000, 'new')));
    // No newline at the end: marked, and still applies.
    writeFileSync(join(box.root, 'nl.txt'), 'a\nb');
    const noNewline = await fs.edit('nl.txt', [{ oldText: 'b', newText: 'c' }]);
    expect(noNewline.diff).toContain('\\ No newline at end of file');
    expect(applyPatch('a\nb', noNewline.diff)).toBe('a\nc');
  });

  it('caps the diff at maxReadBytes with a truncation marker', async () => {
    const box = sandbox();
    const fs = safeFsFor(box, { maxReadBytes: 4096 });
    const text = Array.from({ length: 400 }, (_, i) => `row ${i}\n`).join('');
    writeFileSync(join(box.root, 't.txt'), text);
    const result = await fs.edit('t.txt', [{ oldText: text, newText: text.toUpperCase() }], { dryRun: true });
    expect(Buffer.byteLength(result.diff)).toBeLessThanOrEqual(4096 + 100);
    expect(result.diff).toMatch(/\n\.\.\. diff truncated: \d+ more bytes not shown\n$/);
  });

  it('emits fs_access for an edit and fs_denied or fs_access failure for refusals, with operation edit', async () => {
    const box = sandbox();
    const events = memorySink();
    const fs = safeFsFor(box, { events });
    writeFileSync(join(box.root, 'e.txt'), 'event');
    await fs.edit('e.txt', [{ oldText: 'event', newText: 'evented' }]);
    await fs.edit('e.txt', []).catch(() => undefined);
    await fs.edit('e.txt', [{ oldText: 'absent', newText: 'x' }]).catch(() => undefined);
    await fs.edit('../outside/secret.txt', [{ oldText: 'TOP', newText: 'x' }]).catch(() => undefined);
    const operationOf = (event: object): unknown => (event as { operation?: unknown }).operation;
    expect(events.events.map((event) => [event.type, operationOf(event), event.outcome, event.code])).toEqual(
      [
        ['fs_access', 'edit', 'success', undefined],
        ['fs_denied', 'edit', 'denied', 'ERR_INVALID_EDIT'],
        ['fs_access', 'edit', 'failure', 'ERR_EDIT_NOT_FOUND'],
        ['malicious_path_traversal', 'edit', 'denied', 'ERR_PATH_OUTSIDE_ROOTS'],
      ],
    );
  });
});

describe('edit: refusals leave the file byte-identical', () => {
  it('refuses an oldText that is missing or occurs twice, naming the edit by index only; all or nothing', async () => {
    const box = sandbox();
    const fs = safeFsFor(box);
    const unchanged = keep(box.root, 'f.txt', 'one two one\nsecret content here\n');
    const missing = await fs.edit('f.txt', [{ oldText: 'three', newText: 'x' }]).catch((error) => error);
    expect(missing.code).toBe('ERR_EDIT_NOT_FOUND');
    expect(missing.data).toEqual({ index: 0 });
    // The first edit would apply; the second is ambiguous: nothing is written.
    const twice = await fs
      .edit('f.txt', [
        { oldText: 'two', newText: 'TWO' },
        { oldText: 'one', newText: 'ONE' },
      ])
      .catch((error) => error);
    expect(twice.code).toBe('ERR_EDIT_AMBIGUOUS');
    expect(twice.data).toEqual({ index: 1 });
    expect(JSON.stringify(twice.toJSON())).not.toContain('secret content');
    expect(twice.message).not.toContain('one');
    // Overlapping occurrences count: "aa" is twice in "aaa".
    const overlap = keep(box.root, 'o.txt', 'aaa');
    expect(await codeOf(fs.edit('o.txt', [{ oldText: 'aa', newText: 'b' }]))).toBe('ERR_EDIT_AMBIGUOUS');
    // No whitespace-fuzzy fallback.
    expect(await codeOf(fs.edit('f.txt', [{ oldText: 'one  two', newText: 'x' }]))).toBe(
      'ERR_EDIT_NOT_FOUND',
    );
    unchanged();
    overlap();
  });

  it('refuses malformed edit lists before touching the file: ERR_INVALID_EDIT', async () => {
    const box = sandbox();
    const fs = safeFsFor(box, { maxWriteBytes: 64 });
    const unchanged = keep(box.root, 'f.txt', 'text');
    const many: TextEdit[] = Array.from({ length: MAX_EDITS + 1 }, () => ({
      oldText: 'text',
      newText: 'text',
    }));
    const cases: [unknown, string][] = [
      ['not an array', 'not_an_array'],
      [[], 'no_edits'],
      [many, 'too_many_edits'],
      [[null], 'not_an_edit'],
      [[{ oldText: 'text', newText: 1 }], 'not_a_string'],
      [[{ oldText: 1, newText: 'x' }], 'not_a_string'],
      [[{ newText: 'x' }], 'not_a_string'],
      [[{ oldText: '', newText: 'x' }], 'empty_old_text'],
      [[{ oldText: 'te', newText: 'x\uD83D' }], 'lone_surrogate'],
      [[{ oldText: 'text', newText: 'x'.repeat(61) }], 'edits_too_large'],
    ];
    for (const [edits, reason] of cases) {
      const error = await fs.edit('f.txt', edits as TextEdit[]).catch((caught) => caught);
      expect(error.code, reason).toBe('ERR_INVALID_EDIT');
      expect(error.detail.reason).toBe(reason);
    }
    const hundred = await safeFsFor(box).edit('f.txt', many.slice(0, MAX_EDITS));
    expect(hundred).toMatchObject({ replacements: MAX_EDITS, changed: false });
    const dryRun = 'true' as unknown as boolean;
    expect(await codeOf(fs.edit('f.txt', [{ oldText: 'text', newText: 'x' }], { dryRun }))).toBe(
      'ERR_INVALID_EDIT',
    );
    unchanged();
  });

  it('refuses paths outside the roots, .. above the root and links escaping, with the codes of other operations', async () => {
    const box = sandbox();
    const fs = safeFsFor(box);
    symlinkSync(join(box.outside, 'secret.txt'), join(box.root, 'escape.txt'));
    symlinkSync(box.outside, join(box.root, 'out'));
    const edit = [{ oldText: 'TOP', newText: 'PWNED' }];
    expect(await codeOf(fs.edit(join(box.outside, 'secret.txt'), edit))).toBe('ERR_PATH_OUTSIDE_ROOTS');
    expect(await codeOf(fs.edit(join(box.evil, 'secret.txt'), edit))).toBe('ERR_PATH_OUTSIDE_ROOTS');
    expect(await codeOf(fs.edit('../outside/secret.txt', edit))).toBe('ERR_PATH_OUTSIDE_ROOTS');
    expect(await codeOf(fs.edit('escape.txt', edit))).toBe('ERR_SYMLINK_ESCAPE');
    expect(await codeOf(fs.edit('out/secret.txt', edit))).toBe('ERR_SYMLINK_ESCAPE');
    expect(await codeOf(fs.edit('escape.txt', edit, { dryRun: true }))).toBe('ERR_SYMLINK_ESCAPE');
    expect(readFileSync(join(box.outside, 'secret.txt'), 'utf8')).toBe(SECRET);
    expect(readFileSync(join(box.evil, 'secret.txt'), 'utf8')).toBe(SECRET);
    expect(readdirSync(box.outside)).toEqual(['secret.txt']);
  });

  it('refuses read-only roots (dry runs too), directories and missing files', async () => {
    const box = sandbox();
    const unchanged = keep(box.root, 'f.txt', 'text');
    mkdirSync(join(box.root, 'dir'));
    const readOnly = createSafeFs({ roots: [{ path: box.root, readOnly: true }] });
    const edit = [{ oldText: 'text', newText: 'x' }];
    expect(await codeOf(readOnly.edit('f.txt', edit))).toBe('ERR_READ_ONLY_ROOT');
    expect(await codeOf(readOnly.edit('f.txt', edit, { dryRun: true }))).toBe('ERR_READ_ONLY_ROOT');
    const fs = safeFsFor(box);
    expect(await codeOf(fs.edit('dir', edit))).toBe('ERR_NOT_A_FILE');
    expect(await codeOf(fs.edit('f.txt/', edit))).toBe('ERR_NOT_A_FILE');
    expect(await codeOf(fs.edit('missing.txt', edit))).toBe('ERR_NOT_FOUND');
    expect(readdirSync(box.root).sort()).toEqual(['dir', 'f.txt']);
    unchanged();
  });

  it('refuses a hard-linked file by default (dry runs too); with hardLinks: allow the other link keeps its content', async () => {
    const box = sandbox();
    linkSync(join(box.outside, 'secret.txt'), join(box.root, 'hard.txt'));
    const edit = [{ oldText: 'TOP', newText: 'PWNED' }];
    expect(await codeOf(safeFsFor(box).edit('hard.txt', edit))).toBe('ERR_HARD_LINK_DENIED');
    expect(await codeOf(safeFsFor(box).edit('hard.txt', edit, { dryRun: true }))).toBe(
      'ERR_HARD_LINK_DENIED',
    );
    expect(await codeOf(safeFsFor(box, { hardLinks: 'refuse-all' }).edit('hard.txt', edit))).toBe(
      'ERR_HARD_LINK_DENIED',
    );
    expect(readFileSync(join(box.outside, 'secret.txt'), 'utf8')).toBe(SECRET);
    await safeFsFor(box, { hardLinks: 'allow' }).edit('hard.txt', edit);
    expect(readFileSync(join(box.root, 'hard.txt'), 'utf8')).toBe('PWNED-SECRET-OUTSIDE');
    expect(readFileSync(join(box.outside, 'secret.txt'), 'utf8')).toBe(SECRET);
  });

  it('refuses a file over maxReadBytes, a result over maxWriteBytes, invalid UTF-8 and an aborted signal', async () => {
    const box = sandbox();
    const big = keep(box.root, 'big.txt', `${'x'.repeat(98)}END`);
    const fits = keep(box.root, 'fits.txt', `${'y'.repeat(88)}AB`);
    const binary = keep(box.root, 'bin.txt', Buffer.from([0x61, 0xff, 0xfe, 0x62]));
    const fs = safeFsFor(box, { maxReadBytes: 100, maxWriteBytes: 100 });
    expect(await codeOf(fs.edit('big.txt', [{ oldText: 'END', newText: 'E' }]))).toBe('ERR_FILE_TOO_LARGE');
    await fs.edit('fits.txt', [{ oldText: 'AB', newText: 'z'.repeat(12) }], { dryRun: true }); // 100 bytes: fits
    const grown = await fs
      .edit('fits.txt', [{ oldText: 'AB', newText: 'z'.repeat(13) }])
      .catch((error) => error);
    expect(grown.code).toBe('ERR_FILE_TOO_LARGE');
    expect(grown.data).toEqual({ limit: 100 });
    expect(
      await codeOf(fs.edit('fits.txt', [{ oldText: 'AB', newText: 'z'.repeat(13) }], { dryRun: true })),
    ).toBe('ERR_FILE_TOO_LARGE');
    expect(await codeOf(fs.edit('bin.txt', [{ oldText: 'a', newText: 'b' }]))).toBe('ERR_INVALID_ENCODING');
    const signal = AbortSignal.abort();
    expect(await codeOf(fs.edit('fits.txt', [{ oldText: 'AB', newText: 'z' }], { signal }))).toBe(
      'ERR_ABORTED',
    );
    big();
    fits();
    binary();
    expect(readdirSync(box.root).sort()).toEqual(['big.txt', 'bin.txt', 'fits.txt']);
  });
});
