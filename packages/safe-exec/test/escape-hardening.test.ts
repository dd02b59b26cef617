import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CappedOutput } from '../src/capped-output.js';
import { checkArguments, createExecutor, gitPolicy, resolveExecutable } from '../src/index.js';
import { OutputQueue } from '../src/output-queue.js';
import {
  codeOf,
  eventually,
  pidFromParentExitingMidRun,
  processGone,
  rootsCheck,
  script,
  tempDir,
} from './helpers.js';

let dir: { path: string; cleanup: () => void };
let root: string;
/** Pids a test started that must not outlive the suite, whatever the outcome. */
const strays: number[] = [];

beforeAll(() => {
  dir = tempDir();
  root = join(dir.path, 'root');
  mkdirSync(root);
});
afterAll(() => {
  for (const pid of strays) {
    try {
      // Only a `sleep` these tests started: never a process that took a reused pid.
      if (!readFileSync(`/proc/${pid}/cmdline`, 'latin1').startsWith('sleep\0')) continue;
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  dir.cleanup();
});

const limits = { maxArgs: 64, maxArgLength: 4096 };

/** Reads the pid a script wrote to `file` (the script waits until it is written). */
function pidFrom(file: string): number {
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (pid > 1) strays.push(pid);
  return pid;
}

describe('descendants that leave the process group (setsid, double fork)', () => {
  it('kills a setsid daemon with its stdio redirected when the leader exits normally', async () => {
    const pidFile = join(dir.path, 'daemon.pid');
    const daemonizer = script(
      join(dir.path, 'daemonizer'),
      // A new session (so not in the run's process group), stdio detached from the run's pipes,
      // and a double fork: the daemon's parent is gone before the leader exits.
      // The pause lets setsid leave the group before the leader exits (else the group kill wins).
      `(setsid sleep 60 </dev/null >/dev/null 2>&1 & echo $! > ${pidFile}) ; sleep 0.5 ; exit 0`,
    );
    const executor = createExecutor({ cwd: root, commands: { daemonizer: { executable: daemonizer } } });
    const result = await executor.run('daemonizer', []);
    expect(result.exitCode).toBe(0);
    const daemon = pidFrom(pidFile);
    expect(daemon).toBeGreaterThan(1);
    expect(await eventually(() => processGone(daemon), 5_000)).toBe(true);
  }, 30_000);

  it('kills a setsid descendant that ignores SIGTERM when the timeout fires', async () => {
    const pidFile = join(dir.path, 'stubborn.pid');
    const stubborn = script(
      join(dir.path, 'stubborn'),
      `setsid sh -c 'trap "" TERM; sleep 60' </dev/null >/dev/null 2>&1 &\necho $! > ${pidFile}\nsleep 60`,
    );
    const executor = createExecutor({
      cwd: root,
      timeoutMs: 500,
      killGraceMs: 200,
      commands: { stubborn: { executable: stubborn } },
    });
    const result = await executor.run('stubborn', []);
    expect(result.timedOut).toBe(true);
    const escaped = pidFrom(pidFile);
    expect(escaped).toBeGreaterThan(1);
    expect(await eventually(() => processGone(escaped), 5_000)).toBe(true);
  }, 30_000);

  it('kills a setsid daemon of a run still going when the parent process exits', async () => {
    const daemonizer = script(
      join(dir.path, 'daemon-then-wait'),
      'setsid sleep 60 </dev/null >/dev/null 2>&1 &\npid=$!\nsleep 0.5\necho $pid\nsleep 60',
    );
    // A real parent: starts a run, prints the daemon's pid, then exits mid-run.
    const daemon = await pidFromParentExitingMidRun(root, daemonizer);
    expect(daemon).toBeGreaterThan(1);
    strays.push(daemon);
    expect(await eventually(() => processGone(daemon), 5_000)).toBe(true);
  }, 30_000);

  it('leaves alone a process started outside the run with the same program', async () => {
    const bystander = spawnSync('sh', ['-c', 'setsid sleep 60 </dev/null >/dev/null 2>&1 & echo $!'], {
      encoding: 'utf8',
    });
    const pid = Number(bystander.stdout.trim());
    strays.push(pid);
    const quick = script(join(dir.path, 'quick'), 'exit 0');
    const executor = createExecutor({ cwd: root, commands: { quick: { executable: quick } } });
    expect((await executor.run('quick', [])).exitCode).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(processGone(pid)).toBe(false);
  }, 30_000);
});

describe('the resolved executable', () => {
  it('refuses to run a file rewritten in place since start (same inode)', async () => {
    const bin = join(dir.path, 'bin-inplace');
    mkdirSync(bin);
    const tool = script(join(bin, 'tool'), 'echo original');
    const executor = createExecutor({ cwd: root, commands: { tool: { executable: tool } } });
    expect((await executor.run('tool', [])).stdout).toBe('original\n');
    // Past the file system's timestamp granularity, then the same number of bytes, same inode.
    await new Promise((resolve) => setTimeout(resolve, 50));
    writeFileSync(tool, '#!/bin/sh\necho replaced\n');
    expect(await codeOf(executor.run('tool', []))).toBe('ERR_EXECUTABLE_CHANGED');
  });

  it('skips a world-writable directory when looking a bare name up in the search path', () => {
    const planted = join(dir.path, 'world-writable-bin');
    mkdirSync(planted);
    chmodSync(planted, 0o777);
    script(join(planted, 'cat'), 'echo planted');
    script(join(planted, 'only-here'), 'echo planted');
    expect(resolveExecutable('cat', 'cat', `${planted}:/usr/bin:/bin`).path).not.toContain(planted);
    expect(() => resolveExecutable('x', 'only-here', planted)).toThrow(
      expect.objectContaining({ code: 'ERR_EXECUTABLE_NOT_FOUND' }),
    );
  });

  it('refuses an executable anyone may rewrite or swap (world-writable file or parent directory)', () => {
    const open = join(dir.path, 'open-file');
    mkdirSync(open);
    const writable = script(join(open, 'tool'), 'echo hi');
    chmodSync(writable, 0o777);
    expect(() => resolveExecutable('x', writable, '')).toThrow(
      expect.objectContaining({ code: 'ERR_EXECUTABLE_NOT_FOUND' }),
    );
    const swappable = join(dir.path, 'open-dir');
    mkdirSync(swappable);
    const tool = script(join(swappable, 'tool'), 'echo hi');
    chmodSync(swappable, 0o777);
    expect(() => resolveExecutable('x', tool, '')).toThrow(
      expect.objectContaining({ code: 'ERR_EXECUTABLE_NOT_FOUND' }),
    );
    // A sticky world-writable ancestor (like /tmp) lets nobody else swap our entries: accepted.
    const sticky = join(dir.path, 'sticky');
    mkdirSync(join(sticky, 'mine'), { recursive: true });
    const kept = script(join(sticky, 'mine', 'tool'), 'echo hi');
    chmodSync(sticky, 0o1777);
    expect(resolveExecutable('x', kept, '').path).toBe(kept);
  });
});

describe('must-allow: file names as people have them', () => {
  let repo: string;
  const git = (...args: string[]): void => {
    const result = spawnSync('git', args, {
      cwd: repo,
      encoding: 'utf8',
      env: {
        PATH: '/usr/bin:/bin',
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
        HOME: repo,
        GIT_AUTHOR_NAME: 'Test',
        GIT_AUTHOR_EMAIL: 'test@example.org',
        GIT_COMMITTER_NAME: 'Test',
        GIT_COMMITTER_EMAIL: 'test@example.org',
      },
    });
    if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  };

  beforeAll(() => {
    repo = join(root, 'names');
    mkdirSync(repo);
    git('init', '-q', '-b', 'main');
    writeFileSync(join(repo, 'a file.txt'), 'spaced\n');
    writeFileSync(join(repo, 'ünïcødé.txt'), 'unicode\n');
    mkdirSync(join(repo, 'dir with space'));
    writeFileSync(join(repo, 'dir with space', 'copy (1).txt'), 'copied\n');
    git('add', '--', 'a file.txt', 'ünïcødé.txt', 'dir with space');
    git('commit', '-q', '-m', 'names');
  });

  const executor = () =>
    createExecutor({ cwd: repo, commands: { git: gitPolicy() } }, { pathCheck: rootsCheck(root) });

  it('git show <rev>:<path> with spaces and non-ASCII letters in the path', async () => {
    const run = executor();
    expect((await run.run('git', ['show', 'HEAD:a file.txt'])).stdout).toBe('spaced\n');
    expect((await run.run('git', ['show', 'HEAD:ünïcødé.txt'])).stdout).toBe('unicode\n');
    expect((await run.run('git', ['show', 'main:dir with space/copy (1).txt'])).stdout).toBe('copied\n');
    expect((await run.run('git', ['log', '--oneline', 'main', '--', 'ünïcødé.txt'])).stdout).toContain(
      'names',
    );
  });

  it('still refuses in <rev>:<path> what is no file name: a transport URL, .., control characters', () => {
    for (const revision of [
      'ext::sh -c touch% x',
      'HEAD:../../etc/passwd',
      'HEAD:a\tb',
      'HEAD:a;id',
      'HEAD:%x',
    ]) {
      expect(() => checkArguments(gitPolicy(), ['show', revision], limits), revision).toThrow(
        expect.objectContaining({ code: 'ERR_ARGUMENT_REJECTED' }),
      );
    }
  });
});

describe('output kept in memory', () => {
  /** Heap and buffer bytes in use after a full collection (gc exposed at run time). */
  function used(): number {
    setFlagsFromString('--expose-gc');
    (runInNewContext('gc') as () => void)();
    const usage = process.memoryUsage();
    return usage.heapUsed + usage.arrayBuffers;
  }

  it('a child writing one byte at a time costs the cap, not a buffer object per write', () => {
    const capped = new CappedOutput(1024 * 1024);
    const before = used();
    for (let index = 0; index < 200_000; index++) capped.push(Buffer.from([0x61]));
    const growth = used() - before;
    expect(capped.bytes).toBe(200_000);
    expect(capped.text()).toBe('a'.repeat(200_000));
    // 200 000 retained one-byte Buffers cost tens of MiB; the bytes themselves are 195 KiB.
    expect(growth).toBeLessThan(4 * 1024 * 1024);
  });

  it('a cut never leaves half a UTF-8 character (no U+FFFD at the end)', () => {
    const capped = new CappedOutput(7);
    capped.push(Buffer.from('abc'));
    capped.push(Buffer.from('ü€x')); // 2 + 3 + 1 bytes: the cap falls inside the €
    expect(capped.truncated).toBe(true);
    expect(capped.text()).toBe('abcü');
    // A cut right after a whole character keeps it.
    const exact = new CappedOutput(5);
    exact.push(Buffer.from('ab€x'));
    expect(exact.truncated).toBe(true);
    expect(exact.text()).toBe('ab€');
  });

  it('a stream of one-byte chunks pauses the child after a bounded number of queued chunks', () => {
    const queue = new OutputQueue(256 * 1024);
    let queued = 0;
    while (queue.push({ stream: 'stdout', data: Buffer.from([0x61]) }) && queued < 1_000_000) queued++;
    // Each queued chunk is an object and a Buffer: a byte count alone would queue 262 144 of them.
    expect(queued).toBeLessThan(4096);
  });
});

describe('policy environment', () => {
  it('refuses GCONV_PATH, which makes glibc load code into every program that converts a charset', () => {
    for (const env of [{ set: { GCONV_PATH: join(root, 'gconv') } }, { inherit: ['GCONV_PATH'] }]) {
      expect(() => createExecutor({ cwd: root, env, commands: { env: { executable: 'env' } } })).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_EXEC_POLICY' }),
      );
    }
    expect(() =>
      createExecutor({
        cwd: root,
        commands: { env: { executable: 'env', env: { GCONV_PATH: join(root, 'gconv') } } },
      }),
    ).toThrow(expect.objectContaining({ code: 'ERR_INVALID_EXEC_POLICY' }));
  });
});
