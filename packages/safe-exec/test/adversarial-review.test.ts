import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isWardenError } from '@mcp-warden/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  catPolicy,
  checkArguments,
  createExecutor,
  type Executor,
  findPolicy,
  gitPolicy,
  grepPolicy,
  lsPolicy,
  rgPolicy,
} from '../src/index.js';
import { codeOf, eventually, processGone, rootsCheck, script, tempDir } from './helpers.js';

/**
 * Probes from an adversarial review: an attacker steering a model that calls
 * `run_command {command, args}` with the ready-made policies, and the ordinary calls a legitimate
 * user must still get. Real child processes, real repositories.
 */

let dir: { path: string; cleanup: () => void };
let root: string;
let repo: string;
let outside: string;
let victim: string;
let markers: string;
let executor: Executor;

const GIT_ENV = {
  PATH: '/usr/bin:/bin',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.org',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.org',
};

const git = (cwd: string, ...args: string[]): string => {
  const result = spawnSync('git', args, { cwd, encoding: 'utf8', env: { ...GIT_ENV, HOME: cwd } });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
};

function makeRepo(path: string, secret = 'one'): void {
  mkdirSync(path, { recursive: true });
  git(path, 'init', '-q', '-b', 'main');
  writeFileSync(join(path, 'a.txt'), `${secret}\n`);
  git(path, 'add', 'a.txt');
  git(path, 'commit', '-q', '-m', 'first commit');
}

function pwned(): string[] {
  return existsSync(markers) ? readdirSync(markers) : [];
}

beforeAll(() => {
  dir = tempDir();
  root = join(dir.path, 'root');
  markers = join(dir.path, 'markers');
  mkdirSync(markers);
  repo = join(root, 'repo');
  makeRepo(repo);
  writeFileSync(join(repo, 'b.ts'), 'export const b = "a b \\"c\\" $x; y | z";\n');
  git(repo, 'add', 'b.ts');
  git(repo, 'commit', '-q', '-m', 'add b');
  outside = join(dir.path, 'outside');
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret.txt'), 'TOPSECRET\n');
  // A repository outside the roots whose history the attacker wants.
  victim = join(outside, 'victim');
  makeRepo(victim, 'VICTIMSECRET');
  symlinkSync(outside, join(repo, 'escape'));
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
      },
    },
    { pathCheck: rootsCheck(root) },
  );
});
afterAll(() => dir.cleanup());
beforeEach(() => {
  for (const name of pwned()) rmSync(join(markers, name));
});

describe('git: a repository inside the roots that borrows one outside them', () => {
  it('refuses a git directory whose commondir points outside the roots (plain text files suffice)', async () => {
    // Nothing but text files written inside the roots: what a file-writing tool can do.
    const borrowed = join(root, 'borrowed');
    mkdirSync(join(borrowed, '.git', 'objects'), { recursive: true });
    mkdirSync(join(borrowed, '.git', 'refs'), { recursive: true });
    writeFileSync(join(borrowed, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    writeFileSync(join(borrowed, '.git', 'commondir'), `${join(victim, '.git')}\n`);
    // The threat is real: plain git reads the victim's history from inside the roots.
    expect(git(borrowed, 'log', '-p')).toContain('VICTIMSECRET');
    for (const args of [['log', '-p'], ['status'], ['show', 'HEAD:a.txt'], ['diff', 'HEAD']]) {
      expect(await codeOf(executor.run('git', args, { cwd: borrowed }))).toBe('ERR_UNSAFE_REPOSITORY');
    }
  }, 30_000);

  it('refuses a .git file or a .git symlink that leads to a repository outside the roots', async () => {
    const pointer = join(root, 'pointer');
    mkdirSync(pointer);
    writeFileSync(join(pointer, '.git'), `gitdir: ${join(victim, '.git')}\n`);
    expect(git(pointer, 'log', '-p')).toContain('VICTIMSECRET');
    expect(await codeOf(executor.run('git', ['log', '-p'], { cwd: pointer }))).toBe('ERR_UNSAFE_REPOSITORY');
    const linkedGit = join(root, 'linked-git');
    mkdirSync(linkedGit);
    symlinkSync(join(victim, '.git'), join(linkedGit, '.git'));
    expect(await codeOf(executor.run('git', ['log', '-p'], { cwd: linkedGit }))).toBe(
      'ERR_UNSAFE_REPOSITORY',
    );
  }, 30_000);

  it('refuses a repository whose object alternates point outside the roots', async () => {
    const borrowing = join(root, 'borrowing');
    makeRepo(borrowing);
    writeFileSync(
      join(borrowing, '.git', 'objects', 'info', 'alternates'),
      `${join(victim, '.git', 'objects')}\n`,
    );
    const stolen = git(victim, 'rev-parse', 'HEAD:a.txt').trim();
    // The threat is real: any object of the victim is readable by (abbreviated) id.
    expect(git(borrowing, 'show', stolen.slice(0, 8))).toContain('VICTIMSECRET');
    expect(await codeOf(executor.run('git', ['show', stolen.slice(0, 8)], { cwd: borrowing }))).toBe(
      'ERR_UNSAFE_REPOSITORY',
    );
    // A relative alternate, and one reached through an alternate inside the roots.
    writeFileSync(
      join(borrowing, '.git', 'objects', 'info', 'alternates'),
      '../../../../outside/victim/.git/objects\n',
    );
    expect(await codeOf(executor.run('git', ['log'], { cwd: borrowing }))).toBe('ERR_UNSAFE_REPOSITORY');
    const middle = join(root, 'middle');
    makeRepo(middle);
    writeFileSync(
      join(middle, '.git', 'objects', 'info', 'alternates'),
      `${join(victim, '.git', 'objects')}\n`,
    );
    writeFileSync(
      join(borrowing, '.git', 'objects', 'info', 'alternates'),
      `${join(middle, '.git', 'objects')}\n`,
    );
    expect(await codeOf(executor.run('git', ['log'], { cwd: borrowing }))).toBe('ERR_UNSAFE_REPOSITORY');
    // Alternates inside the roots (git clone --reference) are fine.
    writeFileSync(
      join(borrowing, '.git', 'objects', 'info', 'alternates'),
      `${join(repo, '.git', 'objects')}\n`,
    );
    expect((await executor.run('git', ['log', '--oneline'], { cwd: borrowing })).exitCode).toBe(0);
  }, 30_000);

  it('resolves a relative alternate as git does, from the real object directory', async () => {
    // The repository is reached through a deeper symlink: resolved from the symlinked path the
    // alternate would seem to stay inside the roots; git resolves it from the real path, outside.
    const real = join(root, 'shallow');
    makeRepo(real);
    mkdirSync(join(root, 'lx', 'y', 'z'), { recursive: true });
    const deep = join(root, 'lx', 'y', 'z', 'deep');
    symlinkSync(real, deep);
    writeFileSync(
      join(real, '.git', 'objects', 'info', 'alternates'),
      '../../../../outside/victim/.git/objects\n',
    );
    const stolen = git(victim, 'rev-parse', 'HEAD:a.txt').trim();
    expect(git(deep, 'show', stolen.slice(0, 8))).toContain('VICTIMSECRET');
    expect(await codeOf(executor.run('git', ['show', stolen.slice(0, 8)], { cwd: deep }))).toBe(
      'ERR_UNSAFE_REPOSITORY',
    );
  }, 30_000);

  it('refuses a repository whose path holds a newline (it could shift the located paths)', async () => {
    const odd = join(root, `odd\n${root}`);
    makeRepo(odd);
    writeFileSync(join(odd, '.git', 'commondir'), `${join(victim, '.git')}\n`);
    expect(await codeOf(executor.run('git', ['log'], { cwd: odd }))).toBe('ERR_UNSAFE_REPOSITORY');
  }, 30_000);

  it('refuses an alternates file that is not a regular file, and never blocks on a FIFO', async () => {
    const piped = join(root, 'piped');
    makeRepo(piped);
    const fifo = join(piped, '.git', 'objects', 'info', 'alternates');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    expect(await codeOf(executor.run('git', ['log'], { cwd: piped }))).toBe('ERR_UNSAFE_REPOSITORY');
  }, 30_000);

  it('resolves the relative paths git prints from its physical working directory', async () => {
    // Run from a subdirectory reached through a symlink: git prints `../.git/objects`, relative to
    // the real subdirectory; resolved from the symlinked path it would name a harmless place.
    const holder = join(root, 'objlinked');
    makeRepo(holder);
    mkdirSync(join(holder, 'sub'));
    rmSync(join(holder, '.git', 'objects'), { recursive: true });
    symlinkSync(join(victim, '.git', 'objects'), join(holder, '.git', 'objects'));
    mkdirSync(join(root, 'sl', 'a', 'b'), { recursive: true });
    const via = join(root, 'sl', 'a', 'b', 'ss');
    symlinkSync(join(holder, 'sub'), via);
    const stolen = git(victim, 'rev-parse', 'HEAD:a.txt').trim();
    expect(git(via, 'show', stolen.slice(0, 8))).toContain('VICTIMSECRET');
    expect(await codeOf(executor.run('git', ['show', stolen.slice(0, 8)], { cwd: via }))).toBe(
      'ERR_UNSAFE_REPOSITORY',
    );
  }, 30_000);

  it('still runs in a linked worktree and a subdirectory whose repository lies inside the roots', async () => {
    const main = join(root, 'main-repo');
    makeRepo(main);
    git(main, 'worktree', 'add', '-q', join(root, 'linked-worktree'));
    for (const cwd of [join(root, 'linked-worktree'), main]) {
      expect((await executor.run('git', ['log', '--oneline'], { cwd })).stdout).toContain('first commit');
      expect((await executor.run('git', ['status', '--short'], { cwd })).exitCode).toBe(0);
    }
    mkdirSync(join(main, 'deep', 'er'), { recursive: true });
    expect(
      (await executor.run('git', ['log', '--oneline'], { cwd: join(main, 'deep', 'er') })).exitCode,
    ).toBe(0);
  }, 30_000);

  it('refuses a repository whose objects directory is a symlink out of the roots', async () => {
    const linked = join(root, 'linked');
    makeRepo(linked);
    rmSync(join(linked, '.git', 'objects'), { recursive: true });
    symlinkSync(join(victim, '.git', 'objects'), join(linked, '.git', 'objects'));
    expect(await codeOf(executor.run('git', ['log'], { cwd: linked }))).toBe('ERR_UNSAFE_REPOSITORY');
  }, 30_000);
});

describe('git: signature placeholders with a modifier', () => {
  it('plain git runs gpg for %+G? on a signed commit (the threat is real)', () => {
    const tree = git(repo, 'rev-parse', 'HEAD^{tree}').trim();
    const body = `tree ${tree}\nauthor a <a@b> 1 +0000\ncommitter a <a@b> 1 +0000\ngpgsig -----BEGIN PGP SIGNATURE-----\n \n abc\n -----END PGP SIGNATURE-----\n\nsigned\n`;
    const made = spawnSync('git', ['hash-object', '-t', 'commit', '-w', '--stdin'], {
      cwd: repo,
      input: body,
      encoding: 'utf8',
      env: GIT_ENV,
    });
    const signed = made.stdout.trim();
    const gpg = script(join(dir.path, 'evil-gpg'), `touch ${join(markers, 'gpg')}; exit 1`);
    git(repo, '-c', `gpg.program=${gpg}`, 'log', '-1', '--format=%+G?', signed);
    expect(pwned()).toContain('gpg');
  });

  it('refuses %+G, %-G and % G (git expands them and runs gpg)', async () => {
    for (const format of ['%+G?', '%-GS', '% GK', 'x%+GG']) {
      expect(await codeOf(executor.run('git', ['log', `--format=${format}`], { cwd: repo }))).toBe(
        'ERR_ARGUMENT_REJECTED',
      );
      expect(await codeOf(executor.run('git', ['show', `--pretty=tformat:${format}`], { cwd: repo }))).toBe(
        'ERR_ARGUMENT_REJECTED',
      );
    }
    // Ordinary formats still pass, `%+b` included.
    expect((await executor.run('git', ['log', '-1', '--format=%h%+s%n% an'], { cwd: repo })).exitCode).toBe(
      0,
    );
  });
});

describe('git: probes that hold', () => {
  const refused: [string, string[]][] = [
    ['-c core.fsmonitor', ['-c', 'core.fsmonitor=touch x', 'status']],
    ['-c core.hooksPath', ['-c', 'core.hooksPath=/tmp', 'status']],
    ['--config-env', ['--config-env', 'core.pager=HOME', 'log']],
    ['--receive-pack', ['log', '--receive-pack=touch x']],
    ['--receive-pa abbreviation', ['log', '--receive-pa=x']],
    ['--upload-pack split', ['log', '--upload-pack', 'touch x']],
    ['--exec', ['show', '--exec=x']],
    ['--out abbreviation', ['log', '--out=x']],
    ['--output split', ['diff', '--output', 'x']],
    ['--ext abbreviation', ['diff', '--ext']],
    ['--text abbreviation (textconv)', ['show', '--textc']],
    ['--no-inde abbreviation', ['diff', '--no-inde', 'a', 'b']],
    ['--git-dir abbreviation', ['--git-d=/tmp', 'status']],
    ['-C bundled', ['-C/', 'status']],
    ['--work-tree split', ['--work-tree', '/', 'status']],
    ['grep -O', ['grep', '-Otouch', 'x']],
    ['grep --open-files-in-pager', ['grep', '--open-files-in-pager=x', 'x']],
    ['an alias name', ['st']],
    ['a transport URL as a revision', ['log', 'ext::sh -c touch% x']],
    ['Unicode dash option', ['log', '\u2014output=x']],
    ['an empty revision', ['log', '']],
    ['a leading-dash path after --', ['log', '--', '-x']],
    ['--ignore-submodules override', ['status', '--ignore-submodules=none']],
    ['--show-signature', ['log', '--show-signature']],
    ['-L range (runs userdiff funcname from attributes)', ['log', '-L1,2:a.txt']],
    ['--no-pager abbreviation to --paginate', ['--pag', 'log']],
    ['a NUL byte', ['log', 'HEAD\0--output=x']],
  ];
  for (const [name, args] of refused) {
    it(`refuses ${name}`, async () => {
      const code = await codeOf(executor.run('git', args, { cwd: repo }));
      expect(['ERR_FLAG_NOT_ALLOWED', 'ERR_SUBCOMMAND_NOT_ALLOWED', 'ERR_ARGUMENT_REJECTED']).toContain(code);
    });
  }

  it('lets harmless look-alikes reach git, which reads nothing and runs nothing', async () => {
    // `-u` of status is --untracked-files; its next word is a (harmless) pathspec inside the root.
    expect((await executor.run('git', ['status', '-u', 'touch x'], { cwd: repo })).exitCode).toBe(0);
    // A transport URL is only an unknown revision to log: no subcommand here talks to a remote.
    const fd = await executor.run('git', ['log', 'fd::3'], { cwd: repo });
    expect(fd.exitCode).toBe(128);
    // Two paths through a symlink out of the work tree: git does not switch to --no-index (the
    // paths are lexically inside) and treats them as pathspecs: nothing beyond the link is read.
    const linked = await executor.run('git', ['diff', 'escape/secret.txt', 'a.txt'], { cwd: repo });
    expect(linked.stdout).not.toContain('TOPSECRET');
    expect(pwned()).toEqual([]);
  });

  it('ignores GIT_*, PAGER, LD_PRELOAD, NODE_OPTIONS and BASH_ENV set in the parent', async () => {
    const evil = script(join(dir.path, 'evil-env'), `touch ${join(markers, 'env')}; cat`);
    const saved = { ...process.env };
    Object.assign(process.env, {
      GIT_DIR: join(victim, '.git'),
      GIT_WORK_TREE: victim,
      GIT_EXTERNAL_DIFF: evil,
      GIT_SSH_COMMAND: evil,
      GIT_PAGER: evil,
      PAGER: evil,
      GIT_CONFIG_PARAMETERS: `'core.pager'='${evil}'`,
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'diff.external',
      GIT_CONFIG_VALUE_0: evil,
      GIT_ALTERNATE_OBJECT_DIRECTORIES: join(victim, '.git', 'objects'),
      LD_PRELOAD: '/nonexistent.so',
      NODE_OPTIONS: '--require /nonexistent',
      BASH_ENV: evil,
      API_TOKEN: 'sekrit',
    });
    try {
      const fresh = createExecutor(
        { cwd: repo, commands: { git: gitPolicy() } },
        { pathCheck: rootsCheck(root) },
      );
      writeFileSync(join(repo, 'a.txt'), 'changed\n');
      const diff = await fresh.run('git', ['diff']);
      expect(diff.stdout).toContain('+changed');
      expect(diff.stdout).not.toContain('VICTIMSECRET');
      expect((await fresh.run('git', ['log', '-p'])).stdout).not.toContain('VICTIMSECRET');
      expect(pwned()).toEqual([]);
    } finally {
      process.env = saved;
      git(repo, 'checkout', '--', 'a.txt');
    }
  }, 30_000);
});

describe('find, grep, ls, cat: probes that hold', () => {
  const refused: [string, string, string[]][] = [
    ['find', '-exec', ['.', '-exec', 'touch', 'x', ';']],
    ['find', '-execdir', ['.', '-execdir', 'touch', 'x', '+']],
    ['find', '-ok', ['.', '-ok', 'touch', 'x', ';']],
    ['find', '-okdir', ['.', '-okdir', 'touch', 'x', ';']],
    ['find', '-delete', ['.', '-delete']],
    ['find', '-fprint', ['.', '-fprint', 'x']],
    ['find', '-fprint0', ['.', '-fprint0', 'x']],
    ['find', '-fprintf', ['.', '-fprintf', 'x', '%p']],
    ['find', '-fls', ['.', '-fls', 'x']],
    ['find', '-exe (no abbreviations for find)', ['.', '-exe', 'touch', 'x', ';']],
    ['find', '--exec', ['.', '--exec', 'touch']],
    ['find', '-newer outside', ['.', '-newer', '../outside/secret.txt']],
    ['find', '-newer through a symlink', ['.', '-newer', 'repo/escape/secret.txt']],
    ['find', '-samefile outside', ['.', '-samefile', '/etc/passwd']],
    ['find', 'a starting point outside', ['/etc', '-name', 'passwd']],
    ['find', 'a starting point through a symlink', ['repo/escape/', '-name', '*']],
    ['find', '-files0-from', ['-files0-from', 'x']],
    ['find', '-D debug', ['-D', 'exec', '.']],
    ['find', '-name with a leading-dash value', ['.', '-name', '-exec']],
    ['grep', '-f outside', ['-f', '/etc/passwd', 'repo']],
    ['grep', '-f bundled', ['-rnf/etc/passwd', 'repo']],
    ['grep', '--file= through a symlink', ['--file=repo/escape/secret.txt', 'repo']],
    ['grep', '--exclude-from outside', ['--exclude-from=/etc/passwd', 'x', 'repo']],
    ['grep', 'a file outside', ['TOPSECRET', '/tmp/../etc/passwd']],
    ['grep', 'a file via ..', ['TOPSECRET', '../outside/secret.txt']],
    ['grep', '-R', ['-R', 'TOPSECRET', 'repo']],
    ['grep', '--dereference-r abbreviation', ['--dereference-r', 'TOPSECRET', 'repo']],
    ['grep', '-d recurse', ['-d', 'recurse', 'x', 'repo']],
    ['grep', 'stdin marker', ['x', '-']],
    ['grep', '-f -', ['-f', '-', 'repo']],
    ['grep', 'an option after -- as a file', ['x', '--', '--include=y']],
    ['grep', 'an empty path', ['x', '']],
    ['ls', '-L', ['-L', 'repo/escape']],
    ['ls', 'a path outside', ['/etc']],
    [
      'ls',
      '--dereference-command-line-symlink-to-dir',
      ['--dereference-command-line-symlink-to-dir', 'repo'],
    ],
    ['cat', '/etc/passwd', ['/etc/passwd']],
    ['cat', 'through a symlink', ['repo/escape/secret.txt']],
    ['cat', '-', ['-']],
    ['cat', '/proc/self/environ', ['/proc/self/environ']],
  ];
  for (const [command, name, args] of refused) {
    it(`${command}: refuses ${name}`, async () => {
      const code = await codeOf(executor.run(command, args));
      expect(['ERR_FLAG_NOT_ALLOWED', 'ERR_ARGUMENT_REJECTED']).toContain(code);
      expect(existsSync(join(root, 'x'))).toBe(false);
    });
  }

  it('refuses command names with slashes, other spellings and prototype keys', async () => {
    for (const name of [
      './git',
      '/usr/bin/git',
      'GIT',
      'git ',
      'sh',
      '__proto__',
      'constructor',
      'toString',
      '',
    ]) {
      expect(await codeOf(executor.run(name, ['status']))).toBe('ERR_COMMAND_NOT_ALLOWED');
    }
  });
});

describe('path arguments: `..` after a symlink', () => {
  // repo/escape -> outside. The kernel resolves `escape/..` to the parent of `outside`; a lexical
  // resolve() to repo/. The path check must judge what the program will open.
  it('the kernel resolves escape/.. physically (the threat is real)', () => {
    const plain = spawnSync('cat', ['escape/../outside/secret.txt'], { cwd: repo, encoding: 'utf8' });
    expect(plain.stdout).toBe('TOPSECRET\n');
  });

  const probes: [string, string[]][] = [
    ['cat', ['escape/../outside/secret.txt']],
    ['grep', ['-r', 'TOPSECRET', 'escape/..']],
    ['grep', ['-f', 'escape/../outside/secret.txt', 'a.txt']],
    ['find', ['escape/..', '-name', 'secret.txt']],
    ['find', ['.', '-newer', 'escape/../outside/secret.txt']],
    ['ls', ['escape/../outside']],
  ];
  for (const [command, args] of probes) {
    it(`${command} ${args.join(' ')} is judged where the kernel goes`, async () => {
      const code = await codeOf(executor.run(command, args, { cwd: repo }));
      expect(code).toBe('ERR_ARGUMENT_REJECTED');
    });
  }

  it('still accepts .. that stays inside the roots', async () => {
    mkdirSync(join(repo, 'sub'), { recursive: true });
    const sub = join(repo, 'sub');
    expect((await executor.run('cat', ['../a.txt'], { cwd: sub })).stdout).toBe('one\n');
    expect((await executor.run('grep', ['-c', 'one', '../sub/../a.txt'], { cwd: sub })).stdout).toBe('1\n');
    expect((await executor.run('ls', ['./../sub/..'], { cwd: sub })).stdout).toContain('a.txt');
  });
});

describe('must-allow: ordinary calls', () => {
  it('git status/log/diff/show inside the root', async () => {
    const cwd = repo;
    expect((await executor.run('git', ['status', '--short', '--branch'], { cwd })).exitCode).toBe(0);
    expect((await executor.run('git', ['log', '--oneline', '-5'], { cwd })).stdout).toContain('add b');
    // --grep with -E/-F/-i, as people write it.
    const extended = await executor.run('git', ['log', '--grep=add b|first', '-E', '--oneline'], { cwd });
    expect(extended.stdout).toContain('add b');
    expect(extended.stdout).toContain('first commit');
    expect(
      (await executor.run('git', ['log', '--grep=add b|first', '-F', '--oneline'], { cwd })).stdout,
    ).toBe('');
    expect(
      (await executor.run('git', ['log', '-i', '--grep=ADD', '--invert-grep', '--oneline'], { cwd })).stdout,
    ).toContain('first commit');
    expect((await executor.run('git', ['show', 'HEAD', '--stat'], { cwd })).stdout).toContain('b.ts');
    expect((await executor.run('git', ['diff', 'HEAD~1', 'HEAD', '--', 'b.ts'], { cwd })).stdout).toContain(
      '$x',
    );
    expect(
      (await executor.run('git', ['log', '--format=%h %an <%ae> %s', '-n', '1'], { cwd })).exitCode,
    ).toBe(0);
    expect(
      (await executor.run('git', ['log', '--date=format:%G-W%V', '-1', '--format=%ad'], { cwd })).exitCode,
    ).toBe(0);
  }, 30_000);

  it('ls -la, grep -rn pattern ., find . -name *.ts', async () => {
    expect((await executor.run('ls', ['-la'], { cwd: repo })).stdout).toContain('a.txt');
    expect((await executor.run('grep', ['-rn', 'export', '.'], { cwd: repo })).stdout).toContain('b.ts:1:');
    expect((await executor.run('find', ['.', '-name', '*.ts'], { cwd: repo })).stdout).toBe('./b.ts\n');
    expect(
      (
        await executor.run('find', ['.', '-type', 'f', '-newer', 'a.txt', '-not', '-path', './.git/*'], {
          cwd: repo,
        })
      ).exitCode,
    ).toBe(0);
  });

  it('passes spaces, quotes, $, ; and | literally (no shell)', async () => {
    const literal = 'a b \\"c\\" $x; y | z';
    const found = await executor.run('grep', ['-rnF', literal, '.'], { cwd: repo });
    expect(found.stdout).toContain('b.ts:1:');
    expect((await executor.run('grep', ['-F', '--', '$x; y', 'b.ts'], { cwd: repo })).exitCode).toBe(0);
    expect((await executor.run('grep', ['-e', '-dash', 'b.ts'], { cwd: repo })).exitCode).toBe(1);
  });

  it('a command that reads stdin gets end of file at once (no hang)', async () => {
    const result = await executor.run('cat', [], { cwd: repo, timeoutMs: 5_000 });
    expect(result).toMatchObject({ exitCode: 0, timedOut: false, stdout: '' });
    expect((await executor.run('grep', ['x'], { cwd: repo, timeoutMs: 5_000 })).timedOut).toBe(false);
  });
});

describe('processes: floods, stubborn children, stderr', () => {
  it('caps a stderr flood, kills a child ignoring SIGTERM and its grandchild', async () => {
    const noisy = script(
      join(dir.path, 'noisy'),
      "trap '' TERM\nsh -c 'trap \"\" TERM; sleep 600' &\necho $!\nwhile :; do echo xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx >&2; done",
    );
    const flooding = createExecutor({
      cwd: root,
      killGraceMs: 200,
      maxStderrBytes: 4096,
      commands: { noisy: { executable: noisy } },
    });
    const result = await flooding.run('noisy', []);
    expect(result.truncated).toBe(true);
    expect(result.stderr.length).toBeLessThanOrEqual(4096);
    // The leader dies of SIGPIPE (its stderr is closed at the cap) or of the group kill.
    expect(result.signal).not.toBeNull();
    const grandchild = Number(result.stdout.trim());
    expect(await eventually(() => processGone(grandchild))).toBe(true);
  }, 30_000);
});

describe('must-allow: the calls people (and models) actually write', () => {
  const calls: [string, string[]][] = [
    ['git', ['log', '--oneline', '--graph', '--decorate', '--all']],
    ['git', ['log', '-p', '-2']],
    ['git', ['log', '--stat', '--since=yesterday']],
    ['git', ['log', '--pretty=format:%h - %an, %ar : %s']],
    ['git', ['log', '--author=Test', '--oneline', '-n', '3']],
    ['git', ['log', '--follow', '--', 'a.txt']],
    ['git', ['log', '--oneline', '--', 'b.ts']],
    ['git', ['log', '--format=%H', '-1']],
    ['git', ['log', '--oneline', 'HEAD~1..HEAD']],
    ['git', ['log', '--name-status', '-1']],
    ['git', ['diff', '--name-only', 'HEAD~1']],
    ['git', ['diff', 'HEAD~1', 'HEAD', '--', 'b.ts']],
    ['git', ['diff', '--staged']],
    ['git', ['diff', '-w', '--stat']],
    ['git', ['diff', 'HEAD~1', '--', '.']],
    ['git', ['show', 'HEAD~1:a.txt']],
    ['git', ['show', '--name-status', 'HEAD']],
    ['git', ['show', '--stat', '--oneline', 'HEAD']],
    ['git', ['status', '--porcelain']],
    ['git', ['status', '-s', '--', '.']],
    ['grep', ['-rn', 'export', '--include=*.ts', '.']],
    ['grep', ['-rnw', '.', '-e', 'export']],
    ['grep', ['-rl', 'export', '.']],
    ['grep', ['-c', 'export', 'b.ts']],
    ['grep', ['-i', '-n', 'EXPORT', 'b.ts']],
    ['grep', ['-E', 'export|import', 'b.ts']],
    ['grep', ['--exclude-dir=node_modules', '-rn', 'export', '.']],
    ['grep', ['-A', '3', '-B', '2', 'export', 'b.ts']],
    ['grep', ['-rn', 'export']],
    ['grep', ['-rn', '--color=never', 'export', '.']],
    ['find', ['.', '-type', 'f', '-name', '*.ts']],
    ['find', ['.', '-maxdepth', '1', '-type', 'd']],
    ['find', ['.', '-name', '*.ts', '-not', '-path', '*/node_modules/*']],
    ['find', ['.', '-type', 'f', '-size', '+1k']],
    ['find', ['.', '-mtime', '-1']],
    ['find', ['.', '-iname', 'A*']],
    ['find', ['.', '-empty']],
    ['find', ['.', '(', '-name', '*.ts', '-o', '-name', '*.txt', ')', '-print']],
    ['find', ['.', '-type', 'f', '-newer', 'a.txt']],
    ['ls', ['-la']],
    ['ls', ['-lh']],
    ['ls', ['-R']],
    ['ls', ['-1']],
    ['ls', ['-lt']],
    ['ls', ['-lah', '.']],
    ['ls', ['--color=never', '-A']],
    ['cat', ['-n', 'a.txt']],
    ['cat', ['a.txt', 'b.ts']],
  ];
  for (const [command, args] of calls) {
    it(`${command} ${args.join(' ')}`, async () => {
      const result = await executor.run(command, args, { cwd: repo });
      expect(result.exitCode, result.stderr).toBe(0);
    });
  }
});

describe('processes: a child that stops itself or closes its output', () => {
  it('ends a stopped child (SIGSTOP) and one that closed its pipes, at the timeout', async () => {
    const stopper = script(join(dir.path, 'stopper'), 'echo $$; kill -STOP $$; echo never');
    const closer = script(join(dir.path, 'closer'), 'exec >&- 2>&-; sleep 600');
    const limited = createExecutor({
      cwd: root,
      timeoutMs: 500,
      killGraceMs: 200,
      commands: { stopper: { executable: stopper }, closer: { executable: closer } },
    });
    const stopped = await limited.run('stopper', []);
    expect(stopped.timedOut).toBe(true);
    expect(stopped.stdout).not.toContain('never');
    expect(await eventually(() => processGone(Number(stopped.stdout.trim())))).toBe(true);
    const closed = await limited.run('closer', []);
    expect(closed.timedOut).toBe(true);
    expect(limited.running).toBe(0);
  }, 30_000);
});

describe('executables and PATH', () => {
  it('skips relative PATH entries, so a git planted in the working directory never runs', () => {
    const planted = join(root, 'bin-planted');
    mkdirSync(planted);
    script(join(planted, 'git'), `touch ${join(markers, 'planted')}`);
    const hijack = createExecutor(
      { cwd: planted, commands: { git: gitPolicy() } },
      { pathCheck: rootsCheck(root), searchPath: `.:bin-planted::/usr/bin:/bin` },
    );
    expect(hijack.executables.git).toBe('/usr/bin/git');
  });
});

describe('argument engine: a short option whose value is optional', () => {
  it('keeps its value attached, so the value can never become an operand the program reads', async () => {
    // A deployment's own git policy: `-M[<n>]` as a short canonical option with an optional value.
    const base = gitPolicy();
    const custom = {
      ...base,
      subcommands: {
        ...base.subcommands,
        diff: {
          ...base.subcommands!.diff!,
          options: { '-M': { value: 'optional' as const, rule: { type: 'text' as const } } },
        },
      },
    };
    const checked = checkArguments(custom, ['diff', '-M50'], { maxArgs: 64, maxArgLength: 4096 });
    expect(checked.argv.slice(-1)).toEqual(['-M50']);
    expect(
      checkArguments(custom, ['diff', '-M'], { maxArgs: 64, maxArgLength: 4096 }).argv.slice(-1),
    ).toEqual(['-M']);
    // Split, the "value" was an unjudged operand: git diff <outside> a.txt turns into --no-index.
    const loose = createExecutor({ cwd: repo, commands: { git: custom } }, { pathCheck: rootsCheck(root) });
    const result = await loose.run('git', ['diff', '-M../../outside/secret.txt', 'a.txt']);
    expect(result.stdout).not.toContain('TOPSECRET');
  });

  it('marks a path value kept attached to a short option for the path check', () => {
    const policy = {
      executable: 'cat',
      options: { '-F': { value: 'optional' as const, rule: { type: 'path' as const } } },
    };
    const checked = checkArguments(policy, ['-Fsome/file'], { maxArgs: 64, maxArgLength: 4096 });
    expect(checked.argv).toEqual(['-Fsome/file']);
    expect(checked.paths).toEqual([{ index: 0, prefix: '-F' }]);
  });
});

describe('rg and limits: probes that hold', () => {
  const limits = { maxArgs: 64, maxArgLength: 4096 };
  const codeOfCheck = (args: string[]): string => {
    try {
      checkArguments(rgPolicy(), args, limits);
      return 'ok';
    } catch (error) {
      return isWardenError(error) ? error.code : 'thrown';
    }
  };

  it('rg refuses --pre, --pre-glob, --search-zip, --ignore-file, --hostname-bin, --follow in every spelling', () => {
    for (const args of [
      ['--pre=sh', 'x'],
      ['--pre', 'sh', 'x'],
      ['--pr=sh', 'x'],
      ['--pre-glob=*', 'x'],
      ['-z', 'x'],
      ['-iz', 'x'],
      ['--search-zip', 'x'],
      ['--search-z', 'x'],
      ['--ignore-file=/etc/passwd', 'x'],
      ['--ignore-file', '/etc/passwd', 'x'],
      ['--hostname-bin=/bin/sh', 'x'],
      ['-L', 'x'],
      ['--follow', 'x'],
      ['--no-config', '--pre=sh', 'x'],
      ['x', '--', '--pre=sh'],
    ]) {
      expect(['ERR_FLAG_NOT_ALLOWED', 'ERR_ARGUMENT_REJECTED'], args.join(' ')).toContain(codeOfCheck(args));
    }
  });

  it('rg marks -f and every operand for the path check', () => {
    expect(checkArguments(rgPolicy(), ['-f', '/etc/shadow', 'x'], limits).paths).toHaveLength(2);
    expect(checkArguments(rgPolicy(), ['--files', 'a', 'b'], limits).paths).toHaveLength(2);
  });

  it('refuses too many and too long arguments before anything runs', async () => {
    expect(
      await codeOf(
        executor.run(
          'ls',
          Array.from({ length: 65 }, () => '.'),
        ),
      ),
    ).toBe('ERR_ARGUMENT_REJECTED');
    expect(await codeOf(executor.run('grep', ['x'.repeat(5000), 'a.txt'], { cwd: repo }))).toBe(
      'ERR_ARGUMENT_REJECTED',
    );
    expect(await codeOf(executor.run('grep', ['x', 'a.txt', 42 as unknown as string], { cwd: repo }))).toBe(
      'ERR_ARGUMENT_REJECTED',
    );
  });
});
