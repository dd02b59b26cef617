import type { ArgumentRule, CommandPolicy, OptionSpec } from '../policy.js';
import { frozen, type ReadyMadePolicyOptions } from './ready-made-options.js';

const NAME: ArgumentRule = { type: 'text', maxLength: 512 };
const TIME: ArgumentRule = { type: 'number', signed: true, max: 1_000_000 };
const DEPTH: ArgumentRule = { type: 'number', max: 4096 };
const flag: OptionSpec = {};
const valued = (rule: ArgumentRule): OptionSpec => ({ value: 'required', rule });

/**
 * GNU `find`, read-only: tests (`-name`, `-type`, `-mtime`, …), operators and the printing actions
 * that write to stdout. Starting points and file operands (`-newer`) are paths checked against the
 * roots. Not allowed: every action that runs or deletes (`-exec`, `-execdir`, `-ok`, `-okdir`,
 * `-delete`), that writes files (`-fprint`, `-fprint0`, `-fprintf`, `-fls`), `-files0-from`
 * (starting points from a file, unchecked) and symlink following (`-L`, `-follow`).
 */
export function findPolicy(options: ReadyMadePolicyOptions = {}): CommandPolicy {
  return frozen({
    executable: options.executable ?? 'find',
    optionStyle: 'single-dash',
    options: {
      '-P': flag,
      '-name': valued(NAME),
      '-iname': valued(NAME),
      '-path': valued(NAME),
      '-ipath': valued(NAME),
      '-wholename': valued(NAME),
      '-iwholename': valued(NAME),
      '-lname': valued(NAME),
      '-ilname': valued(NAME),
      '-regex': valued(NAME),
      '-iregex': valued(NAME),
      '-regextype': valued({
        type: 'enum',
        values: [
          'findutils-default',
          'emacs',
          'posix-basic',
          'posix-egrep',
          'posix-extended',
          'egrep',
          'awk',
          'grep',
          'sed',
          'gnu-awk',
          'posix-awk',
        ],
      }),
      '-type': valued({ type: 'pattern', pattern: '[bcdpflsD](,[bcdpflsD]){0,8}' }),
      '-xtype': valued({ type: 'pattern', pattern: '[bcdpflsD](,[bcdpflsD]){0,8}' }),
      '-size': valued({ type: 'pattern', pattern: '[+-]?[0-9]{1,12}[bcwkMG]?', allowLeadingDash: true }),
      '-perm': valued({
        type: 'pattern',
        pattern: '[-/]?([0-7]{1,4}|[ugoa]*[-+=][rwxXst]*(,[ugoa]*[-+=][rwxXst]*)*)',
        allowLeadingDash: true,
      }),
      '-user': valued({ type: 'pattern', pattern: '[A-Za-z0-9_.][A-Za-z0-9_.-]{0,31}' }),
      '-group': valued({ type: 'pattern', pattern: '[A-Za-z0-9_.][A-Za-z0-9_.-]{0,31}' }),
      '-uid': valued(TIME),
      '-gid': valued(TIME),
      '-links': valued(TIME),
      '-inum': valued(TIME),
      '-mtime': valued(TIME),
      '-atime': valued(TIME),
      '-ctime': valued(TIME),
      '-mmin': valued(TIME),
      '-amin': valued(TIME),
      '-cmin': valued(TIME),
      '-newer': valued({ type: 'path' }),
      '-anewer': valued({ type: 'path' }),
      '-cnewer': valued({ type: 'path' }),
      '-samefile': valued({ type: 'path' }),
      '-maxdepth': valued(DEPTH),
      '-mindepth': valued(DEPTH),
      '-empty': flag,
      '-readable': flag,
      '-writable': flag,
      '-executable': flag,
      '-nouser': flag,
      '-nogroup': flag,
      '-true': flag,
      '-false': flag,
      '-depth': flag,
      '-xdev': flag,
      '-mount': flag,
      '-noleaf': flag,
      '-daystart': flag,
      '-ignore_readdir_race': flag,
      '-prune': flag,
      '-quit': flag,
      '-print': flag,
      '-print0': flag,
      '-printf': valued({ type: 'text', maxLength: 512 }),
      '-ls': flag,
      '-not': flag,
      '-a': flag,
      '-and': flag,
      '-o': flag,
      '-or': flag,
    },
    literals: ['(', ')', '!', ','],
    positionals: { type: 'path' },
    maxPositionals: 32,
    dangerousOptions: [
      '-exec',
      '-execdir',
      '-ok',
      '-okdir',
      '-delete',
      '-fprint',
      '-fprint0',
      '-fprintf',
      '-fls',
      '-files0-from',
      '-L',
      '-follow',
      '-H',
    ],
  });
}
