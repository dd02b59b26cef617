import { ConfigError } from '@mcp-warden/core';
import { judgeValue } from './argument-rule.js';
import type { ArgumentSpec, ExecPolicy, OptionSpec } from './policy.js';

/** One thing wrong with a policy: where (`commands.git.subcommands.log.options.--format`) and why. */
export interface PolicyProblem {
  readonly path: string;
  readonly reason: string;
}

type Shape = (value: unknown, path: string, problems: PolicyProblem[]) => void;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function object(fields: Readonly<Record<string, Shape>>, required: readonly string[] = []): Shape {
  return (value, path, problems) => {
    if (!isRecord(value)) {
      problems.push({ path, reason: 'must be an object' });
      return;
    }
    for (const key of required) {
      if (value[key] === undefined) problems.push({ path: join(path, key), reason: 'is required' });
    }
    for (const [key, field] of Object.entries(value)) {
      const shape = Object.hasOwn(fields, key) ? fields[key] : undefined;
      // Unknown keys fail closed: a misspelt limit must not silently fall back to a default.
      if (shape === undefined) problems.push({ path: join(path, key), reason: 'unknown key' });
      else if (field !== undefined) shape(field, join(path, key), problems);
    }
  };
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function record(inner: Shape, keyCheck?: (key: string) => string | undefined): Shape {
  return (value, path, problems) => {
    if (!isRecord(value)) {
      problems.push({ path, reason: 'must be an object' });
      return;
    }
    for (const [key, field] of Object.entries(value)) {
      const keyProblem = keyCheck?.(key);
      if (keyProblem !== undefined) problems.push({ path: join(path, key), reason: keyProblem });
      inner(field, join(path, key), problems);
    }
  };
}

const string: Shape = (value, path, problems) => {
  if (typeof value !== 'string') problems.push({ path, reason: 'must be a string' });
  else if (value.includes('\0')) problems.push({ path, reason: 'must not contain NUL' });
};

const boolean: Shape = (value, path, problems) => {
  if (typeof value !== 'boolean') problems.push({ path, reason: 'must be a boolean' });
};

function integer(min: number, max: number): Shape {
  return (value, path, problems) => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      problems.push({ path, reason: `must be an integer from ${min} to ${max}` });
    }
  };
}

function oneOf(values: readonly string[]): Shape {
  return (value, path, problems) => {
    if (typeof value !== 'string' || !values.includes(value)) {
      problems.push({ path, reason: `must be one of ${values.join(', ')}` });
    }
  };
}

function list(inner: Shape, max = 1000): Shape {
  return (value, path, problems) => {
    if (!Array.isArray(value)) {
      problems.push({ path, reason: 'must be an array' });
      return;
    }
    if (value.length > max) problems.push({ path, reason: `must have at most ${max} items` });
    value.forEach((item, index) => {
      inner(item, `${path}[${index}]`, problems);
    });
  };
}

const BIG = 2 ** 31 - 1;

const rule: Shape = (value, path, problems) => {
  if (!isRecord(value)) {
    problems.push({ path, reason: 'must be an object' });
    return;
  }
  switch (value.type) {
    case 'text':
      object({
        type: string,
        maxLength: integer(0, BIG),
        allowLeadingDash: boolean,
        allowNewlines: boolean,
      })(value, path, problems);
      return;
    case 'pattern':
      object({ type: string, pattern: string, flags: string, allowLeadingDash: boolean }, ['pattern'])(
        value,
        path,
        problems,
      );
      if (typeof value.pattern === 'string') {
        try {
          new RegExp(`^(?:${value.pattern})$`, typeof value.flags === 'string' ? value.flags : '');
        } catch {
          problems.push({ path: join(path, 'pattern'), reason: 'is not a valid regular expression' });
        }
      }
      if (typeof value.flags === 'string' && /[gy]/.test(value.flags)) {
        problems.push({ path: join(path, 'flags'), reason: 'g and y would make matching stateful' });
      }
      return;
    case 'number':
      object({ type: string, min: integer(0, BIG), max: integer(0, BIG), signed: boolean })(
        value,
        path,
        problems,
      );
      return;
    case 'path':
      object({ type: string })(value, path, problems);
      return;
    case 'enum':
      object({ type: string, values: list(string) }, ['values'])(value, path, problems);
      return;
    default:
      problems.push({ path: join(path, 'type'), reason: 'must be text, pattern, number, path or enum' });
  }
};

function optionName(key: string): string | undefined {
  if (/^--[A-Za-z0-9][A-Za-z0-9._-]*$/.test(key)) return undefined;
  if (/^-[A-Za-z0-9][A-Za-z0-9._-]*$/.test(key) || /^-[!-,./:-~]$/.test(key)) return undefined;
  return 'must be an option name such as --long, -s or -word';
}

const optionSpec: Shape = object({
  aliases: list((value, path, problems) => {
    string(value, path, problems);
    if (typeof value === 'string') {
      const problem = optionName(value);
      if (problem !== undefined) problems.push({ path, reason: problem });
    }
  }),
  value: oneOf(['none', 'required', 'optional']),
  valueWhenLast: string,
  rule,
});

const argumentFields: Readonly<Record<string, Shape>> = {
  options: record(optionSpec, optionName),
  positionals: rule,
  firstPositional: rule,
  firstPositionalUnless: list(string),
  maxPositionals: integer(0, 10_000),
  afterSeparator: rule,
  lastPositionalAfterSeparator: boolean,
  literals: list((value, path, problems) => {
    string(value, path, problems);
    if (typeof value === 'string' && (value.startsWith('-') || value === '')) {
      problems.push({ path, reason: 'a literal must not be empty or start with -' });
    }
  }),
  numericOption: object({ max: integer(0, BIG) }, ['max']),
  insertSeparator: boolean,
  forcedArgs: list(string),
};

const commandPolicy: Shape = object(
  {
    ...argumentFields,
    executable: string,
    optionStyle: oneOf(['gnu', 'single-dash']),
    abbreviations: boolean,
    subcommands: record(object(argumentFields), (key) =>
      key.startsWith('-') || key === '' ? 'a subcommand must not be empty or start with -' : undefined,
    ),
    dangerousOptions: list(string),
    env: record(string, envName),
    maxArgs: integer(0, 10_000),
    maxArgLength: integer(1, 1024 * 1024),
    preflight: oneOf(['git']),
    allowedRepositoryConfig: list(string),
    insecureAllowBatchFiles: boolean,
    insecureAllowShell: boolean,
  },
  ['executable'],
);

function envName(key: string): string | undefined {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) return 'must be a valid environment variable name';
  // Loader variables inject code into every child whatever the arguments say; so does GCONV_PATH
  // (glibc loads the charset converters it names as shared objects, e.g. for git's iconv).
  if (/^(LD_|DYLD_)/.test(key) || key === 'GCONV_PATH') {
    return 'loader variables (LD_*, DYLD_*, GCONV_PATH) are not allowed';
  }
  return undefined;
}

const execPolicy: Shape = object(
  {
    commands: record(commandPolicy),
    cwd: (value, path, problems) => {
      string(value, path, problems);
      if (typeof value === 'string' && !value.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(value)) {
        problems.push({ path, reason: 'must be an absolute path' });
      }
    },
    env: object({
      inherit: list((value, path, problems) => {
        string(value, path, problems);
        if (typeof value === 'string') {
          const problem = envName(value);
          if (problem !== undefined) problems.push({ path, reason: problem });
        }
      }),
      set: record(string, envName),
    }),
    timeoutMs: integer(1, 24 * 60 * 60 * 1000),
    killGraceMs: integer(0, 60_000),
    maxStdoutBytes: integer(0, 2 ** 30),
    maxStderrBytes: integer(0, 2 ** 30),
    maxStdinBytes: integer(0, 2 ** 30),
    maxConcurrent: integer(1, 1024),
    maxArgs: integer(0, 10_000),
    maxArgLength: integer(1, 1024 * 1024),
    logArguments: boolean,
  },
  ['commands'],
);

/** Every problem with a candidate policy (empty when it is valid). */
export function policyProblems(value: unknown): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  execPolicy(value, '', problems);
  if (problems.length === 0) crossChecks(value as ExecPolicy, problems);
  return problems;
}

/**
 * Checks across fields: one spelling names one option; `firstPositionalUnless` names real options;
 * `lastPositionalAfterSeparator` has an `afterSeparator` rule and no `insertSeparator`.
 */
function crossChecks(policy: ExecPolicy, problems: PolicyProblem[]): void {
  for (const [name, command] of Object.entries(policy.commands)) {
    const levels: [string, ArgumentSpec][] = [[`commands.${name}`, command]];
    for (const [sub, spec] of Object.entries(command.subcommands ?? {})) {
      levels.push([`commands.${name}.subcommands.${sub}`, spec]);
    }
    for (const [path, level] of levels) {
      const owner = new Map<string, string>();
      for (const [option, spec] of Object.entries(level.options ?? {})) {
        for (const spelling of [option, ...(spec.aliases ?? [])]) {
          const previous = owner.get(spelling);
          if (previous !== undefined && previous !== option) {
            problems.push({
              path: `${path}.options.${option}`,
              reason: `${spelling} already names ${previous}`,
            });
          }
          owner.set(spelling, option);
        }
        if (spec.valueWhenLast !== undefined)
          valueWhenLastProblems(`${path}.options.${option}`, spec, problems);
      }
      if (level.lastPositionalAfterSeparator === true) {
        if (level.afterSeparator === undefined) {
          problems.push({ path: `${path}.lastPositionalAfterSeparator`, reason: 'needs afterSeparator' });
        }
        if (level.insertSeparator === true) {
          problems.push({
            path: `${path}.lastPositionalAfterSeparator`,
            reason: 'cannot be combined with insertSeparator',
          });
        }
      }
      for (const option of level.firstPositionalUnless ?? []) {
        if (!Object.hasOwn(level.options ?? {}, option)) {
          problems.push({
            path: `${path}.firstPositionalUnless`,
            reason: `${option} is not an option of this level`,
          });
        }
      }
    }
  }
}

/** `valueWhenLast` belongs to an option with a required value, and its own rule must accept it. */
function valueWhenLastProblems(path: string, spec: OptionSpec, problems: PolicyProblem[]): void {
  if (spec.value !== 'required') {
    problems.push({ path: `${path}.valueWhenLast`, reason: "needs value: 'required'" });
    return;
  }
  try {
    judgeValue(spec.rule ?? { type: 'text' }, spec.valueWhenLast!, 'valueWhenLast', Number.MAX_SAFE_INTEGER);
  } catch (error) {
    const reason = (error as { data?: { reason?: string } }).data?.reason ?? 'rejected';
    problems.push({ path: `${path}.valueWhenLast`, reason: `is refused by its rule (${reason})` });
  }
}

/**
 * Validates a policy (e.g. parsed from a JSON config file) and returns it typed. Throws
 * `ConfigError` `ERR_INVALID_EXEC_POLICY` listing every problem in `data.problems`.
 */
export function parseExecPolicy(value: unknown): ExecPolicy {
  const problems = policyProblems(value);
  if (problems.length > 0) {
    const shown = problems
      .slice(0, 3)
      .map((problem) => `${problem.path || '(policy)'} ${problem.reason}`)
      .join('; ');
    const more = problems.length > 3 ? ` (and ${problems.length - 3} more)` : '';
    throw new ConfigError('ERR_INVALID_EXEC_POLICY', `invalid exec policy: ${shown}${more}`, {
      data: { problems: problems.map((problem) => ({ path: problem.path, reason: problem.reason })) },
    });
  }
  // A private frozen copy: changing the caller's object afterwards cannot change what was checked.
  return deepFreeze(structuredClone(value)) as ExecPolicy;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
