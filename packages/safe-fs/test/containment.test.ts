import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FsError, memorySink, ValidationError } from '@mcp-warden/core';
import { describe, expect, it } from 'vitest';
import { createSafeFs } from '../src/index.js';
import { codeOf, SECRET, safeFsFor, sandbox } from './helpers.js';

describe('containment by path components', () => {
  it('refuses a sibling directory that shares the root as a string prefix (CVE-2025-53110)', async () => {
    const box = sandbox();
    const fs = safeFsFor(box);
    expect(await codeOf(fs.readText(join(box.evil, 'secret.txt')))).toBe('ERR_PATH_OUTSIDE_ROOTS');
    expect(await codeOf(fs.writeFile(join(box.evil, 'new.txt'), 'x'))).toBe('ERR_PATH_OUTSIDE_ROOTS');
    expect(await codeOf(fs.list(box.evil))).toBe('ERR_PATH_OUTSIDE_ROOTS');
    expect(await codeOf(fs.readText(`${box.root}_evil/secret.txt`))).toBe('ERR_PATH_OUTSIDE_ROOTS');
    expect(existsSync(join(box.evil, 'new.txt'))).toBe(false);
  });

  it('refuses .. in every position that climbs above the root', async () => {
    const box = sandbox();
    mkdirSync(join(box.root, 'a', 'b'), { recursive: true });
    const fs = safeFsFor(box);
    const attempts = [
      '..',
      '../',
      '../outside/secret.txt',
      'a/../../outside/secret.txt',
      'a/b/../../../outside/secret.txt',
      './../outside/secret.txt',
      'a/./../../outside/secret.txt',
      '../root/../outside/secret.txt',
      `${box.root}/../outside/secret.txt`,
      `${box.root}/a/../../outside/secret.txt`,
      '../root/a', // climbs out and back in: refused all the same
      'a/b/../../..',
      '..//..//outside/secret.txt',
    ];
    for (const attempt of attempts) {
      expect(await codeOf(fs.readText(attempt)), attempt).toBe('ERR_PATH_OUTSIDE_ROOTS');
      expect(await codeOf(fs.writeFile(attempt, 'x')), attempt).toBe('ERR_PATH_OUTSIDE_ROOTS');
    }
  });

  it('allows .. that stays inside the root', async () => {
    const box = sandbox();
    mkdirSync(join(box.root, 'a', 'b'), { recursive: true });
    writeFileSync(join(box.root, 'top.txt'), 'top');
    const fs = safeFsFor(box);
    expect(await fs.readText('a/../top.txt')).toBe('top');
    expect(await fs.readText('a/b/../../top.txt')).toBe('top');
    expect(await fs.readText(`${box.root}/a/../top.txt`)).toBe('top');
    expect(await fs.readText(`${box.root}/./top.txt`)).toBe('top');
    expect(await fs.readText(`${box.base}/./root/top.txt`)).toBe('top');
    expect(await fs.readText(`${box.base}//root//a/./../top.txt`)).toBe('top');
    await fs.writeFile('a/b/../new.txt', 'n');
    expect(readFileSync(join(box.root, 'a', 'new.txt'), 'utf8')).toBe('n');
  });

  it('refuses absolute paths outside every root, including / and the root parent', async () => {
    const box = sandbox();
    const fs = safeFsFor(box);
    for (const attempt of [
      '/etc/passwd',
      '/',
      box.base,
      join(box.outside, 'secret.txt'),
      '/proc/self/environ',
    ]) {
      expect(await codeOf(fs.readText(attempt)), attempt).toBe('ERR_PATH_OUTSIDE_ROOTS');
    }
  });

  it('resolves relative paths against the default root, never the process cwd', async () => {
    const box = sandbox();
    const second = join(box.base, 'second');
    mkdirSync(second);
    writeFileSync(join(second, 'f.txt'), 'second');
    writeFileSync(join(box.root, 'f.txt'), 'first');
    const cwd = process.cwd();
    process.chdir(box.outside);
    try {
      const fs = createSafeFs({ roots: [box.root, second], defaultRoot: second });
      expect(await fs.readText('f.txt')).toBe('second');
      expect(await codeOf(fs.readText('secret.txt'))).toBe('ERR_NOT_FOUND');
      expect(await fs.readText(join(box.root, 'f.txt'))).toBe('first');
    } finally {
      process.chdir(cwd);
    }
  });

  it('treats names literally: ..foo, foo.., %2e%2e, ~, spaced and backslashes are plain names', async () => {
    const box = sandbox();
    const fs = safeFsFor(box);
    const names = [
      '..foo',
      'foo..',
      '...',
      '%2e%2e',
      '%2e%2e%2fsecret',
      '~',
      '~root',
      ' spaced ',
      'a\\..\\b',
      '.hidden',
    ];
    for (const name of names) {
      await fs.writeFile(name, `content of ${name}`);
      expect(await fs.readText(name), name).toBe(`content of ${name}`);
      expect(readFileSync(join(box.root, name), 'utf8')).toBe(`content of ${name}`);
    }
    expect(readdirSync(box.root).sort()).toEqual([...names].sort());
    // Reading a literal name that does not exist never turns into something else.
    expect(await codeOf(fs.readText('%2E%2E/outside/secret.txt'))).toBe('ERR_NOT_FOUND');
    expect(await codeOf(fs.readText('~/secret.txt'))).toBe('ERR_NOT_A_DIRECTORY');
  });

  it('keeps Unicode names as sent (no NFC/NFKC folding)', async () => {
    const box = sandbox();
    const fs = safeFsFor(box);
    const nfc = 'caf\u00e9.txt';
    const nfd = 'cafe\u0301.txt';
    const others = ['日本語.txt', 'emoji-😀.txt', 'ﬁle.txt', 'Ω-ohm.txt'];
    await fs.writeFile(nfc, 'nfc');
    await fs.writeFile(nfd, 'nfd');
    for (const name of others) await fs.writeFile(name, name);
    expect(await fs.readText(nfc)).toBe('nfc');
    expect(await fs.readText(nfd)).toBe('nfd');
    for (const name of others) expect(await fs.readText(name)).toBe(name);
    // NFKC of the ligature would be "file.txt": not the same file.
    expect(await codeOf(fs.readText('file.txt'))).toBe('ERR_NOT_FOUND');
    expect(readdirSync(box.root)).toContain(nfd);
  });

  it('rejects malformed input before touching the disk', async () => {
    const box = sandbox();
    const fs = safeFsFor(box);
    const bad: unknown[] = [
      '',
      'a\0b',
      '\0',
      'a\nb',
      'a\rb',
      'tab\there',
      'bell\u0007',
      'del\u007f',
      'c1\u0085',
      'esc\u001b[31m',
      'lone\ud800',
      'lone\udc00x',
      'x'.repeat(256),
      `${'a/'.repeat(2100)}f`,
      42,
      null,
      undefined,
      { toString: () => 'a.txt' },
    ];
    for (const input of bad) {
      const error = await fs.readFile(input as string).catch((caught: unknown) => caught);
      expect(error, String(input)).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).code).toBe('ERR_INVALID_PATH');
      expect(await codeOf(fs.writeFile(input as string, 'x'))).toBe('ERR_INVALID_PATH');
    }
    expect(readdirSync(box.root)).toEqual([]);
    // The limits are in UTF-8 bytes: 128 two-byte characters are 256 bytes.
    expect(await codeOf(fs.writeFile('é'.repeat(128), 'x'))).toBe('ERR_INVALID_PATH');
    await fs.writeFile('é'.repeat(127), 'x');
  });

  it('never puts a real path in a public message, and emits a malicious_* event per escape', async () => {
    const box = sandbox();
    const events = memorySink();
    symlinkSync(box.outside, join(box.root, 'link'));
    const fs = safeFsFor(box, { events });
    const attempts = [
      () => fs.readText('../outside/secret.txt'),
      () => fs.readText(join(box.outside, 'secret.txt')),
      () => fs.readText('link/secret.txt'),
      () => fs.writeFile('link/new.txt', 'x'),
    ];
    for (const attempt of attempts) {
      const error = (await attempt().catch((caught: unknown) => caught)) as FsError;
      expect(error).toBeInstanceOf(FsError);
      const visible = JSON.stringify(error.toJSON()) + error.message;
      expect(visible).not.toContain(box.base);
      expect(visible).not.toContain(SECRET);
      expect(visible).not.toContain('/outside');
    }
    expect(events.events.map((event) => event.type)).toEqual([
      'malicious_path_traversal',
      'malicious_path_traversal',
      'malicious_symlink_escape',
      'malicious_symlink_escape',
    ]);
    for (const event of events.events) {
      expect(event.level).toBe('critical');
      expect(event.outcome).toBe('denied');
      expect(JSON.stringify(event)).not.toContain(box.base);
    }
    expect(existsSync(join(box.outside, 'new.txt'))).toBe(false);
  });
});
