export { messageOf, type SafeFsErrorCode } from './error-codes.js';
export type { EntryType, FileInfo } from './file-info.js';
export { MAX_LINES } from './line-read.js';
export type { ListEntry, Listing, ListLimit } from './listing.js';
export {
  type CallOptions,
  DEFAULTS,
  type HardLinkPolicy,
  type RootOptions,
  type SafeFsOptions,
  type SymlinkPolicy,
} from './options.js';
export { type ParsedPath, type PathLimits, parsePath } from './path-input.js';
export {
  MAX_PATTERN_LENGTH,
  MAX_PATTERN_WILDCARDS,
  MAX_PATTERNS,
  type PatternList,
} from './path-patterns.js';
export {
  type AppendOptions,
  createSafeFs,
  type EditOptions,
  type EditResult,
  type ListOptions,
  type MkdirOptions,
  type MoveOptions,
  type ReadOptions,
  type ReadTextOptions,
  type RemoveOptions,
  type ResolvedRoot,
  type ResolveOptions,
  SafeFs,
  type StatOptions,
  type TextEncoding,
  type WriteOptions,
} from './safe-fs.js';
export { MAX_EDITS, type TextEdit } from './text-edit.js';
export type { WriteData } from './write-data.js';
