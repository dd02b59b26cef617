import { safeFsError } from './error-codes.js';

/** What a write or append accepts: text (written as UTF-8), bytes, or a (async) stream of either. */
export type WriteData =
  | string
  | Uint8Array
  | Iterable<string | Uint8Array>
  | AsyncIterable<string | Uint8Array>;

const encoder = new TextEncoder();

const tooLarge = (limit: number): Error =>
  safeFsError('ERR_FILE_TOO_LARGE', 'write_limit', { data: { limit } });

/** The bytes of `data` when it is not a stream; checks the limit before anything touches the disk. */
export function immediateBytes(data: WriteData, limit: number): Uint8Array | undefined {
  let bytes: Uint8Array | undefined;
  if (typeof data === 'string') {
    // A UTF-8 encoding is at most 3 bytes per UTF-16 unit: skip encoding hopelessly large strings.
    if (data.length > limit) {
      if (Buffer.byteLength(data) > limit) throw tooLarge(limit);
    }
    bytes = encoder.encode(data);
  } else if (data instanceof Uint8Array) bytes = data;
  else if (
    data === null ||
    typeof data !== 'object' ||
    (!(Symbol.iterator in data) && !(Symbol.asyncIterator in data))
  ) {
    throw safeFsError('ERR_INVALID_DATA', 'bad_data_type');
  }
  if (bytes !== undefined && bytes.length > limit) throw tooLarge(limit);
  return bytes;
}

/** Rejects with `ERR_ABORTED` when `signal` aborts; `dispose` removes the listener. */
function abortion(signal: AbortSignal): { readonly promise: Promise<never>; dispose(): void } {
  let onAbort: () => void = () => undefined;
  const promise = new Promise<never>((_, reject) => {
    onAbort = () => reject(safeFsError('ERR_ABORTED', 'aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  promise.catch(() => undefined);
  return { promise, dispose: () => signal.removeEventListener('abort', onAbort) };
}

/**
 * Yields the chunks of a stream, failing with `ERR_ABORTED` as soon as `signal` aborts (even while the
 * source is waiting for its next chunk) and with `ERR_FILE_TOO_LARGE` as soon as the total exceeds
 * `limit`. A source left early is asked to `return()`, without waiting for it: one stalled source
 * cannot hold the call (and its temp file) open.
 */
export async function* boundedChunks(
  data: Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>,
  limit: number,
  signal: AbortSignal | undefined,
): AsyncGenerator<Uint8Array> {
  if (signal?.aborted) throw safeFsError('ERR_ABORTED', 'aborted');
  const iterator: Iterator<string | Uint8Array> | AsyncIterator<string | Uint8Array> =
    Symbol.asyncIterator in data
      ? (data as AsyncIterable<string | Uint8Array>)[Symbol.asyncIterator]()
      : (data as Iterable<string | Uint8Array>)[Symbol.iterator]();
  const aborted = signal === undefined ? undefined : abortion(signal);
  let finished = false;
  let total = 0;
  try {
    for (;;) {
      const next = iterator.next();
      const step = await (aborted === undefined ? next : Promise.race([next, aborted.promise]));
      if (step.done) {
        finished = true;
        return;
      }
      if (signal?.aborted) throw safeFsError('ERR_ABORTED', 'aborted');
      const chunk: unknown = step.value;
      let bytes: Uint8Array;
      if (typeof chunk === 'string') bytes = encoder.encode(chunk);
      else if (chunk instanceof Uint8Array) bytes = chunk;
      else throw safeFsError('ERR_INVALID_DATA', 'bad_chunk_type');
      total += bytes.length;
      if (total > limit) throw tooLarge(limit);
      yield bytes;
    }
  } finally {
    aborted?.dispose();
    if (!finished) {
      try {
        Promise.resolve(iterator.return?.()).catch(() => undefined);
      } catch {
        // A source whose return() throws: nothing more to release.
      }
    }
  }
}
