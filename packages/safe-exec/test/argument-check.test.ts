import { isWardenError } from '@mcp-warden/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CommandPolicy,
  catPolicy,
  checkArguments,
  findPolicy,
  gitPolicy,
  grepPolicy,
  lsPolicy,
  rgPolicy,
  type SubcommandPolicy,
} from '../src/index.js';
import { sshPolicy, tarPolicy } from './fixtures.js';

const limits = { maxArgs: 64, maxArgLength: 4096 };

function argvOf(policy: CommandPolicy, args: readonly string[]): readonly string[] {
  return checkArguments(policy, args, limits).argv;
}

function codeOf(policy: CommandPolicy, args: readonly string[]): string {
  try {
    checkArguments(policy, args, limits);
  } catch (error) {
    if (isWardenError(error)) return error.code;
    throw error;
  }
  return 'allowed';
}

describe('checkArguments: GNU option forms', () => {
  it('normalises --flag=value, --flag value, -x value, -xvalue and bundles to canonical spellings', () => {
    const grep = grepPolicy();
    expect(argvOf(grep, ['-in', 'todo', 'a.txt'])).toEqual([
      '--ignore-case',
      '--line-number',
      '--',
      'todo',
      'a.txt',
    ]);
    expect(argvOf(grep, ['-m5', 'x'])).toEqual(['--max-count=5', '--', 'x']);
    expect(argvOf(grep, ['-m', '5', 'x'])).toEqual(['--max-count=5', '--', 'x']);
    expect(argvOf(grep, ['--max-count', '5', 'x'])).toEqual(['--max-count=5', '--', 'x']);
    expect(argvOf(grep, ['--max-count=5', 'x'])).toEqual(['--max-count=5', '--', 'x']);
    expect(argvOf(grep, ['-ie', '-dash-pattern', 'f'])).toEqual([
      '--ignore-case',
      '--regexp=-dash-pattern',
      '--',
      'f',
    ]);
  });

  it('expands unambiguous abbreviations to the full allowed name and refuses ambiguous ones', () => {
    const grep = grepPolicy();
    expect(argvOf(grep, ['--line-n', 'x'])).toEqual(['--line-number', '--', 'x']);
    expect(argvOf(grep, ['--max=3', 'x'])).toEqual(['--max-count=3', '--', 'x']);
    // --files-with-matches / --files-without-match / --file: ambiguous.
    expect(codeOf(grep, ['--fil', 'x'])).toBe('ERR_FLAG_NOT_ALLOWED');
  });

  it('refuses abbreviations of denied options (--upload-pa=, --checkpoint-act=, --compress-prog=)', () => {
    expect(codeOf(gitPolicy(), ['--upload-pa=evil', 'status'])).toBe('ERR_FLAG_NOT_ALLOWED');
    expect(codeOf(tarPolicy(), ['-tf', 'a.tar', '--checkpoint-act=exec=id'])).toBe('ERR_FLAG_NOT_ALLOWED');
    expect(codeOf(tarPolicy(), ['-tf', 'a.tar', '--use-compress-prog=id'])).toBe('ERR_FLAG_NOT_ALLOWED');
    expect(codeOf(tarPolicy(), ['-tf', 'a.tar', '--to-comm=id'])).toBe('ERR_FLAG_NOT_ALLOWED');
  });

  it('judges every short letter of a bundle, so a denied letter cannot hide in one', () => {
    expect(codeOf(sshPolicy(), ['-4oProxyCommand=id', 'host'])).toBe('ERR_FLAG_NOT_ALLOWED');
    expect(codeOf(sshPolicy(), ['-o', 'ProxyCommand=id', 'host'])).toBe('ERR_FLAG_NOT_ALLOWED');
    expect(codeOf(grepPolicy(), ['-iR', 'x', '.'])).toBe('ERR_FLAG_NOT_ALLOWED');
    expect(codeOf(lsPolicy(), ['-laL'])).toBe('ERR_FLAG_NOT_ALLOWED');
  });

  it('treats every argument starting with - as an option, even where a positional is expected', () => {
    expect(codeOf(catPolicy(), ['--', '-n'])).toBe('ERR_ARGUMENT_REJECTED');
    expect(codeOf(catPolicy(), ['-'])).toBe('ERR_FLAG_NOT_ALLOWED');
    expect(codeOf(gitPolicy(), ['log', '--', '--output=x'])).toBe('ERR_ARGUMENT_REJECTED');
    expect(codeOf(findPolicy(), ['.', '-name', '-exec'])).toBe('ERR_ARGUMENT_REJECTED');
  });

  it('refuses NUL bytes and newlines, too many arguments and too long ones', () => {
    expect(codeOf(catPolicy(), ['a\0b'])).toBe('ERR_ARGUMENT_REJECTED');
    expect(codeOf(catPolicy(), ['a\nb'])).toBe('ERR_ARGUMENT_REJECTED');
    expect(codeOf(gitPolicy(), ['log', '--grep=a\rb'])).toBe('ERR_ARGUMENT_REJECTED');
    expect(
      codeOf(
        catPolicy(),
        Array.from({ length: 65 }, () => 'a'),
      ),
    ).toBe('ERR_ARGUMENT_REJECTED');
    expect(codeOf(catPolicy(), ['a'.repeat(4097)])).toBe('ERR_ARGUMENT_REJECTED');
    expect(codeOf(catPolicy(), [42 as unknown as string])).toBe('ERR_ARGUMENT_REJECTED');
  });

  it('inserts -- before positionals and keeps options first when asked to', () => {
    expect(argvOf(catPolicy(), ['a', '-n', 'b'])).toEqual(['--number', '--', 'a', 'b']);
    expect(argvOf(lsPolicy(), [])).toEqual([]);
  });

  it('marks path positionals and path option values for the path check', () => {
    const checked = checkArguments(grepPolicy(), ['-f', 'pats', 'x', 'y'], limits);
    expect(checked.argv).toEqual(['--file=pats', '--', 'x', 'y']);
    expect(checked.paths).toEqual([
      { index: 0, prefix: '--file=' },
      { index: 2, prefix: '' },
      { index: 3, prefix: '' },
    ]);
  });

  it('reads the first operand as the pattern unless -e/-f supply it', () => {
    expect(checkArguments(grepPolicy(), ['needle', 'f'], limits).paths).toEqual([{ index: 2, prefix: '' }]);
    expect(checkArguments(grepPolicy(), ['f1', 'f2', '-e', 'x'], limits).paths).toEqual([
      { index: 2, prefix: '' },
      { index: 3, prefix: '' },
    ]);
  });

  it('accepts numeric shorthand only where the policy says so, up to its maximum', () => {
    expect(argvOf(gitPolicy(), ['log', '-3'])).toContain('-3');
    expect(codeOf(gitPolicy(), ['status', '-3'])).toBe('ERR_FLAG_NOT_ALLOWED');
    expect(codeOf(gitPolicy(), ['log', '-99999999999'])).toBe('ERR_ARGUMENT_REJECTED');
  });
});

describe('checkArguments: subcommands and value rules', () => {
  it('requires an allowed subcommand and refuses global options before it', () => {
    expect(codeOf(gitPolicy(), [])).toBe('ERR_SUBCOMMAND_NOT_ALLOWED');
    expect(codeOf(gitPolicy(), ['push'])).toBe('ERR_SUBCOMMAND_NOT_ALLOWED');
    expect(codeOf(gitPolicy(), ['__proto__'])).toBe('ERR_SUBCOMMAND_NOT_ALLOWED');
    expect(codeOf(gitPolicy(), ['stat'])).toBe('ERR_SUBCOMMAND_NOT_ALLOWED');
    expect(codeOf(gitPolicy(), ['-c', 'core.pager=id', 'log'])).toBe('ERR_FLAG_NOT_ALLOWED');
    expect(codeOf(gitPolicy(), ['-C', '/', 'log'])).toBe('ERR_FLAG_NOT_ALLOWED');
  });

  it('puts the forced safe arguments first and the subcommand after them', () => {
    const argv = argvOf(gitPolicy(), ['log', '--oneline', '-n', '2', 'HEAD', '--', 'src']);
    expect(argv.slice(-9)).toEqual([
      'log',
      '--no-ext-diff',
      '--no-textconv',
      '--ignore-submodules=all',
      '--oneline',
      '--max-count=2',
      'HEAD',
      '--',
      'src',
    ]);
    expect(argv.slice(0, 2)).toEqual(['--no-pager', '--no-optional-locks']);
  });

  it('git blame: the file goes after a --, options and the revision before it', () => {
    const tail = (args: string[]) => argvOf(gitPolicy(), args).slice(-6);
    expect(tail(['blame', 'a.txt'])).toEqual([
      'blame',
      '--no-ext-diff',
      '--no-textconv',
      '--ignore-submodules=all',
      '--',
      'a.txt',
    ]);
    expect(tail(['blame', 'HEAD~1', 'a b.txt', '-w'])).toEqual([
      '--no-textconv',
      '--ignore-submodules=all',
      '-w',
      'HEAD~1',
      '--',
      'a b.txt',
    ]);
    expect(tail(['blame', '-L', '2,+3', 'HEAD', '--', 'a.txt'])).toEqual([
      '--ignore-submodules=all',
      '-L',
      '2,+3',
      'HEAD',
      '--',
      'a.txt',
    ]);
    expect(checkArguments(gitPolicy(), ['blame', 'HEAD', 'a.txt'], limits).paths).toHaveLength(1);
    // The file is judged as a path, the revision by the revision rule.
    expect(codeOf(gitPolicy(), ['blame', 'HEAD', 'a\nb'])).toBe('ERR_ARGUMENT_REJECTED');
    expect(codeOf(gitPolicy(), ['blame', '/etc', 'a.txt'])).toBe('ERR_ARGUMENT_REJECTED');
    expect(codeOf(gitPolicy(), ['blame', 'HEAD', 'HEAD', 'a.txt'])).toBe('ERR_ARGUMENT_REJECTED');
  });

  it('git branch takes no operand, and ls-files marks every operand as a path', () => {
    expect(argvOf(gitPolicy(), ['branch', '-vv', '--merged', 'main']).slice(-4)).toEqual([
      'branch',
      '--verbose',
      '--verbose',
      '--merged=main',
    ]);
    expect(codeOf(gitPolicy(), ['branch', 'evil'])).toBe('ERR_ARGUMENT_REJECTED');
    expect(codeOf(gitPolicy(), ['branch', '--sort', '-committerdate'])).toBe('allowed');
    expect(codeOf(gitPolicy(), ['branch', '--sort=-contents:signature'])).toBe('ERR_ARGUMENT_REJECTED');
    const listed = checkArguments(gitPolicy(), ['ls-files', '-z', 'src', '--', 'b'], limits);
    expect(listed.argv.slice(-6)).toEqual(['ls-files', '--no-recurse-submodules', '-z', 'src', '--', 'b']);
    expect(listed.paths.map((path) => listed.argv[path.index])).toEqual(['src', 'b']);
  });

  it('git branch --merged/--contains alone mean HEAD (passed explicitly); anywhere else the next argument is the commit', () => {
    expect(argvOf(gitPolicy(), ['branch', '--merged']).slice(-1)).toEqual(['--merged=HEAD']);
    expect(argvOf(gitPolicy(), ['branch', '-a', '--no-contains']).slice(-2)).toEqual([
      '--all',
      '--no-contains=HEAD',
    ]);
    expect(argvOf(gitPolicy(), ['branch', '--contains', 'main']).slice(-1)).toEqual(['--contains=main']);
    // As in git, a following option is taken as the commit, and a commit never starts with -.
    expect(codeOf(gitPolicy(), ['branch', '--merged', '--all'])).toBe('ERR_ARGUMENT_REJECTED');
    expect(codeOf(gitPolicy(), ['branch', '--merged', '--'])).toBe('ERR_ARGUMENT_REJECTED');
    expect(codeOf(gitPolicy(), ['branch', '--merged', 'main', 'evil'])).toBe('ERR_ARGUMENT_REJECTED');
    // An option without that default still needs its value.
    expect(codeOf(gitPolicy(), ['branch', '--points-at'])).toBe('ERR_ARGUMENT_REJECTED');
  });

  it('applies number, enum and pattern rules to option values', () => {
    expect(codeOf(grepPolicy(), ['-m', 'x', 'p'])).toBe('ERR_ARGUMENT_REJECTED');
    expect(codeOf(grepPolicy(), ['-m', '100001', 'p'])).toBe('ERR_ARGUMENT_REJECTED');
    expect(codeOf(grepPolicy(), ['--binary-files=evil', 'p'])).toBe('ERR_ARGUMENT_REJECTED');
    expect(codeOf(findPolicy(), ['.', '-type', 'f;x'])).toBe('ERR_ARGUMENT_REJECTED');
    expect(codeOf(findPolicy(), ['.', '-mtime', '-7'])).toBe('allowed');
    expect(codeOf(findPolicy(), ['.', '-size', '+10M'])).toBe('allowed');
    expect(codeOf(gitPolicy(), ['show', 'HEAD;id'])).toBe('ERR_ARGUMENT_REJECTED');
    expect(codeOf(gitPolicy(), ['log', '--oneline=x'])).toBe('ERR_ARGUMENT_REJECTED');
  });

  it('single-dash style matches whole words only: no bundles, no =, no abbreviations', () => {
    expect(codeOf(findPolicy(), ['.', '-nam', 'x'])).toBe('ERR_FLAG_NOT_ALLOWED');
    expect(codeOf(findPolicy(), ['.', '-name=x'])).toBe('ERR_FLAG_NOT_ALLOWED');
    expect(codeOf(findPolicy(), ['.', '--name', 'x'])).toBe('ERR_FLAG_NOT_ALLOWED');
    expect(argvOf(findPolicy(), ['.', '(', '-name', '*.ts', '-o', '-name', '*.js', ')', '-print'])).toEqual([
      '.',
      '(',
      '-name',
      '*.ts',
      '-o',
      '-name',
      '*.js',
      ')',
      '-print',
    ]);
  });
});

/**
 * Every option spelling a policy allows, as its canonical name and value kind: at the command level
 * and in `subcommand` when one is named, else at every level.
 */
function allowedCanonicals(policy: CommandPolicy, subcommand?: string): Map<string, string> {
  const out = new Map<string, string>();
  const levels =
    subcommand === undefined
      ? [policy, ...Object.values(policy.subcommands ?? {})]
      : [policy, policy.subcommands![subcommand]!];
  for (const level of levels) {
    for (const [name, option] of Object.entries(level.options ?? {})) out.set(name, option.value ?? 'none');
  }
  return out;
}

function optionsOf(policy: CommandPolicy): string[] {
  const names: string[] = [];
  for (const level of [policy, ...Object.values(policy.subcommands ?? {})]) {
    for (const [name, option] of Object.entries(level.options ?? {}))
      names.push(name, ...(option.aliases ?? []));
  }
  return names;
}

/**
 * Reads the argv the program would get, as the program would, and returns every option it would
 * act on. Values of options that take one are skipped, as getopt and find do.
 */
function optionsTheProgramSees(
  policy: CommandPolicy,
  argv: readonly string[],
  allowed = allowedCanonicals(policy),
): string[] {
  const seen: string[] = [];
  const forced = new Set([
    ...(policy.forcedArgs ?? []),
    ...Object.values(policy.subcommands ?? {}).flatMap((s) => s.forcedArgs ?? []),
  ]);
  let skipNext = false;
  let afterSeparator = false;
  for (const token of argv) {
    if (skipNext) {
      skipNext = false;
      continue;
    }
    if (afterSeparator) continue;
    if (token === '--') {
      afterSeparator = policy.optionStyle !== 'single-dash';
      continue;
    }
    if (!token.startsWith('-') || forced.has(token) || /^-\d+$/.test(token)) continue;
    const name = token.startsWith('--') ? (token.split('=', 1)[0] ?? token) : token;
    seen.push(name);
    if (!token.includes('=') && allowed.get(name) === 'required') skipNext = true;
  }
  return seen;
}

const policies: Record<string, CommandPolicy> = {
  git: gitPolicy(),
  grep: grepPolicy(),
  rg: rgPolicy(),
  find: findPolicy(),
  ls: lsPolicy(),
  cat: catPolicy(),
  tar: tarPolicy(),
  ssh: sshPolicy(),
};

describe('fast-check: random argument vectors never get a denied flag past the policy', () => {
  for (const [name, policy] of Object.entries(policies)) {
    it(`${name}: every option the program would see is an allowed canonical option`, () => {
      const known = [...optionsOf(policy), ...(policy.dangerousOptions ?? [])];
      const subcommands = Object.keys(policy.subcommands ?? {});
      const noise = fc.oneof(
        fc.constantFrom(...known),
        fc
          .constantFrom(...known)
          .chain((option) =>
            fc
              .nat({ max: Math.max(1, option.length - 2) })
              .map((cut) => option.slice(0, option.length - cut)),
          ),
        fc.tuple(fc.constantFrom(...known), fc.string({ maxLength: 12 })).map(([o, v]) => `${o}=${v}`),
        fc.stringMatching(/^-[A-Za-z0-9.]{1,5}$/),
        fc.stringMatching(/^--?[a-z-]{1,12}(=[a-z=]{0,6})?$/),
        fc.constantFrom('--', '-', '(', '!', ';', '$(id)', 'HEAD', 'x', '5', 'a\nb', 'a\0b', ...subcommands),
        fc.string({ maxLength: 16 }),
      );
      // Valid units (an allowed spelling, with a value when it needs one) so many vectors pass:
      // mostly those of the chosen subcommand, so every subcommand gets accepted vectors too.
      const unitsOf = (level: CommandPolicy | SubcommandPolicy): string[][] =>
        Object.entries(level.options ?? {}).flatMap(([option, spec]) =>
          [option, ...(spec.aliases ?? [])].map((spelling) =>
            spec.value === 'required'
              ? [spelling, sampleValue(spec.rule?.type ?? 'text', spec.rule)]
              : [spelling],
          ),
        );
      const units = [policy, ...Object.values(policy.subcommands ?? {})].flatMap(unitsOf);
      const vectorOf = (sub: string | undefined) => {
        const own = sub === undefined ? units : unitsOf(policy.subcommands![sub]!);
        const unit = fc.oneof(
          { weight: 3, arbitrary: fc.constantFrom(...(own.length > 0 ? own : units)) },
          { weight: 1, arbitrary: fc.constantFrom(...units) },
          { weight: 1, arbitrary: noise.map((token) => [token]) },
        );
        return fc
          .tuple(
            fc.array(unit, { maxLength: 6 }),
            fc.array(fc.constantFrom('HEAD', 'src', 'a.txt', 'example.org'), { maxLength: 1 }),
          )
          .map(([parts, tail]) => [...(sub === undefined ? [] : [sub]), ...parts.flat(), ...tail]);
      };
      const vector =
        subcommands.length > 0 ? fc.constantFrom(...subcommands).chain(vectorOf) : vectorOf(undefined);
      let acceptedWithOptions = 0;
      const acceptedBySubcommand = new Map<string, number>();
      fc.assert(
        fc.property(fc.oneof(vector, fc.array(noise, { maxLength: 10 })), (args) => {
          let checked: ReturnType<typeof checkArguments>;
          try {
            checked = checkArguments(policy, args, limits);
          } catch (error) {
            expect(isWardenError(error)).toBe(true);
            return;
          }
          const argv = checked.argv;
          if (args.some((arg) => arg.startsWith('-'))) {
            acceptedWithOptions++;
            const sub = checked.subcommand ?? '';
            acceptedBySubcommand.set(sub, (acceptedBySubcommand.get(sub) ?? 0) + 1);
          }
          // Only the options of the level that ran: one subcommand's option is no other's.
          const allowed = allowedCanonicals(policy, checked.subcommand);
          for (const option of optionsTheProgramSees(policy, argv, allowed)) {
            expect(allowed.has(option), `${option} reached the program from ${JSON.stringify(args)}`).toBe(
              true,
            );
            expect(policy.dangerousOptions ?? []).not.toContain(option);
          }
          for (const item of argv) {
            expect(item).not.toMatch(/[\0\n\r]/);
          }
        }),
        { numRuns: 600 },
      );
      // The property must also have exercised accepted vectors, not only denials, in every subcommand.
      expect(acceptedWithOptions).toBeGreaterThan(10);
      for (const sub of subcommands) {
        expect(acceptedBySubcommand.get(sub) ?? 0, `accepted ${name} ${sub} vectors`).toBeGreaterThan(0);
      }
    });
  }

  it('the oracle itself flags an unnormalised or denied option (so the property can fail)', () => {
    const git = gitPolicy();
    const allowed = allowedCanonicals(git);
    expect(optionsTheProgramSees(git, ['log', '--upload-pa=x']).every((o) => allowed.has(o))).toBe(false);
    expect(
      optionsTheProgramSees(grepPolicy(), ['-iR', 'x']).every((o) => allowedCanonicals(grepPolicy()).has(o)),
    ).toBe(false);
    expect(optionsTheProgramSees(grepPolicy(), ['--regexp', '-R'])).toEqual(['--regexp']);
  });

  it('every allowed option alone (with a valid value) is accepted: the policy does not over-block its own list', () => {
    for (const [name, policy] of Object.entries(policies)) {
      for (const level of [policy, ...Object.values(policy.subcommands ?? {})]) {
        const prefix =
          level === policy ? [] : [Object.entries(policy.subcommands ?? {}).find(([, s]) => s === level)![0]];
        for (const [option, spec] of Object.entries(level.options ?? {})) {
          const args =
            spec.value === 'required'
              ? [option, sampleValue(spec.rule?.type ?? 'text', spec.rule)]
              : [option];
          const start = policy.subcommands !== undefined && level === policy ? [] : prefix;
          const withTarget =
            policy.subcommands !== undefined && level === policy ? [...args, 'status'] : args;
          expect(codeOf(policy, [...start, ...withTarget]), `${name} ${option}`).toBe('allowed');
        }
      }
    }
  });
});

function sampleValue(type: string, rule: unknown): string {
  if (type === 'number') return '3';
  if (type === 'enum') return (rule as { values: string[] }).values[0]!;
  if (type === 'path') return 'some/file';
  if (type === 'pattern') {
    for (const candidate of ['HEAD', '5', 'f', '10', 'iso', 'A', 'M', 'root', '644', 'ts', '100K', '+%H']) {
      if (new RegExp(`^(?:${(rule as { pattern: string }).pattern})$`).test(candidate)) return candidate;
    }
  }
  return 'value';
}
