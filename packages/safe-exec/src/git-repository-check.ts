import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { ExecError } from '@mcp-warden/core';
import { runChild } from './child-run.js';
import { physicalPath } from './physical-path.js';

/**
 * Repository config keys the `git` preflight accepts (lower-case; `*` stands for the subsection).
 * Anything else in a repository's own config (`core.fsmonitor`, `core.pager`, `diff.*.textconv`,
 * `filter.*.clean`, `include.path`, aliases, hooks paths, …) makes the repository refused: an
 * allowlist, because the list of config keys that run commands keeps growing.
 */
export const SAFE_REPOSITORY_CONFIG: readonly string[] = Object.freeze([
  'core.repositoryformatversion',
  'core.filemode',
  'core.bare',
  'core.logallrefupdates',
  'core.ignorecase',
  'core.precomposeunicode',
  'core.symlinks',
  'core.autocrlf',
  'core.eol',
  'core.safecrlf',
  'core.quotepath',
  'core.abbrev',
  'core.sharedrepository',
  'core.checkstat',
  'core.trustctime',
  'core.commitgraph',
  'core.multipackindex',
  'core.compression',
  'core.loosecompression',
  'core.bigfilethreshold',
  'core.worktree',
  'remote.*.url',
  'remote.*.fetch',
  'remote.*.pushurl',
  'remote.*.tagopt',
  'remote.*.prune',
  'remote.*.mirror',
  'branch.*.remote',
  'branch.*.merge',
  'branch.*.rebase',
  'branch.*.pushremote',
  'branch.*.description',
  'submodule.*.url',
  'submodule.*.active',
  'user.name',
  'user.email',
  'init.defaultbranch',
  'extensions.objectformat',
  'extensions.worktreeconfig',
  'pull.rebase',
  'pull.ff',
  'fetch.prune',
  'gc.auto',
  'index.version',
  'color.ui',
  'i18n.commitencoding',
  'i18n.logoutputencoding',
  'log.date',
  'log.decorate',
  'log.abbrevcommit',
  'status.showuntrackedfiles',
  'diff.renames',
  'diff.algorithm',
  'diff.mnemonicprefix',
  'diff.noprefix',
  'lfs.repositoryformatversion',
]);

/** True when a config key (as `git config --list` prints it) matches an allowed pattern. */
export function isAllowedConfigKey(key: string, allowed: readonly string[]): boolean {
  const first = key.indexOf('.');
  const last = key.lastIndexOf('.');
  if (first <= 0 || last === key.length - 1) return false;
  const section = key.slice(0, first).toLowerCase();
  const name = key.slice(last + 1).toLowerCase();
  const hasSubsection = first !== last;
  return allowed.some((pattern) => {
    const parts = pattern.toLowerCase().split('.');
    if (parts.length === 2) return !hasSubsection && parts[0] === section && parts[1] === name;
    if (parts.length !== 3 || !hasSubsection || parts[0] !== section || parts[2] !== name) return false;
    return parts[1] === '*' || parts[1] === key.slice(first + 1, last).toLowerCase();
  });
}

/** What the git preflight needs from the executor. */
export interface GitPreflightSpec {
  readonly git: string;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly allowedKeys: readonly string[];
  readonly timeoutMs: number;
  readonly killGraceMs: number;
  readonly signal: AbortSignal | undefined;
  /** Checks a repository directory against the roots; false refuses. */
  readonly checkPath: (path: string) => Promise<boolean>;
}

function refused(reason: string, detail: Record<string, unknown> = {}): ExecError {
  return new ExecError('ERR_UNSAFE_REPOSITORY', `repository refused: ${reason}`, {
    data: { reason },
    detail,
  });
}

/**
 * Refuses a repository whose own configuration holds a key outside the allowlist, or whose work
 * tree or git directory lies outside the roots. Reading config (`git config --list`,
 * `git rev-parse`) runs no configured program.
 */
export async function checkGitRepository(spec: GitPreflightSpec): Promise<void> {
  const base = {
    file: spec.git,
    cwd: spec.cwd,
    env: spec.env,
    stdin: undefined,
    timeoutMs: spec.timeoutMs,
    killGraceMs: spec.killGraceMs,
    maxStdoutBytes: 256 * 1024,
    maxStderrBytes: 16 * 1024,
    signal: spec.signal,
  };
  const located = await runChild({
    ...base,
    argv: ['rev-parse', '--absolute-git-dir', '--show-toplevel', '--git-common-dir', '--git-path', 'objects'],
  });
  if (located.exitCode !== 0 || located.truncated) throw refused('not inside a git work tree');
  // Exactly four lines: a path holding a newline could otherwise shift a line out of the check.
  const lines = located.stdout.split('\n');
  if (lines.length !== 5 || lines[4] !== '' || lines.slice(0, 4).some((line) => line === '')) {
    throw refused('not inside a git work tree');
  }
  // The common dir (`commondir` file: config, refs, objects) and the object store may lie
  // elsewhere than the git dir; both are plain text away from a repository outside the roots.
  // Relative lines are relative to git's (physical) working directory: resolve them as the kernel does.
  const [gitDir, topLevel, commonDir, objectsDir] = (await Promise.all(
    lines.slice(0, 4).map((line) => physicalPath(spec.cwd, line)),
  )) as [string, string, string, string];
  for (const path of [topLevel, gitDir, commonDir, objectsDir]) {
    if (!(await spec.checkPath(path))) throw refused('repository outside the allowed roots');
  }
  await checkAlternates(objectsDir, spec.checkPath, 0);
  const listed = await runChild({ ...base, argv: ['config', '--list', '--show-scope', '--name-only', '-z'] });
  if (listed.exitCode !== 0 || listed.truncated) throw refused('repository config could not be read');
  const fields = listed.stdout.split('\0');
  const unsafe: string[] = [];
  for (let index = 0; index + 1 < fields.length; index += 2) {
    const scope = fields[index]!;
    const key = fields[index + 1]!;
    // `command` scope holds the safe overrides the policy itself passes with `-c`.
    if (scope === 'command') continue;
    if (!isAllowedConfigKey(key, spec.allowedKeys)) unsafe.push(key);
  }
  if (unsafe.length > 0) throw refused('repository config holds keys that can run commands', { unsafe });
}

/** git's own limit on nested alternates. */
const MAX_ALTERNATE_DEPTH = 5;
const MAX_ALTERNATES_BYTES = 64 * 1024;

/**
 * Every object directory `objects/info/alternates` names (nested ones too) must pass the path
 * check: an alternate outside the roots makes any object there readable by id. Parsed as git does:
 * one path per line, `#` comments, relative paths against the object directory. A quoted line or a
 * file that is not a regular file refuses the repository (fail closed).
 */
async function checkAlternates(
  objectsDir: string,
  checkPath: (path: string) => Promise<boolean>,
  depth: number,
): Promise<void> {
  // git resolves a relative entry against the real path of the object directory, then lexically.
  let base: string;
  try {
    base = await realpath(objectsDir);
  } catch {
    return; // git skips an object directory that does not exist
  }
  const text = await readAlternates(join(base, 'info', 'alternates'));
  if (text === undefined) return;
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('"')) throw refused('repository alternates could not be checked');
    if (depth + 1 > MAX_ALTERNATE_DEPTH) throw refused('repository alternates nest too deep');
    const alternate = isAbsolute(line) ? resolve(line) : resolve(base, line);
    if (!(await checkPath(alternate)))
      throw refused('repository borrows objects from outside the allowed roots');
    await checkAlternates(alternate, checkPath, depth + 1);
  }
}

/** The alternates file's text, or undefined when there is none. Never blocks on a FIFO. */
async function readAlternates(path: string): Promise<string | undefined> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw refused('repository alternates could not be checked');
  }
  try {
    const stats = await handle.stat();
    if (stats.isFile() && stats.size <= MAX_ALTERNATES_BYTES) return await handle.readFile('utf8');
  } catch {
    // Unreadable: refused below.
  } finally {
    await handle.close().catch(() => {});
  }
  throw refused('repository alternates could not be checked');
}
