import type { CallResult } from '@mcp-warden/core';
import {
  type HiddenReport,
  type HiddenTextOptions,
  mayNeedSanitizing,
  mergeReports,
  sanitizeText,
} from './hidden-text.js';
import { requireInteger } from './option-checks.js';

/** Options for {@link sanitizeResult}. */
export interface OutputOptions extends HiddenTextOptions {
  /** Most characters of text in one result (all text blocks together). Default 100,000. */
  readonly maxTextChars?: number;
  /** Most characters of base64 data (images, audio, blobs) in one result. Default 10,000,000. */
  readonly maxBinaryChars?: number;
}

/** What {@link sanitizeResult} did. */
export interface SanitizedResult<T> {
  readonly result: T;
  /** Hidden content removed, by kind (see {@link sanitizeText}). */
  readonly removed: HiddenReport;
  /** Characters of text cut by `maxTextChars`. */
  readonly truncatedChars: number;
  /** Binary blocks dropped by `maxBinaryChars`. */
  readonly droppedBinary: number;
}

/** The default of `maxTextChars`. */
export const DEFAULT_MAX_TEXT_CHARS = 100_000;

/** The marker appended where text was cut. */
export function truncationMarker(removedChars: number): string {
  return `\n[mcp-warden: output truncated, ${removedChars} characters removed]`;
}

const BINARY_MARKER = '[mcp-warden: binary content removed, over the size limit]';

/** Throws `ERR_INVALID_OPTION` when a cap is not a non-negative integer. */
export function checkOutputOptions(options: OutputOptions): void {
  requireInteger('maxTextChars', options.maxTextChars ?? DEFAULT_MAX_TEXT_CHARS, 0, Number.MAX_SAFE_INTEGER);
  requireInteger('maxBinaryChars', options.maxBinaryChars ?? 10_000_000, 0, Number.MAX_SAFE_INTEGER);
}

class ResultWalker {
  readonly removed: Record<string, number> = {};
  truncatedChars = 0;
  droppedBinary = 0;
  private textLeft: number;
  private binaryLeft: number;
  private lastTruncated: { holder: Record<string, unknown>; key: string } | undefined;

  constructor(private readonly options: OutputOptions) {
    this.textLeft = requireInteger(
      'maxTextChars',
      options.maxTextChars ?? DEFAULT_MAX_TEXT_CHARS,
      0,
      Number.MAX_SAFE_INTEGER,
    );
    this.binaryLeft = requireInteger(
      'maxBinaryChars',
      options.maxBinaryChars ?? 10_000_000,
      0,
      Number.MAX_SAFE_INTEGER,
    );
  }

  /** Sanitises and caps a text field in place (on a copy of its holder). */
  text(holder: Record<string, unknown>, key: string): void {
    const value = holder[key];
    if (typeof value !== 'string') return;
    const clean = sanitizeText(value, this.options);
    mergeReports(this.removed, clean.removed);
    let text = clean.text;
    if (text.length > this.textLeft) {
      let cut = this.textLeft;
      const code = text.charCodeAt(cut - 1);
      if (cut > 0 && code >= 0xd800 && code <= 0xdbff) cut--; // never split a surrogate pair
      const length = text.length;
      // A cut inside a sequence the sanitiser keeps (an RGI flag's tag run, a ZWJ between emoji, a ZWNJ
      // between letters) leaves its hidden half dangling: one more pass (strip, so it cannot grow) drops it.
      text = sanitizeText(text.slice(0, cut), { ...this.options, mode: 'strip' }).text;
      this.truncatedChars += length - text.length;
      this.lastTruncated ??= { holder, key };
    }
    this.textLeft -= text.length;
    holder[key] = text;
  }

  binary(holder: Record<string, unknown>, key: string): boolean {
    const value = holder[key];
    if (typeof value !== 'string') return true;
    if (value.length > this.binaryLeft) {
      this.droppedBinary++;
      return false;
    }
    this.binaryLeft -= value.length;
    return true;
  }

  /**
   * Strings anywhere in structured content or `_meta`: sanitised, not truncated (it must still match its
   * schema). Iterative, and each object is copied once however often it is referenced, so the work is
   * linear in the distinct values and every string is reached (nothing is left unsanitised).
   */
  structured(value: unknown): unknown {
    if (typeof value === 'string') return this.clean(value);
    if (typeof value !== 'object' || value === null) return value;
    const copies = new Map<object, Record<string | number, unknown>>();
    const copyOf = (original: object): Record<string | number, unknown> => {
      let copy = copies.get(original);
      if (copy === undefined) {
        copy = (Array.isArray(original) ? [...original] : { ...original }) as Record<
          string | number,
          unknown
        >;
        copies.set(original, copy);
        pending.push(copy);
      }
      return copy;
    };
    const pending: Record<string | number, unknown>[] = [];
    const root = copyOf(value);
    for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
      for (const key of Object.keys(next)) {
        const current = next[key];
        const value =
          typeof current === 'string'
            ? this.clean(current)
            : typeof current === 'object' && current !== null
              ? copyOf(current)
              : current;
        if (value !== current) next[key] = value;
        if (mayNeedSanitizing(key) && !Array.isArray(next)) this.renameKey(next, key);
      }
    }
    return root;
  }

  /**
   * Keys are text a model reads too: a key with hidden content is replaced by its sanitised form, unless
   * that key exists already or is `__proto__` (`__pro\u200Bto__` must not become one: a consumer's
   * `Object.assign` would set a prototype with it); then the entry is dropped.
   */
  private renameKey(holder: Record<string | number, unknown>, key: string): void {
    const clean = this.clean(key);
    if (clean === key) return;
    const value = holder[key];
    delete holder[key];
    if (clean === '__proto__' || Object.hasOwn(holder, clean)) return;
    Object.defineProperty(holder, clean, { value, enumerable: true, writable: true, configurable: true });
  }

  /** Sanitises one string that is not counted against the text cap (URIs, `_meta`, structured content). */
  private clean(value: string): string {
    if (!mayNeedSanitizing(value)) return value;
    const clean = sanitizeText(value, this.options);
    mergeReports(this.removed, clean.removed);
    return clean.text;
  }

  /** Sanitises `holder[key]` when it is a string or holds strings (`_meta`, `uri`), in place. */
  meta(holder: Record<string, unknown>, key: string): void {
    if (holder[key] !== undefined) holder[key] = this.structured(holder[key]);
  }

  /** One content block (tool result content, prompt message content). */
  block(block: unknown): Record<string, unknown> | undefined {
    if (typeof block !== 'object' || block === null) return undefined;
    const copy: Record<string, unknown> = { ...(block as Record<string, unknown>) };
    if (copy.type === 'text') this.text(copy, 'text');
    else if (copy.type === 'image' || copy.type === 'audio') {
      if (!this.binary(copy, 'data')) return { type: 'text', text: BINARY_MARKER };
    } else if (copy.type === 'resource' && typeof copy.resource === 'object' && copy.resource !== null) {
      const resource = this.resourceContents(copy.resource);
      if (resource === undefined) return { type: 'text', text: BINARY_MARKER };
      copy.resource = resource;
    }
    if (typeof copy.title === 'string') this.text(copy, 'title');
    if (typeof copy.name === 'string') this.text(copy, 'name');
    if (typeof copy.description === 'string') this.text(copy, 'description');
    if (typeof copy.uri === 'string') this.meta(copy, 'uri');
    this.meta(copy, '_meta');
    return copy;
  }

  resourceContents(contents: unknown): Record<string, unknown> | undefined {
    const copy: Record<string, unknown> = { ...(contents as Record<string, unknown>) };
    this.text(copy, 'text');
    if (!this.binary(copy, 'blob')) return undefined;
    if (typeof copy.uri === 'string') this.meta(copy, 'uri');
    this.meta(copy, '_meta');
    return copy;
  }

  finish(): void {
    if (this.lastTruncated === undefined) return;
    const { holder, key } = this.lastTruncated;
    holder[key] = `${holder[key] as string}${truncationMarker(this.truncatedChars)}`;
  }
}

/** The common case, answered without copying: a tool result of short, clean text blocks only. */
export function isCleanTextResult(result: CallResult, maxTextChars: number): boolean {
  const content = (result as { content?: unknown }).content;
  if (
    !Array.isArray(content) ||
    'structuredContent' in result ||
    'contents' in result ||
    'messages' in result ||
    '_meta' in result
  ) {
    return false;
  }
  if (typeof (result as { description?: unknown }).description === 'string') return false;
  let total = 0;
  for (const block of content as unknown[]) {
    if (typeof block !== 'object' || block === null) return false;
    const { type, text, title, name, description, _meta } = block as Record<string, unknown>;
    if (type !== 'text' || typeof text !== 'string') return false;
    if (title !== undefined || name !== undefined || description !== undefined || _meta !== undefined)
      return false;
    total += text.length;
    if (total > maxTextChars || mayNeedSanitizing(text)) return false;
  }
  return true;
}

/**
 * Sanitises a tool, resource or prompt result before it reaches a client (and a model or terminal):
 * every text field goes through {@link sanitizeText}, text is capped at `maxTextChars` with a visible
 * truncation marker, binary blocks over `maxBinaryChars` are replaced by a marker, and strings in
 * `structuredContent` are sanitised. Strings of a completion result (`completion.values`) and of a
 * resource listing (`resources`) are sanitised too, not truncated. Returns a new result; the input is
 * not changed.
 */
export function sanitizeResult<T extends CallResult>(
  result: T,
  options: OutputOptions = {},
): SanitizedResult<T> {
  if (isCleanTextResult(result, options.maxTextChars ?? DEFAULT_MAX_TEXT_CHARS)) {
    return { result, removed: {}, truncatedChars: 0, droppedBinary: 0 };
  }
  const walker = new ResultWalker(options);
  const copy: Record<string, unknown> = { ...result };
  if (Array.isArray(copy.content)) {
    copy.content = copy.content.map((block) => walker.block(block)).filter((block) => block !== undefined);
  }
  if (copy.structuredContent !== undefined)
    copy.structuredContent = walker.structured(copy.structuredContent);
  if (Array.isArray(copy.contents)) {
    copy.contents = copy.contents.map(
      (contents) =>
        walker.resourceContents(contents) ?? {
          uri: (contents as { uri?: unknown }).uri,
          text: BINARY_MARKER,
        },
    );
  }
  if (Array.isArray(copy.messages)) {
    copy.messages = copy.messages.map((message) => {
      if (typeof message !== 'object' || message === null) return message;
      const messageCopy: Record<string, unknown> = { ...(message as Record<string, unknown>) };
      messageCopy.content = walker.block(messageCopy.content);
      return messageCopy;
    });
  }
  if (typeof copy.description === 'string') walker.text(copy, 'description');
  // A completion (`{ completion: { values } }`) and a resource template's listing (`{ resources }`):
  // every string sanitised, none truncated (values and URIs must stay usable as they are).
  if (typeof copy.completion === 'object' && copy.completion !== null) walker.meta(copy, 'completion');
  if (Array.isArray(copy.resources)) walker.meta(copy, 'resources');
  walker.meta(copy, '_meta');
  walker.finish();
  return {
    result: copy as T,
    removed: walker.removed as HiddenReport,
    truncatedChars: walker.truncatedChars,
    droppedBinary: walker.droppedBinary,
  };
}
