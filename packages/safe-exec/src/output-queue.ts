/** One piece of a streamed child's output. */
export interface OutputChunk {
  readonly stream: 'stdout' | 'stderr';
  readonly data: Uint8Array;
}

/**
 * What a queued chunk counts against the high-water mark: its bytes plus the chunk object and
 * Buffer it costs, so a child writing a byte at a time cannot queue a quarter million objects.
 */
const CHUNK_OVERHEAD_BYTES = 512;

function cost(chunk: OutputChunk): number {
  return chunk.data.length + CHUNK_OVERHEAD_BYTES;
}

/**
 * The queue between a streaming child and its async-iterator consumer. Above `highWaterBytes`
 * queued, `push` returns false and the producer pauses the child's pipes until `onDrain` fires, so
 * a slow consumer bounds memory (the child blocks on its full pipe; the timeout still runs).
 */
export class OutputQueue implements AsyncIterable<OutputChunk> {
  readonly #items: OutputChunk[] = [];
  #queuedBytes = 0;
  #ended = false;
  #failure: unknown;
  #failed = false;
  #wake: (() => void) | undefined;
  onDrain: (() => void) | undefined;
  /** Called when the consumer stops iterating before the end (`break`, `return`, a throw). */
  onCancel: (() => void) | undefined;

  constructor(readonly highWaterBytes: number) {}

  push(chunk: OutputChunk): boolean {
    if (this.#ended) return false;
    this.#items.push(chunk);
    this.#queuedBytes += cost(chunk);
    this.#wakeUp();
    return this.#queuedBytes < this.highWaterBytes;
  }

  end(): void {
    this.#ended = true;
    this.#wakeUp();
  }

  fail(error: unknown): void {
    this.#failure = error;
    this.#failed = true;
    this.end();
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<OutputChunk> {
    let finished = false;
    try {
      for (;;) {
        const item = this.#items.shift();
        if (item !== undefined) {
          this.#queuedBytes -= cost(item);
          if (this.#queuedBytes < this.highWaterBytes) this.onDrain?.();
          yield item;
          continue;
        }
        if (this.#ended) {
          finished = true;
          if (this.#failed) throw this.#failure;
          return;
        }
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
      }
    } finally {
      if (!finished) {
        this.#ended = true;
        this.#items.length = 0;
        this.#queuedBytes = 0;
        this.onCancel?.();
      }
    }
  }
}
