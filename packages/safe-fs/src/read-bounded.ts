import { readFd } from './descriptor.js';
import { safeFsError } from './error-codes.js';

/** What to read from an opened descriptor. */
export interface BoundedRead {
  /** Bytes the file is expected to hold from `start` (its `fstat` size minus `start`); a hint. */
  readonly expected: number;
  readonly start: number;
  /** Most bytes returned. */
  readonly cap: number;
  /** `true`: more than `cap` bytes is `ERR_FILE_TOO_LARGE`. `false`: stop at `cap` (an explicit range). */
  readonly capIsLimit: boolean;
  readonly limit: number;
  readonly regular: boolean;
  readonly signal: AbortSignal | undefined;
}

const GROW_STEP = 64 * 1024;

/**
 * Reads with the limit enforced while reading: never more than `cap + 1` bytes are buffered, so a
 * file that grows, lies about its size, or never ends cannot exhaust memory.
 */
export async function readBounded(fd: number, request: BoundedRead): Promise<Buffer> {
  const extra = request.capIsLimit ? 1 : 0;
  const initial =
    request.expected > 0 ? Math.min(request.expected, request.cap) : Math.min(request.cap, GROW_STEP);
  let buffer = Buffer.allocUnsafe(initial + extra);
  let total = 0;
  for (;;) {
    if (total === buffer.length) {
      if (total > request.cap || (!request.capIsLimit && total >= request.cap)) break;
      const grown = Buffer.allocUnsafe(Math.min(request.cap + extra, Math.max(buffer.length * 2, GROW_STEP)));
      buffer.copy(grown, 0, 0, total);
      buffer = grown;
    }
    if (request.signal?.aborted) throw safeFsError('ERR_ABORTED', 'aborted');
    const wanted = buffer.length - total;
    const count = await readFd(fd, buffer, total, wanted, request.start + total);
    if (count === 0) break;
    total += count;
    // A short read of a regular file at its expected size is its end: skip the extra zero-length read.
    if (request.regular && count < wanted && total >= request.expected) break;
  }
  if (request.capIsLimit && total > request.cap) {
    throw safeFsError('ERR_FILE_TOO_LARGE', 'read_limit', { data: { limit: request.limit } });
  }
  return buffer.subarray(0, total);
}
