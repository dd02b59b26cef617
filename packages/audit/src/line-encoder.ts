import { hash } from 'node:crypto';
import { isWardenError, type SecurityEvent } from '@mcp-warden/core';
import { isSecretKey, REDACTED, type ResolvedRedaction, scrubText } from './redaction.js';

/**
 * Fields of a line written by the log itself, in this order. Event fields follow; an event can
 * never set `instance`, `seq`, `hash` or `hmac`.
 */
const RESERVED: ReadonlySet<string> = new Set([
  'time',
  'type',
  'level',
  'outcome',
  'instance',
  'seq',
  'requestId',
  'sessionId',
  'principal',
  'transport',
  'remoteAddress',
  'target',
  'code',
  'hash',
  'hmac',
]);

/**
 * Characters `JSON.stringify` leaves raw that some log tools treat as a line break (NEL, U+2028,
 * U+2029), that terminals obey (the other C1 controls, such as U+009B, a one-character CSI), or that
 * hide or reorder text on screen (bidi controls, zero-width and other format characters, Unicode tag
 * characters, which are written as surrogate pairs): always written as `\uXXXX` escapes, so a reader
 * who greps or `cat`s the log sees every character a value holds. Decoded, the value is unchanged.
 */
const UNSAFE_RAW =
  /[\u0080-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]|\udb40[\udc00-\udc7f]/g;

/** Anything `JSON.stringify` would escape, any surrogate, or any character of {@link UNSAFE_RAW}. */
const NEEDS_ESCAPING =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  /["\\\u0000-\u001f\u0080-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff]/;

/** `\uXXXX` for each UTF-16 unit of `char` (a tag character is two). */
function escapeUnits(char: string): string {
  let out = '';
  for (let i = 0; i < char.length; i++) out += `\\u${char.charCodeAt(i).toString(16).padStart(4, '0')}`;
  return out;
}

/** A JSON string literal with every line-breaking or display-reordering character escaped. */
function jsonString(text: string): string {
  // Most values (names, ids, codes) need no escaping at all: skip the serializer for them.
  if (!NEEDS_ESCAPING.test(text)) return `"${text}"`;
  const json = JSON.stringify(text);
  UNSAFE_RAW.lastIndex = 0;
  if (!UNSAFE_RAW.test(json)) return json;
  return json.replace(UNSAFE_RAW, escapeUnits);
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const MAX_KEY_LENGTH = 128;
/** Extra characters scrubbed past a cut, so a secret straddling it is still recognized. */
const SCRUB_MARGIN = 512;
/** Each value costs at least this much of the line budget, so a huge array of tiny values ends too. */
const NODE_COST = 2;

/** Entries kept in each memo below before it is cleared (bounds memory against varied input). */
const MEMO_LIMIT = 4096;
/** Strings up to this length are memoized after scrubbing: event values repeat a lot. */
const MEMO_MAX_LENGTH = 96;
/** Memoized literals are used only under limits at least this long (their scrubbed text fits). */
const MEMO_SAFE_LIMIT = 384;

/** Keys whose array value is a flat list of header names and values (Node's `rawHeaders`). */
const HEADER_LIST_KEY = /^raw(?:headers|trailers)$/i;
/** A command-line flag: `-p`, `--api-key`. */
const FLAG = /^--?[A-Za-z][\w.-]{0,63}$/;

/** Read once: `Headers` is a lazy global in Node 20, slow to reach on every value. */
const HeadersClass: typeof Headers | undefined = globalThis.Headers;

interface State {
  budget: number;
  readonly ancestors: object[];
  readonly path: string[] | undefined;
}

/**
 * Turns a security event into the JSON text of one log line (without the trailing newline and the
 * chain fields), redacting and cutting in the same pass. `JSON.stringify` escapes every control
 * character, so no value can ever end the line early.
 */
export class LineEncoder {
  readonly #redaction: ResolvedRedaction;
  readonly #secretKeys = new Map<string, boolean>();
  readonly #scrubbed = new Map<string, string>();
  readonly #literals = new Map<string, string>();

  readonly #hashSessionIds: boolean;
  #lastSession: readonly [string, string] | undefined;

  constructor(redaction: ResolvedRedaction, options: { readonly hashSessionIds?: boolean } = {}) {
    this.#redaction = redaction;
    this.#hashSessionIds = options.hashSessionIds ?? true;
  }

  /**
   * A session id is a bearer value in some deployments (whoever holds it can use the session), so by
   * default the line carries `sha256:` and the first 32 hex digits of its hash: enough to tie events
   * of one session together, useless to replay.
   */
  #sessionDigest(sessionId: string): string {
    const last = this.#lastSession;
    if (last !== undefined && last[0] === sessionId) return last[1];
    const digest = `"sha256:${hash('sha256', sessionId, 'hex').slice(0, 32)}"`;
    this.#lastSession = [sessionId, digest];
    return digest;
  }

  #scrub(text: string): string {
    if (text.length > MEMO_MAX_LENGTH) return scrubText(text, this.#redaction);
    let result = this.#scrubbed.get(text);
    if (result === undefined) {
      if (this.#scrubbed.size >= MEMO_LIMIT) this.#scrubbed.clear();
      result = scrubText(text, this.#redaction);
      this.#scrubbed.set(text, result);
    }
    return result;
  }

  #isSecretKey(key: string): boolean {
    let secret = this.#secretKeys.get(key);
    if (secret === undefined) {
      if (this.#secretKeys.size >= MEMO_LIMIT) this.#secretKeys.clear();
      secret = isSecretKey(key, this.#redaction);
      this.#secretKeys.set(key, secret);
    }
    return secret;
  }

  /** The line body: `{"time":…,"type":…,…,"instance":…,"seq":…,…event fields}`. */
  encode(event: SecurityEvent, instance: string, seq: number): string {
    const state: State = {
      budget: this.#redaction.maxLineLength,
      ancestors: [],
      path: this.#redaction.paths.length > 0 ? [] : undefined,
    };
    const record = event as unknown as Record<string, unknown>;
    const given = read(record, 'time');
    const time = typeof given === 'string' && ISO_UTC.test(given) ? given : nowIso();
    let out = `{"time":"${time}","type":${this.#short(read(record, 'type'), 64)},"level":${this.#short(read(record, 'level'), 16)},"outcome":${this.#short(read(record, 'outcome'), 16)},"instance":${jsonString(instance)},"seq":${seq}`;
    for (const key of [
      'requestId',
      'sessionId',
      'principal',
      'transport',
      'remoteAddress',
      'target',
      'code',
    ]) {
      const value = read(record, key);
      if (value === undefined) continue;
      const encoded =
        key === 'sessionId' && this.#hashSessionIds && typeof value === 'string'
          ? this.#sessionDigest(value)
          : // Core's own fields: their names are not secret; their values are still scrubbed.
            this.#value(value, 0, state);
      if (encoded !== undefined) out += `,"${key}":${encoded}`;
    }
    let fields = 0;
    let keys: string[];
    try {
      keys = Object.keys(record);
    } catch {
      // A proxy that refuses to list its keys: the line keeps the fields read above.
      keys = [];
    }
    for (const key of keys) {
      if (RESERVED.has(key)) continue;
      if (fields++ >= this.#redaction.maxKeys) break;
      const encoded = this.#field(key, read(record, key), state);
      if (encoded !== undefined) out += `,${this.#key(key)}:${encoded}`;
    }
    return `${out}}`;
  }

  #short(value: unknown, max: number): string {
    let text: string;
    try {
      text = typeof value === 'string' ? value : String(value);
    } catch {
      text = UNREADABLE_TEXT;
    }
    return jsonString(text.length > max ? text.slice(0, max) : text);
  }

  #key(key: string): string {
    const text = this.#scrub(
      key.length > MAX_KEY_LENGTH + SCRUB_MARGIN ? key.slice(0, MAX_KEY_LENGTH + SCRUB_MARGIN) : key,
    );
    return jsonString(text.length > MAX_KEY_LENGTH ? `${text.slice(0, MAX_KEY_LENGTH)}…` : text);
  }

  /** One named value: redacted whole when its key or configured path says so. */
  #field(key: string, value: unknown, state: State): string | undefined {
    const path = state.path;
    if (path !== undefined) path.push(key);
    try {
      if (value !== undefined && value !== null && this.#isSecretName(key, path)) {
        return `"${REDACTED}"`;
      }
      return this.#value(value, 0, state, Array.isArray(value) && HEADER_LIST_KEY.test(key));
    } finally {
      path?.pop();
    }
  }

  #isSecretName(key: string, path: readonly string[] | undefined): boolean {
    if (this.#isSecretKey(key)) return true;
    if (path === undefined) return false;
    return this.#redaction.paths.some(
      (pattern) =>
        pattern.length === path.length &&
        pattern.every((segment, index) => segment === '*' || segment === path[index]),
    );
  }

  #string(value: string, state: State): string {
    const limit = Math.min(this.#redaction.maxStringLength, Math.max(32, state.budget));
    // Short values repeat (subjects, targets, reasons): their finished JSON literal is memoized when
    // the scrubbed text is short enough never to need a cut at this limit.
    if (value.length <= MEMO_MAX_LENGTH && limit >= MEMO_SAFE_LIMIT) {
      let literal = this.#literals.get(value);
      if (literal === undefined) {
        const scrubbed = scrubText(value, this.#redaction);
        if (scrubbed.length <= MEMO_SAFE_LIMIT) {
          if (this.#literals.size >= MEMO_LIMIT) this.#literals.clear();
          literal = jsonString(scrubbed);
          this.#literals.set(value, literal);
        }
      }
      if (literal !== undefined) {
        state.budget -= literal.length + NODE_COST;
        return literal;
      }
    }
    // Cut before scrubbing, so scrubbing time is bounded whatever the input's size; the margin lets
    // a secret that straddles the cut still be recognized and removed.
    let text = scrubText(
      value.length > limit + SCRUB_MARGIN ? value.slice(0, limit + SCRUB_MARGIN) : value,
      this.#redaction,
    );
    if (text.length > limit) text = `${text.slice(0, limit)}…[cut ${value.length - limit} chars]`;
    state.budget -= text.length + NODE_COST;
    return jsonString(text);
  }

  #value(value: unknown, depth: number, state: State, headerList = false): string | undefined {
    if (value === UNREADABLE) return `"${UNREADABLE_TEXT}"`;
    switch (typeof value) {
      case 'string':
        return this.#string(value, state);
      case 'number':
        state.budget -= NODE_COST;
        return Number.isFinite(value) ? String(value) : 'null';
      case 'boolean':
        state.budget -= NODE_COST;
        return value ? 'true' : 'false';
      case 'bigint':
        state.budget -= NODE_COST;
        return `"${value}"`;
      case 'object':
        if (value === null) return 'null';
        return this.#object(value, depth, state, headerList);
      default:
        return undefined;
    }
  }

  #object(value: object, depth: number, state: State, headerList = false): string {
    if (state.budget <= 0) return '"[cut]"';
    if (depth >= this.#redaction.maxDepth) return '"[depth limit]"';
    if (state.ancestors.includes(value)) return '"[circular]"';
    state.ancestors.push(value);
    try {
      // Inside the try: a proxy's getPrototypeOf trap may throw.
      const proto: unknown = Object.getPrototypeOf(value);
      // Plain objects and arrays first: nearly every event field is one.
      if (proto === Object.prototype || proto === null) {
        return this.#plain(value as Record<string, unknown>, depth, state);
      }
      if (Array.isArray(value)) return this.#array(value, depth, state, headerList);
      return this.#special(value, depth, state);
    } catch {
      return `"${UNREADABLE_TEXT}"`;
    } finally {
      state.ancestors.pop();
    }
  }

  #special(value: object, depth: number, state: State): string {
    if (value instanceof Date) {
      return Number.isNaN(value.getTime()) ? 'null' : `"${value.toISOString()}"`;
    }
    if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
      return `"[binary ${value.byteLength} bytes]"`;
    }
    if (value instanceof URL) return this.#string(value.href, state);
    if (value instanceof Set) {
      // Only what is written is read: a huge Set costs no more than a short one.
      return this.#array(
        take(value.values(), this.#redaction.maxArrayLength),
        depth,
        state,
        false,
        value.size,
      );
    }
    if (value instanceof Error) return this.#entries(errorEntries(value, this.#redaction), depth, state);
    if (value instanceof Map || (HeadersClass !== undefined && value instanceof HeadersClass)) {
      const entries = take((value as Map<unknown, unknown>).entries(), this.#redaction.maxKeys + 1);
      const total = value instanceof Map ? value.size : entries.length;
      return this.#entries(
        entries.map(([k, v]) => [String(k), v]),
        depth,
        state,
        total,
      );
    }
    const withToJson = value as { toJSON?: unknown };
    if (typeof withToJson.toJSON === 'function') {
      // One level deeper: a toJSON that returns a fresh object with a toJSON ends at the depth limit.
      return this.#value((withToJson.toJSON as () => unknown).call(value), depth + 1, state) ?? 'null';
    }
    return this.#plain(value as Record<string, unknown>, depth, state);
  }

  #plain(value: Record<string, unknown>, depth: number, state: State): string {
    const keys = Object.keys(value);
    const max = this.#redaction.maxKeys;
    let out = '{';
    let written = 0;
    for (const key of keys) {
      if (written >= max) {
        out += `${written > 0 ? ',' : ''}"[cut]":"+${keys.length - max} keys"`;
        break;
      }
      const encoded = this.#member(key, value[key], depth, state);
      if (encoded === undefined) continue;
      out += `${written > 0 ? ',' : ''}${this.#key(key)}:${encoded}`;
      written++;
    }
    return `${out}}`;
  }

  #member(key: string, item: unknown, depth: number, state: State): string | undefined {
    const path = state.path;
    const headerList = Array.isArray(item) && HEADER_LIST_KEY.test(key);
    if (path === undefined) {
      return item !== undefined && item !== null && this.#isSecretKey(key)
        ? `"${REDACTED}"`
        : this.#value(item, depth + 1, state, headerList);
    }
    path.push(key);
    try {
      return item !== undefined && item !== null && this.#isSecretName(key, path)
        ? `"${REDACTED}"`
        : this.#value(item, depth + 1, state, headerList);
    } finally {
      path.pop();
    }
  }

  /**
   * An array. Its items are judged as pairs where an array holds them: after a secret-named flag
   * (`['--password', 'x']`), after a secret name at an even place of a flat header list
   * (`rawHeaders: ['Cookie', 'x']`), and in a `[name, value]` item (`[['Authorization', 'x']]`).
   */
  #array(
    items: readonly unknown[],
    depth: number,
    state: State,
    headerList = false,
    total = items.length,
  ): string {
    const max = this.#redaction.maxArrayLength;
    let out = '[';
    const count = Math.min(items.length, max);
    for (let index = 0; index < count; index++) {
      if (index > 0) out += ',';
      const item = items[index];
      if (
        index > 0 &&
        item !== undefined &&
        item !== null &&
        this.#namesSecret(items[index - 1], item, headerList && index % 2 === 1)
      ) {
        state.budget -= REDACTED.length + NODE_COST;
        out += `"${REDACTED}"`;
      } else if (
        Array.isArray(item) &&
        item.length === 2 &&
        typeof item[0] === 'string' &&
        item[1] !== undefined &&
        item[1] !== null &&
        this.#isSecretKey(item[0])
      ) {
        out += `[${this.#string(item[0], state)},"${REDACTED}"]`;
      } else {
        out += this.#value(item, depth + 1, state) ?? 'null';
      }
    }
    if (total > max) out += `${count > 0 ? ',' : ''}"[+${total - max} more]"`;
    return `${out}]`;
  }

  /** True when `item` is the value of `previous`: a secret-named flag or header name before it. */
  #namesSecret(previous: unknown, item: unknown, headerName: boolean): boolean {
    if (typeof previous !== 'string') return false;
    if (headerName) return this.#isSecretKey(previous);
    return (
      previous.charCodeAt(0) === 45 && // `-`
      FLAG.test(previous) &&
      !(typeof item === 'string' && item.charCodeAt(0) === 45) &&
      this.#isSecretKey(previous)
    );
  }

  #entries(
    entries: readonly (readonly [string, unknown])[],
    depth: number,
    state: State,
    total = entries.length,
  ): string {
    const max = this.#redaction.maxKeys;
    let out = '{';
    let written = 0;
    for (const [key, item] of entries) {
      if (written >= max) {
        out += `${written > 0 ? ',' : ''}"[cut]":"+${total - max} keys"`;
        break;
      }
      const encoded = this.#member(key, item, depth, state);
      if (encoded === undefined) continue;
      out += `${written > 0 ? ',' : ''}${this.#key(key)}:${encoded}`;
      written++;
    }
    return `${out}}`;
  }
}

/** What of an error is logged: name, message, code, kind, data, detail, cause; the stack only if asked. */
function errorEntries(error: Error, redaction: ResolvedRedaction): [string, unknown][] {
  const entries: [string, unknown][] = [
    ['name', error.name],
    ['message', error.message],
  ];
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') entries.push(['code', code]);
  if (isWardenError(error)) {
    entries.push(['kind', error.kind]);
    if (Object.keys(error.data).length > 0) entries.push(['data', error.data]);
    if (Object.keys(error.detail).length > 0) entries.push(['detail', error.detail]);
  }
  if (error.cause !== undefined) entries.push(['cause', error.cause]);
  if (redaction.includeStacks && typeof error.stack === 'string') entries.push(['stack', error.stack]);
  return entries;
}

/** A value whose read threw (a getter or a proxy trap): written as `"[unreadable]"`. */
const UNREADABLE: unique symbol = Symbol('unreadable');
const UNREADABLE_TEXT = '[unreadable]';

/** `record[key]`, or {@link UNREADABLE} when reading it throws. */
function read(record: Record<string, unknown>, key: string): unknown {
  try {
    return record[key];
  } catch {
    return UNREADABLE;
  }
}

/** The first `count` items of an iterator, without reading the rest. */
function take<T>(iterator: Iterator<T>, count: number): T[] {
  const items: T[] = [];
  while (items.length < count) {
    const next = iterator.next();
    if (next.done === true) break;
    items.push(next.value);
  }
  return items;
}

function nowIso(): string {
  return new Date().toISOString();
}
