/** Keeps at most `limit` bytes of a stream; what comes after is dropped and reported as truncated. */
export class CappedOutput {
  readonly #chunks: Buffer[] = [];
  #bytes = 0;
  #truncated = false;

  constructor(readonly limit: number) {}

  /** Adds a chunk; returns false once the cap is exceeded (the caller then stops the child). */
  push(chunk: Buffer): boolean {
    if (this.#truncated) return false;
    const room = this.limit - this.#bytes;
    if (chunk.length <= room) {
      this.#chunks.push(chunk);
      this.#bytes += chunk.length;
      return true;
    }
    if (room > 0) this.#chunks.push(Buffer.from(chunk.subarray(0, room)));
    this.#bytes = this.limit;
    this.#truncated = true;
    return false;
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

  text(): string {
    return Buffer.concat(this.#chunks, this.#bytes).toString('utf8');
  }
}
