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
/**
 * `--date=<format>`: a named format, or a strftime one (where `%G` is the ISO week-based year, never
 * a signature check).
 */
const DATE_FORMAT: ArgumentRule = {
  type: 'pattern',
  pattern:
    '(relative|local|iso|iso8601|iso-strict|iso8601-strict|rfc|rfc2822|short|raw|human|unix|default)(-local)?|format(-local)?:[^\\n\\r]{1,64}',
};
/**
 * A numeric `git blame -L` range: `10,20`, `10,+5`, `10,-5`, `10`, `10,`, `,20`. Not `/regex/` nor
 * `:funcname` (the latter reads a funcname pattern the repository's attributes choose).
 */
const LINE_RANGE: ArgumentRule = {
  type: 'pattern',
  pattern: '[0-9]{1,9}(,([+-]?[0-9]{1,9})?)?|,[0-9]{1,9}',
};
/** A `git branch --sort` key: a plain field (optionally reversed with `-`, or `version:`), nothing else. */
const SORT_KEY: ArgumentRule = {
  type: 'pattern',
  pattern:
    '-?((version|v):)?(refname|objectname|objecttype|objectsize|authordate|committerdate|creatordate|taggerdate|authorname|authoremail|committername|committeremail|creator|subject|upstream|HEAD|worktreepath)',
  allowLeadingDash: true,
};

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
  '--date': { value: 'required', rule: DATE_FORMAT },
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
 * `git blame [<options>] [<rev>] [--] <file>`. Not allowed: `--contents <file>`, `-S <revs-file>`
 * and `--ignore-revs-file <file>` (each reads any file on the host and prints it back: as the final
 * image, or line by line in error messages), `-C` (copy detection here, but git's change-directory
 * option before a subcommand: refused everywhere), `-c`, `--textconv`, `--progress`. git blame runs
 * textconv drivers by default: the policy forces `--no-textconv`.
 */
const blameOptions: Record<string, OptionSpec> = {
  '-L': { value: 'required', rule: LINE_RANGE },
  '--porcelain': { aliases: ['-p'] },
  '--line-porcelain': flag,
  '--incremental': flag,
  '--show-email': { aliases: ['-e'] },
  '--show-name': { aliases: ['-f'] },
  '--show-number': { aliases: ['-n'] },
  '-s': flag,
  '-l': flag,
  '-t': flag,
  '-b': flag,
  '-w': flag,
  // Moved lines within the file; without a score, so never a short option with an optional value.
  '-M': flag,
  '--root': flag,
  '--minimal': flag,
  '--abbrev': { value: 'optional', rule: { type: 'number', min: 4, max: 64 } },
  '--date': { value: 'required', rule: DATE_FORMAT },
  // Revision options blame takes: `--reverse <rev>..<rev>` names its range as the <rev> positional.
  '--reverse': flag,
  '--first-parent': flag,
  '--ignore-rev': { value: 'required', rule: REVISION },
  '--color-lines': flag,
  '--color-by-age': flag,
  '--no-textconv': flag,
};

/**
 * `git branch`, listing only: no positional at all (`git branch <name>` creates a branch, and after
 * `--list` a pattern is the only thing a positional could be), and none of the options that write
 * (`-d -D -m -M -c -C -f -t -u --set-upstream-to --unset-upstream --edit-description
 * --create-reflog --recurse-submodules`). `--merged`/`--contains` take their commit as a value;
 * as the last argument, without one, they mean HEAD (passed as `--merged=HEAD`), as in git.
 */
const branchOptions: Record<string, OptionSpec> = {
  '--list': { aliases: ['-l'] },
  '--all': { aliases: ['-a'] },
  '--remotes': { aliases: ['-r'] },
  '--verbose': { aliases: ['-v'] },
  '--show-current': flag,
  '--contains': { value: 'required', valueWhenLast: 'HEAD', rule: REVISION },
  '--no-contains': { value: 'required', valueWhenLast: 'HEAD', rule: REVISION },
  '--merged': { value: 'required', valueWhenLast: 'HEAD', rule: REVISION },
  '--no-merged': { value: 'required', valueWhenLast: 'HEAD', rule: REVISION },
  '--points-at': { value: 'required', rule: REVISION },
  '--sort': { value: 'required', rule: SORT_KEY },
  '--ignore-case': { aliases: ['-i'] },
  '--no-color': flag,
  '--color': { value: 'optional', rule: { type: 'enum', values: ['always', 'never', 'auto'] } },
  '--abbrev': { value: 'optional', rule: { type: 'number', min: 4, max: 64 } },
  '--no-abbrev': flag,
};

/**
 * `git ls-files [<options>] [<path>…]`. Not allowed: `-X`/`--exclude-from <file>` and
 * `--exclude-per-directory <file>` (read patterns from any file), `--recurse-submodules` (runs git
 * inside each submodule, under the submodule's own config, which the preflight does not see).
 */
const lsFilesOptions: Record<string, OptionSpec> = {
  '--cached': { aliases: ['-c'] },
  '--deleted': { aliases: ['-d'] },
  '--modified': { aliases: ['-m'] },
  '--others': { aliases: ['-o'] },
  '--ignored': { aliases: ['-i'] },
  '--stage': { aliases: ['-s'] },
  '--unmerged': { aliases: ['-u'] },
  '--exclude-standard': flag,
  // A pattern, not a file.
  '--exclude': { aliases: ['-x'], value: 'required', rule: TEXT },
  '-z': flag,
  '--full-name': flag,
  '--error-unmatch': flag,
  '--directory': flag,
  '--no-empty-directory': flag,
  '--eol': flag,
  '--deduplicate': flag,
  '--with-tree': { value: 'required', rule: REVISION },
  '--abbrev': { value: 'optional', rule: { type: 'number', min: 4, max: 64 } },
};

/**
 * Read-only `git`: `status`, `log`, `diff`, `show`, `blame`, `branch` (listing only) and `ls-files`.
 * The repository's own config can run programs even for `git status` (`core.fsmonitor`,
 * `core.pager`, diff drivers, filters), so this policy (1) runs a preflight, for every subcommand,
 * that refuses a repository whose config holds any key outside a safe allowlist or that lies outside
 * the roots, (2) passes `-c` overrides for the known keys and `--no-ext-diff --no-textconv`, and
 * (3) sets `GIT_CONFIG_NOSYSTEM`, `GIT_CONFIG_GLOBAL=/dev/null` and no terminal prompts. Not
 * allowed: `-c`, `--config-env`, `-C`, `--git-dir`, `--work-tree`, `--exec-path`, `--output`,
 * `--ext-diff`, `--textconv`, `--no-index`, options that read a file the caller names (`blame
 * --contents`/`-S`/`--ignore-revs-file`, `ls-files -X`/`--exclude-per-directory`),
 * `ls-files --recurse-submodules`, any `branch` operand or writing option, any other subcommand.
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
      blame: {
        forcedArgs: NO_DRIVERS,
        options: blameOptions,
        // `[<rev>] <file>`: the revision follows REVISION; the file (the last positional, or what
        // follows `--`) passes the path check: with no revision git blame reads the work tree file,
        // through a symlinked directory too.
        positionals: REVISION,
        maxPositionals: 2,
        lastPositionalAfterSeparator: true,
        ...PATHS,
      },
      branch: {
        options: branchOptions,
      },
      'ls-files': {
        forcedArgs: ['--no-recurse-submodules'],
        options: lsFilesOptions,
        positionals: { type: 'path' },
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
      '--contents',
      '--ignore-revs-file',
      '--exclude-from',
      '-X',
      '--exclude-per-directory',
      '--recurse-submodules',
    ],
  });
}
