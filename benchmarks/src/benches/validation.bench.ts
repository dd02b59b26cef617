import {
  type Call,
  type CallResult,
  createSecurityContext,
  type Guard,
  noopSink,
  resolvePolicy,
} from '@mcp-warden/core';
import {
  argumentGuard,
  boundedEnum,
  boundedInt,
  boundedString,
  findStructureProblem,
  identifier,
  pathString,
  sanitizeText,
  validationGuard,
} from '@mcp-warden/validation';
import { z } from 'zod';
import type { Comparison, Measurement, RunOptions } from '../harness.js';

/** A typical tool's input: a search over files, as a model would call it. */
const schema = z.object({
  query: boundedString({ maxChars: 200 }),
  path: pathString(),
  maxResults: boundedInt({ min: 1, max: 100 }),
  caseSensitive: z.boolean(),
  order: boundedEnum(['relevance', 'newest', 'oldest']),
  tags: z.array(identifier()).max(10),
  context: z.object({ before: boundedInt({ min: 0, max: 10 }), after: boundedInt({ min: 0, max: 10 }) }),
});

const args = {
  query: 'error handling in the token cache',
  path: 'packages/auth/src',
  maxResults: 20,
  caseSensitive: false,
  order: 'relevance',
  tags: ['typescript', 'security', 'cache'],
  context: { before: 2, after: 2 },
};

const result: CallResult = {
  content: [{ type: 'text', text: '3 matches in packages/auth/src/token-cache.ts' }],
};

function makeCall(): Call {
  return {
    kind: 'tool',
    name: 'search',
    arguments: args,
    inputSchema: schema,
    policy: resolvePolicy(undefined, undefined),
    context: createSecurityContext(
      { signal: new AbortController().signal, requestId: 1 },
      { sink: noopSink(), transport: 'in-memory', target: 'tool:search' },
    ),
  };
}

/**
 * A guard against the same zod schema parsed bare: `argumentGuard` (structural limits + zod + the
 * parsed values handed on), or `validationGuard` (that and output sanitising after `next`).
 */
function guardSetup(makeGuard: () => Guard) {
  return () => {
    const guard = makeGuard();
    const call = makeCall();
    const next = () => Promise.resolve(result);
    if (!schema.safeParse(args).success) throw new Error('benchmark arguments must be valid');
    return {
      candidate: () => guard(call, next),
      baseline: () => schema.safeParse(args),
    };
  };
}

/** The argument guard against the least a guard can do with the schema: parse it and call next. */
function minimalGuardSetup() {
  const guard = argumentGuard();
  const call = makeCall();
  const next = () => Promise.resolve(result);
  return {
    candidate: () => guard(call, next),
    baseline: () => {
      if (!schema.safeParse(args).success) throw new Error('invalid');
      return next();
    },
  };
}

const plainSchema = z.object({
  query: z.string().max(200),
  path: z.string().min(1).max(4096),
  maxResults: z.int().min(1).max(100),
  caseSensitive: z.boolean(),
  order: z.enum(['relevance', 'newest', 'oldest']),
  tags: z
    .array(
      z
        .string()
        .min(1)
        .max(64)
        .regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/),
    )
    .max(10),
  context: z.object({ before: z.int().min(0).max(10), after: z.int().min(0).max(10) }),
});

// biome-ignore lint/suspicious/noControlCharactersInRegex: the baseline looks for escape characters
const ESCAPES = /[\u001b\u009b]/;
const page = `${'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(170)}\n`;

export const comparisons: readonly Comparison[] = [
  {
    // The row: the guard as a server gets it by default (argument validation, and output
    // sanitising in its post-processing) on a typical argument object, against the same schema bare.
    name: 'validation/validation-guard-vs-bare-zod',
    candidateLabel: 'validationGuard (limits + schema + output)',
    baselineLabel: 'schema.safeParse (same schema)',
    targetTimeRatio: 1.2,
    // The guard's own cost is a few hundred ns on a ~2 µs parse: more rounds for a settled median.
    rounds: 28,
    setup: guardSetup(() => validationGuard()),
  },
  {
    // The argument step alone (for servers that sanitise output elsewhere, or place outputGuard apart):
    // the difference to the row above is the output step, mostly its promise step after `next` (a
    // microtask the bare parse does not have) and one regular-expression test of the result text.
    name: 'validation/argument-guard-vs-bare-zod',
    candidateLabel: 'argumentGuard (limits + schema)',
    baselineLabel: 'schema.safeParse (same schema)',
    rounds: 28,
    setup: guardSetup(() => argumentGuard()),
  },
  {
    name: 'validation/argument-guard-vs-zod-only-guard',
    candidateLabel: 'argumentGuard (limits + schema)',
    baselineLabel: 'a guard doing only safeParse + next()',
    setup: minimalGuardSetup,
  },
  {
    name: 'validation/bounded-vs-plain-zod',
    candidateLabel: 'bounded primitives',
    baselineLabel: 'plain zod, same length limits',
    setup: () => ({ candidate: () => schema.safeParse(args), baseline: () => plainSchema.safeParse(args) }),
  },
  {
    name: 'validation/sanitize-clean-10kb',
    candidateLabel: 'sanitizeText (10 KB, nothing hidden)',
    baselineLabel: 'one regex test over the same text',
    setup: () => ({
      candidate: () => sanitizeText(page),
      baseline: () => ESCAPES.test(page),
    }),
  },
];

function timeMs(operation: () => unknown, repeat: number): number {
  const started = performance.now();
  for (let i = 0; i < repeat; i++) operation();
  return (performance.now() - started) / repeat;
}

/** How fast (and with how little memory) hostile sizes are refused. */
export async function measure(options: RunOptions): Promise<readonly Measurement[]> {
  const repeat = options.quick ? 5 : 50;
  const huge = { content: 'x'.repeat(50 * 1024 * 1024) };
  let deep: unknown = {};
  for (let i = 0; i < 10_000; i++) deep = { a: deep };
  const before = process.memoryUsage().heapUsed;
  const hugeMs = timeMs(() => findStructureProblem(huge), repeat);
  const deepMs = timeMs(() => findStructureProblem(deep), repeat);
  const grownKb = Math.max(0, (process.memoryUsage().heapUsed - before) / 1024);
  return [
    {
      name: 'validation/refuse-50mb-string',
      candidateLabel: 'findStructureProblem',
      candidate: hugeMs,
      unit: 'ms',
    },
    {
      name: 'validation/refuse-10000-deep',
      candidateLabel: 'findStructureProblem',
      candidate: deepMs,
      unit: 'ms',
    },
    {
      name: 'validation/refusal-heap-growth',
      candidateLabel: `heap growth over ${2 * repeat} refusals`,
      candidate: grownKb,
      unit: 'KiB',
    },
  ];
}
