import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { problemsOf } from '../src/index.js';
import type { ConfigProblem } from '../src/problems.js';

/** A real temporary directory, removed by `cleanup()`. */
export function tempDir(): {
  readonly dir: string;
  file(name: string, content: string, mode?: number): string;
  cleanup(): void;
} {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-warden-config-'));
  return {
    dir,
    file(name: string, content: string, mode = 0o600): string {
      const path = join(dir, name);
      writeFileSync(path, content);
      chmodSync(path, mode);
      return path;
    },
    cleanup(): void {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs `load` and returns the problems of the `ERR_CONFIG_INVALID` it must throw. */
export function problemsFrom(load: () => unknown): readonly ConfigProblem[] {
  try {
    load();
  } catch (error) {
    const problems = problemsOf(error);
    if (problems.length === 0) throw error;
    return problems;
  }
  throw new Error('expected the config to be refused');
}
