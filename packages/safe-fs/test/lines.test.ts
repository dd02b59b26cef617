import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  closeSync,
  fstatSync,
  linkSync,
  mkdirSync,
  openSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { setPathDescriptorsForTesting, setProcFdForTesting } from '../src/descriptor.js';
import { MAX_LINES, type ReadTextOptions } from '../src/index.js';
import { readLines } from '../src/line-read.js';
import { codeOf, safeFsFor, sandbox } from './helpers.js';

/** The lines of `text` as a whole-file read sees them: each with its `\n`; a final `\n` starts no line. */
function linesOf(text: string): string[] {
  const lines: string[] = [];
  let start = 0;
  for (;;) {
    const at = text.indexOf('\n', start);
    if (at === -1) {
      if (start < text.length) lines.push(text.slice(start));
      return lines;
    }
    lines.push(text.slice(start, at + 1));
    start = at + 1;
  }
}

const headOf = (text: string, n: number): string => linesOf(text).slice(0, n).join('');
const tailOf = (text: string, n: number): string => linesOf(text).slice(-n).join('');

/** The error `promise` rejects with (fails the test if it resolves). */
async function errorOf(
  promise: Promise<unknown>,
): Promise<{ code: string; detail: { reason?: string }; data?: unknown }> {
  try {
    await promise;
  } catch (error) {
    return error as { code: string; detail: { reason?: string }; data?: unknown };
  }
  throw new Error('expected a rejection');
}

describe('readText with head and tail', () => {
  it('returns the first and last N lines, at and around the number of lines, with and without a final newline', async () => {
    const box = sandbox();
    writeFileSync(join(box.root, 'final.txt'), 'one\ntwo\nthree\n');
    writeFileSync(join(box.root, 'open.txt'), 'one\ntwo\nthree');
    writeFileSync(join(box.root, 'blank.txt'), 'a\n\n\nb\n\n');
    writeFileSync(join(box.root, 'newline.txt'), '\n');
    writeFileSync(join(box.root, 'empty.txt'), '');
    const fs = safeFsFor(box);
    expect(await fs.readText('final.txt', { head: 1 })).toBe('one\n');
    expect(await fs.readText('final.txt', { head: 2 })).toBe('one\ntwo\n');
    expect(await fs.readText('final.txt', { head: 3 })).toBe('one\ntwo\nthree\n');
    expect(await fs.readText('final.txt', { head: 4 })).toBe('one\ntwo\nthree\n');
    expect(await fs.readText('final.txt', { head: MAX_LINES })).toBe('one\ntwo\nthree\n');
    expect(await fs.readText('final.txt', { tail: 1 })).toBe('three\n');
    expect(await fs.readText('final.txt', { tail: 2 })).toBe('two\nthree\n');
    expect(await fs.readText('final.txt', { tail: 3 })).toBe('one\ntwo\nthree\n');
    expect(await fs.readText('final.txt', { tail: 4 })).toBe('one\ntwo\nthree\n');
    expect(await fs.readText('final.txt', { tail: MAX_LINES })).toBe('one\ntwo\nthree\n');
    expect(await fs.readText('open.txt', { head: 2 })).toBe('one\ntwo\n');
    expect(await fs.readText('open.txt', { head: 3 })).toBe('one\ntwo\nthree');
    expect(await fs.readText('open.txt', { tail: 1 })).toBe('three');
    expect(await fs.readText('open.txt', { tail: 2 })).toBe('two\nthree');
    expect(await fs.readText('open.txt', { tail: 9 })).toBe('one\ntwo\nthree');
    // Empty lines are lines.
    expect(await fs.readText('blank.txt', { tail: 1 })).toBe('\n');
    expect(await fs.readText('blank.txt', { tail: 3 })).toBe('\nb\n\n');
    expect(await fs.readText('blank.txt', { head: 3 })).toBe('a\n\n\n');
    expect(await fs.readText('newline.txt', { head: 1 })).toBe('\n');
    expect(await fs.readText('newline.txt', { tail: 1 })).toBe('\n');
    expect(await fs.readText('empty.txt', { head: 1 })).toBe('');
    expect(await fs.readText('empty.txt', { tail: MAX_LINES })).toBe('');
  });

  it('reads up to MAX_LINES (100,000) lines, and refuses one more', async () => {
    const box = sandbox();
    const lines = Array.from({ length: MAX_LINES + 1 }, (_, index) => `${index}\n`);
    writeFileSync(join(box.root, 'many.txt'), lines.join(''));
    const fs = safeFsFor(box);
    expect(MAX_LINES).toBe(100_000);
    expect(await fs.readText('many.txt', { head: MAX_LINES })).toBe(lines.slice(0, MAX_LINES).join(''));
    expect(await fs.readText('many.txt', { tail: MAX_LINES })).toBe(lines.slice(1).join(''));
    expect(await codeOf(fs.readText('many.txt', { head: MAX_LINES + 1 }))).toBe('ERR_INVALID_RANGE');
    expect(await codeOf(fs.readText('many.txt', { tail: MAX_LINES + 1 }))).toBe('ERR_INVALID_RANGE');
  });

  it('refuses line counts that are not positive integers up to MAX_LINES, head with tail, a byte range, and utf-16le', async () => {
    const box = sandbox();
    writeFileSync(join(box.root, 'f.txt'), 'one\ntwo\n');
    const fs = safeFsFor(box);
    const bad: unknown[] = [
      0,
      -1,
      1.5,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      MAX_LINES + 1,
      2 ** 53,
      '1',
      null,
    ];
    for (const value of bad) {
      for (const key of ['head', 'tail'] as const) {
        const error = await errorOf(fs.readText('f.txt', { [key]: value as number }));
        expect([error.code, error.detail.reason], `${key}: ${String(value)}`).toEqual([
          'ERR_INVALID_RANGE',
          'bad_lines',
        ]);
      }
    }
    const reasons = async (promise: Promise<unknown>): Promise<unknown[]> => {
      const error = await errorOf(promise);
      return [error.code, error.detail.reason];
    };
    expect(await reasons(fs.readText('f.txt', { head: 1, tail: 1 }))).toEqual([
      'ERR_INVALID_RANGE',
      'head_and_tail',
    ]);
    expect(await reasons(fs.readText('f.txt', { head: 1, offset: 0 }))).toEqual([
      'ERR_INVALID_RANGE',
      'lines_with_range',
    ]);
    expect(await reasons(fs.readText('f.txt', { tail: 1, length: 4 }))).toEqual([
      'ERR_INVALID_RANGE',
      'lines_with_range',
    ]);
    expect(await reasons(fs.readText('f.txt', { tail: 1, encoding: 'utf-16le' }))).toEqual([
      'ERR_INVALID_RANGE',
      'lines_need_utf8',
    ]);
    expect(await reasons(fs.readText('f.txt', { head: 1, encoding: 'utf-16le' }))).toEqual([
      'ERR_INVALID_RANGE',
      'lines_need_utf8',
    ]);
    // Absent means absent: an explicit undefined is a plain read.
    const loose = { head: undefined, tail: 1, offset: undefined } as unknown as ReadTextOptions;
    expect(await fs.readText('f.txt', loose)).toBe('two\n');
  });

  it('keeps CRLF line endings and a byte-order mark exactly as a whole-file read returns them', async () => {
    const box = sandbox();
    writeFileSync(join(box.root, 'crlf.txt'), 'one\r\ntwo\r\nthree\r\n');
    writeFileSync(join(box.root, 'crlf-open.txt'), 'one\r\ntwo\r\nthree');
    writeFileSync(join(box.root, 'bom.txt'), '\ufeffone\ntwo\n');
    const fs = safeFsFor(box);
    expect(await fs.readText('crlf.txt', { head: 2 })).toBe('one\r\ntwo\r\n');
    expect(await fs.readText('crlf.txt', { tail: 1 })).toBe('three\r\n');
    expect(await fs.readText('crlf-open.txt', { tail: 2 })).toBe('two\r\nthree');
    const whole = await fs.readText('bom.txt');
    expect(whole).toBe('\ufeffone\ntwo\n');
    expect(await fs.readText('bom.txt', { head: 1 })).toBe(headOf(whole, 1));
    expect(await fs.readText('bom.txt', { head: 1 })).toBe('\ufeffone\n');
    expect(await fs.readText('bom.txt', { tail: 1 })).toBe('two\n');
    expect(await fs.readText('bom.txt', { tail: 2 })).toBe(tailOf(whole, 2));
    expect(await fs.readText('bom.txt', { tail: 5 })).toBe('\ufeffone\ntwo\n');
  });

  it('never cuts a multi-byte character at a 64 KiB chunk boundary, reading forwards or backwards', async () => {
    const box = sandbox();
    // A 4-byte character on bytes 65534-65537 (across the first chunk boundary from the start), and
    // another across the first chunk boundary from the end; 3- and 2-byte characters around them.
    const text = [`${'x'.repeat(65534)}😀a\n`, '€\n', `b😀${'z'.repeat(65530)}\n`, 'é\n'].join('');
    const bytes = Buffer.from(text);
    expect(bytes.indexOf('😀')).toBe(65534);
    expect(bytes.lastIndexOf('😀')).toBe(bytes.length - 65538);
    writeFileSync(join(box.root, 'wide.txt'), text);
    const fs = safeFsFor(box);
    for (let n = 1; n <= 5; n++) {
      expect(await fs.readText('wide.txt', { head: n }), `head ${n}`).toBe(headOf(text, n));
      expect(await fs.readText('wide.txt', { tail: n }), `tail ${n}`).toBe(tailOf(text, n));
    }
    expect(await fs.readText('wide.txt', { head: 1 })).toHaveLength(65534 + 2 + 2);
    expect(await fs.readText('wide.txt', { tail: 1 })).toBe('é\n');
  });

  it('reads a few lines of a file larger than maxReadBytes, and refuses lines that do not fit in it', async () => {
    const box = sandbox();
    const lines = Array.from({ length: 1000 }, (_, index) => `line ${String(index).padStart(4, '0')}\n`);
    writeFileSync(join(box.root, 'big.log'), lines.join('')); // 10,000 bytes
    const fs = safeFsFor(box, { maxReadBytes: 4096 });
    expect(await codeOf(fs.readText('big.log'))).toBe('ERR_FILE_TOO_LARGE');
    expect(await fs.readText('big.log', { head: 3 })).toBe('line 0000\nline 0001\nline 0002\n');
    expect(await fs.readText('big.log', { tail: 3 })).toBe('line 0997\nline 0998\nline 0999\n');
    // 409 lines of 10 bytes fit in 4,096; 410 do not. The tail also reads the line feed before its
    // lines (to know where they start), which must fit too.
    expect(await fs.readText('big.log', { head: 409 })).toBe(lines.slice(0, 409).join(''));
    expect(await fs.readText('big.log', { tail: 409 })).toBe(lines.slice(-409).join(''));
    const error = await errorOf(fs.readText('big.log', { head: 410 }));
    expect([error.code, error.detail.reason, error.data]).toEqual([
      'ERR_FILE_TOO_LARGE',
      'lines_over_limit',
      { limit: 4096 },
    ]);
    expect(await codeOf(fs.readText('big.log', { tail: 410 }))).toBe('ERR_FILE_TOO_LARGE');
    // Lines of exactly the limit: a head ends on its last line feed; a tail needs one byte more.
    writeFileSync(join(box.root, 'exact.log'), `${'a'.repeat(4095)}\n${'b'.repeat(4095)}\n`);
    expect(await fs.readText('exact.log', { head: 1 })).toBe(`${'a'.repeat(4095)}\n`);
    expect(await codeOf(fs.readText('exact.log', { tail: 1 }))).toBe('ERR_FILE_TOO_LARGE');
    writeFileSync(join(box.root, 'just.log'), `${'a'.repeat(4095)}\n${'b'.repeat(4094)}\n`);
    expect(await fs.readText('just.log', { tail: 1 })).toBe(`${'b'.repeat(4094)}\n`);
  });

  it('refuses a single line longer than maxReadBytes rather than returning part of it', async () => {
    const box = sandbox();
    writeFileSync(join(box.root, 'one-line.txt'), `${'x'.repeat(5000)}\n`);
    writeFileSync(join(box.root, 'no-newline.txt'), 'x'.repeat(5000));
    writeFileSync(join(box.root, 'middle.txt'), `short\n${'x'.repeat(5000)}\nend\n`);
    const fs = safeFsFor(box, { maxReadBytes: 4096 });
    for (const name of ['one-line.txt', 'no-newline.txt']) {
      for (const options of [{ head: 1 }, { tail: 1 }]) {
        const error = await errorOf(fs.readText(name, options));
        expect([error.code, error.detail.reason, error.data]).toEqual([
          'ERR_FILE_TOO_LARGE',
          'lines_over_limit',
          { limit: 4096 },
        ]);
      }
    }
    expect(await fs.readText('middle.txt', { head: 1 })).toBe('short\n');
    expect(await fs.readText('middle.txt', { tail: 1 })).toBe('end\n');
    expect(await codeOf(fs.readText('middle.txt', { head: 2 }))).toBe('ERR_FILE_TOO_LARGE');
    expect(await codeOf(fs.readText('middle.txt', { tail: 2 }))).toBe('ERR_FILE_TOO_LARGE');
  });

  it('reads the last lines of an 8 GiB sparse log in bounded time; lines that do not fit are refused, not read', async () => {
    const box = sandbox();
    const huge = join(box.root, 'huge.log');
    writeFileSync(huge, 'first\n');
    truncateSync(huge, 8 * 1024 ** 3); // sparse: no disk used; one line of 8 GiB of zero bytes
    appendFileSync(huge, '\nsecond to last\nlast\n');
    const fs = safeFsFor(box, { maxReadBytes: 1024 * 1024 });
    expect(await fs.readText('huge.log', { tail: 2 })).toBe('second to last\nlast\n');
    expect(await fs.readText('huge.log', { head: 1 })).toBe('first\n');
    expect(await codeOf(fs.readText('huge.log', { tail: 3 }))).toBe('ERR_FILE_TOO_LARGE');
    expect(await codeOf(fs.readText('huge.log', { head: 2 }))).toBe('ERR_FILE_TOO_LARGE');
    expect(await codeOf(fs.readText('huge.log'))).toBe('ERR_FILE_TOO_LARGE');
  });

  it('decodes the returned lines strictly: invalid UTF-8 in them is ERR_INVALID_ENCODING, elsewhere it is not read', async () => {
    const box = sandbox();
    writeFileSync(
      join(box.root, 'mixed.txt'),
      Buffer.concat([Buffer.from('good\n'), Buffer.from([0x62, 0xff, 0x0a]), Buffer.from('last\n')]),
    );
    const fs = safeFsFor(box);
    expect(await codeOf(fs.readText('mixed.txt'))).toBe('ERR_INVALID_ENCODING');
    expect(await fs.readText('mixed.txt', { head: 1 })).toBe('good\n');
    expect(await fs.readText('mixed.txt', { tail: 1 })).toBe('last\n');
    expect(await codeOf(fs.readText('mixed.txt', { head: 2 }))).toBe('ERR_INVALID_ENCODING');
    expect(await codeOf(fs.readText('mixed.txt', { tail: 2 }))).toBe('ERR_INVALID_ENCODING');
  });

  it('goes through the same containment as a plain read: links out, special files, hard links, link policy', async () => {
    const modes: [string, () => void][] = [
      ['O_PATH', () => undefined],
      ['verified parent directory', () => setPathDescriptorsForTesting(false)],
      ['no /proc/self/fd', () => setProcFdForTesting(false)],
    ];
    for (const [mode, enter] of modes) {
      const box = sandbox();
      writeFileSync(join(box.outside, 'lines.txt'), 'secret-1\nsecret-2\n');
      mkdirSync(join(box.root, 'd'));
      writeFileSync(join(box.root, 'd', 'f.txt'), 'inside-1\ninside-2\ninside-3\n');
      symlinkSync(join(box.outside, 'lines.txt'), join(box.root, 'file-out'));
      symlinkSync(box.outside, join(box.root, 'dir-out'));
      symlinkSync('d/f.txt', join(box.root, 'file-in'));
      linkSync(join(box.outside, 'lines.txt'), join(box.root, 'hard'));
      execFileSync('mkfifo', [join(box.root, 'pipe')]);
      enter();
      try {
        const fs = safeFsFor(box);
        const strict = safeFsFor(box, { hardLinks: 'refuse-all' });
        const never = safeFsFor(box, { symlinks: 'never' });
        const cases: [typeof fs, string, string][] = [
          [fs, 'file-out', 'ERR_SYMLINK_ESCAPE'],
          [fs, 'dir-out/lines.txt', 'ERR_SYMLINK_ESCAPE'],
          [fs, '../outside/lines.txt', 'ERR_PATH_OUTSIDE_ROOTS'],
          [fs, 'pipe', 'ERR_NOT_A_FILE'],
          [fs, 'd', 'ERR_NOT_A_FILE'],
          [fs, 'd/', 'ERR_NOT_A_FILE'],
          [fs, 'missing.txt', 'ERR_NOT_FOUND'],
          [strict, 'hard', 'ERR_HARD_LINK_DENIED'],
          [never, 'file-in', 'ERR_SYMLINK_NOT_ALLOWED'],
        ];
        for (const [instance, path, code] of cases) {
          const plain = await codeOf(instance.readText(path));
          expect(plain, `${mode}: ${path}`).toBe(code);
          expect(await codeOf(instance.readText(path, { head: 1 })), `${mode}: head ${path}`).toBe(plain);
          expect(await codeOf(instance.readText(path, { tail: 1 })), `${mode}: tail ${path}`).toBe(plain);
        }
        // Allowed exactly where a plain read is: a link inside, and a hard link under refuse-writes.
        expect(await fs.readText('file-in', { head: 1 })).toBe('inside-1\n');
        expect(await fs.readText('file-in', { tail: 1 })).toBe('inside-3\n');
        expect(await fs.readText('d/../file-in', { tail: 2 })).toBe('inside-2\ninside-3\n');
        expect(await fs.readText('hard', { head: 1 })).toBe('secret-1\n');
      } finally {
        setPathDescriptorsForTesting(undefined);
        setProcFdForTesting(undefined);
      }
    }
  }, 20_000);

  it('an abort between chunks ends the read with ERR_ABORTED; without one, every chunk checks the signal', async () => {
    const box = sandbox();
    const lines = Array.from({ length: 10_000 }, (_, index) => `${String(index).padStart(99, '.')}\n`);
    writeFileSync(join(box.root, 'big.log'), lines.join('')); // 1,000,000 bytes: over the limit below
    const fs = safeFsFor(box, { maxReadBytes: 512 * 1024 });
    // A signal that reports aborted from its `after`th look on: the call's own check at the start is
    // the first look, each chunk read the next.
    const abortingAfter = (after: number): { signal: AbortSignal; looks: () => number } => {
      let looks = 0;
      const signal = {
        get aborted() {
          looks++;
          return looks >= after;
        },
      } as unknown as AbortSignal;
      return { signal, looks: () => looks };
    };
    for (const options of [{ head: 3000 }, { tail: 3000 }]) {
      const never = abortingAfter(Number.POSITIVE_INFINITY);
      const text = await fs.readText('big.log', { ...options, signal: never.signal });
      expect(text).toBe('head' in options ? lines.slice(0, 3000).join('') : lines.slice(-3000).join(''));
      expect(never.looks()).toBe(1 + 5); // 300,000 bytes: five 64 KiB chunks
      const midway = abortingAfter(3);
      expect(await codeOf(fs.readText('big.log', { ...options, signal: midway.signal }))).toBe('ERR_ABORTED');
      expect(midway.looks()).toBe(3);
    }
  });

  it('at the descriptor level: a file truncated meanwhile ends a head, and refuses a tail', async () => {
    const box = sandbox();
    const path = join(box.root, 'shrunk.txt');
    writeFileSync(path, 'one\ntwo\n');
    const fd = openSync(path, 'r');
    try {
      // A size from an fstat taken before the file lost its last 10 bytes.
      const size = fstatSync(fd).size + 10;
      const request = { count: 5, size, limit: 1024, signal: undefined };
      expect((await readLines(fd, { ...request, from: 'head' })).toString()).toBe('one\ntwo\n');
      expect(await codeOf(readLines(fd, { ...request, from: 'tail' }))).toBe('ERR_FS_IO');
    } finally {
      closeSync(fd);
    }
  });
});

describe('property: head and tail are the first and last lines of the whole-file read', () => {
  const piece = fc.constantFrom('a', 'b', ' ', 'é', '€', '😀', '\r', '\ufeff');
  const line = fc.array(piece, { maxLength: 6 }).map((pieces) => pieces.join(''));
  const file = fc
    .tuple(fc.array(line, { maxLength: 12 }), fc.boolean())
    .map(([lines, finalNewline]) => lines.join('\n') + (finalNewline && lines.length > 0 ? '\n' : ''));

  it('through SafeFs, for any lines and counts', async () => {
    const box = sandbox();
    const fs = safeFsFor(box);
    const path = join(box.root, 'p.txt');
    await fc.assert(
      fc.asyncProperty(file, fc.integer({ min: 1, max: 15 }), async (text, n) => {
        writeFileSync(path, text);
        const whole = await fs.readText('p.txt');
        expect(whole).toBe(text);
        expect(await fs.readText('p.txt', { head: n })).toBe(headOf(whole, n));
        expect(await fs.readText('p.txt', { tail: n })).toBe(tailOf(whole, n));
      }),
      { numRuns: 300 },
    );
  });

  it('at the descriptor level, with chunks of 1 to 7 bytes and any limit: the lines, or a refusal exactly when they do not fit', async () => {
    const box = sandbox();
    const path = join(box.root, 'p.txt');
    await fc.assert(
      fc.asyncProperty(
        file,
        fc.integer({ min: 1, max: 15 }),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 120 }),
        async (text, n, chunkSize, limit) => {
          writeFileSync(path, text);
          const bytes = Buffer.byteLength(text);
          const fd = openSync(path, 'r');
          try {
            const request = { count: n, size: fstatSync(fd).size, limit, signal: undefined, chunkSize };
            const head = headOf(text, n);
            // A head ends on its last line feed, or at the end of the file.
            const headFits = Buffer.byteLength(head) <= limit;
            const tail = tailOf(text, n);
            // A tail also reads the line feed before it, unless it starts the file.
            const tailNeeds = Buffer.byteLength(tail) + (Buffer.byteLength(tail) < bytes ? 1 : 0);
            const readHead = readLines(fd, { ...request, from: 'head' });
            if (headFits) expect((await readHead).toString('utf8')).toBe(head);
            else expect(await codeOf(readHead)).toBe('ERR_FILE_TOO_LARGE');
            const readTail = readLines(fd, { ...request, from: 'tail' });
            if (tailNeeds <= limit) expect((await readTail).toString('utf8')).toBe(tail);
            else expect(await codeOf(readTail)).toBe('ERR_FILE_TOO_LARGE');
          } finally {
            closeSync(fd);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
