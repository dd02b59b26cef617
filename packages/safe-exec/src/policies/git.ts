import type { ArgumentRule, ArgumentSpec, CommandPolicy, OptionSpec } from '../policy.js';
import { frozen, type ReadyMadePolicyOptions } from './ready-made-options.js';

/**
 * A revision (`HEAD~2`, `main..topic`, `v1.0^{commit}`, `HEAD:src/a.ts`). Never absolute, never
 * starting with `.`, no `..` path segment: `git diff <path> <path>` silently switches to
 * `--no-index` when a path lies outside the work tree, and would read any file on the host.
 * In `<rev>:<path>` the path may hold what file names hold (spaces, non-ASCII letters, `(`, `,`…),
 * never `:` or `%` (so no transport URL such as `ext::sh -c …`) nor control characters.
 */
const REVISION: ArgumentRule = {
  type: 'pattern',
  pattern:
    "(?![./])(?!.*(?:^|/)\\.\\.(?:/|$))[A-Za-z0-9_./~^@{}:+-]{1,256}(?::[\\p{L}\\p{N}\\p{M} _./~^@{}+,=()\\[\\]#&!'-]{1,1024})?",
  flags: 'u',
};
const COUNT: ArgumentRule = { type: 'number', max: 1_000_000 };
const DATE: ArgumentRule = { type: 'pattern', pattern: '[A-Za-z0-9 :.,/+-]{1,64}' };
const TEXT: ArgumentRule = { type: 'text', maxLength: 256 };
/**
 * A pretty format; `%G…` placeholders are refused: they verify signatures by running gpg. Also with
 * the `+`, `-` or space modifier git accepts between `%` and the placeholder (`%+G?` runs gpg too).
 */
const FORMAT: ArgumentRule = { type: 'pattern', pattern: '(?![\\s\\S]*%[-+ ]?G)[^\\n\\r]{0,512}' };
const flag: OptionSpec = {};

const diffOutput: Record<string, OptionSpec> = {
  '--patch': { aliases: ['-p', '-u'] },
  '--no-patch': { aliases: ['-s'] },
  '--stat': { value: 'optional', rule: { type: 'pattern', pattern: '[0-9]{1,5}(,[0-9]{1,5}){0,2}' } },
  '--shortstat': flag,
  '--numstat': flag,
  '--name-only': flag,
  '--name-status': flag,
  '--summary': flag,
  '--unified': { aliases: ['-U'], value: 'required', rule: COUNT },
  '--word-diff': {
    value: 'optional',
    rule: { type: 'enum', values: ['color', 'plain', 'porcelain', 'none'] },
  },
  '--no-color': flag,
  '--color': { value: 'optional', rule: { type: 'enum', values: ['always', 'never', 'auto'] } },
  '--color-words': flag,
  '--ignore-all-space': { aliases: ['-w'] },
  '--ignore-space-at-eol': flag,
  '--ignore-cr-at-eol': flag,
  // Harmless to repeat: the policy forces both anyway.
  '--no-ext-diff': flag,
  '--no-textconv': flag,
  '--ignore-space-change': { aliases: ['-b'] },
  '--ignore-blank-lines': flag,
  '--diff-filter': { value: 'required', rule: { type: 'pattern', pattern: '[ACDMRTUXBacdmrtuxb*]{1,16}' } },
  '--find-renames': {
    aliases: ['-M'],
    value: 'optional',
    rule: { type: 'pattern', pattern: '[0-9]{1,3}%?' },
  },
  '--no-renames': flag,
  '--minimal': flag,
  '--patience': flag,
  '--histogram': flag,
  '--abbrev': { value: 'optional', rule: { type: 'number', min: 4, max: 64 } },
  '--full-index': flag,
  '--binary': flag,
  '-z': flag,
  // Pickaxe searches: read-only.
  '-S': { value: 'required', rule: TEXT },
  '-G': { value: 'required', rule: TEXT },
  '--pickaxe-all': flag,
  '--pickaxe-regex': flag,
};

const logOptions: Record<string, OptionSpec> = {
  ...diffOutput,
  '--oneline': flag,
  '--max-count': { aliases: ['-n'], value: 'required', rule: COUNT },
  '--skip': { value: 'required', rule: COUNT },
  '--since': { aliases: ['--after'], value: 'required', rule: DATE },
  '--until': { aliases: ['--before'], value: 'required', rule: DATE },
  '--author': { value: 'required', rule: TEXT },
  '--committer': { value: 'required', rule: TEXT },
  '--grep': { value: 'required', rule: TEXT },
  '--regexp-ignore-case': { aliases: ['-i'] },
  // How --grep/--author/--committer patterns are read: read-only.
  '--extended-regexp': { aliases: ['-E'] },
  '--fixed-strings': { aliases: ['-F'] },
  '--basic-regexp': flag,
  '--perl-regexp': { aliases: ['-P'] },
  '--all-match': flag,
  '--invert-grep': flag,
  '--all': flag,
  '--format': { value: 'required', rule: FORMAT },
  '--pretty': { value: 'optional', rule: FORMAT },
  '--abbrev-commit': flag,
  '--no-abbrev-commit': flag,
  '--graph': flag,
  '--decorate': { value: 'optional', rule: { type: 'enum', values: ['short', 'full', 'auto', 'no'] } },
  '--no-decorate': flag,
  '--reverse': flag,
  '--first-parent': flag,
  '--no-merges': flag,
  '--merges': flag,
  '--follow': flag,
  '--date': {
    value: 'required',
    rule: {
      type: 'pattern',
      pattern:
        // A strftime format: `%G` there is the ISO week-based year, never a signature check.
        '(relative|local|iso|iso8601|iso-strict|iso8601-strict|rfc|rfc2822|short|raw|human|unix|default)(-local)?|format(-local)?:[^\\n\\r]{1,64}',
    },
  },
  '--left-right': flag,
  '--cherry-pick': flag,
  '--boundary': flag,
  '--no-walk': flag,
  '--parents': flag,
  '--children': flag,
  '--full-history': flag,
  '--simplify-by-decoration': flag,
  '--ancestry-path': flag,
  '--author-date-order': flag,
  '--branches': flag,
  '--tags': flag,
  '--remotes': flag,
  '--mailmap': flag,
  '--no-mailmap': flag,
  '--relative-date': flag,
  '--topo-order': flag,
  '--date-order': flag,
};

const PATHS: Pick<ArgumentSpec, 'afterSeparator'> = { afterSeparator: { type: 'path' } };
/**
 * Repository-configured programs that diff-producing commands would otherwise run, and submodules:
 * git runs itself inside each submodule, under the submodule's own config, which the preflight
 * does not see (a filter there runs on `git status`). The command-line option beats `.gitmodules`.
 */
const NO_DRIVERS = ['--no-ext-diff', '--no-textconv', '--ignore-submodules=all'];

/**
 * Read-only `git`: `status`, `log`, `diff`, `show`. The repository's own config can run programs
 * even for `git status` (`core.fsmonitor`, `core.pager`, diff drivers, filters), so this policy
 * (1) runs a preflight that refuses a repository whose config holds any key outside a safe
 * allowlist or that lies outside the roots, (2) passes `-c` overrides for the known keys and
 * `--no-ext-diff --no-textconv`, and (3) sets `GIT_CONFIG_NOSYSTEM`, `GIT_CONFIG_GLOBAL=/dev/null`
 * and no terminal prompts. Not allowed: `-c`, `--config-env`, `-C`, `--git-dir`, `--work-tree`,
 * `--exec-path`, `--output`, `--ext-diff`, `--textconv`, `--no-index`, any other subcommand.
 */
export function gitPolicy(options: ReadyMadePolicyOptions = {}): CommandPolicy {
  return frozen({
    executable: options.executable ?? 'git',
    preflight: 'git',
    forcedArgs: [
      '--no-pager',
      '--no-optional-locks',
      '-c',
      'core.fsmonitor=false',
      '-c',
      'core.pager=cat',
      '-c',
      'core.hooksPath=/dev/null',
      '-c',
      'core.sshCommand=false',
      '-c',
      'credential.helper=',
      '-c',
      'protocol.allow=never',
      '-c',
      'log.showSignature=false',
      '-c',
      'diff.ignoreSubmodules=all',
      '-c',
      'submodule.recurse=false',
      '-c',
      'gpg.program=false',
      '-c',
      'gpg.ssh.program=false',
      '-c',
      'gpg.x509.program=false',
    ],
    env: {
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_ATTR_NOSYSTEM: '1',
      GIT_TERMINAL_PROMPT: '0',
      GIT_PAGER: 'cat',
      PAGER: 'cat',
      GIT_OPTIONAL_LOCKS: '0',
    },
    // Harmless global options (the policy forces them anyway); nothing else before the subcommand.
    options: {
      '--no-pager': { aliases: ['-P'] },
      '--no-optional-locks': flag,
      '--no-replace-objects': flag,
      '--literal-pathspecs': flag,
    },
    subcommands: {
      status: {
        forcedArgs: ['--ignore-submodules=all'],
        options: {
          '--short': { aliases: ['-s'] },
          '--long': flag,
          '--branch': { aliases: ['-b'] },
          '--porcelain': { value: 'optional', rule: { type: 'enum', values: ['v1', 'v2'] } },
          '--untracked-files': {
            aliases: ['-u'],
            value: 'optional',
            rule: { type: 'enum', values: ['no', 'normal', 'all'] },
          },
          '--ignored': {
            value: 'optional',
            rule: { type: 'enum', values: ['traditional', 'no', 'matching'] },
          },
          '--show-stash': flag,
          '--ahead-behind': flag,
          '--no-ahead-behind': flag,
          '--renames': flag,
          '--no-renames': flag,
          '--null': { aliases: ['-z'] },
          '--verbose': { aliases: ['-v'] },
        },
        positionals: { type: 'path' },
        ...PATHS,
      },
      log: {
        forcedArgs: NO_DRIVERS,
        options: logOptions,
        numericOption: { max: 1_000_000 },
        positionals: REVISION,
        ...PATHS,
      },
      show: {
        forcedArgs: NO_DRIVERS,
        options: { ...logOptions, '--quiet': flag },
        positionals: REVISION,
        ...PATHS,
      },
      diff: {
        forcedArgs: NO_DRIVERS,
        options: {
          ...diffOutput,
          '--cached': { aliases: ['--staged'] },
          '--merge-base': flag,
          '--quiet': flag,
          '--exit-code': flag,
          '--check': flag,
          '-R': flag,
        },
        positionals: REVISION,
        ...PATHS,
      },
    },
    dangerousOptions: [
      '-c',
      '--config-env',
      '-C',
      '--git-dir',
      '--work-tree',
      '--exec-path',
      '--namespace',
      '--upload-pack',
      '--receive-pack',
      '--exec',
      '--output',
      '--output-directory',
      '--ext-diff',
      '--textconv',
      '--no-index',
      '--open-files-in-pager',
      '--paginate',
    ],
  });
}
