import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
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
let markers: string;
let executor: Executor;
const events = memorySink();

const git = (cwd: string, ...args: string[]): string => {
  const result = spawnSync('git', args, {
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
    },
  });
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
