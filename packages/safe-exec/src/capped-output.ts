/** First allocation of a kept stream; grows by doubling up to the cap. */
const INITIAL_BYTES = 16 * 1024;

/**
 * Keeps at most `limit` bytes of a stream; what comes after is dropped and reported as truncated.
 * The bytes are copied into one buffer (grown by doubling, never past `limit`): a child writing a
 * byte at a time would otherwise cost a Buffer object per write, many times the cap in memory.
 */
export class CappedOutput {
  #buffer: Buffer = Buffer.alloc(0);
  #bytes = 0;
  #truncated = false;

  constructor(readonly limit: number) {}

  /** Adds a chunk; returns false once the cap is exceeded (the caller then stops the child). */
  push(chunk: Buffer): boolean {
    if (this.#truncated) return false;
    const room = this.limit - this.#bytes;
    const kept = Math.min(chunk.length, room);
    if (kept > 0) {
      this.#reserve(this.#bytes + kept);
      chunk.copy(this.#buffer, this.#bytes, 0, kept);
      this.#bytes += kept;
    }
    if (kept < chunk.length) {
      this.#truncated = true;
      return false;
    }
    return true;
  }

  #reserve(needed: number): void {
    if (needed <= this.#buffer.length) return;
    let size = Math.max(this.#buffer.length * 2, INITIAL_BYTES);
    while (size < needed) size *= 2;
    const grown = Buffer.allocUnsafe(Math.min(size, this.limit));
    this.#buffer.copy(grown, 0, 0, this.#bytes);
    this.#buffer = grown;
  }

  /** Counts bytes without keeping them (streaming mode); false once over the cap. */
  count(length: number): number {
    if (this.#truncated) return 0;
    const room = this.limit - this.#bytes;
    if (length <= room) {
      this.#bytes += length;
      return length;
    }
    this.#bytes = this.limit;
    this.#truncated = true;
    return room;
  }

  get truncated(): boolean {
    return this.#truncated;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /**
   * The kept bytes as UTF-8. After a cut, a multi-byte character the cap split in two is left out
   * (it would decode as U+FFFD); invalid bytes the program itself wrote still decode as U+FFFD.
   */
  text(): string {
    const kept = this.#buffer.subarray(0, this.#bytes);
    return kept.subarray(0, this.#truncated ? completeUtf8Length(kept) : kept.length).toString('utf8');
  }
}

/** Length of `bytes` without a trailing incomplete UTF-8 sequence (at most 3 bytes dropped). */
function completeUtf8Length(bytes: Buffer): number {
  const end = bytes.length;
  // Find the start of the last sequence: skip up to 3 continuation bytes (10xxxxxx).
  let start = end - 1;
  while (start >= 0 && end - start <= 3 && (bytes[start]! & 0xc0) === 0x80) start--;
  if (start < 0) return end;
  const lead = bytes[start]!;
  let expected = 1;
  if (lead >= 0xc2 && lead <= 0xdf) expected = 2;
  else if (lead >= 0xe0 && lead <= 0xef) expected = 3;
  else if (lead >= 0xf0 && lead <= 0xf4) expected = 4;
  return end - start < expected ? start : end;
}
