import type { EventSink, SecurityContext } from '@mcp-warden/core';

/** One allowed root: a directory every operation stays inside. */
export interface RootOptions {
  /** The directory. Resolved with `realpath` once, when the `SafeFs` is created. */
  readonly path: string;
  /** Refuse every write, create, remove and move inside this root. Default `false`. */
  readonly readOnly?: boolean;
}

/**
 * How symbolic links are treated.
 * - `follow-inside-roots` (default): a link is followed only when its target resolves inside a root.
 * - `never`: any symbolic link met while resolving a path (in any component) is refused.
 */
export type SymlinkPolicy = 'follow-inside-roots' | 'never';

/**
 * What to do with a regular file whose link count is above 1 (it may be the same file as one outside
 * the roots).
 * - `refuse-writes` (default): reads are allowed; writes, appends and overwrites are refused.
 * - `refuse-all`: reads are refused too.
 * - `allow`: no check (weakens security: logged as a startup warning).
 */
export type HardLinkPolicy = 'refuse-writes' | 'refuse-all' | 'allow';

/** Options of {@link createSafeFs}. Every limit has a finite default. */
export interface SafeFsOptions {
  /** The allowed roots (at least one). A string is a writable root. */
  readonly roots: readonly (string | RootOptions)[];
  /** The root relative paths resolve against; must be one of `roots`. Default: the first root. */
  readonly defaultRoot?: string;
  /** Largest number of bytes a read returns (whole file or range). Default 10 MiB. */
  readonly maxReadBytes?: number;
  /** Largest number of bytes one write or append may write. Default 10 MiB. */
  readonly maxWriteBytes?: number;
  /** Default `follow-inside-roots`. */
  readonly symlinks?: SymlinkPolicy;
  /** Default `refuse-writes`. */
  readonly hardLinks?: HardLinkPolicy;
  /** Most entries one `list` returns (then `truncated: true`). Default 1,000. */
  readonly maxListEntries?: number;
  /** Deepest level a recursive `list` descends to (1 = the directory's own entries). Default 8. */
  readonly maxListDepth?: number;
  /**
   * Most directory entries one `list` reads, returned or not (then `truncated: true`, `truncatedBy`
   * holding `maxListVisited`): bounds a search whose pattern matches little. Default 100,000.
   */
  readonly maxListVisited?: number;
  /**
   * Most milliseconds one `list` spends reading and matching entries (then `truncated: true`,
   * `truncatedBy` holding `maxListMs`): bounds a search over names crafted against its patterns,
   * whose matching backtracks. Default 10,000.
   */
  readonly maxListMs?: number;
  /** Longest path accepted, in UTF-8 bytes. Default 4,096. */
  readonly maxPathBytes?: number;
  /** Longest path component accepted, in UTF-8 bytes. Default 255. */
  readonly maxComponentBytes?: number;
  /** `fsync` the temp file (and the directory after the rename) on every write. Default `true`. */
  readonly durable?: boolean;
  /** Where security events go when a call passes no `context`. Default: dropped. */
  readonly events?: EventSink;
}

/** Options every operation takes. */
export interface CallOptions {
  /** Aborts the operation between steps; it then fails with `ERR_ABORTED` and leaves no temp file. */
  readonly signal?: AbortSignal | undefined;
  /**
   * The security context of the MCP call (from `getSecurityContext(extra)`); events are emitted
   * through it, so they carry the principal and request ids. Otherwise they go to `options.events`.
   */
  readonly context?: SecurityContext | undefined;
}

/** The defaults, as documented in the README. */
export const DEFAULTS: {
  readonly maxReadBytes: number;
  readonly maxWriteBytes: number;
  readonly symlinks: SymlinkPolicy;
  readonly hardLinks: HardLinkPolicy;
  readonly maxListEntries: number;
  readonly maxListDepth: number;
  readonly maxListVisited: number;
  readonly maxListMs: number;
  readonly maxPathBytes: number;
  readonly maxComponentBytes: number;
  readonly durable: boolean;
} = Object.freeze({
  maxReadBytes: 10 * 1024 * 1024,
  maxWriteBytes: 10 * 1024 * 1024,
  symlinks: 'follow-inside-roots',
  hardLinks: 'refuse-writes',
  maxListEntries: 1000,
  maxListDepth: 8,
  maxListVisited: 100_000,
  maxListMs: 10_000,
  maxPathBytes: 4096,
  maxComponentBytes: 255,
  durable: true,
});
