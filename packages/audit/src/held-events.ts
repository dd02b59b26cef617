import type { SecurityEvent } from '@mcp-warden/core';

/** A string longer than this makes an event be encoded at once instead of held. */
const MAX_HELD_STRING = 1_024;
/** An event with more fields than this is encoded at once. */
const MAX_HELD_FIELDS = 32;
/** Limits of an object inside a held event (such as `principal`), and what it counts as. */
const MAX_NESTED_FIELDS = 8;
const MAX_NESTED_STRING = 128;
const NESTED_CHARS = MAX_NESTED_FIELDS * (MAX_NESTED_STRING + 16);
/** Counted per field on top of its text, so that many tiny fields still add up. */
const FIELD_OVERHEAD = 8;

type Fields = Record<string, unknown>;

/**
 * Events taken by `emit` and encoded later in the same event-loop turn, so that redaction, JSON
 * encoding and the chain hash run after the call that emitted them has answered. Each is held as a
 * copy, made at once: what the emitter changes afterwards never reaches the log. Only events of short
 * primitives and plain objects of them (such as `principal`) are held; `hold` refuses anything else
 * and the sink encodes it at once, after everything held.
 */
export class HeldEvents {
  #events: Fields[] = [];
  #chars = 0;

  /** About how many characters the held events will take once encoded (a memory bound). */
  get chars(): number {
    return this.#chars;
  }

  /** Holds a copy of `event`; `false` (nothing held) when it cannot be copied cheaply and completely. */
  hold(event: SecurityEvent): boolean {
    let copy: Fields;
    try {
      copy = { ...(event as unknown as Fields) };
    } catch {
      // A getter that throws: the encoder reports what it can read.
      return false;
    }
    let chars = 0;
    let fields = 0;
    for (const key in copy) {
      if (++fields > MAX_HELD_FIELDS) return false;
      const value = copy[key];
      if (typeof value === 'string') {
        if (value.length > MAX_HELD_STRING) return false;
        chars += value.length;
      } else if (typeof value === 'object' && value !== null) {
        const inner = copyOfPrimitives(value);
        if (inner === undefined) return false;
        copy[key] = inner;
        chars += NESTED_CHARS;
      }
      chars += key.length + FIELD_OVERHEAD;
    }
    this.#events.push(copy);
    this.#chars += chars;
    return true;
  }

  /** Hands every held event to `encode`, oldest first, and forgets them. */
  drain(encode: (event: SecurityEvent) => void): void {
    if (this.#events.length === 0) return;
    const events = this.#events;
    this.#events = [];
    this.#chars = 0;
    for (const event of events) encode(event as unknown as SecurityEvent);
  }
}

/** A copy of a plain object whose values are all short primitives, or `undefined`. */
function copyOfPrimitives(value: object): Fields | undefined {
  let copy: Fields;
  try {
    // Both may run a proxy's traps, which may throw: the encoder then reports what it can read.
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return undefined;
    copy = { ...(value as Fields) };
  } catch {
    return undefined;
  }
  let fields = 0;
  for (const key in copy) {
    if (++fields > MAX_NESTED_FIELDS) return undefined;
    const inner = copy[key];
    if (typeof inner === 'object' && inner !== null) return undefined;
    if (typeof inner === 'string' && inner.length > MAX_NESTED_STRING) return undefined;
  }
  return copy;
}
