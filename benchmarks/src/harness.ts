import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Bench } from 'tinybench';

/** A function under measurement; `batch` calls of it run concurrently per iteration when batch > 1. */
export type Operation = () => unknown;

/** The two sides of one comparison, built fresh for each run. */
export interface Pair {
  readonly candidate: Operation;
  readonly baseline: Operation;
  readonly teardown?: () => Promise<void> | void;
}

/** A candidate measured against its baseline, interleaved, in the same process. */
export interface Comparison {
  /** `package/case`, e.g. `core/binding-overhead`. */
  readonly name: string;
  readonly candidateLabel: string;
  readonly baselineLabel: string;
  /** Operations in flight per iteration (1 = sequential). */
  readonly inFlight?: number;
  /**
   * Sequential operations per measured iteration (default 1). For operations of a few hundred
   * nanoseconds, where the harness's own cost per iteration (two timer reads and an await) would be
   * added to both sides and pull their ratio towards 1.
   */
  readonly opsPerIteration?: number;
  /** The target for candidate time / baseline time (lower is better), if any. */
  readonly targetTimeRatio?: number;
  /**
   * Rounds in a full run (default 12; each measures each side for 0.4 s). More for comparisons whose
   * sides differ by less than the noise of one round, so that the median ratio settles; `--quick`
   * always runs 2. Short rounds alternate the sides often, so that drift in the machine's speed
   * (other tenants, frequency changes) falls on both.
   */
  readonly rounds?: number;
  /**
   * What a round reports per side: the median sample (default; the cost of a typical operation) or
   * the mean (the cost in throughput: garbage collection and work deferred to other samples included).
   */
  readonly statistic?: 'p50' | 'mean';
  readonly setup: () => Promise<Pair> | Pair;
}

/** A value that is not a time comparison (bytes per key, requests per second from a load tool, …). */
export interface Measurement {
  readonly name: string;
  readonly candidateLabel: string;
  readonly candidate: number;
  readonly baselineLabel?: string;
  readonly baseline?: number;
  readonly unit: string;
  /** candidate / baseline, oriented so that lower is better (a time-like ratio). */
  readonly timeRatio?: number;
  readonly spread?: readonly [number, number];
  readonly targetTimeRatio?: number;
  readonly note?: string;
}

/** What a `*.bench.ts` module exports. */
export interface BenchModule {
  readonly comparisons?: readonly Comparison[];
  readonly measure?: (options: RunOptions) => Promise<readonly Measurement[]>;
}

export interface RunOptions {
  readonly quick: boolean;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

function inFlightTask(operation: Operation, inFlight: number, ops: number): () => Promise<unknown> {
  if (ops > 1) {
    return async () => {
      for (let index = 0; index < ops; index++) await operation();
    };
  }
  // Not `async () => operation()`: an async function adopting a returned promise costs two more
  // microtask turns than one returning a plain value, a cost only the promise-returning side would pay.
  if (inFlight <= 1) return () => Promise.resolve(operation());
  return () => Promise.all(Array.from({ length: inFlight }, () => operation()));
}

/**
 * Runs candidate and baseline in alternating order (A B, B A, …) after a warm-up, several rounds,
 * and reports the median time per operation of each and the per-round ratio's median and spread.
 */
export async function runComparison(comparison: Comparison, options: RunOptions): Promise<Measurement> {
  const rounds = options.quick ? 2 : (comparison.rounds ?? 12);
  const time = options.quick ? 150 : 400;
  const inFlight = comparison.inFlight ?? 1;
  const ops = comparison.opsPerIteration ?? 1;
  if (ops > 1 && inFlight > 1) throw new Error(`${comparison.name}: opsPerIteration needs inFlight 1`);
  const pair = await comparison.setup();
  const candidateTimes: number[] = [];
  const baselineTimes: number[] = [];
  const ratios: number[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      const order =
        round % 2 === 0 ? (['candidate', 'baseline'] as const) : (['baseline', 'candidate'] as const);
      const perOp: Record<string, number> = {};
      for (const side of order) {
        const bench = new Bench({ time, warmupTime: round === 0 ? time / 2 : time / 10, warmup: true });
        bench.add(side, inFlightTask(pair[side], inFlight, ops));
        await bench.run();
        const result = bench.tasks[0]?.result;
        if (result === undefined || !('latency' in result)) {
          const error = result !== undefined && 'error' in result ? result.error : undefined;
          throw new Error(`${comparison.name}: ${side} did not complete`, { cause: error });
        }
        const sample = comparison.statistic === 'mean' ? result.latency.mean : result.latency.p50;
        perOp[side] = (sample * 1e6) / (inFlight * ops);
      }
      candidateTimes.push(perOp.candidate!);
      baselineTimes.push(perOp.baseline!);
      ratios.push(perOp.candidate! / perOp.baseline!);
    }
  } finally {
    await pair.teardown?.();
  }
  return {
    name: comparison.name,
    candidateLabel: comparison.candidateLabel,
    candidate: median(candidateTimes),
    baselineLabel: comparison.baselineLabel,
    baseline: median(baselineTimes),
    unit: 'ns/op',
    timeRatio: median(ratios),
    spread: [Math.min(...ratios), Math.max(...ratios)],
    ...(comparison.targetTimeRatio === undefined ? {} : { targetTimeRatio: comparison.targetTimeRatio }),
    ...(inFlight > 1 ? { note: `${inFlight} in flight` } : {}),
  };
}

/** A full garbage collection, for memory measurements (exposed at run time: no node flag needed). */
export function collectGarbage(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}
