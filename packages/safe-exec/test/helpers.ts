import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isWardenError } from '@mcp-warden/core';
import type { PathCheck } from '../src/index.js';

/** A fresh real temp directory (its real path), removed by the returned cleanup. */
export function tempDir(prefix = 'safe-exec-'): { path: string; cleanup: () => void } {
  const path = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** Writes an executable `#!/bin/sh` script. */
export function script(path: string, body: string): string {
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

/**
 * A path check confining to `roots` the way safe-fs does in spirit: resolve symlinks of the longest
 * existing prefix, then require the result inside a root. (safe-fs is not imported: feature packages
 * do not depend on each other.)
 */
export function rootsCheck(...roots: string[]): PathCheck {
  const realRoots = roots.map((root) => realpathSync(root));
  return (absolute) => {
    let existing = resolve(absolute);
    let rest = '';
    for (;;) {
      try {
        existing = realpathSync(existing);
        break;
      } catch {
        rest = join(existing.slice(dirname(existing).length + 1), rest);
        const parent = dirname(existing);
        if (parent === existing) return false;
        existing = parent;
      }
    }
    const real = rest === '' ? existing : join(existing, rest);
    return realRoots.some((root) => {
      const inside = relative(root, real);
      return inside === '' || (!inside.startsWith(`..${sep}`) && inside !== '..' && !inside.startsWith(sep));
    });
  };
}

/** True when the process is gone (or a zombie nobody reaped yet: it runs no code). */
export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/** Polls `condition` until true or `timeoutMs` passes (generous; not a timing assertion). */
export async function eventually(condition: () => boolean, timeoutMs = 15_000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return condition();
}

/** The warden error code a promise rejects with, or `ok` when it resolves (other errors rethrown). */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isWardenError(error)) return error.code;
    throw error;
  }
  return 'ok';
}

/**
 * Runs a real parent process that streams a run of `executable` (in `cwd`), writes the first output
 * chunk (a pid the program printed) and exits mid-run. Resolves to that pid.
 */
export async function pidFromParentExitingMidRun(cwd: string, executable: string): Promise<number> {
  const entry = fileURLToPath(new URL('../src/index.ts', import.meta.url));
  const program = `
    const { createExecutor } = await import(${JSON.stringify(entry)});
    const executor = createExecutor({ cwd: ${JSON.stringify(cwd)}, commands: { c: { executable: ${JSON.stringify(executable)} } } });
    const stream = await executor.stream('c', []);
    for await (const chunk of stream) { process.stdout.write(Buffer.from(chunk.data)); process.exit(0); }
  `;
  const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', program], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  parent.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  await new Promise((resolve) => parent.on('close', resolve));
  return Number(output.trim());
}
