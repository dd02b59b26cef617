import type { ArgumentRule, CommandPolicy } from '../policy.js';
import { frozen, type ReadyMadePolicyOptions } from './ready-made-options.js';

const COUNT: ArgumentRule = { type: 'number', max: 100_000 };
const GLOB: ArgumentRule = { type: 'text', maxLength: 256 };
const PATTERN: ArgumentRule = { type: 'text', maxLength: 1024, allowLeadingDash: true };

/**
 * ripgrep (`rg`), read-only. The first operand is the pattern (unless `-e`/`-f`/`--files` make it a
 * path), the rest are paths checked against the roots, after `--`. Not allowed: `--pre` and
 * `--pre-glob` (run a program per file), `-z`/`--search-zip` (runs decompressors),
 * `--hostname-bin` (runs a program), `-L`/`--follow` (follows symlinks out of the roots).
 */
export function rgPolicy(options: ReadyMadePolicyOptions = {}): CommandPolicy {
  return frozen({
    executable: options.executable ?? 'rg',
    // ripgrep does not accept abbreviated long options; neither does this policy.
    abbreviations: false,
    options: {
      '--regexp': { aliases: ['-e'], value: 'required', rule: PATTERN },
      '--file': { aliases: ['-f'], value: 'required', rule: { type: 'path' } },
      '--files': {},
      '--ignore-case': { aliases: ['-i'] },
      '--smart-case': { aliases: ['-S'] },
      '--case-sensitive': { aliases: ['-s'] },
      '--word-regexp': { aliases: ['-w'] },
      '--line-regexp': { aliases: ['-x'] },
      '--invert-match': { aliases: ['-v'] },
      '--count': { aliases: ['-c'] },
      '--count-matches': {},
      '--files-with-matches': { aliases: ['-l'] },
      '--files-without-match': {},
      '--line-number': { aliases: ['-n'] },
      '--no-line-number': { aliases: ['-N'] },
      '--with-filename': { aliases: ['-H'] },
      '--no-filename': { aliases: ['-I'] },
      '--only-matching': { aliases: ['-o'] },
      '--quiet': { aliases: ['-q'] },
      '--fixed-strings': { aliases: ['-F'] },
      '--multiline': { aliases: ['-U'] },
      '--max-count': { aliases: ['-m'], value: 'required', rule: COUNT },
      '--after-context': { aliases: ['-A'], value: 'required', rule: COUNT },
      '--before-context': { aliases: ['-B'], value: 'required', rule: COUNT },
      '--context': { aliases: ['-C'], value: 'required', rule: COUNT },
      '--max-depth': { aliases: ['-d', '--maxdepth'], value: 'required', rule: COUNT },
      '--glob': { aliases: ['-g'], value: 'required', rule: { ...GLOB, allowLeadingDash: false } },
      '--iglob': { value: 'required', rule: GLOB },
      '--type': {
        aliases: ['-t'],
        value: 'required',
        rule: { type: 'pattern', pattern: '[A-Za-z0-9_+-]{1,32}' },
      },
      '--type-not': {
        aliases: ['-T'],
        value: 'required',
        rule: { type: 'pattern', pattern: '[A-Za-z0-9_+-]{1,32}' },
      },
      '--hidden': { aliases: ['-.'] },
      '--no-ignore': {},
      '--json': {},
      '--no-heading': {},
      '--heading': {},
      '--column': {},
      '--vimgrep': {},
      '--trim': {},
      '--stats': {},
      '--null': { aliases: ['-0'] },
      '--sort': {
        value: 'required',
        rule: { type: 'enum', values: ['none', 'path', 'modified', 'accessed', 'created'] },
      },
      '--color': { value: 'required', rule: { type: 'enum', values: ['never', 'auto', 'always', 'ansi'] } },
      '--unrestricted': { aliases: ['-u'] },
      '--pcre2': { aliases: ['-P'] },
      '--pretty': { aliases: ['-p'] },
      '--passthru': {},
      '--type-list': {},
      '--no-require-git': {},
      '--replace': { aliases: ['-r'], value: 'required', rule: { type: 'text', maxLength: 256 } },
      '--max-columns': { aliases: ['-M'], value: 'required', rule: COUNT },
      '--threads': { aliases: ['-j'], value: 'required', rule: { type: 'number', max: 64 } },
      '--sortr': {
        value: 'required',
        rule: { type: 'enum', values: ['none', 'path', 'modified', 'accessed', 'created'] },
      },
      '--max-filesize': { value: 'required', rule: { type: 'pattern', pattern: '[0-9]{1,12}[KMG]?' } },
    },
    firstPositional: PATTERN,
    firstPositionalUnless: ['--regexp', '--file', '--files'],
    positionals: { type: 'path' },
    maxPositionals: 64,
    insertSeparator: true,
    dangerousOptions: ['--pre', '--pre-glob', '--search-zip', '-z', '--hostname-bin', '--follow', '-L'],
  });
}
