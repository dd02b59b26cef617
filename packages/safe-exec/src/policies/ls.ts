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
