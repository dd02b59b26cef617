import type { CommandPolicy } from '../policy.js';
import { frozen, type ReadyMadePolicyOptions } from './ready-made-options.js';

/** `cat`: display options only; every operand is a path checked against the roots, after `--`. */
export function catPolicy(options: ReadyMadePolicyOptions = {}): CommandPolicy {
  return frozen({
    executable: options.executable ?? 'cat',
    options: {
      '--number': { aliases: ['-n'] },
      '--number-nonblank': { aliases: ['-b'] },
      '--squeeze-blank': { aliases: ['-s'] },
      '--show-ends': { aliases: ['-E'] },
      '--show-tabs': { aliases: ['-T'] },
      '--show-nonprinting': { aliases: ['-v'] },
      '--show-all': { aliases: ['-A'] },
      '-e': {},
      '-t': {},
    },
    positionals: { type: 'path' },
    maxPositionals: 32,
    insertSeparator: true,
  });
}
