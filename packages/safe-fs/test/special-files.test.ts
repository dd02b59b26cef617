import { execFileSync } from 'node:child_process';
import {
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codeOf, SECRET, safeFsFor, sandbox } from './helpers.js';

describe('file types, hard links and sizes', () => {
  it('refuses a FIFO without hanging, for read, write and append', async () => {
    const box = sandbox();
    execFileSync('mkfifo', [join(box.root, 'pipe')]);
    const fs = safeFsFor(box);
    expect(await codeOf(fs.readFile('pipe'))).toBe('ERR_NOT_A_FILE');
    expect(await codeOf(fs.readText('pipe'))).toBe('ERR_NOT_A_FILE');
    expect(await codeOf(fs.writeFile('pipe', 'x'))).toBe('ERR_NOT_A_FILE');
    expect(await codeOf(fs.appendFile('pipe', 'x'))).toBe('ERR_NOT_A_FILE');
    expect((await fs.stat('pipe')).type).toBe('fifo');
  }, 20_000);

  it('refuses device nodes inside the root and links to /dev/zero, without hanging or reading forever', async () => {
    const box = sandbox();
    symlinkSync('/dev/zero', join(box.root, 'zero-link'));
    symlinkSync('/dev/null', join(box.root, 'null-link'));
    // Tests run as root here, so a real character device node can be made inside the root.
    execFileSync('mknod', [join(box.root, 'zero-node'), 'c', '1', '5']);
    const fs = safeFsFor(box);
    expect(await codeOf(fs.readFile('zero-link'))).toBe('ERR_SYMLINK_ESCAPE');
    expect(await codeOf(fs.writeFile('null-link', 'x'))).toBe('ERR_SYMLINK_ESCAPE');
    expect(await codeOf(fs.readFile('zero-node'))).toBe('ERR_NOT_A_FILE');
    expect(await codeOf(fs.readFile('zero-node', { offset: 0, length: 10 }))).toBe('ERR_NOT_A_FILE');
    expect(await codeOf(fs.appendFile('zero-node', 'x'))).toBe('ERR_NOT_A_FILE');
    expect(await codeOf(fs.writeFile('zero-node', 'x'))).toBe('ERR_NOT_A_FILE');
    expect((await fs.stat('zero-node')).type).toBe('character-device');
  }, 20_000);

  it('refuses a Unix socket and a directory as a file', async () => {
    const box = sandbox();
    mkdirSync(join(box.root, 'dir'));
    const net = await import('node:net');
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(join(box.root, 'sock'), resolve));
    try {
      const fs = safeFsFor(box);
      expect(await codeOf(fs.readFile('sock'))).toBe('ERR_NOT_A_FILE');
      expect(await codeOf(fs.readFile('dir'))).toBe('ERR_NOT_A_FILE');
      expect(await codeOf(fs.readFile('dir/'))).toBe('ERR_NOT_A_FILE');
      expect(await codeOf(fs.readFile('.'))).toBe('ERR_NOT_A_FILE');
      expect(await codeOf(fs.writeFile('dir', 'x'))).toBe('ERR_NOT_A_FILE');
      expect(await codeOf(fs.writeFile('sock', 'x'))).toBe('ERR_NOT_A_FILE');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('hard links: reads allowed, writes refused by default; refuse-all refuses reads; the outside file is untouched', async () => {
    const box = sandbox();
    linkSync(join(box.outside, 'secret.txt'), join(box.root, 'hard'));
    const fs = safeFsFor(box);
    expect(await fs.readText('hard')).toBe(SECRET);
    expect(await codeOf(fs.writeFile('hard', 'pwned'))).toBe('ERR_HARD_LINK_DENIED');
    expect(await codeOf(fs.appendFile('hard', 'pwned'))).toBe('ERR_HARD_LINK_DENIED');
    const strict = safeFsFor(box, { hardLinks: 'refuse-all' });
    expect(await codeOf(strict.readText('hard'))).toBe('ERR_HARD_LINK_DENIED');
    expect(readFileSync(join(box.outside, 'secret.txt'), 'utf8')).toBe(SECRET);
    // allow: an atomic write replaces the name; the other link keeps the old content.
    const loose = safeFsFor(box, { hardLinks: 'allow' });
    await loose.writeFile('hard', 'replaced');
    expect(readFileSync(join(box.root, 'hard'), 'utf8')).toBe('replaced');
    expect(readFileSync(join(box.outside, 'secret.txt'), 'utf8')).toBe(SECRET);
  });

  it('refuses a huge sparse file before reading it, and reads a small range of it', async () => {
    const box = sandbox();
    const huge = join(box.root, 'huge.bin');
    writeFileSync(huge, '');
    truncateSync(huge, 8 * 1024 ** 3); // 8 GiB, sparse: no disk used
    const fs = safeFsFor(box);
    expect(await codeOf(fs.readFile('huge.bin'))).toBe('ERR_FILE_TOO_LARGE');
    const range = await fs.readFile('huge.bin', { offset: 4 * 1024 ** 3, length: 16 });
    expect([...range]).toEqual(new Array(16).fill(0));
    expect(await codeOf(fs.readFile('huge.bin', { offset: 0, length: 10 * 1024 * 1024 + 1 }))).toBe(
      'ERR_FILE_TOO_LARGE',
    );
    expect((await fs.stat('huge.bin')).size).toBe(8 * 1024 ** 3);
  });

  it('enforces the read limit exactly, and ranges past the end return what exists', async () => {
    const box = sandbox();
    writeFileSync(join(box.root, 'exact.bin'), Buffer.alloc(1000, 1));
    writeFileSync(join(box.root, 'over.bin'), Buffer.alloc(1001, 1));
    const fs = safeFsFor(box, { maxReadBytes: 1000 });
    expect((await fs.readFile('exact.bin')).length).toBe(1000);
    expect(await codeOf(fs.readFile('over.bin'))).toBe('ERR_FILE_TOO_LARGE');
    expect((await fs.readFile('over.bin', { offset: 1 })).length).toBe(1000);
    expect((await fs.readFile('exact.bin', { offset: 990, length: 100 })).length).toBe(10);
    expect((await fs.readFile('exact.bin', { offset: 5000, length: 10 })).length).toBe(0);
    expect(await codeOf(fs.readFile('exact.bin', { offset: -1 }))).toBe('ERR_INVALID_RANGE');
    expect(await codeOf(fs.readFile('exact.bin', { offset: 1.5 }))).toBe('ERR_INVALID_RANGE');
    expect(await codeOf(fs.readFile('exact.bin', { length: -2 }))).toBe('ERR_INVALID_RANGE');
    const error = await fs.readFile('over.bin').catch((caught: unknown) => caught);
    expect((error as { data: unknown }).data).toEqual({ limit: 1000 });
  });

  it('enforces the write limit while streaming: nothing is created and no temp file remains', async () => {
    const box = sandbox();
    const fs = safeFsFor(box, { maxWriteBytes: 1024 });
    let produced = 0;
    async function* endless(): AsyncGenerator<Uint8Array> {
      for (;;) {
        produced += 100;
        yield new Uint8Array(100);
      }
    }
    expect(await codeOf(fs.writeFile('stream.bin', endless()))).toBe('ERR_FILE_TOO_LARGE');
    expect(produced).toBeLessThanOrEqual(1200); // stopped at the limit, not after reading everything
    expect(await codeOf(fs.writeFile('big.txt', 'x'.repeat(1025)))).toBe('ERR_FILE_TOO_LARGE');
    expect(await codeOf(fs.appendFile('big.txt', endless()))).toBe('ERR_FILE_TOO_LARGE');
    expect(await codeOf(fs.writeFile('multi.txt', 'é'.repeat(513)))).toBe('ERR_FILE_TOO_LARGE'); // 1026 bytes
    await fs.writeFile('fits.bin', new Uint8Array(1024));
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(box.root)).toEqual(['fits.bin']);
  });

  it('checks text encodings strictly', async () => {
    const box = sandbox();
    writeFileSync(join(box.root, 'bad.txt'), Buffer.from([0x61, 0xff, 0x62]));
    writeFileSync(join(box.root, 'utf16.txt'), Buffer.from('hé', 'utf16le'));
    writeFileSync(join(box.root, 'good.txt'), 'grüße ✓');
    const fs = safeFsFor(box);
    expect(await codeOf(fs.readText('bad.txt'))).toBe('ERR_INVALID_ENCODING');
    expect(await fs.readText('good.txt')).toBe('grüße ✓');
    expect(await fs.readText('utf16.txt', { encoding: 'utf-16le' })).toBe('hé');
    // Content is returned as stored: a byte-order mark is kept, so a read-then-write round trip is exact.
    writeFileSync(join(box.root, 'bom.txt'), '\ufeffwith bom');
    expect(await fs.readText('bom.txt')).toBe('\ufeffwith bom');
    expect((await fs.readFile('bad.txt')).length).toBe(3);
    expect(existsSync(join(box.root, 'bad.txt'))).toBe(true);
  });
});
