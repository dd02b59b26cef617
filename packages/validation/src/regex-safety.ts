import { ConfigError } from '@mcp-warden/core';

type Node =
  | { readonly t: 'atom'; readonly src: string }
  | { readonly t: 'assert'; readonly start: boolean }
  | { readonly t: 'backref' }
  | { readonly t: 'seq'; readonly items: readonly Node[] }
  | { readonly t: 'alt'; readonly alts: readonly Node[] }
  | { readonly t: 'group'; readonly body: Node; readonly lookaround: boolean }
  | { readonly t: 'quant'; readonly body: Node; readonly min: number; readonly max: number };

/** Why a pattern was judged unsafe. */
export interface PatternVerdict {
  readonly safe: boolean;
  /** Empty when safe; otherwise short reasons (`nested repetition …`). */
  readonly reasons: readonly string[];
}

/** Options for {@link checkPatternSafety}. */
export interface PatternSafetyOptions {
  /** Longest accepted pattern source. Default 1,000. */
  readonly maxLength?: number;
  /** Most ambiguous repetitions in sequence outside any loop (each may add a factor of n). Default 2. */
  readonly maxAmbiguousRepetitions?: number;
}

class PatternSyntaxError extends Error {}

function parse(source: string, unicode: boolean, unicodeSets: boolean): Node {
  let i = 0;
  const peek = (): string => source[i] ?? '';

  const parseAlternation = (): Node => {
    const alts: Node[] = [parseSequence()];
    while (peek() === '|') {
      i++;
      alts.push(parseSequence());
    }
    return alts.length === 1 ? alts[0]! : { t: 'alt', alts };
  };

  const parseSequence = (): Node => {
    const items: Node[] = [];
    while (i < source.length && peek() !== '|' && peek() !== ')') {
      const term = parseQuantifier(parseTerm());
      items.push(term);
    }
    return items.length === 1 ? items[0]! : { t: 'seq', items };
  };

  const parseClass = (): Node => {
    const start = i;
    i++; // [
    let depth = 1;
    while (i < source.length && depth > 0) {
      const c = source[i];
      if (c === '\\') i += 2;
      else {
        if (c === '[' && unicodeSets) depth++;
        else if (c === ']') depth--;
        i++;
      }
    }
    if (depth !== 0) throw new PatternSyntaxError('unterminated class');
    return { t: 'atom', src: source.slice(start, i) };
  };

  const parseEscape = (): Node => {
    const start = i;
    i++; // backslash
    const c = peek();
    if (c === 'b' || c === 'B') {
      i++;
      return { t: 'assert', start: false };
    }
    if (/[1-9]/.test(c)) {
      while (/\d/.test(peek())) i++;
      return { t: 'backref' };
    }
    if (c === 'k' && source[i + 1] === '<') {
      i = source.indexOf('>', i) + 1;
      if (i === 0) throw new PatternSyntaxError('bad group name');
      return { t: 'backref' };
    }
    if ((c === 'p' || c === 'P') && source[i + 1] === '{') {
      i = source.indexOf('}', i) + 1;
    } else if (c === 'u' && source[i + 1] === '{') {
      i = source.indexOf('}', i) + 1;
    } else if (c === 'u') i += 5;
    else if (c === 'x') i += 3;
    else if (c === 'c') i += 2;
    else if (c !== '') {
      const cp = source.codePointAt(i) ?? 0;
      i += cp > 0xffff ? 2 : 1;
    }
    if (i <= start) throw new PatternSyntaxError('bad escape');
    return { t: 'atom', src: source.slice(start, i) };
  };

  const parseTerm = (): Node => {
    const c = peek();
    if (c === '^' || c === '$') {
      i++;
      return { t: 'assert', start: c === '^' };
    }
    if (c === '(') {
      i++;
      let lookaround = false;
      if (peek() === '?') {
        const rest = source.slice(i, i + 4);
        if (rest.startsWith('?=') || rest.startsWith('?!')) {
          lookaround = true;
          i += 2;
        } else if (rest.startsWith('?<=') || rest.startsWith('?<!')) {
          lookaround = true;
          i += 3;
        } else if (rest.startsWith('?<')) {
          i = source.indexOf('>', i) + 1;
          if (i === 0) throw new PatternSyntaxError('bad group name');
        } else {
          // (?:…) and modifier groups (?i:…), (?-i:…)
          const colon = source.indexOf(':', i);
          if (colon < 0) throw new PatternSyntaxError('bad group');
          i = colon + 1;
        }
      }
      const body = parseAlternation();
      if (peek() !== ')') throw new PatternSyntaxError('unbalanced group');
      i++;
      return { t: 'group', body, lookaround };
    }
    if (c === '[') return parseClass();
    if (c === '\\') return parseEscape();
    const cp = source.codePointAt(i) ?? 0;
    const width = unicode && cp > 0xffff ? 2 : 1;
    const src = source.slice(i, i + width);
    i += width;
    return { t: 'atom', src };
  };

  const parseQuantifier = (body: Node): Node => {
    let min: number;
    let max: number;
    const c = peek();
    if (c === '*') [min, max] = [0, Number.POSITIVE_INFINITY];
    else if (c === '+') [min, max] = [1, Number.POSITIVE_INFINITY];
    else if (c === '?') [min, max] = [0, 1];
    else if (c === '{') {
      const match = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i));
      if (match === null) return body; // a literal brace (non-unicode mode)
      min = Number(match[1]);
      max = match[2] === undefined ? min : match[3] === '' ? Number.POSITIVE_INFINITY : Number(match[3]);
      i += match[0].length - 1;
    } else return body;
    i++;
    if (peek() === '?') i++; // lazy: same ambiguity
    return parseQuantifier({ t: 'quant', body, min, max });
  };

  const root = parseAlternation();
  if (i < source.length) throw new PatternSyntaxError('unbalanced parenthesis');
  return root;
}

// A sample alphabet to compare character sets: all of ASCII and a few non-ASCII representatives.
const SAMPLES: readonly string[] = [
  ...Array.from({ length: 128 }, (_, code) => String.fromCharCode(code)),
  '\u00a0',
  '\u00e9',
  '\u00df',
  '\u0130',
  '\u017f',
  '\u03bb',
  '\u0416',
  '\u05d0',
  '\u0627',
  '\u0915',
  '\u2028',
  '\u212a',
  '\u4e2d',
  '\ufeff',
  '\u{1f600}',
  '\ud83d',
];

/**
 * The sample alphabet for one pattern: {@link SAMPLES} plus every non-ASCII character the pattern names
 * (raw, `\uXXXX`, `\u{…}`, `\xXX`) and its neighbours. Two unions of ranges that intersect share a
 * range start (and a negated class's ranges start or end next to a named character), so overlap between
 * classes and literals of any script is seen, not only among the fixed samples.
 */
function samplesFor(source: string): string[] {
  const named = new Set<number>();
  const characterEscape = /\\u\{([0-9a-fA-F]{1,6})\}|\\u([0-9a-fA-F]{4})|\\x([0-9a-fA-F]{2})/g;
  for (let match = characterEscape.exec(source); match !== null; match = characterEscape.exec(source)) {
    named.add(Number.parseInt(match[1] ?? match[2] ?? match[3] ?? '0', 16));
  }
  for (const ch of source) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp > 0x7f) named.add(cp);
  }
  const extra = new Set<string>();
  for (const cp of named) {
    for (const near of [cp - 1, cp, cp + 1]) {
      if (near <= 0x7f || near > 0x10ffff) continue;
      const ch = String.fromCodePoint(near);
      extra.add(ch);
      if (ch.length === 2) {
        extra.add(ch[0]!); // without the u flag a pattern sees surrogate halves
        extra.add(ch[1]!);
      }
    }
  }
  for (const sample of SAMPLES) extra.delete(sample);
  return [...SAMPLES, ...extra];
}

const SMALL_REPEAT = 10;

/**
 * The largest product of repetition counts along any nesting path inside `node` (1 without repetition):
 * `(?:a{1,10}){1,10}` repeats its atom up to 100 times, although each level alone is short.
 */
function repeatProduct(node: Node): number {
  switch (node.t) {
    case 'quant':
      return node.max * repeatProduct(node.body);
    case 'group':
      return repeatProduct(node.body);
    case 'seq':
      return node.items.reduce((most, item) => Math.max(most, repeatProduct(item)), 1);
    case 'alt':
      return node.alts.reduce((most, alt) => Math.max(most, repeatProduct(alt)), 1);
    default:
      return 1;
  }
}

/** Sets of sample characters as bit masks. */
class Analyzer {
  private readonly cache = new Map<string, bigint>();
  readonly reasons = new Set<string>();
  ambiguousAtTop = 0;
  /** A long, unambiguous repetition outside loops that may give characters back to something that can fail. */
  givesBack = false;
  /** Not a character: marks, in a follow set, an assertion (`$`, `\b`, a lookaround) that can fail. */
  private readonly mayFail: bigint;

  constructor(
    private readonly flags: string,
    private readonly samples: readonly string[],
  ) {
    this.mayFail = 1n << BigInt(samples.length);
  }

  private atomSet(src: string): bigint {
    let set = this.cache.get(src);
    if (set !== undefined) return set;
    set = 0n;
    const re = new RegExp(`^(?:${src})$`, this.flags);
    for (let index = 0; index < this.samples.length; index++) {
      if (re.test(this.samples[index]!)) set |= 1n << BigInt(index);
    }
    this.cache.set(src, set);
    return set;
  }

  first(node: Node): bigint {
    switch (node.t) {
      case 'atom':
        return this.atomSet(node.src);
      case 'assert':
      case 'backref':
        return 0n;
      case 'group':
        return node.lookaround ? 0n : this.first(node.body);
      case 'quant':
        return node.max === 0 ? 0n : this.first(node.body);
      case 'alt':
        return node.alts.reduce((set, alt) => set | this.first(alt), 0n);
      case 'seq': {
        let set = 0n;
        for (const item of node.items) {
          set |= this.first(item);
          if (!this.nullable(item)) break;
        }
        return set;
      }
    }
  }

  nullable(node: Node): boolean {
    switch (node.t) {
      case 'atom':
        return false;
      case 'assert':
      case 'backref':
        return true;
      case 'group':
        return node.lookaround || this.nullable(node.body);
      case 'quant':
        return node.min === 0 || this.nullable(node.body);
      case 'alt':
        return node.alts.some((alt) => this.nullable(alt));
      case 'seq':
        return node.items.every((item) => this.nullable(item));
    }
  }

  /** `follow`: the characters that may come right after `node`; `loops`: enclosing repetitions. */
  walk(node: Node, follow: bigint, loops: number): void {
    switch (node.t) {
      case 'atom':
      case 'assert':
        return;
      case 'backref':
        this.reasons.add('backreference (matching with backreferences can take exponential time)');
        return;
      case 'group':
        this.walk(node.body, node.lookaround ? 0n : follow, loops);
        return;
      case 'alt': {
        if (loops > 0) {
          const firsts = node.alts.map((alt) => this.first(alt));
          for (let a = 0; a < firsts.length; a++) {
            for (let b = a + 1; b < firsts.length; b++) {
              if ((firsts[a]! & firsts[b]!) !== 0n) {
                this.reasons.add('alternatives that can match the same text inside a repetition');
              }
            }
          }
        }
        for (const alt of node.alts) this.walk(alt, follow, loops);
        return;
      }
      case 'seq': {
        let after = follow;
        for (let index = node.items.length - 1; index >= 0; index--) {
          const item = node.items[index]!;
          this.walk(item, after, loops);
          after = this.nullable(item) ? this.first(item) | after : this.first(item);
          if ((item.t === 'assert' && !item.start) || (item.t === 'group' && item.lookaround)) {
            after |= this.mayFail;
          }
        }
        return;
      }
      case 'quant': {
        if (node.max === 0) return;
        const body = this.first(node.body);
        const repeats = node.max > 1;
        // A short repetition of a body without long parts (`(?:25[0-5]|1?\d?\d)\.){3}`) can only multiply
        // a small constant amount of ambiguity: it does not count as a loop. "Short" is judged on the
        // product of the nested counts, so `(?:a{1,10}){1,10}` (up to 100 repetitions) is a loop.
        const loop = repeats && node.max * repeatProduct(node.body) > SMALL_REPEAT;
        if (node.max > node.min && (body & follow) !== 0n) {
          // The repetition can either go on or stop on the same character: two ways to match.
          if (loops > 0) this.reasons.add('nested repetition that can match the same text in several ways');
          else if (node.max > SMALL_REPEAT) this.ambiguousAtTop++; // only long repetitions add a factor of n
        } else if (loops === 0 && node.max > node.min && node.max > SMALL_REPEAT && follow !== 0n) {
          // Followed by something that can fail (`$`, a literal), it gives its characters back one by one:
          // one more factor of n after a chain of ambiguous ones (^\d+\d+\d+$ is cubic, ^.*a.*b$ quadratic).
          this.givesBack = true;
        }
        this.walk(node.body, repeats ? body | follow : follow, loops + (loop ? 1 : 0));
        return;
      }
    }
  }
}

/**
 * Judges a regular expression at definition time for catastrophic backtracking. A static check by
 * parsing, so it is deterministic and costs nothing per match. It refuses:
 * - a repetition inside a repetition where the inner one can continue or stop on the same character
 *   (`(a+)+`, `(\w+\s?)*`, `(a*)*`, `(.*a){12}`): exponential;
 * - alternatives that can start with the same character inside a repetition (`(a|ab)*`, `(\w|\d)+`);
 * - backreferences;
 * - more than `maxAmbiguousRepetitions` (default 2) ambiguous repetitions in sequence (`.*a.*b.*c`),
 *   counting a last repetition that gives characters back to `$` or a literal (`^\d+\d+\d+$`):
 *   high-degree polynomial;
 * - the `g` and `y` flags (stateful `test`), and sources longer than `maxLength`.
 * Repetitions whose nested counts multiply to at most 10 (`(\.\d{1,3}){3}`) are not loops (their
 * ambiguity is a constant factor); `(?:a{1,10}){1,10}` is. Only repetitions longer than 10 count
 * towards the chain.
 * It allows one or two ambiguous repetitions outside loops (`^.*foo.*$`, quadratic at worst): keep
 * the input length bounded, as `boundedString` does. Character sets are compared on a sample alphabet
 * (ASCII, representatives of other scripts, and the non-ASCII characters the pattern names with their
 * neighbours), so overlap between two properties (`\p{…}`) outside it may be missed.
 */
export function checkPatternSafety(
  pattern: RegExp | string,
  options: PatternSafetyOptions = {},
): PatternVerdict {
  const source = typeof pattern === 'string' ? pattern : pattern.source;
  const flags = typeof pattern === 'string' ? '' : pattern.flags;
  const maxLength = options.maxLength ?? 1_000;
  const maxAmbiguous = options.maxAmbiguousRepetitions ?? 2;
  const reasons: string[] = [];
  if (source.length > maxLength) return { safe: false, reasons: [`pattern longer than ${maxLength}`] };
  if (flags.includes('g') || flags.includes('y')) reasons.push('the g and y flags make test() stateful');
  let root: Node;
  const matchFlags = flags.replace(/[gyd]/g, '');
  try {
    new RegExp(source, matchFlags);
    root = parse(source, matchFlags.includes('u') || matchFlags.includes('v'), matchFlags.includes('v'));
  } catch {
    return { safe: false, reasons: ['not a valid regular expression'] };
  }
  const analyzer = new Analyzer(matchFlags, samplesFor(source));
  analyzer.walk(root, 0n, 0);
  reasons.push(...analyzer.reasons);
  // The degree of the polynomial: each ambiguous repetition, plus a repetition that gives characters back.
  const chain = analyzer.ambiguousAtTop + (analyzer.ambiguousAtTop > 0 && analyzer.givesBack ? 1 : 0);
  if (chain > maxAmbiguous) {
    reasons.push(`${chain} ambiguous repetitions in sequence (polynomial backtracking)`);
  }
  return { safe: reasons.length === 0, reasons };
}

/**
 * Returns the pattern as a `RegExp` if {@link checkPatternSafety} accepts it; throws `ERR_UNSAFE_PATTERN`
 * (a `ConfigError`) otherwise.
 */
export function assertSafePattern(pattern: RegExp | string, options?: PatternSafetyOptions): RegExp {
  const verdict = checkPatternSafety(pattern, options);
  if (!verdict.safe) {
    throw new ConfigError('ERR_UNSAFE_PATTERN', `unsafe regular expression: ${verdict.reasons.join('; ')}`, {
      data: { reasons: [...verdict.reasons] },
    });
  }
  return typeof pattern === 'string' ? new RegExp(pattern) : pattern;
}
