import { ConfigError } from '@mcp-warden/core';

/** The algorithm a rule uses. */
export type RateLimitAlgorithm = 'gcra' | 'sliding-window' | 'fixed-window';

/** What a user writes: `limit` units per `periodMs`, e.g. `{ limit: 5, periodMs: 60_000 }`. */
export interface RateLimitRuleSpec {
  /** Units allowed per period. A finite integer >= 1. */
  readonly limit: number;
  /** The period in milliseconds. A finite number >= 1. */
  readonly periodMs: number;
  /** GCRA only: how many units may be spent at once. Default: `limit`. */
  readonly burst?: number;
  /** Default: `'gcra'`. */
  readonly algorithm?: RateLimitAlgorithm;
  /** Names the rule in keys and in the `RateLimit-Policy` header. Default: `'default'`. */
  readonly name?: string;
}

/** A validated rule, as stores take it. Build it with {@link rateLimitRule}. */
export interface RateLimitRule {
  readonly name: string;
  /**
   * `name:algorithm` (`default:gcra`): the namespace of the rule's keys in a store, so that changing a
   * rule's algorithm never reads state written by another one.
   */
  readonly id: string;
  readonly algorithm: RateLimitAlgorithm;
  readonly limit: number;
  readonly periodMs: number;
  /** The most units one key may hold at once (GCRA: `burst`; windows: `limit`). */
  readonly burst: number;
  /** GCRA: milliseconds one unit takes to come back (`periodMs / limit`). */
  readonly emissionIntervalMs: number;
}

const RULE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const ALGORITHMS: ReadonlySet<string> = new Set<RateLimitAlgorithm>([
  'gcra',
  'sliding-window',
  'fixed-window',
]);

function invalid(message: string, detail: Record<string, unknown>): ConfigError {
  return new ConfigError('ERR_INVALID_RATE_LIMIT', message, { detail });
}

/** A rule given by an untyped caller as `null`, a string, a number...: a coded error, not a TypeError. */
function assertObject(spec: unknown): void {
  if (spec === null || typeof spec !== 'object') {
    throw invalid('a rate limit rule must be an object such as { limit, periodMs }', { rule: typeof spec });
  }
}

/** Validates a rule spec; throws `ERR_INVALID_RATE_LIMIT` for anything not finite and positive. */
export function rateLimitRule(spec: RateLimitRuleSpec): RateLimitRule {
  assertObject(spec);
  const { limit, periodMs } = spec;
  const algorithm = spec.algorithm ?? 'gcra';
  const name = spec.name ?? 'default';
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw invalid('rate limit must be an integer >= 1', { limit });
  }
  if (!Number.isFinite(periodMs) || periodMs < 1 || periodMs > 366 * 24 * 3600 * 1000) {
    throw invalid('rate limit period must be between 1 ms and one year', { periodMs });
  }
  if (!ALGORITHMS.has(algorithm)) throw invalid('unknown rate limit algorithm', { algorithm });
  if (!RULE_NAME.test(name)) throw invalid('rule name must match [A-Za-z0-9_.-]{1,64}', { name });
  const burst = spec.burst ?? limit;
  if (!Number.isSafeInteger(burst) || burst < 1) throw invalid('burst must be an integer >= 1', { burst });
  if (spec.burst !== undefined && algorithm !== 'gcra') {
    throw invalid('burst applies to the gcra algorithm only', { algorithm });
  }
  return Object.freeze({
    name,
    id: `${name}:${algorithm}`,
    algorithm,
    limit,
    periodMs,
    burst,
    emissionIntervalMs: periodMs / limit,
  });
}

/**
 * Throws `ERR_INVALID_COST` for a cost that is not a finite number >= 0, and `ERR_COST_EXCEEDS_LIMIT`
 * for one above the rule's burst: such a call could never be allowed, which is a configuration error.
 */
export function assertCost(rule: RateLimitRule, cost: number): void {
  if (!(cost >= 0 && cost <= rule.burst)) {
    if (!Number.isFinite(cost) || cost < 0) {
      throw new ConfigError('ERR_INVALID_COST', 'rate limit cost must be a finite number >= 0', {
        detail: { cost },
      });
    }
    throw new ConfigError('ERR_COST_EXCEEDS_LIMIT', 'rate limit cost exceeds what the rule allows at once', {
      detail: { cost, burst: rule.burst, rule: rule.name },
    });
  }
}

/** A spec or an already built rule, validated either way; `fallbackName` names an unnamed spec. */
export function toRule(input: RateLimitRuleSpec | RateLimitRule, fallbackName: string): RateLimitRule {
  assertObject(input);
  const { limit, periodMs } = input;
  const algorithm = input.algorithm ?? 'gcra';
  return rateLimitRule({
    name: input.name ?? fallbackName,
    algorithm,
    limit,
    periodMs,
    ...(input.burst === undefined || algorithm !== 'gcra' ? {} : { burst: input.burst }),
  });
}
