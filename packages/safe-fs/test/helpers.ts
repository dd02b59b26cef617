import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { createSafeFs, type SafeFs, type SafeFsOptions } from '../src/index.js';

/** A real temp directory with a root, a sibling whose name extends the root's, and an outside dir. */
export interface Sandbox {
  readonly base: string;
  /** The allowed root (canonical). */
  readonly root: string;
  /** `<base>/root_evil`: shares the root's string prefix, not its path. */
  readonly evil: string;
  /** `<base>/outside`, holding `secret.txt` with {@link SECRET}. */
  readonly outside: string;
}

export const SECRET = 'TOP-SECRET-OUTSIDE';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Creates a fresh sandbox, removed after the test. */
export function sandbox(): Sandbox {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'safe-fs-test-')));
  made.push(base);
  const root = join(base, 'root');
  const evil = join(base, 'root_evil');
  const outside = join(base, 'outside');
  for (const dir of [root, evil, outside]) mkdirSync(dir);
  writeFileSync(join(outside, 'secret.txt'), SECRET);
  writeFileSync(join(evil, 'secret.txt'), SECRET);
  return { base, root, evil, outside };
}

/** A SafeFs over the sandbox's root. */
export function safeFsFor(box: Sandbox, options: Partial<SafeFsOptions> = {}): SafeFs {
  return createSafeFs({ roots: [box.root], ...options });
}

/** The `code` of the error `promise` rejects with (fails the test if it resolves). */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return String((error as { code?: unknown }).code);
  }
  throw new Error('expected a rejection');
}

/**
 * Starts `script` (swapping a directory for a link to outside as fast as it can) in its own
 * process, with the root and the outside target as arguments; resolves once it prints its first line.
 */
export function startSwapper(root: string, outsideTarget: string, script: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', script, root, outsideTarget], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.stdout?.once('data', () => resolve(child));
  });
}
