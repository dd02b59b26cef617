import { safeFsError } from './error-codes.js';
import { readBounded } from './read-bounded.js';

/** Most lines one `readText` with `head` or `tail` returns. */
export const MAX_LINES = 100_000;

/** Which lines to read: the first `count` (`head`) or the last `count` (`tail`). */
export interface LineRange {
  readonly from: 'head' | 'tail';
  readonly count: number;
}

/** What a `readText` call asked for, as far as lines are concerned. */
export interface LineOptions {
  readonly head?: number | undefined;
  readonly tail?: number | undefined;
  readonly offset?: number | undefined;
  readonly length?: number | undefined;
  readonly encoding?: string | undefined;
}

/** How to read lines from an opened regular file. */
export interface LineRead extends LineRange {
  /** The file's size when it was opened (`fstat`): the end lines are read up to. */
  readonly size: number;
  /** Most bytes read in all (`maxReadBytes`); the lines must fit in them. */
  readonly limit: number;
  readonly signal: AbortSignal | undefined;
  /** Bytes per read; 64 KiB. Internal: tests make it small to cross chunk boundaries often. */
  readonly chunkSize?: number;
}

const LF = 0x0a;
const CHUNK = 64 * 1024;

/**
 * The line range a `readText` call asks for, or `undefined` for none (a plain read). Each option is
 * read once. `head` and `tail` are positive integers up to {@link MAX_LINES}, one at a time, never
 * with a byte range, and only for UTF-8 (where a line feed byte never occurs inside a character).
 */
export function lineRange(options: LineOptions): LineRange | undefined {
  const { head, tail, offset, length, encoding } = options;
  if (head === undefined && tail === undefined) return undefined;
  if (head !== undefined && tail !== undefined) throw safeFsError('ERR_INVALID_RANGE', 'head_and_tail');
  const count: unknown = head ?? tail;
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count <= 0 || count > MAX_LINES) {
    throw safeFsError('ERR_INVALID_RANGE', 'bad_lines', { data: { limit: MAX_LINES } });
  }
  if (offset !== undefined || length !== undefined)
    throw safeFsError('ERR_INVALID_RANGE', 'lines_with_range');
  if (encoding !== undefined && encoding !== 'utf-8')
    throw safeFsError('ERR_INVALID_RANGE', 'lines_need_utf8');
  return { from: head === undefined ? 'tail' : 'head', count };
}

/**
 * Reads the first or last `count` lines of an opened regular file, as it was up to `size`: a line
 * ends after a line feed (0x0A), a final line feed ends the last line (it does not start an empty
 * one), and the bytes are returned exactly as stored (`\r\n` stays, a byte-order mark stays with the
 * first line). Cut only after line feeds, so UTF-8 text is never cut inside a character. At most
 * `limit` bytes are read: lines that do not fit are `ERR_FILE_TOO_LARGE`, never a partial line.
 */
export function readLines(fd: number, request: LineRead): Promise<Buffer> {
  return request.from === 'head' ? readHead(fd, request) : readTail(fd, request);
}

function overLimit(limit: number): Error {
  return safeFsError('ERR_FILE_TOO_LARGE', 'lines_over_limit', { data: { limit } });
}

/** Up to `length` bytes from `position` (fewer only at the end of the file), checking the signal first. */
function readChunk(fd: number, position: number, length: number, request: LineRead): Promise<Buffer> {
  return readBounded(fd, {
    expected: length,
    start: position,
    cap: length,
    capIsLimit: false,
    limit: request.limit,
    regular: true,
    signal: request.signal,
  });
}

/** From the start, chunk by chunk, up to and including the `count`th line feed. */
async function readHead(fd: number, request: LineRead): Promise<Buffer> {
  const chunkSize = request.chunkSize ?? CHUNK;
  const chunks: Buffer[] = [];
  let position = 0;
  let wanted = request.count;
  while (position < request.size) {
    if (position >= request.limit) throw overLimit(request.limit);
    const length = Math.min(chunkSize, request.size - position, request.limit - position);
    const got = await readChunk(fd, position, length, request);
    const count = got.length;
    for (let at = got.indexOf(LF); at !== -1; at = got.indexOf(LF, at + 1)) {
      if (--wanted === 0) {
        chunks.push(got.subarray(0, at + 1));
        return Buffer.concat(chunks);
      }
    }
    chunks.push(got);
    position += count;
    // Shorter than the size said: the file was truncated meanwhile, and this is its end.
    if (count < length) break;
  }
  return Buffer.concat(chunks);
}

/**
 * From the end backwards, chunk by chunk, until the line feed before the last `count` lines (the
 * `count + 1`th from the end, counting a final one) or the start of the file.
 */
async function readTail(fd: number, request: LineRead): Promise<Buffer> {
  const chunkSize = request.chunkSize ?? CHUNK;
  const chunks: Buffer[] = [];
  let position = request.size;
  let read = 0;
  let wanted = request.count;
  let start = 0;
  while (position > 0) {
    if (read >= request.limit) throw overLimit(request.limit);
    const length = Math.min(chunkSize, position, request.limit - read);
    const chunk = await readChunk(fd, position - length, length, request);
    // Every byte up to the size is needed: a file truncated meanwhile has lost lines already read.
    if (chunk.length < length) {
      throw safeFsError('ERR_FS_IO', 'file_truncated');
    }
    const isLast = position === request.size;
    position -= length;
    read += length;
    chunks.push(chunk);
    // A final line feed ends the last line: it is not the start of an empty one.
    let from = isLast && chunk[length - 1] === LF ? length - 2 : length - 1;
    let found = -1;
    while (from >= 0) {
      const at = chunk.lastIndexOf(LF, from);
      if (at === -1) break;
      if (--wanted === 0) {
        found = at;
        break;
      }
      from = at - 1;
    }
    if (found !== -1) {
      start = position + found + 1;
      break;
    }
  }
  chunks.reverse();
  return Buffer.concat(chunks).subarray(start - position);
}
