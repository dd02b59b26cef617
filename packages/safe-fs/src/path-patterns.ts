import picomatch from 'picomatch';
import { safeFsError } from './error-codes.js';

/** Most patterns one `match` or one `exclude` option may hold. */
export const MAX_PATTERNS = 32;
/** Longest pattern accepted, in UTF-16 code units. */
export const MAX_PATTERN_LENGTH = 1024;
/**
 * Most runs of `*` (`*` or `**`) in one pattern. Patterns compile to backtracking regular
 * expressions whose worst case grows as (path length) ^ (wildcards): with 3, a path crafted against
 * the pattern (eight 255-byte names) cost at most 2 ms a match; `*a*a*a*b` cost 43 s on one name.
 */
export const MAX_PATTERN_WILDCARDS = 3;

/** One glob, or several (an entry matches if any of them matches). */
export type PatternList = string | readonly string[];

/** Decides, from an entry's path relative to the listed directory, what a walk returns and enters. */
export interface PathFilter {
  /** The entry is returned. */
  matches(path: string): boolean;
  /** The entry is neither returned nor, if a directory, entered. */
  excludes(path: string): boolean;
}

/** Every entry, nothing excluded: a plain listing. */
export const EVERY_PATH: PathFilter = { matches: () => true, excludes: () => false };

// biome-ignore lint/suspicious/noControlCharactersInRegex: C0/C1 controls are what it refuses
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;
/** `..` as a whole segment, or as a whole brace alternative that could become one. */
const DOTDOT_SEGMENT = /(?:^|[/{,])\.\.(?:$|[/},])/;
const WILDCARD_RUN = /\*+/g;

class BraceRangeRefused extends Error {}

/**
 * `dot`: `*` and `**` match names starting with `.`, as a plain `list` shows them. No negation (`!`
 * is literal: use `exclude`), no extglobs (`@(a|b)`), case-sensitive, `/` the only separator.
 * Ranges (`{1..9}`) are never expanded by picomatch; they compile to a character class that is
 * wrong for multi-character ranges, so they are refused.
 */
const MATCHER_OPTIONS: picomatch.PicomatchOptions = {
  dot: true,
  nonegate: true,
  noextglob: true,
  nocase: false,
  windows: false,
  expandRange: () => {
    throw new BraceRangeRefused();
  },
};

/** `data.index` names the refused pattern; absent when the list itself is refused. */
function invalidPattern(reason: string, option: string, index?: number): Error {
  const data = index === undefined ? { option } : { option, index };
  return safeFsError('ERR_INVALID_PATTERN', reason, { data });
}

function compile(list: PatternList | undefined, option: string): ((path: string) => boolean) | undefined {
  if (list === undefined) return undefined;
  const patterns = typeof list === 'string' ? [list] : list;
  if (!Array.isArray(patterns)) throw invalidPattern('not_a_pattern_list', option);
  if (patterns.length > MAX_PATTERNS) throw invalidPattern('too_many_patterns', option);
  if (patterns.length === 0) return undefined;
  const matchers = patterns.map((pattern: unknown, index) => {
    if (typeof pattern !== 'string') throw invalidPattern('not_a_string', option, index);
    if (pattern.length === 0) throw invalidPattern('empty_pattern', option, index);
    if (pattern.length > MAX_PATTERN_LENGTH) throw invalidPattern('pattern_too_long', option, index);
    if (CONTROL_CHARACTER.test(pattern)) throw invalidPattern('control_character', option, index);
    if (pattern.startsWith('/')) throw invalidPattern('absolute_pattern', option, index);
    if (DOTDOT_SEGMENT.test(pattern)) throw invalidPattern('dotdot_segment', option, index);
    if ((pattern.match(WILDCARD_RUN)?.length ?? 0) > MAX_PATTERN_WILDCARDS) {
      throw invalidPattern('too_many_wildcards', option, index);
    }
    try {
      return picomatch(pattern, MATCHER_OPTIONS);
    } catch (error) {
      throw invalidPattern(error instanceof BraceRangeRefused ? 'brace_range' : 'unparsable', option, index);
    }
  });
  return (path) => matchers.some((matcher) => matcher(path));
}

/**
 * Validates and compiles a caller's `match` and `exclude` globs (input from a model: bounded, never
 * absolute, no `..`). They only filter paths the walk produced, so no pattern can lead it elsewhere.
 */
export function compilePathFilter(
  match: PatternList | undefined,
  exclude: PatternList | undefined,
): PathFilter {
  const matches = compile(match, 'match');
  const excludes = compile(exclude, 'exclude');
  if (matches === undefined && excludes === undefined) return EVERY_PATH;
  return { matches: matches ?? EVERY_PATH.matches, excludes: excludes ?? EVERY_PATH.excludes };
}
