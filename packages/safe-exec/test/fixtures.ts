import type { CommandPolicy } from '../src/index.js';

/** A list-only `tar` policy, for the GNU-abbreviation attacks (`--checkpoint-act=`, `--use-compress-prog=`). */
export function tarPolicy(): CommandPolicy {
  return {
    executable: 'tar',
    options: {
      '--list': { aliases: ['-t'] },
      '--file': { aliases: ['-f'], value: 'required', rule: { type: 'path' } },
      '--verbose': { aliases: ['-v'] },
      '--gzip': { aliases: ['-z'] },
      '--checkpoint': { value: 'optional', rule: { type: 'number', max: 1_000_000 } },
    },
    positionals: { type: 'text', maxLength: 256 },
    insertSeparator: true,
    dangerousOptions: [
      '--checkpoint-action',
      '--use-compress-program',
      '-I',
      '--to-command',
      '--info-script',
      '--new-volume-script',
      '-F',
      '--rsh-command',
    ],
  };
}

/** An `ssh` policy allowing only `-4`, `-6`, `-p port` and a host, to show `-oProxyCommand` is refused. */
export function sshPolicy(): CommandPolicy {
  return {
    executable: 'ssh',
    options: {
      '-4': {},
      '-6': {},
      '-p': { value: 'required', rule: { type: 'number', min: 1, max: 65535 } },
    },
    positionals: { type: 'pattern', pattern: '[A-Za-z0-9.-]{1,253}' },
    maxPositionals: 1,
    insertSeparator: true,
    dangerousOptions: ['-o', '-F', '-J', '-L', '-R', '-D', '-W', '-w', '-S'],
  };
}
