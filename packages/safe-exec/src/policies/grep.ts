import type { ArgumentRule, CommandPolicy } from '../policy.js';
import { frozen, type ReadyMadePolicyOptions } from './ready-made-options.js';

const COUNT: ArgumentRule = { type: 'number', max: 100_000 };
const GLOB: ArgumentRule = { type: 'text', maxLength: 256 };
const flag = {};
const PATTERN: ArgumentRule = { type: 'text', maxLength: 1024, allowLeadingDash: true };

/**
 * GNU `grep`, read-only. The first operand is the pattern (unless `-e`/`-f` give it), the rest are
 * paths checked against the roots, after `--`. Not allowed: `-R`/`--dereference-recursive` (follows
 * symlinks out of the roots), `--devices`, anything that is not listed.
 */
export function grepPolicy(options: ReadyMadePolicyOptions = {}): CommandPolicy {
  return frozen({
    executable: options.executable ?? 'grep',
    options: {
      '--regexp': { aliases: ['-e'], value: 'required', rule: PATTERN },
      '--file': { aliases: ['-f'], value: 'required', rule: { type: 'path' } },
      '--ignore-case': { aliases: ['-i', '-y'] },
      '--no-ignore-case': {},
      '--invert-match': { aliases: ['-v'] },
      '--word-regexp': { aliases: ['-w'] },
      '--line-regexp': { aliases: ['-x'] },
      '--count': { aliases: ['-c'] },
      '--files-with-matches': { aliases: ['-l'] },
      '--files-without-match': { aliases: ['-L'] },
      '--line-number': { aliases: ['-n'] },
      '--no-filename': { aliases: ['-h'] },
      '--with-filename': { aliases: ['-H'] },
      '--only-matching': { aliases: ['-o'] },
      '--quiet': { aliases: ['-q', '--silent'] },
      '--no-messages': { aliases: ['-s'] },
      '--recursive': { aliases: ['-r'] },
      '--extended-regexp': { aliases: ['-E'] },
      '--fixed-strings': { aliases: ['-F'] },
      '--basic-regexp': { aliases: ['-G'] },
      '--perl-regexp': { aliases: ['-P'] },
      '--max-count': { aliases: ['-m'], value: 'required', rule: COUNT },
      '--after-context': { aliases: ['-A'], value: 'required', rule: COUNT },
      '--before-context': { aliases: ['-B'], value: 'required', rule: COUNT },
      '--context': { aliases: ['-C'], value: 'required', rule: COUNT },
      '--include': { value: 'required', rule: GLOB },
      '--exclude': { value: 'required', rule: GLOB },
      '--exclude-dir': { value: 'required', rule: GLOB },
      '--exclude-from': { value: 'required', rule: { type: 'path' } },
      '--color': {
        aliases: ['--colour'],
        value: 'optional',
        rule: { type: 'enum', values: ['always', 'auto', 'never'] },
      },
      '--null': { aliases: ['-Z'] },
      '--null-data': { aliases: ['-z'] },
      '--text': { aliases: ['-a'] },
      '-I': {},
      '--binary-files': {
        value: 'required',
        rule: { type: 'enum', values: ['binary', 'text', 'without-match'] },
      },
      '--byte-offset': { aliases: ['-b'] },
      '--initial-tab': { aliases: ['-T'] },
      '--line-buffered': flag,
      '--binary': { aliases: ['-U'] },
      '--label': { value: 'required', rule: { type: 'text', maxLength: 256 } },
    },
    numericOption: { max: 100_000 },
    firstPositional: PATTERN,
    firstPositionalUnless: ['--regexp', '--file'],
    positionals: { type: 'path' },
    maxPositionals: 64,
    insertSeparator: true,
    dangerousOptions: ['--dereference-recursive', '-R', '--devices', '-D', '--directories', '-d'],
  });
}
