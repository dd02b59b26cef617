/**
 * How one argument value (a positional, or an option's value) is judged. Plain data, so a policy can
 * live in a JSON config file.
 */
export type ArgumentRule = TextRule | PatternRule | NumberRule | PathRule | EnumRule;

/** Any text (still bounded by the length limit; NUL always refused). */
export interface TextRule {
  readonly type: 'text';
  /** Longest value accepted. Default: the command's `maxArgLength`. */
  readonly maxLength?: number;
  /** Accept a value starting with `-` (e.g. a grep pattern after `-e`). Default: false. */
  readonly allowLeadingDash?: boolean;
  /** Accept `\n` and `\r`. Default: false. */
  readonly allowNewlines?: boolean;
}

/** A value the whole of which must match a regular expression (anchored for you). */
export interface PatternRule {
  readonly type: 'pattern';
  /** Regular expression source, matched against the whole value (`^(?:…)$` is added). */
  readonly pattern: string;
  /** Regular expression flags (`i`, `u`, `v`, `s`, `m`). Default: none. */
  readonly flags?: string;
  /** Accept a value starting with `-` when the pattern matches it (find's `-size -10k`). Default: false. */
  readonly allowLeadingDash?: boolean;
}

/** A decimal integer. */
export interface NumberRule {
  readonly type: 'number';
  /** Smallest value. Default: 0. */
  readonly min?: number;
  /** Largest value. Default: 2^31 − 1. */
  readonly max?: number;
  /** Accept a leading `+` or `-` (as find's `-mtime -7`). Default: false. */
  readonly signed?: boolean;
}

/** A file-system path that must pass the executor's `pathCheck` (resolved against the cwd first). */
export interface PathRule {
  readonly type: 'path';
}

/** One of a fixed set of values. */
export interface EnumRule {
  readonly type: 'enum';
  readonly values: readonly string[];
}

/** One allowed option. */
export interface OptionSpec {
  /**
   * Other spellings of the same option (`-n` for `--max-count`). The option's key is its canonical
   * form: what is passed to the program whatever spelling the caller used.
   */
  readonly aliases?: readonly string[];
  /**
   * Whether the option takes a value: `none` (default), `required` (`--opt=v`, `--opt v`, `-ov`,
   * `-o v`), or `optional` (only attached: `--opt=v`, `-ov`; GNU semantics). The program receives
   * `--opt=v` for a long canonical name; for a short one `-o v` when required, `-ov` when optional.
   */
  readonly value?: 'none' | 'required' | 'optional';
  /**
   * For a `required` value: what the program takes when the option is the last argument and has
   * none (git's `--merged` alone means `--merged=HEAD`). The checker then passes it explicitly; it is
   * judged by `rule` like any other value. Anywhere else the next argument is the value, as in git.
   */
  readonly valueWhenLast?: string;
  /** How the value is judged. Default: `{ type: 'text' }`. */
  readonly rule?: ArgumentRule;
}

/**
 * How a program spells options. `gnu`: `--long[=value]`, unambiguous long abbreviations, `-abc`
 * bundles, `-ovalue`. `single-dash`: whole words such as find's `-name`, values as the next
 * argument, no bundles, no `=`, no abbreviations.
 */
export type OptionStyle = 'gnu' | 'single-dash';

/** The arguments accepted at one level (the command itself, or one subcommand). */
export interface ArgumentSpec {
  /** Allowed options by canonical name (`--max-count`, `-l`, `-name`). Default: none. */
  readonly options?: Readonly<Record<string, OptionSpec>>;
  /** Rule for positional arguments. Default: no positionals allowed. */
  readonly positionals?: ArgumentRule;
  /**
   * Rule for the first positional only (grep's and rg's pattern); the rest follow `positionals`.
   * Default: the first positional follows `positionals` too.
   */
  readonly firstPositional?: ArgumentRule;
  /**
   * Canonical option names whose presence means there is no leading pattern positional (grep's
   * `-e`, `-f`): then every positional follows `positionals`. Default: none.
   */
  readonly firstPositionalUnless?: readonly string[];
  /** Most positionals accepted. Default: 16 when `positionals` is set. */
  readonly maxPositionals?: number;
  /**
   * When set, the caller may pass `--`; what follows is judged by this rule (no option parsing), as
   * git's `-- <paths>`. Arguments after `--` still may not start with `-`.
   */
  readonly afterSeparator?: ArgumentRule;
  /**
   * When the caller gives no `--`, read the last positional as if one came before it: it is judged
   * by `afterSeparator` and the program receives `… -- <last>` (git blame's `[<rev>] <file>`, whose
   * file must pass the path check while the revision must not). The other positionals follow
   * `positionals` and, with the last, come after every option. Needs `afterSeparator`; not with
   * `insertSeparator`. Default: false.
   */
  readonly lastPositionalAfterSeparator?: boolean;
  /**
   * Tokens passed verbatim wherever they appear (find's `(`, `)`, `!`, `,`). Default: none.
   */
  readonly literals?: readonly string[];
  /** Accept `-<digits>` (as `git log -3`, `grep -2`) up to this value. Default: not accepted. */
  readonly numericOption?: { readonly max: number };
  /**
   * Put `--` before the positionals in the argv the program receives (options first, then `--`,
   * then positionals), so no positional can ever be read as an option. Default: false.
   */
  readonly insertSeparator?: boolean;
  /** Arguments always passed first at this level (after the subcommand name). Default: none. */
  readonly forcedArgs?: readonly string[];
}

/** One subcommand (git's `log`): an {@link ArgumentSpec}. */
export type SubcommandPolicy = ArgumentSpec;

/** The policy of one command. */
export interface CommandPolicy extends ArgumentSpec {
  /**
   * The program: an absolute path, or a bare name looked up once, at executor creation, in the
   * executor's `searchPath`. Resolved through symlinks; the result is what every run executes.
   */
  readonly executable: string;
  /** Default: `gnu`. */
  readonly optionStyle?: OptionStyle;
  /** Accept unambiguous abbreviations of allowed long options (rewritten to the full name). Default: true for `gnu`. */
  readonly abbreviations?: boolean;
  /**
   * Allowed subcommands. When set, the first argument that is not a global option must be one of
   * them; command-level `options` are the global options accepted before it.
   */
  readonly subcommands?: Readonly<Record<string, SubcommandPolicy>>;
  /**
   * Known-dangerous options of this program (`--upload-pack`, `-exec`). They are denied anyway (only
   * `options` are allowed); naming them here makes a denial also emit `malicious_argument_injection`,
   * abbreviations included.
   */
  readonly dangerousOptions?: readonly string[];
  /** Environment variables set for this command, over the global ones. Default: none. */
  readonly env?: Readonly<Record<string, string>>;
  /** Most arguments accepted from the caller. Default: the executor's `maxArgs`. */
  readonly maxArgs?: number;
  /** Longest single argument accepted. Default: the executor's `maxArgLength`. */
  readonly maxArgLength?: number;
  /**
   * A named check run before each run. `git`: the repository's own configuration may contain only
   * known-safe keys, and its work tree and git directory must pass `pathCheck`. Default: none.
   */
  readonly preflight?: 'git';
  /** Extra repository config keys (exact, lower case, `*` for one section part) the `git` preflight accepts. */
  readonly allowedRepositoryConfig?: readonly string[];
  /**
   * Windows only: allow a `.bat`/`.cmd` target, which Windows runs through `cmd.exe` whatever
   * `shell: false` says (BatBadBut, CVE-2024-27980). Weakens security; warns at start. Default: false.
   */
  readonly insecureAllowBatchFiles?: boolean;
  /**
   * Allow a shell (`sh`, `bash`, `cmd`, `powershell`, …) as the executable: its arguments are a
   * program. Weakens security; warns at start. Default: false.
   */
  readonly insecureAllowShell?: boolean;
}

/** Environment of every child: nothing is inherited unless named here. */
export interface EnvPolicy {
  /** Names copied from the parent's environment when present (exact names). Default: none. */
  readonly inherit?: readonly string[];
  /** Variables set for every child. Default: `{ PATH: '/usr/local/bin:/usr/bin:/bin', LC_ALL: 'C.UTF-8' }`. */
  readonly set?: Readonly<Record<string, string>>;
}

/** The whole policy: commands plus global limits. Validate one from JSON with `parseExecPolicy`. */
export interface ExecPolicy {
  /** Allowed commands, by the name callers use. */
  readonly commands: Readonly<Record<string, CommandPolicy>>;
  /** Default working directory (must pass `pathCheck` when one is given). Default: none: each run must give one. */
  readonly cwd?: string;
  readonly env?: EnvPolicy;
  /** Wall-clock limit per run. Default: 30 000 ms. */
  readonly timeoutMs?: number;
  /** Time between SIGTERM and SIGKILL of the process group. Default: 2 000 ms. */
  readonly killGraceMs?: number;
  /** Bytes of stdout kept; beyond it the output is cut and the process killed. Default: 1 MiB. */
  readonly maxStdoutBytes?: number;
  /** Bytes of stderr kept; as for stdout. Default: 256 KiB. */
  readonly maxStderrBytes?: number;
  /** Bytes of stdin a caller may give. Default: 1 MiB. */
  readonly maxStdinBytes?: number;
  /** Processes running at once; beyond it a run is refused with `ERR_TOO_MANY_PROCESSES`. Default: 4. */
  readonly maxConcurrent?: number;
  /** Most caller arguments per run. Default: 64. */
  readonly maxArgs?: number;
  /** Longest caller argument. Default: 4 096. */
  readonly maxArgLength?: number;
  /** Put argument values in `exec_run` events (they may hold personal data). Default: false. */
  readonly logArguments?: boolean;
}
