import { isWardenError } from '@mcp-warden/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  catPolicy,
  createExecutor,
  findPolicy,
  gitPolicy,
  grepPolicy,
  lsPolicy,
  parseExecPolicy,
  policyProblems,
  READY_MADE_POLICIES,
  rgPolicy,
} from '../src/index.js';

describe('parseExecPolicy', () => {
  it('accepts every ready-made policy, also after a JSON round trip (as from a config file)', () => {
    const policy = {
      cwd: '/srv/work',
      timeoutMs: 5000,
      env: { inherit: ['LANG'], set: { PATH: '/usr/bin:/bin' } },
      commands: {
        git: gitPolicy(),
        ls: lsPolicy(),
        cat: catPolicy(),
        grep: grepPolicy(),
        find: findPolicy(),
        rg: rgPolicy(),
      },
    };
    expect(policyProblems(policy)).toEqual([]);
    expect(policyProblems(JSON.parse(JSON.stringify(policy)))).toEqual([]);
  });

  it('READY_MADE_POLICIES maps each name to its policy function', () => {
    expect(Object.keys(READY_MADE_POLICIES).sort()).toEqual(['cat', 'find', 'git', 'grep', 'ls', 'rg']);
    expect(READY_MADE_POLICIES.git({ executable: '/usr/bin/git' }).executable).toBe('/usr/bin/git');
    for (const make of Object.values(READY_MADE_POLICIES)) {
      expect(policyProblems({ commands: { x: make() } })).toEqual([]);
    }
  });

  it('lists every problem at once, with where and why, under one code', () => {
    let caught: unknown;
    try {
      parseExecPolicy({
        timeoutMs: -1,
        maxStdoutBytes: 'lots',
        commands: {
          x: { executable: 'x', options: { 'no-dash': {} }, positionals: { type: 'regex' } },
          y: { optionz: {} },
          z: { executable: 'z', positionals: { type: 'pattern', pattern: '(' } },
        },
        extra: true,
      });
    } catch (error) {
      caught = error;
    }
    expect(isWardenError(caught)).toBe(true);
    const error = caught as {
      code: string;
      kind: string;
      data: { problems: { path: string; reason: string }[] };
    };
    expect(error.code).toBe('ERR_INVALID_EXEC_POLICY');
    expect(error.kind).toBe('config');
    expect(error.data.problems.map((problem) => problem.path).sort()).toEqual(
      [
        'commands.x.options.no-dash',
        'commands.x.positionals.type',
        'commands.y.executable',
        'commands.y.optionz',
        'commands.z.positionals.pattern',
        'extra',
        'maxStdoutBytes',
        'timeoutMs',
      ].sort(),
    );
  });

  it('refuses loader variables, relative cwd, stateful regex flags and literals that look like options', () => {
    const paths = policyProblems({
      cwd: 'relative/dir',
      env: { inherit: ['LD_PRELOAD'], set: { DYLD_INSERT_LIBRARIES: 'x' } },
      commands: {
        a: {
          executable: 'a',
          literals: ['-x'],
          positionals: { type: 'pattern', pattern: 'a', flags: 'g' },
          subcommands: { '-evil': {} },
        },
      },
    }).map((problem) => problem.path);
    expect(paths.sort()).toEqual(
      [
        'cwd',
        'env.inherit[0]',
        'env.set.DYLD_INSERT_LIBRARIES',
        'commands.a.literals[0]',
        'commands.a.positionals.flags',
        'commands.a.subcommands.-evil',
      ].sort(),
    );
  });

  it('refuses one spelling naming two options, and unknown names in firstPositionalUnless', () => {
    const problems = policyProblems({
      commands: {
        a: {
          executable: 'a',
          options: { '--all': { aliases: ['-a'] }, '--almost': { aliases: ['-a'] } },
          firstPositionalUnless: ['--regexp'],
        },
      },
    });
    expect(problems.map((problem) => problem.reason).sort()).toEqual([
      '--regexp is not an option of this level',
      '-a already names --all',
    ]);
  });

  it('refuses valueWhenLast on an option without a required value, or one its own rule refuses', () => {
    const problems = policyProblems({
      commands: {
        a: {
          executable: 'a',
          options: {
            '--flag': { valueWhenLast: 'x' },
            '--level': { value: 'required', valueWhenLast: 'high', rule: { type: 'enum', values: ['low'] } },
            '--from': { value: 'required', valueWhenLast: '-rf' },
            '--since': { value: 'required', valueWhenLast: 'HEAD' },
          },
        },
      },
    });
    expect(problems).toEqual([
      { path: 'commands.a.options.--flag.valueWhenLast', reason: "needs value: 'required'" },
      {
        path: 'commands.a.options.--level.valueWhenLast',
        reason: 'is refused by its rule (not one of the allowed values)',
      },
      { path: 'commands.a.options.--from.valueWhenLast', reason: 'is refused by its rule (starts with -)' },
    ]);
  });

  it('refuses lastPositionalAfterSeparator without afterSeparator or with insertSeparator', () => {
    const problems = policyProblems({
      commands: {
        a: { executable: 'a', positionals: { type: 'text' }, lastPositionalAfterSeparator: true },
        b: {
          executable: 'b',
          positionals: { type: 'text' },
          afterSeparator: { type: 'path' },
          insertSeparator: true,
          lastPositionalAfterSeparator: true,
        },
      },
    });
    expect(problems.map((problem) => `${problem.path}: ${problem.reason}`).sort()).toEqual([
      'commands.a.lastPositionalAfterSeparator: needs afterSeparator',
      'commands.b.lastPositionalAfterSeparator: cannot be combined with insertSeparator',
    ]);
    expect(
      policyProblems({ commands: { c: { executable: 'c', lastPositionalAfterSeparator: 'yes' } } }),
    ).toEqual([{ path: 'commands.c.lastPositionalAfterSeparator', reason: 'must be a boolean' }]);
  });

  it('returns a frozen copy: changing the input later changes nothing', () => {
    const input = { commands: { cat: { executable: 'cat', positionals: { type: 'text' as const } } } };
    const parsed = parseExecPolicy(input);
    (input.commands.cat as { executable: string }).executable = '/bin/sh';
    expect(parsed.commands.cat?.executable).toBe('cat');
    expect(Object.isFrozen(parsed.commands.cat)).toBe(true);
  });

  it('createExecutor validates too (a raw config object cannot skip the check)', () => {
    expect(() => createExecutor({ commands: { x: { executable: 'ls', maxArgs: -5 } } })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_EXEC_POLICY' }),
    );
  });

  it('fast-check: any JSON value either parses or fails with ERR_INVALID_EXEC_POLICY, never otherwise', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        try {
          parseExecPolicy(value);
        } catch (error) {
          expect(isWardenError(error) && error.code === 'ERR_INVALID_EXEC_POLICY').toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('fast-check: breaking any one field of a valid policy is reported', () => {
    const base = JSON.parse(JSON.stringify({ commands: { grep: grepPolicy(), find: findPolicy() } }));
    const leaves: string[][] = [];
    const walk = (node: unknown, path: string[]): void => {
      if (typeof node === 'object' && node !== null) {
        for (const [key, child] of Object.entries(node)) walk(child, [...path, key]);
      } else leaves.push(path);
    };
    walk(base, []);
    fc.assert(
      fc.property(
        fc.constantFrom(...leaves),
        fc.constantFrom<unknown>({ nested: true }, [1, 2], null, 1.5),
        (path, bad) => {
          const copy = JSON.parse(JSON.stringify(base));
          let node = copy;
          for (const key of path.slice(0, -1)) node = node[key];
          node[path.at(-1)!] = bad;
          expect(policyProblems(copy).length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});
