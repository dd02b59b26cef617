import { chmodSync, mkdirSync, realpathSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { memorySink } from '@mcp-warden/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  catPolicy,
  createExecutor,
  type ExecPolicy,
  findPolicy,
  RUN_MARKER_VARIABLE,
  resolveExecutable,
} from '../src/index.js';
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

beforeAll(() => {
  dir = tempDir();
  root = join(dir.path, 'root');
  mkdirSync(root);
  writeFileSync(join(root, 'a.txt'), 'alpha\n');
  mkdirSync(join(dir.path, 'outside'));
  writeFileSync(join(dir.path, 'outside', 'secret.txt'), 'secret\n');
  symlinkSync(join(dir.path, 'outside'), join(root, 'escape'));
});
afterAll(() => dir.cleanup());

describe('process-group kill', () => {
  it('kills a child and the grandchild it forked when the timeout fires', async () => {
    const forker = script(
      join(dir.path, 'forker'),
      // The grandchild ignores SIGTERM, so only the SIGKILL after the grace period ends it.
      'sh -c \'trap "" TERM; sleep 600\' &\necho $!\nsleep 600',
    );
    const executor = createExecutor(
      { cwd: root, timeoutMs: 1_000, killGraceMs: 300, commands: { forker: { executable: forker } } },
      { pathCheck: rootsCheck(root) },
    );
    const result = await executor.run('forker', []);
    expect(result.timedOut).toBe(true);
    const grandchild = Number(result.stdout.trim());
    expect(grandchild).toBeGreaterThan(1);
    expect(await eventually(() => processGone(grandchild))).toBe(true);
    expect(executor.running).toBe(0);
  }, 30_000);

  it('kills whatever the leader left in its group when it exits normally', async () => {
    const leaver = script(join(dir.path, 'leaver'), 'sleep 600 >/dev/null 2>&1 &\necho $!');
    const executor = createExecutor({ cwd: root, commands: { leaver: { executable: leaver } } });
    const result = await executor.run('leaver', []);
    expect(result.timedOut).toBe(false);
    expect(result.exitCode).toBe(0);
    const orphan = Number(result.stdout.trim());
    expect(await eventually(() => processGone(orphan))).toBe(true);
  }, 30_000);

  it('aborting through the signal kills the group and reports aborted', async () => {
    const sleeper = script(join(dir.path, 'sleeper'), 'sleep 600 &\necho $!\nwait');
    const executor = createExecutor({
      cwd: root,
      killGraceMs: 200,
      commands: { sleeper: { executable: sleeper } },
    });
    const controller = new AbortController();
    const stream = await executor.stream('sleeper', [], { signal: controller.signal });
    let pid = 0;
    for await (const chunk of stream) {
      pid = Number(Buffer.from(chunk.data).toString().trim());
      controller.abort();
    }
    const result = await stream.result;
    expect(result.aborted).toBe(true);
    expect(result.timedOut).toBe(false);
    expect(await eventually(() => processGone(pid))).toBe(true);
  }, 30_000);

  it('refuses a run whose signal is already aborted', async () => {
    const executor = createExecutor({ cwd: root, commands: { cat: catPolicy() } });
    expect(await codeOf(executor.run('cat', [], { signal: AbortSignal.abort() }))).toBe('ERR_EXEC_ABORTED');
  });
});

describe('output caps', () => {
  it('cuts a child printing without end at the cap, kills it, and keeps memory bounded', async () => {
    const executor = createExecutor(
      { cwd: root, maxStdoutBytes: 1024 * 1024, commands: { cat: catPolicy() } },
      { pathCheck: rootsCheck(root, '/dev/zero') },
    );
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 5);
    const result = await executor.run('cat', ['/dev/zero']);
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    expect(result.truncated).toBe(true);
    expect(Buffer.byteLength(result.stdout)).toBe(1024 * 1024);
    expect(result.exitCode === 0).toBe(false);
    // The child would print forever; the parent kept 1 MiB plus pipe buffers.
    expect(peak - before).toBeLessThan(64 * 1024 * 1024);
  }, 30_000);

  it('streams a large output through a slow consumer with bounded memory', async () => {
    const total = 256 * 1024 * 1024;
    const executor = createExecutor(
      { cwd: root, maxStdoutBytes: total, timeoutMs: 120_000, commands: { cat: catPolicy() } },
      { pathCheck: rootsCheck(root, '/dev/zero') },
    );
    const before = process.memoryUsage().rss;
    let peak = before;
    let received = 0;
    const stream = await executor.stream('cat', ['/dev/zero']);
    let chunks = 0;
    for await (const chunk of stream) {
      if (chunk.stream === 'stdout') received += chunk.data.length;
      if (++chunks % 64 === 0) {
        peak = Math.max(peak, process.memoryUsage().rss);
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    const result = await stream.result;
    expect(received).toBe(total);
    expect(result.truncated).toBe(true);
    expect(result.stdout).toBe('');
    expect(peak - before).toBeLessThan(96 * 1024 * 1024);
  }, 120_000);

  it('stops the child when the consumer stops iterating', async () => {
    const executor = createExecutor(
      { cwd: root, maxStdoutBytes: 2 ** 30, killGraceMs: 200, commands: { cat: catPolicy() } },
      { pathCheck: rootsCheck(root, '/dev/zero') },
    );
    const stream = await executor.stream('cat', ['/dev/zero']);
    for await (const chunk of stream) {
      expect(chunk.stream).toBe('stdout');
      break;
    }
    const result = await stream.result;
    expect(result.aborted).toBe(true);
    expect(result.exitCode).toBe(null);
  }, 30_000);
});

describe('environment', () => {
  it('passes no parent secret to the child: only the policy env', async () => {
    process.env.GITHUB_TOKEN = 'ghp_parent_secret';
    process.env.AWS_SECRET_ACCESS_KEY = 'aws-parent-secret';
    process.env.AWS_ACCESS_KEY_ID = 'AKIAPARENT';
    process.env.DB_SECRET = 'db-parent-secret';
    process.env.HARMLESS_NAME = 'kept';
    try {
      const executor = createExecutor({
        cwd: root,
        env: { inherit: ['HARMLESS_NAME', 'NOT_SET_ANYWHERE'], set: { PATH: '/usr/bin:/bin' } },
        commands: { env: { executable: 'env' } },
      });
      const result = await executor.run('env', []);
      const lines = result.stdout.trim().split('\n').sort();
      expect(withoutRunMarker(lines)).toEqual(['HARMLESS_NAME=kept', 'PATH=/usr/bin:/bin']);
      expect(result.stdout).not.toMatch(/secret|AKIA|TOKEN|AWS_/i);
    } finally {
      delete process.env.GITHUB_TOKEN;
      delete process.env.AWS_SECRET_ACCESS_KEY;
      delete process.env.AWS_ACCESS_KEY_ID;
      delete process.env.DB_SECRET;
      delete process.env.HARMLESS_NAME;
    }
  });

  it('by default the child gets only a fixed PATH and LC_ALL (and its run marker)', async () => {
    process.env.NPM_TOKEN = 'npm-secret';
    try {
      const executor = createExecutor({ cwd: root, commands: { env: { executable: '/usr/bin/env' } } });
      const result = await executor.run('env', []);
      const lines = result.stdout.trim().split('\n').sort();
      // A random id per run, so descendants that leave the process group can still be found.
      expect(lines.filter((line) => line.startsWith(`${RUN_MARKER_VARIABLE}=`))).toEqual([
        expect.stringMatching(new RegExp(`^${RUN_MARKER_VARIABLE}=[0-9a-f]{32}$`)),
      ]);
      expect(withoutRunMarker(lines)).toEqual(['LC_ALL=C.UTF-8', 'PATH=/usr/local/bin:/usr/bin:/bin']);
    } finally {
      delete process.env.NPM_TOKEN;
    }
  });

  it('refuses loader variables in the policy', () => {
    expect(() =>
      createExecutor({
        cwd: root,
        env: { set: { LD_PRELOAD: '/tmp/x.so' } },
        commands: { env: { executable: 'env' } },
      }),
    ).toThrow(expect.objectContaining({ code: 'ERR_INVALID_EXEC_POLICY' }));
  });
});

function withoutRunMarker(lines: readonly string[]): string[] {
  return lines.filter((line) => !line.startsWith(`${RUN_MARKER_VARIABLE}=`));
}

describe('executable resolution', () => {
  it('keeps running the path resolved at start after PATH changes', async () => {
    const first = join(dir.path, 'bin-first');
    const second = join(dir.path, 'bin-second');
    mkdirSync(first);
    mkdirSync(second);
    script(join(first, 'tool'), 'echo first');
    script(join(second, 'tool'), 'echo hijacked');
    const savedPath = process.env.PATH;
    process.env.PATH = `${first}:${savedPath}`;
    try {
      const executor = createExecutor({ cwd: root, commands: { tool: { executable: 'tool' } } });
      expect(executor.executables.tool).toBe(join(first, 'tool'));
      process.env.PATH = `${second}:${savedPath}`;
      const result = await executor.run('tool', []);
      expect(result.stdout).toBe('first\n');
    } finally {
      process.env.PATH = savedPath;
    }
  });

  it('runs the real path but keeps the found name as argv[0] (multi-call binaries)', async () => {
    const bin = join(dir.path, 'bin-argv0');
    mkdirSync(bin);
    // node reports its argv[0] as process.argv0, like a multi-call binary would read it.
    symlinkSync(process.execPath, join(bin, 'alias-tool'));
    const executor = createExecutor({
      cwd: root,
      commands: {
        tool: {
          executable: join(bin, 'alias-tool'),
          options: {
            '-e': { value: 'required', rule: { type: 'enum', values: ['console.log(process.argv0)'] } },
          },
        },
      },
    });
    expect(executor.executables.tool).toBe(realpathSync(process.execPath));
    expect((await executor.run('tool', ['-e', 'console.log(process.argv0)'])).stdout).toBe(
      `${join(bin, 'alias-tool')}\n`,
    );
  });

  it('refuses to run when the resolved file was replaced after start', async () => {
    const bin = join(dir.path, 'bin-swap');
    mkdirSync(bin);
    script(join(bin, 'tool'), 'echo original');
    const executor = createExecutor({ cwd: root, commands: { tool: { executable: join(bin, 'tool') } } });
    expect((await executor.run('tool', [])).stdout).toBe('original\n');
    script(join(bin, 'tool.new'), 'echo replaced');
    renameSync(join(bin, 'tool.new'), join(bin, 'tool'));
    expect(await codeOf(executor.run('tool', []))).toBe('ERR_EXECUTABLE_CHANGED');
  });

  it('a command missing at start is a config error', () => {
    expect(() =>
      createExecutor({ commands: { nope: { executable: 'definitely-not-installed-xyz' } } }),
    ).toThrow(expect.objectContaining({ code: 'ERR_EXECUTABLE_NOT_FOUND', kind: 'config' }));
    expect(() => createExecutor({ commands: { rel: { executable: './tool' } } })).toThrow(
      expect.objectContaining({ code: 'ERR_EXECUTABLE_NOT_FOUND' }),
    );
  });

  it('ignores relative PATH entries (they would depend on the cwd)', () => {
    expect(() => resolveExecutable('x', 'forker', `.:${dir.path.slice(1)}`)).toThrow(
      expect.objectContaining({ code: 'ERR_EXECUTABLE_NOT_FOUND' }),
    );
  });

  it('refuses .bat and .cmd targets on Windows unless explicitly allowed', () => {
    const bat = join(dir.path, 'run.bat');
    writeFileSync(bat, '@echo off\r\n');
    chmodSync(bat, 0o755);
    expect(() => resolveExecutable('b', bat, '', { platform: 'win32' })).toThrow(
      expect.objectContaining({ code: 'ERR_BATCH_FILE_NOT_ALLOWED' }),
    );
    expect(resolveExecutable('b', bat, '', { platform: 'win32', allowBatchFiles: true }).path).toBe(bat);
    expect(resolveExecutable('b', bat, '', { platform: 'linux' }).path).toBe(bat);
  });

  it('refuses a shell as the program, also through a symlink, unless insecureAllowShell (which warns)', () => {
    for (const shell of ['sh', 'bash', '/bin/sh', 'dash']) {
      expect(() => createExecutor({ commands: { s: { executable: shell } } })).toThrow(
        expect.objectContaining({ code: 'ERR_SHELL_NOT_ALLOWED' }),
      );
    }
    symlinkSync('/bin/sh', join(dir.path, 'innocent'));
    expect(() => createExecutor({ commands: { s: { executable: join(dir.path, 'innocent') } } })).toThrow(
      expect.objectContaining({ code: 'ERR_SHELL_NOT_ALLOWED' }),
    );
    const events = memorySink();
    const allowed = createExecutor(
      { commands: { s: { executable: 'sh', insecureAllowShell: true } } },
      { events },
    );
    expect(allowed.warnings).toEqual(['s: insecureAllowShell lets a shell run as the program']);
    expect(events.events[0]).toMatchObject({ type: 'sys_startup' });
  });
});

describe('working directory, paths, stdin and concurrency', () => {
  const policy: ExecPolicy = { commands: { cat: catPolicy(), find: findPolicy() } };

  it('refuses a cwd outside the roots and a path argument escaping through a symlink', async () => {
    const executor = createExecutor({ ...policy, cwd: root }, { pathCheck: rootsCheck(root) });
    expect((await executor.run('cat', ['a.txt'])).stdout).toBe('alpha\n');
    expect(await codeOf(executor.run('cat', ['a.txt'], { cwd: join(dir.path, 'outside') }))).toBe(
      'ERR_CWD_OUTSIDE_ROOTS',
    );
    expect(await codeOf(executor.run('cat', ['a.txt'], { cwd: '..' }))).toBe('ERR_CWD_OUTSIDE_ROOTS');
    expect(await codeOf(executor.run('cat', ['a.txt'], { cwd: 42 as unknown as string }))).toBe(
      'ERR_CWD_OUTSIDE_ROOTS',
    );
    expect(await codeOf(executor.run('cat', ['a.txt'], { cwd: 'a\0b' }))).toBe('ERR_CWD_OUTSIDE_ROOTS');
    expect(await codeOf(executor.run('cat', ['escape/secret.txt']))).toBe('ERR_ARGUMENT_REJECTED');
    expect(await codeOf(executor.run('cat', ['../outside/secret.txt']))).toBe('ERR_ARGUMENT_REJECTED');
    expect(await codeOf(executor.run('find', ['.', '-newer', '/etc/passwd']))).toBe('ERR_ARGUMENT_REJECTED');
  });

  it('without a path check only the configured cwd is usable and path rules deny', async () => {
    const executor = createExecutor({ ...policy, cwd: root });
    expect(await codeOf(executor.run('cat', ['a.txt']))).toBe('ERR_ARGUMENT_REJECTED');
    expect(await codeOf(executor.run('cat', [], { cwd: '/tmp' }))).toBe('ERR_CWD_OUTSIDE_ROOTS');
    expect((await executor.run('cat', [], { stdin: 'piped\n' })).stdout).toBe('piped\n');
    const none = createExecutor(policy);
    expect(await codeOf(none.run('cat', []))).toBe('ERR_CWD_OUTSIDE_ROOTS');
  });

  it('a path check may replace a path (e.g. with its real path); the program gets the replacement', async () => {
    const echo = script(join(dir.path, 'echo-args'), 'for a in "$@"; do printf "[%s]" "$a"; done');
    const executor = createExecutor(
      {
        cwd: root,
        commands: {
          show: {
            executable: echo,
            options: { '--file': { value: 'required', rule: { type: 'path' } } },
            positionals: { type: 'path' },
          },
        },
      },
      { pathCheck: (path) => (path.endsWith('link') ? join(root, 'a.txt') : true) },
    );
    expect((await executor.run('show', ['--file', 'some-link', 'a.txt', 'other-link'])).stdout).toBe(
      `[--file=${join(root, 'a.txt')}][a.txt][${join(root, 'a.txt')}]`,
    );
  });

  it('a run may shorten the timeout but not lengthen it', async () => {
    const slow = script(join(dir.path, 'slow-2'), 'sleep 600');
    const executor = createExecutor({
      cwd: root,
      timeoutMs: 60_000,
      killGraceMs: 100,
      commands: { slow: { executable: slow } },
    });
    const result = await executor.run('slow', [], { timeoutMs: 300 });
    expect(result.timedOut).toBe(true);
    const capped = createExecutor({
      cwd: root,
      timeoutMs: 300,
      killGraceMs: 100,
      commands: { slow: { executable: slow } },
    });
    expect((await capped.run('slow', [], { timeoutMs: 3_600_000 })).timedOut).toBe(true);
  }, 30_000);

  it('a throwing path check denies (fails closed)', async () => {
    const executor = createExecutor(
      { ...policy, cwd: root },
      {
        pathCheck: () => {
          throw new Error('checker broke');
        },
      },
    );
    expect(await codeOf(executor.run('cat', ['a.txt']))).toBe('ERR_CWD_OUTSIDE_ROOTS');
  });

  it('closes stdin unless given, and refuses stdin over the limit', async () => {
    const executor = createExecutor({ ...policy, cwd: root, maxStdinBytes: 8 });
    const closed = await executor.run('cat', []);
    expect(closed.stdout).toBe('');
    expect(closed.exitCode).toBe(0);
    expect((await executor.run('cat', [], { stdin: new Uint8Array([104, 105]) })).stdout).toBe('hi');
    expect(await codeOf(executor.run('cat', [], { stdin: 'way too long' }))).toBe('ERR_ARGUMENT_REJECTED');
  });

  it('refuses runs beyond maxConcurrent, then accepts again', async () => {
    const slow = script(join(dir.path, 'slow'), 'sleep 600');
    const executor = createExecutor({
      cwd: root,
      maxConcurrent: 1,
      killGraceMs: 100,
      commands: { slow: { executable: slow }, cat: catPolicy() },
    });
    const controller = new AbortController();
    const first = executor.run('slow', [], { signal: controller.signal });
    await eventually(() => executor.running === 1);
    expect(await codeOf(executor.run('cat', []))).toBe('ERR_TOO_MANY_PROCESSES');
    controller.abort();
    expect((await first).aborted).toBe(true);
    expect((await executor.run('cat', [], { stdin: 'x' })).stdout).toBe('x');
  }, 30_000);

  it('under a burst of parallel runs never exceeds maxConcurrent and frees every slot', async () => {
    const counter = script(join(dir.path, 'counter'), 'sleep 0.2; echo done');
    const executor = createExecutor({
      cwd: root,
      maxConcurrent: 3,
      commands: { counter: { executable: counter } },
    });
    let peak = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, executor.running);
    }, 1);
    const outcomes = await Promise.allSettled(Array.from({ length: 12 }, () => executor.run('counter', [])));
    clearInterval(sampler);
    const fulfilled = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    const refused = outcomes.filter(
      (outcome) =>
        outcome.status === 'rejected' &&
        (outcome.reason as { code?: string }).code === 'ERR_TOO_MANY_PROCESSES',
    );
    expect(fulfilled.length + refused.length).toBe(12);
    expect(fulfilled.length).toBeGreaterThanOrEqual(1);
    expect(fulfilled.length).toBeLessThanOrEqual(3);
    expect(peak).toBeLessThanOrEqual(3);
    expect(executor.running).toBe(0);
  }, 30_000);

  it('a cwd that does not exist fails to spawn with a coded error, and frees its slot', async () => {
    const executor = createExecutor(
      { ...policy, cwd: root, maxConcurrent: 1 },
      { pathCheck: rootsCheck(root) },
    );
    expect(await codeOf(executor.run('cat', [], { cwd: 'missing-dir' }))).toBe('ERR_SPAWN_FAILED');
    expect(executor.running).toBe(0);
    expect((await executor.run('cat', [], { stdin: 'still works' })).stdout).toBe('still works');
  });

  it('unknown commands, even prototype names, are refused', async () => {
    const executor = createExecutor({ ...policy, cwd: root });
    expect(await codeOf(executor.run('rm', ['-rf', '/']))).toBe('ERR_COMMAND_NOT_ALLOWED');
    expect(await codeOf(executor.run('constructor', []))).toBe('ERR_COMMAND_NOT_ALLOWED');
    expect(await codeOf(executor.run('toString', []))).toBe('ERR_COMMAND_NOT_ALLOWED');
  });

  it('never uses a shell: metacharacters reach the program as plain bytes', async () => {
    const echo = script(join(dir.path, 'args'), 'for a in "$@"; do printf "[%s]" "$a"; done');
    const executor = createExecutor({
      cwd: root,
      commands: { args: { executable: echo, positionals: { type: 'text' } } },
    });
    const result = await executor.run('args', ['$(id)', '`id`', 'a;b', '|', '>x', '*']);
    expect(result.stdout).toBe('[$(id)][`id`][a;b][|][>x][*]');
  });
});

describe('events', () => {
  it('emits exec_run without argument values, and exec_denied with the reason', async () => {
    const events = memorySink();
    const executor = createExecutor(
      { cwd: root, commands: { cat: catPolicy() } },
      { events, pathCheck: rootsCheck(root) },
    );
    await executor.run('cat', ['a.txt']);
    await codeOf(executor.run('cat', ['--show-all', '-Z']));
    const [run, denied] = events.events;
    expect(run).toMatchObject({
      type: 'exec_run',
      command: 'cat',
      argCount: 1,
      exitCode: 0,
      outcome: 'success',
    });
    expect(run).not.toHaveProperty('args');
    expect(JSON.stringify(run)).not.toContain('a.txt');
    expect(denied).toMatchObject({
      type: 'exec_denied',
      code: 'ERR_FLAG_NOT_ALLOWED',
      outcome: 'denied',
      argCount: 2,
    });
  });

  it('logArguments adds argument values and warns at start', async () => {
    const events = memorySink();
    const executor = createExecutor(
      { cwd: root, logArguments: true, commands: { cat: catPolicy() } },
      { events, pathCheck: rootsCheck(root) },
    );
    expect(executor.warnings).toHaveLength(1);
    await executor.run('cat', ['a.txt']);
    expect(events.events[0]).toMatchObject({ type: 'sys_startup', level: 'info' });
    expect(events.events[1]).toMatchObject({ type: 'exec_run', args: ['--', 'a.txt'] });
  });

  it('a denial of a known-dangerous option also emits malicious_argument_injection', async () => {
    const events = memorySink();
    const executor = createExecutor(
      { cwd: root, commands: { find: findPolicy() } },
      { events, pathCheck: rootsCheck(root) },
    );
    expect(await codeOf(executor.run('find', ['.', '-exec', 'id', ';']))).toBe('ERR_FLAG_NOT_ALLOWED');
    expect(events.events.map((event) => event.type)).toEqual(['exec_denied', 'malicious_argument_injection']);
    expect(events.events[1]).toMatchObject({ level: 'critical', command: 'find' });
  });
});

describe('parent exit', () => {
  it('kills the process groups of runs still going when the parent process exits', async () => {
    const sleeper = script(join(dir.path, 'orphan-maker'), 'sleep 600 &\necho $!\nsleep 600');
    const grandchild = await pidFromParentExitingMidRun(root, sleeper);
    expect(grandchild).toBeGreaterThan(1);
    expect(await eventually(() => processGone(grandchild))).toBe(true);
  }, 30_000);
});
