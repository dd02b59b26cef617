import { ExecError } from '@mcp-warden/core';
import { judgeValue } from './argument-rule.js';
import type { ArgumentRule, ArgumentSpec, CommandPolicy, OptionSpec } from './policy.js';

/** Limits the checker applies when the command names none. */
export interface ArgumentLimits {
  readonly maxArgs: number;
  readonly maxArgLength: number;
}

/** The argv a checked call runs with, and which of its entries are paths awaiting the path check. */
export interface CheckedArguments {
  /** Exactly what the program receives (forced arguments and canonical option spellings included). */
  readonly argv: readonly string[];
  readonly subcommand: string | undefined;
  /** Entries of `argv` holding a path that must pass the executor's path check. */
  readonly paths: readonly PathReference[];
}

/** An `argv` entry holding a path: `argv[index]` is `prefix` + the path (`--file=` or empty). */
export interface PathReference {
  readonly index: number;
  readonly prefix: string;
}

const TEXT_RULE: ArgumentRule = { type: 'text' };
const DEFAULT_MAX_POSITIONALS = 16;

/** Why a flag was refused; `malicious` when it names one of the command's `dangerousOptions`. */
function flagDenied(flag: string, reason: string, malicious: boolean): ExecError {
  const shown = flag.length > 64 ? `${flag.slice(0, 64)}…` : flag;
  return new ExecError('ERR_FLAG_NOT_ALLOWED', `option ${JSON.stringify(shown)} is not allowed`, {
    data: { flag: shown, reason },
    detail: { malicious },
  });
}

function argumentRejected(reason: string, malicious = false): ExecError {
  return new ExecError('ERR_ARGUMENT_REJECTED', `argument rejected: ${reason}`, {
    data: { reason },
    detail: { malicious },
  });
}

interface OptionTable {
  /** Every spelling (canonical and aliases) to its canonical name and spec. */
  readonly bySpelling: ReadonlyMap<string, { readonly canonical: string; readonly spec: OptionSpec }>;
  /** Long spellings (`--x`), for abbreviation lookup. */
  readonly longSpellings: readonly string[];
}

const tables = new WeakMap<ArgumentSpec, OptionTable>();

function optionTable(spec: ArgumentSpec): OptionTable {
  let table = tables.get(spec);
  if (table !== undefined) return table;
  const bySpelling = new Map<string, { canonical: string; spec: OptionSpec }>();
  for (const [canonical, option] of Object.entries(spec.options ?? {})) {
    bySpelling.set(canonical, { canonical, spec: option });
    for (const alias of option.aliases ?? []) bySpelling.set(alias, { canonical, spec: option });
  }
  table = { bySpelling, longSpellings: [...bySpelling.keys()].filter((name) => name.startsWith('--')) };
  tables.set(spec, table);
  return table;
}

/** True when `flag` (a full spelling, or a GNU abbreviation of one) names a dangerous option. */
function isDangerous(flag: string, command: CommandPolicy): boolean {
  const dangerous = command.dangerousOptions ?? [];
  if (dangerous.length === 0) return false;
  const name = flag.split('=', 1)[0] ?? flag;
  return dangerous.some(
    (known) =>
      known === name ||
      (name.startsWith('--') && name.length > 2 && known.startsWith(name)) ||
      // A GNU short bundle such as `-xc` may hide a dangerous `-c`.
      ((command.optionStyle ?? 'gnu') === 'gnu' &&
        /^-[^-]/.test(name) &&
        known.length === 2 &&
        name.includes(known[1]!)),
  );
}

class Walker {
  readonly argv: string[] = [];
  readonly paths: PathReference[] = [];
  constructor(
    readonly command: CommandPolicy,
    readonly maxArgLength: number,
  ) {}

  /** Pushes a value onto the argv, judged by `rule`; records it when it is a path. */
  value(rule: ArgumentRule, value: string, what: string, prefix = ''): void {
    if (judgeValue(rule, value, what, this.maxArgLength)) {
      this.paths.push({ index: this.argv.length, prefix });
    }
    this.argv.push(`${prefix}${value}`);
  }
}

interface LevelResult {
  /** Index of the first argument the level did not consume (a subcommand name), or args.length. */
  readonly next: number;
}

/** A positional seen during the walk, judged at the end once every option is known. */
interface PendingPositional {
  readonly value: string;
  /** Its place in the argv when emitted in place; undefined when it goes after every option. */
  readonly slot: number | undefined;
}

/**
 * Walks the arguments of one level. With `stopAtPositional` (command level of a command with
 * subcommands) it stops at the first non-option, which the caller reads as the subcommand.
 */
function walkLevel(
  walker: Walker,
  spec: ArgumentSpec,
  args: readonly string[],
  start: number,
  stopAtPositional: boolean,
): LevelResult {
  const command = walker.command;
  const style = command.optionStyle ?? 'gnu';
  const abbreviations = command.abbreviations ?? style === 'gnu';
  const table = optionTable(spec);
  const literals = spec.literals ?? [];
  const maxPositionals = spec.maxPositionals ?? DEFAULT_MAX_POSITIONALS;
  const separate = spec.insertSeparator === true;
  // git blame's `[<rev>] <file>`: with no `--` from the caller, the last positional is read as if
  // one came before it (judged by `afterSeparator`). Positionals then all go after the options.
  const lastAfterSeparator =
    spec.lastPositionalAfterSeparator === true && spec.afterSeparator !== undefined && !separate;
  const pending: PendingPositional[] = [];
  const seen = new Set<string>();
  let tail: string[] | undefined;

  for (const forced of spec.forcedArgs ?? []) walker.argv.push(forced);

  const takePositional = (value: string): void => {
    if (spec.positionals === undefined && spec.firstPositional === undefined) {
      throw argumentRejected('positional arguments are not allowed');
    }
    if (pending.length >= maxPositionals) throw argumentRejected('too many positional arguments');
    if (separate || lastAfterSeparator) {
      pending.push({ value, slot: undefined });
    } else {
      pending.push({ value, slot: walker.argv.length });
      walker.argv.push(value);
    }
  };

  let index = start;
  while (index < args.length) {
    const arg = args[index]!;
    if (arg === '--') {
      if (spec.afterSeparator !== undefined) {
        tail = args.slice(index + 1);
        break;
      }
      if (!separate) throw flagDenied('--', 'separator not allowed here', false);
      for (const item of args.slice(index + 1)) takePositional(item);
      break;
    }
    if (literals.includes(arg)) {
      walker.argv.push(arg);
      index++;
      continue;
    }
    if (arg === '-') throw flagDenied('-', 'stdin marker not allowed', false);
    if (!arg.startsWith('-')) {
      if (stopAtPositional) return { next: index };
      takePositional(arg);
      index++;
      continue;
    }
    if (spec.numericOption !== undefined && /^-\d+$/.test(arg)) {
      if (arg.length > 11 || Number(arg.slice(1)) > spec.numericOption.max) {
        throw argumentRejected('number out of range');
      }
      walker.argv.push(arg);
      index++;
      continue;
    }
    index =
      style === 'single-dash' ? singleDash(walker, table, args, index) : gnu(walker, table, args, index);
  }

  if (lastAfterSeparator && tail === undefined && pending.length > 0) tail = [pending.pop()!.value];
  // Judge the positionals now that every option is known (grep's `-e` may follow its files).
  const suppressed = (spec.firstPositionalUnless ?? []).some((name) => seen.has(name));
  const firstRule = spec.firstPositional !== undefined && !suppressed ? spec.firstPositional : undefined;
  if (separate && pending.length > 0) walker.argv.push('--');
  pending.forEach((positional, position) => {
    const rule = position === 0 && firstRule !== undefined ? firstRule : spec.positionals;
    if (rule === undefined) throw argumentRejected('positional arguments are not allowed');
    const slot = positional.slot ?? walker.argv.length;
    if (judgeValue(rule, positional.value, 'positional argument', walker.maxArgLength)) {
      walker.paths.push({ index: slot, prefix: '' });
    }
    if (positional.slot === undefined) walker.argv.push(positional.value);
  });
  if (tail !== undefined) {
    if (pending.length + tail.length > maxPositionals)
      throw argumentRejected('too many positional arguments');
    walker.argv.push('--');
    for (const item of tail) walker.value(spec.afterSeparator!, item, 'argument after --');
  }
  return { next: args.length };

  function gnu(w: Walker, t: OptionTable, all: readonly string[], at: number): number {
    const arg = all[at]!;
    if (arg.startsWith('--')) {
      const equals = arg.indexOf('=');
      const name = equals === -1 ? arg : arg.slice(0, equals);
      const inline = equals === -1 ? undefined : arg.slice(equals + 1);
      let entry = t.bySpelling.get(name);
      if (entry === undefined) {
        if (!abbreviations || name.length <= 2)
          throw flagDenied(name, 'not allowed', isDangerous(name, command));
        const canonicals = new Set(
          t.longSpellings
            .filter((spelling) => spelling.startsWith(name))
            .map((s) => t.bySpelling.get(s)!.canonical),
        );
        const only = canonicals.size === 1 ? [...canonicals][0]! : undefined;
        if (only === undefined) {
          throw flagDenied(
            name,
            canonicals.size === 0 ? 'not allowed' : 'ambiguous abbreviation',
            isDangerous(name, command),
          );
        }
        entry = t.bySpelling.get(only)!;
      }
      seen.add(entry.canonical);
      const kind = entry.spec.value ?? 'none';
      const rule = entry.spec.rule ?? TEXT_RULE;
      const what = `value of ${entry.canonical}`;
      if (kind === 'none') {
        if (inline !== undefined) throw argumentRejected(`${entry.canonical} takes no value`);
        w.argv.push(entry.canonical);
        return at + 1;
      }
      if (inline !== undefined) {
        emitOptionValue(w, entry.canonical, rule, inline, what, kind);
        return at + 1;
      }
      if (kind === 'optional') {
        w.argv.push(entry.canonical);
        return at + 1;
      }
      const next = all[at + 1] ?? entry.spec.valueWhenLast;
      if (next === undefined) throw argumentRejected(`${entry.canonical} needs a value`);
      emitOptionValue(w, entry.canonical, rule, next, what, 'required');
      return at + 2;
    }
    // A short option or a bundle of them: `-abc`, `-n5`, `-n 5`.
    for (let offset = 1; offset < arg.length; offset++) {
      const letter = `-${arg[offset]}`;
      const entry = t.bySpelling.get(letter);
      if (entry === undefined) throw flagDenied(letter, 'not allowed', isDangerous(letter, command));
      seen.add(entry.canonical);
      const kind = entry.spec.value ?? 'none';
      if (kind === 'none') {
        w.argv.push(entry.canonical);
        continue;
      }
      const rule = entry.spec.rule ?? TEXT_RULE;
      const what = `value of ${entry.canonical}`;
      const attached = arg.slice(offset + 1);
      if (attached.length > 0) {
        emitOptionValue(w, entry.canonical, rule, attached, what, kind);
        return at + 1;
      }
      if (kind === 'optional') {
        w.argv.push(entry.canonical);
        return at + 1;
      }
      const next = all[at + 1] ?? entry.spec.valueWhenLast;
      if (next === undefined) throw argumentRejected(`${entry.canonical} needs a value`);
      emitOptionValue(w, entry.canonical, rule, next, what, 'required');
      return at + 2;
    }
    return at + 1;
  }

  function singleDash(w: Walker, t: OptionTable, all: readonly string[], at: number): number {
    const arg = all[at]!;
    const entry = t.bySpelling.get(arg);
    if (entry === undefined) throw flagDenied(arg, 'not allowed', isDangerous(arg, command));
    seen.add(entry.canonical);
    w.argv.push(entry.canonical);
    const kind = entry.spec.value ?? 'none';
    if (kind === 'none') return at + 1;
    const next = all[at + 1] ?? entry.spec.valueWhenLast;
    if (next === undefined) throw argumentRejected(`${entry.canonical} needs a value`);
    w.value(entry.spec.rule ?? TEXT_RULE, next, `value of ${entry.canonical}`);
    return at + 2;
  }
}

/**
 * Emits an option with its value in one unambiguous form: `--long=value` for long options; for
 * short ones `-x` followed by the value as its own argument when the value is required (getopt
 * always consumes it), attached (`-xvalue`) when it is optional: getopt takes an optional value
 * only attached, so a separate one would reach the program as an operand nobody judged as one.
 */
function emitOptionValue(
  w: Walker,
  canonical: string,
  rule: ArgumentRule,
  value: string,
  what: string,
  kind: 'required' | 'optional',
): void {
  if (canonical.startsWith('--')) {
    w.value(rule, value, what, `${canonical}=`);
    return;
  }
  if (kind === 'optional') {
    w.value(rule, value, what, canonical);
    return;
  }
  w.argv.push(canonical);
  w.value(rule, value, what);
}

/**
 * Checks a caller's arguments against a command's policy and returns the argv to run. Pure: no I/O
 * (paths are only marked; the executor runs the path check). Throws `ExecError` with
 * `ERR_SUBCOMMAND_NOT_ALLOWED`, `ERR_FLAG_NOT_ALLOWED` or `ERR_ARGUMENT_REJECTED`.
 */
export function checkArguments(
  command: CommandPolicy,
  args: readonly unknown[],
  limits: ArgumentLimits,
): CheckedArguments {
  const maxArgs = command.maxArgs ?? limits.maxArgs;
  const maxArgLength = command.maxArgLength ?? limits.maxArgLength;
  if (!Array.isArray(args)) throw argumentRejected('arguments must be an array of strings');
  if (args.length > maxArgs) throw argumentRejected('too many arguments');
  for (const arg of args) {
    if (typeof arg !== 'string') throw argumentRejected('arguments must be strings');
    if (arg.length > maxArgLength) throw argumentRejected('argument too long');
    if (arg.includes('\0')) throw argumentRejected('argument contains NUL', true);
  }
  const strings = args as readonly string[];
  const walker = new Walker(command, maxArgLength);
  if (command.subcommands === undefined) {
    walkLevel(walker, command, strings, 0, false);
    return { argv: walker.argv, subcommand: undefined, paths: walker.paths };
  }
  const { next } = walkLevel(walker, command, strings, 0, true);
  const name = strings[next];
  if (name === undefined) {
    throw new ExecError('ERR_SUBCOMMAND_NOT_ALLOWED', 'a subcommand is required', {
      data: { reason: 'missing' },
    });
  }
  const sub = Object.hasOwn(command.subcommands, name) ? command.subcommands[name] : undefined;
  if (sub === undefined) {
    const shown = name.length > 64 ? `${name.slice(0, 64)}…` : name;
    throw new ExecError('ERR_SUBCOMMAND_NOT_ALLOWED', `subcommand ${JSON.stringify(shown)} is not allowed`, {
      data: { subcommand: shown, reason: 'not allowed' },
    });
  }
  walker.argv.push(name);
  walkLevel(walker, sub, strings, next + 1, false);
  return { argv: walker.argv, subcommand: name, paths: walker.paths };
}
