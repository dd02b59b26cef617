import type { CommandPolicy } from '../policy.js';
import { frozen, type ReadyMadePolicyOptions } from './ready-made-options.js';

/**
 * `ls`: listing and formatting options; operands are paths checked against the roots, after `--`.
 * Not allowed: `-L`/`--dereference` (would stat what a symlink points to, outside the roots).
 */
export function lsPolicy(options: ReadyMadePolicyOptions = {}): CommandPolicy {
  return frozen({
    executable: options.executable ?? 'ls',
    options: {
      '--all': { aliases: ['-a'] },
      '--almost-all': { aliases: ['-A'] },
      '-l': {},
      '--human-readable': { aliases: ['-h'] },
      '--si': {},
      '-1': {},
      '--recursive': { aliases: ['-R'] },
      '-t': {},
      '-S': {},
      '-U': {},
      '-v': {},
      '-X': {},
      '--reverse': { aliases: ['-r'] },
      '--directory': { aliases: ['-d'] },
      '--classify': { aliases: ['-F'] },
      '--inode': { aliases: ['-i'] },
      '--numeric-uid-gid': { aliases: ['-n'] },
      '--size': { aliases: ['-s'] },
      '-p': {},
      '-g': {},
      '-o': {},
      '--no-group': { aliases: ['-G'] },
      '-C': {},
      '-x': {},
      '-m': {},
      '--quote-name': { aliases: ['-Q'] },
      '--literal': { aliases: ['-N'] },
      '--escape': { aliases: ['-b'] },
      '--group-directories-first': {},
      '--full-time': {},
      '-c': {},
      '-u': {},
      '--kibibytes': { aliases: ['-k'] },
      '--ignore-backups': { aliases: ['-B'] },
      '--hide-control-chars': { aliases: ['-q'] },
      '--context': { aliases: ['-Z'] },
      '--author': {},
      '--time': {
        value: 'required',
        rule: {
          type: 'enum',
          values: ['atime', 'access', 'use', 'ctime', 'status', 'birth', 'creation', 'mtime', 'modification'],
        },
      },
      '--format': {
        value: 'required',
        rule: {
          type: 'enum',
          values: ['across', 'commas', 'horizontal', 'long', 'single-column', 'verbose', 'vertical'],
        },
      },
      '--indicator-style': {
        value: 'required',
        rule: { type: 'enum', values: ['none', 'slash', 'file-type', 'classify'] },
      },
      '--block-size': {
        value: 'required',
        rule: { type: 'pattern', pattern: "'?[0-9]{0,12}[KMGTPEZYRQ]?(i?B)?" },
      },
      '--hide': { value: 'required', rule: { type: 'text', maxLength: 256 } },
      '--ignore': { aliases: ['-I'], value: 'required', rule: { type: 'text', maxLength: 256 } },
      '--color': { value: 'optional', rule: { type: 'enum', values: ['always', 'auto', 'never'] } },
      '--sort': {
        value: 'required',
        rule: { type: 'enum', values: ['none', 'size', 'time', 'version', 'extension', 'width'] },
      },
      '--time-style': {
        value: 'required',
        rule: { type: 'pattern', pattern: '(full-iso|long-iso|iso|locale|\\+[%A-Za-z0-9 :._/-]{1,64})' },
      },
      '--width': { aliases: ['-w'], value: 'required', rule: { type: 'number', max: 1000 } },
    },
    positionals: { type: 'path' },
    maxPositionals: 32,
    insertSeparator: true,
    dangerousOptions: ['--dereference', '-L', '--dereference-command-line', '-H'],
  });
}
