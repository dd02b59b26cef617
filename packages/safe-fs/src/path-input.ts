import { safeFsError } from './error-codes.js';

/** A caller's path after validation, split into its components exactly as sent. */
export interface ParsedPath {
  readonly absolute: boolean;
  /** Non-empty components in order, untransformed (`.` and `..` kept, empty ones from `//` dropped). */
  readonly components: readonly string[];
  /** The path ended with `/`: it names a directory. */
  readonly trailingSlash: boolean;
}

/** Limits {@link parsePath} enforces. */
export interface PathLimits {
  readonly maxPathBytes: number;
  readonly maxComponentBytes: number;
}

const encoder = new TextEncoder();

function byteLength(text: string): number {
  // Fast path: pure ASCII strings have one byte per code unit.
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0x7f) return encoder.encode(text).length;
  }
  return text.length;
}

/**
 * Validates a caller's path before anything touches the disk and splits it on `/`. Refuses what is
 * not a string, empty paths, NUL and other C0/C1 control characters, lone UTF-16 surrogates (Node
 * would silently turn them into U+FFFD, i.e. a different name), and over-long paths or components.
 * Nothing is trimmed, decoded, normalised or expanded: `%2e%2e`, `~`, ` a ` and `..foo` are names.
 */
export function parsePath(input: unknown, limits: PathLimits): ParsedPath {
  if (typeof input !== 'string') throw safeFsError('ERR_INVALID_PATH', 'not_a_string');
  if (input.length === 0) throw safeFsError('ERR_INVALID_PATH', 'empty');
  for (let i = 0; i < input.length; i++) {
    const unit = input.charCodeAt(i);
    if (unit === 0) throw safeFsError('ERR_INVALID_PATH', 'nul_byte');
    if (unit < 0x20 || (unit >= 0x7f && unit <= 0x9f))
      throw safeFsError('ERR_INVALID_PATH', 'control_character');
    if (unit >= 0xd800 && unit <= 0xdfff) {
      const next = input.charCodeAt(i + 1);
      if (unit > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) {
        throw safeFsError('ERR_INVALID_PATH', 'lone_surrogate');
      }
      i++;
    }
  }
  if (byteLength(input) > limits.maxPathBytes) throw safeFsError('ERR_INVALID_PATH', 'path_too_long');
  const components: string[] = [];
  for (const part of input.split('/')) {
    if (part.length === 0) continue;
    if (byteLength(part) > limits.maxComponentBytes) {
      throw safeFsError('ERR_INVALID_PATH', 'component_too_long');
    }
    components.push(part);
  }
  return {
    absolute: input.startsWith('/'),
    components,
    trailingSlash: input.length > 1 && input.endsWith('/'),
  };
}
