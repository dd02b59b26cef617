import { coerce } from './coercion.js';
import {
  checkNamedFile,
  isWiderThanOwner,
  NOT_UTF8,
  octalMode,
  readRegularFile,
  stripFinalNewline,
} from './file-checks.js';
import type { ConfigProblem } from './problems.js';
import type { FieldInfo } from './schema-fields.js';

/** Limits and switches shared by every source. */
export interface SourceLimits {
  readonly maxSecretFileBytes: number;
  readonly strictSecretFilePermissions: boolean;
}

/**
 * The raw input being assembled from the sources, lowest precedence first: each `set` replaces
 * what an earlier source gave for that key. Records where each value came from, and collects
 * problems and warnings instead of stopping at the first.
 */
export class InputTree {
  readonly value: Record<string, unknown> = {};
  readonly sources: Map<string, string> = new Map();
  readonly problems: ConfigProblem[] = [];
  readonly warnings: string[] = [];
  /** Keys that already have a problem: the schema's complaint about them would be a duplicate. */
  readonly rejected: Set<string> = new Set();
  /** Raw secret strings seen, to scrub from any message. */
  readonly secretValues: Set<string> = new Set();
  /** Layers that supplied at least one value. */
  readonly layers: Set<string> = new Set();

  constructor(readonly limits: SourceLimits) {}

  set(field: FieldInfo, value: unknown, source: string, layer: string): void {
    if (field.secret && (value === '' || (Array.isArray(value) && value.includes('')))) {
      // An empty key is no key (an HMAC with it is forgeable); an empty secret file is refused too.
      this.problem(
        field.key,
        source,
        'a secret must not be empty; leave it unset instead',
        'ERR_CONFIG_VALIDATION',
      );
      return;
    }
    let node = this.value;
    for (const segment of field.path.slice(0, -1)) {
      const next = node[segment];
      if (typeof next === 'object' && next !== null && !Array.isArray(next)) {
        node = next as Record<string, unknown>;
      } else {
        const created: Record<string, unknown> = {};
        node[segment] = created;
        node = created;
      }
    }
    const last = field.path[field.path.length - 1];
    if (last === undefined) return;
    node[last] = value;
    this.sources.set(field.key, source);
    this.rejected.delete(field.key);
    this.layers.add(layer);
    if (field.secret) this.rememberSecret(value);
  }

  rememberSecret(value: unknown): void {
    if (typeof value === 'string' && value.length > 0) this.secretValues.add(value);
    if (Array.isArray(value)) for (const item of value) this.rememberSecret(item);
  }

  problem(key: string, source: string, reason: string, code: string): void {
    this.problems.push({ key, source, reason, code });
    this.rejected.add(key);
  }

  /** Reads a secret from the file `path` names into `field`; problems and warnings name `source`. */
  setSecretFromFile(field: FieldInfo, path: string, source: string, layer: string): void {
    const read = readRegularFile(path, this.limits.maxSecretFileBytes);
    if (!read.ok) {
      const hint = read.reason === NOT_UTF8 ? '; store a binary key as base64 or hex' : '';
      this.problem(field.key, source, `secret file ${path}: ${read.reason}${hint}`, 'ERR_CONFIG_SECRET_FILE');
      return;
    }
    const content = stripFinalNewline(read.content);
    if (content.length === 0) {
      this.problem(field.key, source, `secret file ${path} is empty`, 'ERR_CONFIG_SECRET_FILE');
      return;
    }
    this.permissionCheck(field.key, source, path, read.mode);
    this.rememberSecret(content);
    const value = coerce(content, field);
    if (value.ok) this.set(field, value.value, `${source} (file ${path})`, layer);
    else this.problem(field.key, source, `secret file ${path}: ${value.reason}`, 'ERR_CONFIG_COERCE');
  }

  /** Checks a file a `readableFile`/`secretFile` field names. */
  checkFileField(field: FieldInfo, path: string, source: string): void {
    const result = checkNamedFile(path, field.fileCheck ?? 'readable');
    if (result.reason !== undefined) {
      this.problem(field.key, source, `${path}: ${result.reason}`, 'ERR_CONFIG_FILE_CHECK');
    } else if (result.wideMode !== undefined) {
      this.permissionCheck(field.key, source, path, result.wideMode);
    }
  }

  private permissionCheck(key: string, source: string, path: string, mode: number): void {
    if (!isWiderThanOwner(mode)) return;
    const message = `${path} (${key}) has mode ${octalMode(mode)}: group or others may read it; use 0600 or 0400`;
    if (this.limits.strictSecretFilePermissions) {
      this.problem(key, source, message, 'ERR_CONFIG_SECRET_FILE_PERMISSIONS');
    } else {
      this.warnings.push(message);
    }
  }
}
