import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { memorySink } from '@mcp-warden/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type CommandPolicy,
  catPolicy,
  createExecutor,
  type Executor,
  findPolicy,
  gitPolicy,
  grepPolicy,
  lsPolicy,
  rgPolicy,
} from '../src/index.js';
import { sshPolicy, tarPolicy } from './fixtures.js';
import { codeOf, rootsCheck, script, tempDir } from './helpers.js';

let dir: { path: string; cleanup: () => void };
let root: string;
let repo: string;
let hostile: string;
let listing: string;
let markers: string;
let executor: Executor;
const events = memorySink();

/** Plain git (no policy), as a user would run it; `extra` adds environment variables. */
const plainGit = (cwd: string, extra: Record<string, string>, args: readonly string[]) =>
  spawnSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      PATH: '/usr/bin:/bin',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      HOME: cwd,
      GIT_AUTHOR_NAME: 'Test',
      GIT_AUTHOR_EMAIL: 'test@example.org',
      GIT_COMMITTER_NAME: 'Test',
      GIT_COMMITTER_EMAIL: 'test@example.org',
      ...extra,
    },
  });

const git = (cwd: string, ...args: string[]): string => {
  const result = plainGit(cwd, {}, args);
  if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
};

function makeRepo(path: string): void {
  mkdirSync(path, { recursive: true });
  git(path, 'init', '-q', '-b', 'main');
  git(path, 'config', 'user.name', 'Test');
  git(path, 'config', 'user.email', 'test@example.org');
  writeFileSync(join(path, 'a.txt'), 'one\n');
  git(path, 'add', 'a.txt');
  git(path, 'commit', '-q', '-m', 'first commit');
  writeFileSync(join(path, 'a.txt'), 'one\ntwo\n');
  writeFileSync(join(path, 'b.txt'), 'bee\n');
  git(path, 'add', 'a.txt', 'b.txt');
  git(path, 'commit', '-q', '-m', 'second commit');
  writeFileSync(join(path, 'a.txt'), 'one\ntwo\nthree\n');
}

/**
 * A repository for blame, branch and ls-files: three commits on `main` (a.txt gains a line in each),
 * `topic` one commit behind, `zeta` one commit ahead with a later date; a tracked file whose name
 * holds a space and a non-ASCII letter; untracked, ignored and modified files.
 */
function makeListingRepo(path: string): void {
  makeRepo(path);
  mkdirSync(join(path, 'src'));
  writeFileSync(join(path, 'src', 'main.ts'), 'export const main = 1;\n');
  writeFileSync(join(path, 'src', 'my file ü.txt'), 'hello\nwörld\n');
  writeFileSync(join(path, '.gitignore'), '*.tmp\n');
  git(path, 'add', '-A');
  git(path, 'commit', '-q', '-m', 'third commit');
  git(path, 'branch', 'topic', 'HEAD~1');
  git(path, 'checkout', '-q', '-b', 'zeta');
  writeFileSync(join(path, 'z.txt'), 'zed\n');
  git(path, 'add', 'z.txt');
  const later = { GIT_AUTHOR_DATE: '2030-01-01T00:00:00Z', GIT_COMMITTER_DATE: '2030-01-01T00:00:00Z' };
  expect(plainGit(path, later, ['commit', '-q', '-m', 'later commit']).status).toBe(0);
  git(path, 'checkout', '-q', 'main');
  writeFileSync(join(path, 'b.txt'), 'bee\nchanged\n');
  writeFileSync(join(path, 'new.txt'), 'untracked\n');
  writeFileSync(join(path, 'src', 'new.ts'), 'untracked\n');
  writeFileSync(join(path, 'scratch.tmp'), 'ignored\n');
}

/** Every branch with its commit and upstream, and every `branch.*` config entry. */
function branchState(cwd: string): string {
  const refs = git(cwd, 'for-each-ref', '--format=%(refname) %(objectname) %(upstream)', 'refs/heads');
  const config = plainGit(cwd, {}, ['config', '--get-regexp', '^branch\\.']).stdout;
  return `${refs}\n${config}`;
}

/** Marker files a hostile program would create; none may ever exist after a policy run. */
function pwned(): string[] {
  return ['fsmonitor', 'pager', 'textconv', 'extdiff', 'filter', 'exec', 'pre', 'checkpoint', 'proxy'].filter(
    (name) => existsSync(join(markers, name)),
  );
}

beforeAll(() => {
  dir = tempDir();
  root = join(dir.path, 'root');
  markers = join(dir.path, 'markers');
  mkdirSync(markers);
  repo = join(root, 'repo');
  makeRepo(repo);
  // A hostile repository as someone could hand it over (an archive, a shared folder): its own
  // .git/config names programs that plain git runs even for `git status`.
  hostile = join(root, 'hostile');
  makeRepo(hostile);
  const touch = (name: string): string =>
    script(join(dir.path, `evil-${name}`), `touch ${join(markers, name)}; cat`);
  git(hostile, 'config', 'core.fsmonitor', touch('fsmonitor'));
  git(hostile, 'config', 'core.pager', touch('pager'));
  git(hostile, 'config', 'diff.evil.textconv', touch('textconv'));
  git(hostile, 'config', 'diff.evil.command', touch('extdiff'));
  git(hostile, 'config', 'diff.external', touch('extdiff'));
  git(hostile, 'config', 'filter.evil.clean', touch('filter'));
  writeFileSync(join(hostile, '.gitattributes'), '*.txt diff=evil filter=evil\n');
  listing = join(root, 'listing');
  makeListingRepo(listing);
  mkdirSync(join(root, 'docs'));
  writeFileSync(join(root, 'docs', 'notes.txt'), 'needle here\nnothing\n-dash line\nNeedle again\n');
  writeFileSync(join(root, 'docs', 'other.md'), 'needle in markdown\n');
  mkdirSync(join(dir.path, 'outside'));
  writeFileSync(join(dir.path, 'outside', 'secret.txt'), 'needle secret\n');
  symlinkSync(join(dir.path, 'outside'), join(root, 'docs', 'escape'));
  // A stand-in for ripgrep (not installed here): prints the argv it receives; `--pre` would run a program.
  mkdirSync(join(dir.path, 'bin'));
  script(join(dir.path, 'bin', 'rg'), 'for a in "$@"; do printf "[%s]" "$a"; done; echo');
  writeFileSync(join(dir.path, 'archive-src.txt'), 'inside the archive\n');
  spawnSync('tar', ['-cf', join(root, 'archive.tar'), '-C', dir.path, 'archive-src.txt']);
  executor = createExecutor(
    {
      cwd: root,
      timeoutMs: 20_000,
      commands: {
        git: gitPolicy(),
        ls: lsPolicy(),
        cat: catPolicy(),
        grep: grepPolicy(),
        find: findPolicy(),
        rg: rgPolicy({ executable: join(dir.path, 'bin', 'rg') }),
        tar: tarPolicy(),
        ssh: sshPolicy(),
      },
    },
    { pathCheck: rootsCheck(root), events },
  );
});
afterAll(() => dir.cleanup());
beforeEach(() => {
  for (const name of pwned()) rmSync(join(markers, name));
});

describe('git (read-only): legitimate uses', () => {
  it('status, log, diff and show work on a normal repository', async () => {
    const cwd = repo;
    const status = await executor.run('git', ['status', '--short'], { cwd });
    expect(status.stdout).toBe(' M a.txt\n');
    const porcelain = await executor.run('git', ['status', '--porcelain=v2', '-b'], { cwd });
    expect(porcelain.stdout).toContain('# branch.head main');
    const log = await executor.run('git', ['log', '--oneline', '-n', '5'], { cwd });
    expect(log.stdout.trim().split('\n')).toHaveLength(2);
    expect((await executor.run('git', ['log', '-1', '--format=%s'], { cwd })).stdout).toBe('second commit\n');
    expect((await executor.run('git', ['log', '-1', '--pretty=format:%an'], { cwd })).stdout).toBe('Test');
    expect((await executor.run('git', ['log', '-p', '-1'], { cwd })).stdout).toContain('+bee');
    expect((await executor.run('git', ['log', '--oneline', '--', 'b.txt'], { cwd })).stdout).toContain(
      'second commit',
    );
    expect((await executor.run('git', ['diff'], { cwd })).stdout).toContain('+three');
    expect((await executor.run('git', ['diff', '--stat', 'HEAD~1', 'HEAD'], { cwd })).stdout).toContain(
      '2 files changed',
    );
    expect((await executor.run('git', ['diff', '--cached'], { cwd })).stdout).toBe('');
    expect((await executor.run('git', ['diff', 'HEAD~1', '--', 'a.txt'], { cwd })).stdout).toContain('+two');
    expect((await executor.run('git', ['show', '--stat', 'HEAD'], { cwd })).stdout).toContain('b.txt');
    expect((await executor.run('git', ['show', 'HEAD:a.txt'], { cwd })).stdout).toBe('one\ntwo\n');
    expect(
      (await executor.run('git', ['show', '--name-only', '--format=%H', 'HEAD~1'], { cwd })).exitCode,
    ).toBe(0);
    expect((await executor.run('git', ['log', '-2', '--sta'], { cwd })).stdout).toContain('a.txt');
    expect(
      (await executor.run('git', ['--no-pager', 'log', '-1', '--date=format:%Y', '--format=%ad'], { cwd }))
        .stdout,
    ).toMatch(/^\d{4}\n$/);
    expect(
      (await executor.run('git', ['log', '--since=2 weeks ago', '--author=Test', '--oneline'], { cwd }))
        .stdout,
    ).toContain('first commit');
    expect((await executor.run('git', ['diff', 'HEAD~1..HEAD', '--name-only'], { cwd })).stdout).toBe(
      'a.txt\nb.txt\n',
    );
    expect((await executor.run('git', ['status', '-sb'], { cwd })).stdout).toContain('## main');
    expect((await executor.run('git', ['log', '-Sbee', '--oneline'], { cwd })).stdout).toContain(
      'second commit',
    );
    expect(
      (await executor.run('git', ['log', '--format=%h %s', '-G', 'tw.', 'main...HEAD~1'], { cwd })).exitCode,
    ).toBe(0);
    expect(
      (await executor.run('git', ['diff', '--no-ext-diff', '--color=never', '-U0'], { cwd })).exitCode,
    ).toBe(0);
    expect(pwned()).toEqual([]);
  }, 60_000);
});

describe('git (read-only): argument injection is refused', () => {
  const injections: [string, string[]][] = [
    ['-c core.pager', ['-c', `core.pager=touch ${'x'}`, 'log']],
    ['-c core.sshCommand', ['-c', 'core.sshCommand=touch x', 'status']],
    ['-c bundled', ['-ccore.fsmonitor=touch x', 'status']],
    ['--config-env', ['--config-env=core.pager=X', 'log']],
    ['-C elsewhere', ['-C', '/', 'status']],
    ['--git-dir', ['--git-dir=/tmp/x', 'status']],
    ['--work-tree', ['--work-tree=/', 'status']],
    ['--exec-path', ['--exec-path=/tmp', 'status']],
    ['--upload-pack', ['log', '--upload-pack=touch x']],
    ['--upload-pa abbreviation', ['log', '--upload-pa=touch x']],
    ['--exec', ['log', '--exec=touch x']],
    ['--output', ['log', '--output=/tmp/x']],
    ['--output abbreviation', ['diff', '--outp=/tmp/x']],
    ['--ext-diff', ['diff', '--ext-diff']],
    ['--textconv', ['show', '--textconv', 'HEAD']],
    ['--no-index', ['diff', '--no-index', '/etc/passwd', 'a.txt']],
    ['--open-files-in-pager', ['log', '-Otouch']],
    ['option after --', ['log', '--', '--output=x']],
    ['push', ['push']],
    ['clone', ['clone', 'ext::sh -c touch% x', 'y']],
    ['fetch', ['fetch', '--upload-pack=touch x']],
    ['config', ['config', 'core.pager', 'touch x']],
    ['revision with a newline', ['show', 'HEAD\n--output=x']],
    ['a signature placeholder (runs gpg)', ['log', '--format=%H %G?']],
    ['a signature placeholder in --pretty', ['show', '--pretty=format:%GS', 'HEAD']],
    // `git diff <path> <path>` turns into --no-index when a path is outside the work tree.
    ['diff of a file outside the work tree via ..', ['diff', '../../outside/secret.txt', 'a.txt']],
    ['diff of an absolute path', ['diff', '/etc/passwd', 'a.txt']],
    ['diff of a path outside the roots after --', ['diff', '--', '../../outside/secret.txt', 'a.txt']],
    ['show of a ..-path', ['show', 'sub/../../x']],
  ];
  for (const [name, args] of injections) {
    it(`refuses ${name}`, async () => {
      const code = await codeOf(executor.run('git', args, { cwd: repo }));
      expect(['ERR_FLAG_NOT_ALLOWED', 'ERR_SUBCOMMAND_NOT_ALLOWED', 'ERR_ARGUMENT_REJECTED']).toContain(code);
      expect(pwned()).toEqual([]);
    });
  }
});

describe("git: a hostile repository's own config", () => {
  it('plain git diff of two paths reads a file outside the work tree (the threat is real)', () => {
    const plain = spawnSync('git', ['diff', '../../outside/secret.txt', 'a.txt'], {
      cwd: repo,
      encoding: 'utf8',
    });
    expect(plain.stdout).toContain('-needle secret');
  });

  it('really runs programs under plain git (the threat is real)', () => {
    git(hostile, 'status', '--short');
    expect(pwned()).toContain('fsmonitor');
    git(hostile, 'diff');
    expect(pwned()).toContain('extdiff');
    git(hostile, 'log', '-p', '-1', '--no-ext-diff');
    expect(pwned()).toContain('textconv');
  });

  it('is refused by the preflight for status, log, diff and show, and nothing runs', async () => {
    for (const args of [['status'], ['log', '-p'], ['diff'], ['show', 'HEAD']]) {
      expect(await codeOf(executor.run('git', args, { cwd: hostile }))).toBe('ERR_UNSAFE_REPOSITORY');
    }
    expect(pwned()).toEqual([]);
  }, 60_000);

  it('really runs programs under plain git blame and ls-files too (the threat is real)', () => {
    plainGit(hostile, {}, ['blame', 'a.txt']);
    expect(pwned()).toEqual(expect.arrayContaining(['fsmonitor', 'textconv', 'filter']));
    for (const name of pwned()) rmSync(join(markers, name));
    // Even a bare listing asks the fsmonitor hook.
    plainGit(hostile, {}, ['ls-files']);
    expect(pwned()).toContain('fsmonitor');
  });

  it('is refused by the preflight for blame, branch and ls-files, and nothing runs', async () => {
    for (const args of [
      ['blame', 'a.txt'],
      ['blame', 'HEAD', '--', 'a.txt'],
      ['branch'],
      ['branch', '-a', '-v'],
      ['ls-files'],
      ['ls-files', '-m', '-o'],
    ]) {
      expect(await codeOf(executor.run('git', args, { cwd: hostile }))).toBe('ERR_UNSAFE_REPOSITORY');
    }
    expect(pwned()).toEqual([]);
  }, 60_000);

  it('without the preflight, the forced settings still stop fsmonitor, pager, textconv and external diff', async () => {
    const { preflight: _dropped, ...withoutPreflight } = gitPolicy();
    const unguarded = createExecutor(
      { cwd: hostile, commands: { git: withoutPreflight as CommandPolicy } },
      { pathCheck: rootsCheck(root) },
    );
    // Remove only the filter (a repository-named driver no `-c` can know in advance: that is the
    // preflight's job) so this test isolates the forced settings.
    git(hostile, 'config', '--unset', 'filter.evil.clean');
    try {
      expect((await unguarded.run('git', ['status', '--short'])).exitCode).toBe(0);
      expect((await unguarded.run('git', ['diff'])).stdout).toContain('+three');
      expect((await unguarded.run('git', ['log', '-p', '-1'])).stdout).toContain('+bee');
      expect((await unguarded.run('git', ['show', 'HEAD'])).exitCode).toBe(0);
      // git blame runs textconv drivers unless told not to: the forced --no-textconv.
      const blamed = await unguarded.run('git', ['blame', 'a.txt']);
      expect(pwned()).toEqual([]);
      expect(blamed.stdout).toContain(') three');
      expect((await unguarded.run('git', ['ls-files', '-m'])).stdout).toBe('a.txt\n');
      expect((await unguarded.run('git', ['branch'])).stdout).toBe('* main\n');
      expect(pwned()).toEqual([]);
    } finally {
      git(hostile, 'config', 'filter.evil.clean', join(dir.path, 'evil-filter'));
    }
  }, 60_000);

  it('never runs git inside a submodule, whose own config the preflight cannot see', async () => {
    const inner = join(dir.path, 'inner-src');
    makeRepo(inner);
    git(inner, 'commit', '-qam', 'clean');
    const outer = join(root, 'with-submodule');
    makeRepo(outer);
    git(outer, '-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', inner, 'sub');
    git(outer, 'commit', '-qm', 'add submodule');
    const sub = join(outer, 'sub');
    git(sub, 'config', 'filter.evil.clean', join(dir.path, 'evil-filter'));
    writeFileSync(join(sub, '.gitattributes'), '*.txt filter=evil\n');
    git(sub, 'add', '.gitattributes');
    git(sub, 'commit', '-qm', 'attributes');
    const stale = (): void => {
      // Same content, new mtime: git must hash the file again, through the clean filter.
      const later = new Date(Date.now() + 5_000);
      utimesSync(join(sub, 'a.txt'), later, later);
    };
    stale();
    spawnSync('git', ['status', '--short'], { cwd: outer });
    expect(pwned()).toContain('filter');
    rmSync(join(markers, 'filter'));
    stale();
    expect((await executor.run('git', ['status', '--short'], { cwd: outer })).exitCode).toBe(0);
    stale();
    expect((await executor.run('git', ['diff'], { cwd: outer })).exitCode).toBe(0);
    stale();
    expect((await executor.run('git', ['log', '-p', '-1'], { cwd: outer })).exitCode).toBe(0);
    expect(pwned()).toEqual([]);
  }, 60_000);

  it('refuses a repository whose work tree lies outside the roots', async () => {
    mkdirSync(join(repo, 'sub'), { recursive: true });
    const inner = createExecutor(
      { commands: { git: gitPolicy() } },
      { pathCheck: rootsCheck(join(repo, 'sub')) },
    );
    expect(await codeOf(inner.run('git', ['status'], { cwd: join(repo, 'sub') }))).toBe(
      'ERR_UNSAFE_REPOSITORY',
    );
  });

  it('accepts extra config keys the deployment names, and only those', async () => {
    const extra = join(root, 'extra');
    makeRepo(extra);
    git(extra, 'config', 'merge.conflictstyle', 'diff3');
    expect(await codeOf(executor.run('git', ['status'], { cwd: extra }))).toBe('ERR_UNSAFE_REPOSITORY');
    const allowing = createExecutor(
      { cwd: extra, commands: { git: { ...gitPolicy(), allowedRepositoryConfig: ['merge.conflictstyle'] } } },
      { pathCheck: rootsCheck(root) },
    );
    expect((await allowing.run('git', ['status', '-s'])).stdout).toBe(' M a.txt\n');
  }, 30_000);
});

describe('git blame, branch (listing) and ls-files: legitimate uses', () => {
  it('blame, branch (listing) and ls-files work on a normal repository', async () => {
    const cwd = listing;
    const run = async (...args: string[]) => (await executor.run('git', args, { cwd })).stdout;
    const blame = await run('blame', 'a.txt');
    expect(blame.trim().split('\n')).toHaveLength(3);
    expect(blame).toMatch(/^\^?[0-9a-f]{7,} \(Test .* 1\) one\n/);
    expect(blame).toMatch(/ 3\) three\n$/);
    const range = await run('blame', '-L', '2,3', 'HEAD', '--', 'a.txt');
    expect(range.trim().split('\n')).toHaveLength(2);
    expect(range).toMatch(/ 2\) two\n.* 3\) three\n$/);
    expect(await run('blame', '-L', '2,+1', '-s', 'a.txt')).toMatch(/^[0-9a-f]{7,} 2\) two\n$/);
    const porcelain = await run('blame', '--porcelain', 'a.txt');
    expect(porcelain).toContain('author Test\n');
    expect(porcelain).toContain('summary first commit\n');
    expect(porcelain).toContain('\tthree\n');
    expect(await run('blame', '-e', '-w', '-M', '--date=short', 'HEAD~1', 'a.txt')).toContain(
      '<test@example.org>',
    );
    expect(await run('blame', 'src/my file ü.txt')).toMatch(/ 2\) wörld\n$/);
    expect(await run('blame', '--line-porcelain', '--', 'src/my file ü.txt')).toContain('\twörld\n');
    expect(await run('blame', '--reverse', 'HEAD~2..HEAD', '--', 'a.txt')).toContain(') one');

    expect(await run('branch')).toBe('* main\n  topic\n  zeta\n');
    expect(await run('branch', '-a', '-v')).toMatch(/^\* main +[0-9a-f]{7,} third commit\n/);
    expect(await run('branch', '-vv', '--no-color')).toContain('later commit');
    expect(await run('branch', '--show-current')).toBe('main\n');
    expect(await run('branch', '--list')).toBe('* main\n  topic\n  zeta\n');
    expect(await run('branch', '--contains', 'HEAD')).toBe('* main\n  zeta\n');
    expect(await run('branch', '--merged', 'main')).toBe('* main\n  topic\n');
    expect(await run('branch', '--no-merged=main')).toBe('  zeta\n');
    // Alone, as the last argument, the commit is HEAD (main here).
    expect(await run('branch', '--merged')).toBe('* main\n  topic\n');
    expect(await run('branch', '-v', '--contains')).toMatch(/^\* main .*\n {2}zeta /);
    expect(await run('branch', '--no-merged')).toBe('  zeta\n');
    expect(await run('branch', '--points-at', 'HEAD~1')).toBe('  topic\n');
    expect(await run('branch', '--sort=-committerdate')).toMatch(/^ {2}zeta\n/);
    expect(await run('branch', '--sort', 'refname', '-r')).toBe('');

    expect(await run('ls-files')).toBe(
      '.gitignore\na.txt\nb.txt\nsrc/main.ts\n"src/my file \\303\\274.txt"\n',
    );
    expect(await run('ls-files', '-o', '--exclude-standard')).toBe('new.txt\nsrc/new.ts\n');
    expect(await run('ls-files', '-z', 'src')).toBe('src/main.ts\0src/my file ü.txt\0');
    expect(await run('ls-files', '-m')).toBe('b.txt\n');
    expect(await run('ls-files', '-i', '-o', '--exclude-standard')).toBe('scratch.tmp\n');
    expect(await run('ls-files', '-s', '--', 'a.txt')).toMatch(/^100644 [0-9a-f]{40} 0\ta.txt\n$/);
    expect(await run('ls-files', '--full-name', 'src/my file ü.txt')).toBe('"src/my file \\303\\274.txt"\n');
    expect((await executor.run('git', ['ls-files', '--error-unmatch', 'absent.txt'], { cwd })).exitCode).toBe(
      1,
    );
    expect(pwned()).toEqual([]);
  }, 60_000);
});

describe('git branch: nothing that creates, deletes, moves or retargets a branch', () => {
  // [what, args, the code, whether plain git really writes with these arguments here]
  const writes: [string, string[], string, boolean][] = [
    ['a new branch', ['branch', 'evil'], 'ERR_ARGUMENT_REJECTED', true],
    ['a new branch at a commit', ['branch', 'evil', 'HEAD~1'], 'ERR_ARGUMENT_REJECTED', true],
    ['a new branch behind a list option', ['branch', '-vv', 'evil'], 'ERR_ARGUMENT_REJECTED', true],
    ['a new branch behind --sort', ['branch', '--sort=refname', 'evil'], 'ERR_ARGUMENT_REJECTED', true],
    ['a new branch behind --no-color', ['branch', '--no-color', 'evil'], 'ERR_ARGUMENT_REJECTED', true],
    ['a new branch behind --abbrev', ['branch', '--abbrev=7', 'evil'], 'ERR_ARGUMENT_REJECTED', true],
    ['a pattern after --list', ['branch', '--list', 'evil'], 'ERR_ARGUMENT_REJECTED', false],
    ['a name after --merged <rev>', ['branch', '--merged', 'main', 'evil'], 'ERR_ARGUMENT_REJECTED', false],
    ['-D main', ['branch', '-D', 'main'], 'ERR_FLAG_NOT_ALLOWED', false],
    ['-D topic', ['branch', '-D', 'topic'], 'ERR_FLAG_NOT_ALLOWED', true],
    ['-d topic', ['branch', '-d', 'topic'], 'ERR_FLAG_NOT_ALLOWED', true],
    ['--delete abbreviated', ['branch', '--del', 'topic'], 'ERR_FLAG_NOT_ALLOWED', true],
    ['-m main x', ['branch', '-m', 'main', 'x'], 'ERR_FLAG_NOT_ALLOWED', true],
    ['-M topic main2', ['branch', '-M', 'topic', 'main2'], 'ERR_FLAG_NOT_ALLOWED', true],
    ['-c main copy', ['branch', '-c', 'main', 'copy'], 'ERR_FLAG_NOT_ALLOWED', true],
    ['-C main copy', ['branch', '-C', 'main', 'copy'], 'ERR_FLAG_NOT_ALLOWED', true],
    ['--set-upstream-to=x', ['branch', '--set-upstream-to=x'], 'ERR_FLAG_NOT_ALLOWED', false],
    ['--set-upstream-to=topic', ['branch', '--set-upstream-to=topic'], 'ERR_FLAG_NOT_ALLOWED', true],
    ['-u topic', ['branch', '-u', 'topic'], 'ERR_FLAG_NOT_ALLOWED', true],
    ['--track', ['branch', '--track', 'evil', 'main'], 'ERR_FLAG_NOT_ALLOWED', true],
    ['--unset-upstream', ['branch', '--unset-upstream'], 'ERR_FLAG_NOT_ALLOWED', false],
    ['-f main HEAD~1', ['branch', '-f', 'main', 'HEAD~1'], 'ERR_FLAG_NOT_ALLOWED', false],
    ['-f topic HEAD', ['branch', '-f', 'topic', 'HEAD'], 'ERR_FLAG_NOT_ALLOWED', true],
    ['--create-reflog', ['branch', '--create-reflog', 'evil'], 'ERR_FLAG_NOT_ALLOWED', true],
    ['--edit-description (runs an editor)', ['branch', '--edit-description'], 'ERR_FLAG_NOT_ALLOWED', false],
    ['--recurse-submodules', ['branch', '--recurse-submodules', 'evil'], 'ERR_FLAG_NOT_ALLOWED', false],
  ];

  it('plain git writes with each of these arguments (the threat is real)', () => {
    const before = branchState(listing);
    for (const [what, args, , real] of writes) {
      if (!real) continue;
      const scratch = join(dir.path, 'scratch-branch');
      cpSync(listing, scratch, { recursive: true });
      try {
        plainGit(scratch, {}, args);
        expect(branchState(scratch), what).not.toBe(before);
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    }
  });

  for (const [what, args, expected] of writes) {
    it(`refuses git branch ${what}, and the branches are unchanged`, async () => {
      const before = branchState(listing);
      expect(await codeOf(executor.run('git', args, { cwd: listing }))).toBe(expected);
      expect(branchState(listing)).toBe(before);
      expect(await executor.run('git', ['branch'], { cwd: listing })).toMatchObject({
        stdout: '* main\n  topic\n  zeta\n',
      });
    });
  }
});

describe('git blame and ls-files: nothing outside the repository is read', () => {
  it('plain git blame prints any file named by --contents, -S or --ignore-revs-file (the threat is real)', () => {
    const secret = '../../outside/secret.txt';
    expect(plainGit(listing, {}, ['blame', '--contents', secret, 'a.txt']).stdout).toContain('needle secret');
    expect(plainGit(listing, {}, ['blame', '-S', secret, 'a.txt']).stderr).toContain('needle secret');
    expect(plainGit(listing, {}, ['blame', '--ignore-revs-file', secret, 'a.txt']).stderr).toContain(
      'needle secret',
    );
  });

  const refused: [string, string[], string][] = [
    ['blame --contents /etc/passwd', ['blame', '--contents', '/etc/passwd', 'a.txt'], 'ERR_FLAG_NOT_ALLOWED'],
    ['blame --contents=', ['blame', '--contents=../../outside/secret.txt', 'a.txt'], 'ERR_FLAG_NOT_ALLOWED'],
    ['blame --conte abbreviation', ['blame', '--conte', '/etc/passwd', 'a.txt'], 'ERR_FLAG_NOT_ALLOWED'],
    ['blame -S <revs-file>', ['blame', '-S', '/tmp/revs', 'a.txt'], 'ERR_FLAG_NOT_ALLOWED'],
    ['blame -S bundled', ['blame', '-wS/etc/passwd', 'a.txt'], 'ERR_FLAG_NOT_ALLOWED'],
    [
      'blame --ignore-revs-file',
      ['blame', '--ignore-revs-file', '/etc/passwd', 'a.txt'],
      'ERR_FLAG_NOT_ALLOWED',
    ],
    [
      'blame --ignore-revs abbreviation',
      ['blame', '--ignore-revs=/etc/passwd', 'a.txt'],
      'ERR_FLAG_NOT_ALLOWED',
    ],
    ['blame -C (git -C elsewhere)', ['blame', '-C', 'a.txt'], 'ERR_FLAG_NOT_ALLOWED'],
    ['blame -c', ['blame', '-c', 'a.txt'], 'ERR_FLAG_NOT_ALLOWED'],
    ['blame --textconv', ['blame', '--textconv', 'a.txt'], 'ERR_FLAG_NOT_ALLOWED'],
    ['blame --progress', ['blame', '--progress', 'a.txt'], 'ERR_FLAG_NOT_ALLOWED'],
    ['blame -L /regex/', ['blame', '-L', '/^one/,+1', 'a.txt'], 'ERR_ARGUMENT_REJECTED'],
    ['blame -L :funcname', ['blame', '-L:main', 'a.txt'], 'ERR_ARGUMENT_REJECTED'],
    ['blame of a file via ..', ['blame', '../../outside/secret.txt'], 'ERR_ARGUMENT_REJECTED'],
    ['blame of an absolute path', ['blame', '/etc/passwd'], 'ERR_ARGUMENT_REJECTED'],
    [
      'blame of a path outside after --',
      ['blame', 'HEAD', '--', '../../outside/secret.txt'],
      'ERR_ARGUMENT_REJECTED',
    ],
    ['blame of a path outside after a revision', ['blame', 'HEAD', '/etc/passwd'], 'ERR_ARGUMENT_REJECTED'],
    ['blame with a ..-revision', ['blame', '../x', 'a.txt'], 'ERR_ARGUMENT_REJECTED'],
    ['blame with three operands', ['blame', 'HEAD', 'a.txt', 'b.txt'], 'ERR_ARGUMENT_REJECTED'],
    ['ls-files -X /etc/passwd', ['ls-files', '-X', '/etc/passwd'], 'ERR_FLAG_NOT_ALLOWED'],
    ['ls-files -oX bundled', ['ls-files', '-oX/etc/passwd'], 'ERR_FLAG_NOT_ALLOWED'],
    ['ls-files --exclude-from=', ['ls-files', '--exclude-from=/etc/passwd'], 'ERR_FLAG_NOT_ALLOWED'],
    ['ls-files --exclude-f abbreviation', ['ls-files', '--exclude-f=/etc/passwd'], 'ERR_FLAG_NOT_ALLOWED'],
    [
      'ls-files --exclude-per-directory',
      ['ls-files', '-o', '--exclude-per-directory=x'],
      'ERR_FLAG_NOT_ALLOWED',
    ],
    ['ls-files --recurse-submodules', ['ls-files', '--recurse-submodules'], 'ERR_FLAG_NOT_ALLOWED'],
    ['ls-files --format', ['ls-files', '--format=%(path)'], 'ERR_FLAG_NOT_ALLOWED'],
    ['ls-files of a path via ..', ['ls-files', '-o', '../../outside'], 'ERR_ARGUMENT_REJECTED'],
    ['ls-files of an absolute path', ['ls-files', '/etc'], 'ERR_ARGUMENT_REJECTED'],
    ['ls-files of a path outside after --', ['ls-files', '--', '../../outside'], 'ERR_ARGUMENT_REJECTED'],
    ['ls-files --with-tree of a ..-revision', ['ls-files', '--with-tree=../x'], 'ERR_ARGUMENT_REJECTED'],
  ];
  for (const [name, args, expected] of refused) {
    it(`refuses ${name}`, async () => {
      expect(await codeOf(executor.run('git', args, { cwd: listing }))).toBe(expected);
      expect(pwned()).toEqual([]);
    });
  }

  it('plain git blame reads a work tree file through a symlinked directory (the threat is real), the policy refuses it', async () => {
    const linked = join(root, 'linked');
    makeRepo(linked);
    mkdirSync(join(linked, 'sub'));
    writeFileSync(join(linked, 'sub', 'secret.txt'), 'committed\n');
    git(linked, 'add', 'sub');
    git(linked, 'commit', '-q', '-m', 'sub');
    // What a file-writing tool inside the roots can do: swap the directory for a link out of them.
    rmSync(join(linked, 'sub'), { recursive: true });
    symlinkSync(join(dir.path, 'outside'), join(linked, 'sub'));
    expect(git(linked, 'blame', 'sub/secret.txt')).toContain('needle secret');
    for (const args of [
      ['blame', 'sub/secret.txt'],
      ['blame', '--', 'sub/secret.txt'],
      ['blame', '-w', 'HEAD', 'sub/secret.txt'],
    ]) {
      expect(await codeOf(executor.run('git', args, { cwd: linked }))).toBe('ERR_ARGUMENT_REJECTED');
    }
    expect((await executor.run('git', ['blame', 'a.txt'], { cwd: linked })).stdout).toContain(') one');
  });

  it('plain git ls-files --recurse-submodules runs a program the submodule config names (the threat is real), the policy never recurses', async () => {
    const inner = join(dir.path, 'inner-ls-src');
    makeRepo(inner);
    git(inner, 'commit', '-qam', 'clean');
    const outer = join(root, 'ls-submodule');
    makeRepo(outer);
    git(outer, '-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', inner, 'sub');
    git(outer, 'commit', '-qm', 'add submodule');
    const sub = join(outer, 'sub');
    git(sub, 'config', 'core.fsmonitor', join(dir.path, 'evil-fsmonitor'));
    // A first run in the submodule leaves the index extension that makes git ask the hook again.
    plainGit(sub, {}, ['status']);
    rmSync(join(markers, 'fsmonitor'), { force: true });
    plainGit(outer, {}, ['ls-files', '--recurse-submodules']);
    expect(pwned()).toContain('fsmonitor');
    rmSync(join(markers, 'fsmonitor'));
    expect(await codeOf(executor.run('git', ['ls-files', '--recurse-submodules'], { cwd: outer }))).toBe(
      'ERR_FLAG_NOT_ALLOWED',
    );
    const listed = await executor.run('git', ['ls-files', '-s', '-m', '-o'], { cwd: outer });
    expect(listed.stdout).toMatch(/^160000 [0-9a-f]{40} 0\tsub$/m);
    expect(listed.stdout).not.toContain('sub/a.txt');
    expect(pwned()).toEqual([]);
  }, 60_000);
});

describe('ls', () => {
  it('allows listing and formatting inside the roots', async () => {
    expect((await executor.run('ls', ['docs'])).stdout).toBe('escape\nnotes.txt\nother.md\n');
    expect((await executor.run('ls', ['-la', '--color=never', 'docs'])).stdout).toContain('notes.txt');
    expect((await executor.run('ls', ['-1R', 'docs'])).exitCode).toBe(0);
    expect((await executor.run('ls', ['--sort=size', '-r', '-h', '-s'])).exitCode).toBe(0);
    expect((await executor.run('ls', ['-lart', '--time-style=long-iso', 'docs'])).stdout).toContain(
      'other.md',
    );
    expect((await executor.run('ls', ['-lc', '--block-size=K', '--hide=*.md', 'docs'])).stdout).not.toContain(
      'other.md',
    );
  });

  it('refuses symlink dereferencing and paths outside the roots', async () => {
    expect(await codeOf(executor.run('ls', ['-L', 'docs/escape']))).toBe('ERR_FLAG_NOT_ALLOWED');
    expect(await codeOf(executor.run('ls', ['--dereference', 'docs']))).toBe('ERR_FLAG_NOT_ALLOWED');
    expect(await codeOf(executor.run('ls', ['docs/escape/']))).toBe('ERR_ARGUMENT_REJECTED');
    expect(await codeOf(executor.run('ls', ['/etc']))).toBe('ERR_ARGUMENT_REJECTED');
  });
});

describe('cat', () => {
  it('prints files inside the roots with display options', async () => {
    expect((await executor.run('cat', ['-n', 'docs/other.md'])).stdout).toBe('     1\tneedle in markdown\n');
    expect((await executor.run('cat', ['-A', 'docs/other.md'])).stdout).toBe('needle in markdown$\n');
  });

  it('refuses files outside the roots, via symlink or .., and the stdin marker', async () => {
    expect(await codeOf(executor.run('cat', ['/etc/shadow']))).toBe('ERR_ARGUMENT_REJECTED');
    expect(await codeOf(executor.run('cat', ['docs/escape/secret.txt']))).toBe('ERR_ARGUMENT_REJECTED');
    expect(await codeOf(executor.run('cat', ['docs/../../outside/secret.txt']))).toBe(
      'ERR_ARGUMENT_REJECTED',
    );
    expect(await codeOf(executor.run('cat', ['-']))).toBe('ERR_FLAG_NOT_ALLOWED');
  });
});

describe('grep', () => {
  it('searches inside the roots with common options', async () => {
    expect((await executor.run('grep', ['-rn', 'needle', 'docs'])).stdout).toContain(
      'docs/notes.txt:1:needle here',
    );
    expect((await executor.run('grep', ['-ic', 'needle', 'docs/notes.txt'])).stdout).toBe('2\n');
    expect((await executor.run('grep', ['-e', '-dash', 'docs/notes.txt'])).stdout).toBe('-dash line\n');
    expect((await executor.run('grep', ['--', '-dash', 'docs/notes.txt'])).stdout).toBe('-dash line\n');
    expect((await executor.run('grep', ['-r', '--include=*.md', 'needle', '.'])).stdout).toBe(
      './docs/other.md:needle in markdown\n',
    );
    expect((await executor.run('grep', ['-A1', '-w', 'needle', 'docs/notes.txt'])).stdout).toBe(
      'needle here\nnothing\n',
    );
    expect((await executor.run('grep', ['-2', 'nothing', 'docs/notes.txt'])).stdout.split('\n')).toHaveLength(
      5,
    );
    // No match is exit 1, not a denial.
    expect((await executor.run('grep', ['absent', 'docs/notes.txt'])).exitCode).toBe(1);
  });

  it('does not follow the symlink out of the roots with -r (GNU grep -r skips symlinks)', async () => {
    expect((await executor.run('grep', ['-r', 'secret', 'docs'])).stdout).toBe('');
  });

  it('refuses -R, -f outside the roots and files outside the roots', async () => {
    expect(await codeOf(executor.run('grep', ['-R', 'secret', 'docs']))).toBe('ERR_FLAG_NOT_ALLOWED');
    expect(await codeOf(executor.run('grep', ['--dereference-rec', 'secret', 'docs']))).toBe(
      'ERR_FLAG_NOT_ALLOWED',
    );
    expect(await codeOf(executor.run('grep', ['-f', '/etc/passwd', 'docs']))).toBe('ERR_ARGUMENT_REJECTED');
    expect(await codeOf(executor.run('grep', ['root', '/etc/passwd']))).toBe('ERR_ARGUMENT_REJECTED');
    expect(await codeOf(executor.run('grep', ['-r', 'x', 'docs/escape']))).toBe('ERR_ARGUMENT_REJECTED');
  });
});

describe('find', () => {
  it('allows tests, operators and printing', async () => {
    const names = await executor.run('find', ['docs', '-name', '*.txt', '-type', 'f']);
    expect(names.stdout).toBe('docs/notes.txt\n');
    const either = await executor.run('find', [
      'docs',
      '(',
      '-name',
      '*.md',
      '-o',
      '-name',
      '*.txt',
      ')',
      '-print',
    ]);
    expect(either.stdout.trim().split('\n').sort()).toEqual(['docs/notes.txt', 'docs/other.md']);
    expect((await executor.run('find', ['.', '-maxdepth', '1', '-type', 'd', '-name', 'docs'])).stdout).toBe(
      './docs\n',
    );
    expect((await executor.run('find', ['docs', '-mtime', '-1', '-printf', '%f\\n', '-quit'])).exitCode).toBe(
      0,
    );
    expect((await executor.run('find', ['docs', '-newer', 'archive.tar', '!', '-type', 'l'])).exitCode).toBe(
      0,
    );
    expect((await executor.run('find', ['docs', '-size', '-10k', '-not', '-empty'])).exitCode).toBe(0);
    expect((await executor.run('find', ['docs', '-type', 'f', '-perm', '-u=r', '-uid', '0'])).exitCode).toBe(
      0,
    );
  });

  it('refuses every action that runs, deletes or writes, and symlink following', async () => {
    const target = join(root, 'docs', 'other.md');
    for (const args of [
      ['docs', '-exec', 'touch', join(markers, 'exec'), ';'],
      ['docs', '-execdir', 'touch', join(markers, 'exec'), '+'],
      ['docs', '-ok', 'touch', join(markers, 'exec'), ';'],
      ['docs', '-okdir', 'touch', join(markers, 'exec'), ';'],
      ['docs', '-name', 'other.md', '-delete'],
      ['docs', '-fprint', join(markers, 'exec')],
      ['docs', '-fprint0', join(markers, 'exec')],
      ['docs', '-fprintf', join(markers, 'exec'), '%p'],
      ['docs', '-fls', join(markers, 'exec')],
      ['-files0-from', '/etc/passwd'],
      ['-L', 'docs'],
      ['docs', '-follow'],
      ['/etc', '-name', 'passwd'],
      ['docs/escape'],
    ]) {
      const code = await codeOf(executor.run('find', args));
      expect(['ERR_FLAG_NOT_ALLOWED', 'ERR_ARGUMENT_REJECTED']).toContain(code);
    }
    expect(existsSync(target)).toBe(true);
    expect(pwned()).toEqual([]);
  });
});

describe('rg (stand-in executable: ripgrep is not installed here)', () => {
  it('passes legitimate searches with a normalised argv', async () => {
    expect((await executor.run('rg', ['-n', '-i', 'needle', 'docs'])).stdout).toBe(
      '[--line-number][--ignore-case][--][needle][docs]\n',
    );
    expect((await executor.run('rg', ['--files', '-g', '*.md'])).stdout).toBe('[--files][--glob=*.md]\n');
    expect((await executor.run('rg', ['-tts', '-C2', 'x', '.'])).stdout).toBe(
      '[--type=ts][--context=2][--][x][.]\n',
    );
  });

  it('refuses --pre, --pre-glob, --search-zip, --hostname-bin and --follow before anything runs', async () => {
    const events0 = events.events.length;
    for (const args of [
      ['--pre', 'touch', 'x', 'docs'],
      ['--pre=touch', 'x', 'docs'],
      ['--pre-glob=*', 'x'],
      ['-z', 'x'],
      ['--search-zip', 'x'],
      ['--hostname-bin=touch', 'x'],
      ['-L', 'x'],
      ['--follow', 'x'],
      ['--pr=touch', 'x'],
    ]) {
      expect(await codeOf(executor.run('rg', args))).toBe('ERR_FLAG_NOT_ALLOWED');
    }
    const raised = events.events
      .slice(events0)
      .filter((event) => event.type === 'malicious_argument_injection');
    expect(raised.length).toBeGreaterThanOrEqual(8);
  });
});

describe('tar and ssh (custom policies): the classic injections', () => {
  it('real tar runs an abbreviated --checkpoint-act=exec (the threat is real)', () => {
    spawnSync('tar', [
      '-tf',
      join(root, 'archive.tar'),
      '--checkpoint=1',
      `--checkpoint-act=exec=touch ${join(markers, 'checkpoint')}`,
    ]);
    expect(pwned()).toContain('checkpoint');
  });

  it('the tar policy lists archives and refuses --checkpoint-action, its abbreviations and compressors', async () => {
    expect((await executor.run('tar', ['-tf', 'archive.tar'])).stdout).toBe('archive-src.txt\n');
    expect((await executor.run('tar', ['--lis', '--file=archive.tar'])).stdout).toBe('archive-src.txt\n');
    for (const args of [
      [
        '-tf',
        'archive.tar',
        '--checkpoint=1',
        `--checkpoint-action=exec=touch ${join(markers, 'checkpoint')}`,
      ],
      ['-tf', 'archive.tar', '--checkpoint=1', `--checkpoint-act=exec=touch ${join(markers, 'checkpoint')}`],
      ['-tf', 'archive.tar', '--use-compress-prog=touch x'],
      ['-tf', 'archive.tar', '-I', 'touch x'],
      ['-tf', 'archive.tar', '--to-comm=touch x'],
      ['-tf', 'archive.tar', '--info-script=touch x'],
    ]) {
      expect(await codeOf(executor.run('tar', args))).toBe('ERR_FLAG_NOT_ALLOWED');
    }
    expect(pwned()).toEqual([]);
  });

  it('the ssh policy refuses -oProxyCommand in every spelling', async () => {
    for (const args of [
      ['-oProxyCommand=touch x', 'host'],
      ['-o', 'ProxyCommand=touch x', 'host'],
      ['-4oProxyCommand=touch x', 'host'],
      ['-F', '/tmp/evil_config', 'host'],
      ['-J', 'evil', 'host'],
    ]) {
      expect(await codeOf(executor.run('ssh', args))).toBe('ERR_FLAG_NOT_ALLOWED');
    }
    expect(await codeOf(executor.run('ssh', ['-oProxyCommand=x']))).toBe('ERR_FLAG_NOT_ALLOWED');
    expect(await codeOf(executor.run('ssh', ['host;id']))).toBe('ERR_ARGUMENT_REJECTED');
  });
});
