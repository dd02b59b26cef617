import { spawn } from 'node:child_process';
import { checkArguments, createExecutor, gitPolicy, grepPolicy } from '@mcp-warden/safe-exec';
import type { Comparison, Measurement, RunOptions } from '../harness.js';

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

/**
 * What the policy check itself costs, without a spawn: the part of `run()` that is safe-exec's own
 * work (the rest is the OS starting a process). Reported per call.
 */
export async function measure(options: RunOptions): Promise<readonly Measurement[]> {
  const iterations = options.quick ? 20_000 : 200_000;
  const limits = { maxArgs: 64, maxArgLength: 4096 };
  const cases: [string, ReturnType<typeof gitPolicy>, string[]][] = [
    ['git log', gitPolicy(), ['log', '--oneline', '-n', '20', '--author=alice', 'main..topic', '--', 'src']],
    ['grep -rn', grepPolicy(), ['-rni', '--include=*.ts', '-C2', 'TODO', 'src', 'test']],
  ];
  const out: Measurement[] = [];
  for (const [label, policy, args] of cases) {
    for (let i = 0; i < 2_000; i++) checkArguments(policy, args, limits);
    const started = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) checkArguments(policy, args, limits);
    const perCall = Number(process.hrtime.bigint() - started) / iterations;
    out.push({
      name: `safe-exec/argument-check (${label})`,
      candidateLabel: `checkArguments(${label}, ${args.length} args)`,
      candidate: Math.round(perCall),
      unit: 'ns/op',
      note: 'no spawn; compare with the ~2-10 ms of a spawn above',
    });
  }
  return out;
}
