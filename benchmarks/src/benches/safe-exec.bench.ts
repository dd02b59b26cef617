import { spawn } from 'node:child_process';
import { createExecutor } from '@mcp-warden/safe-exec';
import type { Comparison } from '../harness.js';

/** Plain `child_process.spawn` of the same program, collecting output, waiting for `close`. */
function plainSpawn(file: string, args: readonly string[]): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
}

const executor = createExecutor({
  cwd: process.cwd(),
  maxConcurrent: 64,
  commands: {
    true: { executable: '/bin/true' },
    ls: {
      executable: '/bin/ls',
      options: { '-l': {}, '--all': { aliases: ['-a'] } },
      positionals: { type: 'text' },
      insertSeparator: true,
    },
  },
});

export const comparisons: readonly Comparison[] = [
  {
    name: 'safe-exec/spawn-overhead',
    candidateLabel: "run('true') (policy, env, process group, caps)",
    baselineLabel: "child_process.spawn('/bin/true')",
    targetTimeRatio: 1.1,
    setup: () => ({
      candidate: () => executor.run('true', []),
      baseline: () => plainSpawn('/bin/true', []),
    }),
  },
  {
    name: 'safe-exec/spawn-overhead-with-args',
    candidateLabel: "run('ls', ['-la', '.']) (argument check)",
    baselineLabel: "child_process.spawn('/bin/ls', ['-la', '.'])",
    targetTimeRatio: 1.1,
    setup: () => ({
      candidate: () => executor.run('ls', ['-la', '.']),
      baseline: () => plainSpawn('/bin/ls', ['-l', '--all', '--', '.']),
    }),
  },
];
