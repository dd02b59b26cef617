import type { Call, CallKind, CallResult, Guard, Next } from '@mcp-warden/core';
import { ConfigError, RateLimitError } from '@mcp-warden/core';
import type {} from './call-policy.js';
import { ConcurrencyLimiter } from './concurrency-limiter.js';
import type { Decision } from './decision.js';
import { defaultKey, type KeyBuilder } from './key-builders.js';
import { type RateLimitRule, type RateLimitRuleSpec, toRule } from './rule.js';
import type { RateLimitStore } from './store.js';

/** A rule as options take it: a spec (validated when the guard is built) or a built rule. */
export type RuleInput = RateLimitRuleSpec | RateLimitRule;

/** Options of {@link rateLimitGuard}. */
export interface RateLimitGuardOptions {
  /** Where the state lives: a `MemoryStore` (one process) or a `RedisStore` (shared). */
  readonly store: RateLimitStore;
  /**
   * The budget every call spends from, per key. Default: 120 calls per minute (GCRA, burst 120).
   * `false` applies only per-target rules.
   */
  readonly rule?: RuleInput | false;
  /** The key of a call. Default: `defaultKey` (principal, else remote address, else `anonymous`). */
  readonly key?: KeyBuilder;
  /** Extra rules per tool name, spent per key and tool (e.g. `{ delete_file: { limit: 5, periodMs: 60_000 } }`). */
  readonly tools?: Readonly<Record<string, RuleInput>>;
  /** Extra rules per resource name or URI. */
  readonly resources?: Readonly<Record<string, RuleInput>>;
  /** Extra rules per prompt name. */
  readonly prompts?: Readonly<Record<string, RuleInput>>;
  /** Most calls in flight per key, in this process. Default: 16. `false` disables the check. */
  readonly maxInFlight?: number | false;
}

const DEFAULT_RULE: RateLimitRuleSpec = { limit: 120, periodMs: 60_000 };

/**
 * What a call spends of the default rule, or `undefined` for nothing. A completion or a template's
 * `list` callback (`call.operation`) is not a call of its target: it spends 1, whatever the target's
 * `cost` or exemption, and nothing of the target's own rule (typing into a prompt's argument must not
 * use up "5 calls a minute" of the prompt).
 */
function defaultCost(call: Call): number | undefined {
  if (call.operation !== undefined) return 1;
  return call.policy.rateLimit === false ? undefined : call.policy.cost;
}

function buildAll(
  rules: Readonly<Record<string, RuleInput>> | undefined,
  kind: CallKind,
): ReadonlyMap<string, RateLimitRule> {
  const map = new Map<string, RateLimitRule>();
  for (const [name, input] of Object.entries(rules ?? {})) map.set(name, toRule(input, kind));
  return map;
}

/**
 * A core guard that limits every call: first the calls in flight per key, then the call's own rule
 * (from `tools` / `resources` / `prompts`, or `policy.rateLimit`) per key and target, then the
 * default rule per key. A call spends `policy.cost` (default 1) of the default rule and one call of its
 * own rule ("5 calls a minute" means calls, whatever they cost); a call its own rule denies spends
 * nothing of the default rule. A completion or a template's `list` callback spends 1 of the default
 * rule only. A denial throws
 * `ERR_RATE_LIMITED` (or `ERR_CONCURRENCY_LIMITED`) with `retryAfterMs` in its data, and emits
 * `ratelimit_exceeded`. A store that cannot decide makes the call fail (`ERR_RATE_LIMIT_UNAVAILABLE`).
 */
export function rateLimitGuard(options: RateLimitGuardOptions): Guard {
  const { store } = options;
  const keyOf = options.key ?? defaultKey;
  const globalRule = options.rule === false ? undefined : toRule(options.rule ?? DEFAULT_RULE, 'default');
  const perTarget: Readonly<Record<CallKind, ReadonlyMap<string, RateLimitRule>>> = {
    tool: buildAll(options.tools, 'tool'),
    resource: buildAll(options.resources, 'resource'),
    prompt: buildAll(options.prompts, 'prompt'),
  };
  const maxInFlight = options.maxInFlight ?? 16;
  const concurrency = maxInFlight === false ? undefined : new ConcurrencyLimiter({ maxInFlight });
  const policyRules = new WeakMap<object, RateLimitRule>();

  const targetRule = (call: Call): RateLimitRule | undefined => {
    if (call.operation !== undefined) return undefined;
    const policyRule = call.policy.rateLimit;
    if (policyRule !== undefined && policyRule !== false) {
      let rule = policyRules.get(policyRule);
      if (rule === undefined) {
        rule = toRule(policyRule, call.kind);
        policyRules.set(policyRule, rule);
      }
      return rule;
    }
    const rules = perTarget[call.kind];
    return rules.get(call.name) ?? (call.uri === undefined ? undefined : rules.get(call.uri));
  };

  const deny = (call: Call, rule: RateLimitRule, key: string, decision: Decision): never => {
    call.context.emit({
      type: 'ratelimit_exceeded',
      key,
      limit: rule.limit,
      retryAfterMs: decision.retryAfterMs,
    });
    throw new RateLimitError('ERR_RATE_LIMITED', 'rate limit exceeded', {
      data: {
        retryAfterMs: decision.retryAfterMs,
        limit: rule.limit,
        periodMs: rule.periodMs,
        remaining: decision.remaining,
        resetAfterMs: decision.resetAfterMs,
        policy: rule.name,
      },
      detail: { key },
    });
  };

  // A store that decides in memory is asked synchronously: no promise per rule on every call.
  const decideNow = store.consumeSync?.bind(store);

  /**
   * The call's own rule is spent before the default rule: a call its own rule denies spends nothing
   * of the default budget (a client retrying a limited tool in a loop does not lose its other tools).
   * A call the default rule denies has spent one call of its own rule (undoing it would need a
   * refund no store can make atomically).
   */
  const spendNow = (call: Call, key: string, decideOne: NonNullable<typeof decideNow>): void => {
    const rule = targetRule(call);
    if (rule !== undefined) {
      const targetKey = `${call.kind}:${call.name}/${key}`;
      const decision = decideOne(targetKey, rule, 1);
      if (!decision.allowed) deny(call, rule, targetKey, decision);
    }
    const cost = defaultCost(call);
    if (globalRule !== undefined && cost !== undefined) {
      const decision = decideOne(key, globalRule, cost);
      if (!decision.allowed) deny(call, globalRule, key, decision);
    }
  };

  /** {@link spendNow} for a store that answers asynchronously, in the same order. */
  const spend = async (call: Call, key: string): Promise<void> => {
    const rule = targetRule(call);
    if (rule !== undefined) {
      const targetKey = `${call.kind}:${call.name}/${key}`;
      const decision = await store.consume(targetKey, rule, 1);
      if (!decision.allowed) deny(call, rule, targetKey, decision);
    }
    const cost = defaultCost(call);
    if (globalRule !== undefined && cost !== undefined) {
      const decision = await store.consume(key, globalRule, cost);
      if (!decision.allowed) deny(call, globalRule, key, decision);
    }
  };

  const limited = (call: Call, next: Next): Promise<CallResult> => {
    const key = keyOf(call);
    if (key === undefined) {
      throw new ConfigError('ERR_NO_RATE_LIMIT_KEY', 'no rate limit key for this call', {
        detail: { target: `${call.kind}:${call.name}` },
      });
    }
    const release = concurrency?.tryAcquire(key);
    if (concurrency !== undefined && release === undefined) {
      call.context.emit({ type: 'ratelimit_exceeded', key, limit: concurrency.maxInFlight, retryAfterMs: 0 });
      throw new RateLimitError('ERR_CONCURRENCY_LIMITED', 'too many calls in flight', {
        data: { maxInFlight: concurrency.maxInFlight },
        detail: { key },
      });
    }
    let result: Promise<CallResult>;
    try {
      if (decideNow === undefined) result = spend(call, key).then(() => next());
      else {
        spendNow(call, key, decideNow);
        result = next();
      }
    } catch (error) {
      result = Promise.reject(error);
    }
    if (release === undefined) return result;
    return result.then(
      (value) => {
        release();
        return value;
      },
      (error: unknown) => {
        release();
        throw error;
      },
    );
  };

  // Not an async function: with a synchronous store, an allowed call costs no extra promise.
  return (call, next) => {
    try {
      return limited(call, next);
    } catch (error) {
      return Promise.reject(error);
    }
  };
}
