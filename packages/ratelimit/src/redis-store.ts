import { ConfigError, type EventSink, noopSink, RateLimitError, type SecurityEvent } from '@mcp-warden/core';
import type { Decision } from './decision.js';
import { RATE_LIMIT_SCRIPT, RATE_LIMIT_SCRIPT_SHA } from './lua-script.js';
import { MemoryStore } from './memory-store.js';
import type { RedisScriptRunner } from './redis-client.js';
import { assertCost, type RateLimitRule, rateLimitRule } from './rule.js';
import { ScriptBatches } from './script-batches.js';
import type { ScriptCall } from './script-call.js';
import type { RateLimitStore } from './store.js';
import { storeKey } from './store-key.js';

/**
 * While Redis is unreachable, decide locally: each instance allows `1 / instances` of every rule's
 * limit and burst (at least 1), so that `instances` equally loaded instances together stay near the
 * shared limit. Weaker than Redis: a client that reaches more instances gets more.
 */
export interface RedisFallbackPolicy {
  readonly mode: 'fallback';
  /** How many instances share the limit. An integer >= 1. */
  readonly instances: number;
  /** The local store used meanwhile. Default: a new `MemoryStore()`. */
  readonly store?: MemoryStore;
}

/** Options of {@link RedisStore}. */
export interface RedisStoreOptions {
  /** The client, adapted: `nodeRedisScripts(client)` or `ioredisScripts(client)`. */
  readonly scripts: RedisScriptRunner;
  /** Prefix of every key. Default: `'mcp-warden:rl:'`. */
  readonly prefix?: string;
  /** How long one decision may wait for Redis. Default: 200 ms. */
  readonly timeoutMs?: number;
  /**
   * What happens when Redis fails or times out. Default: `'deny'` (fail closed: calls are refused
   * with `ERR_RATE_LIMIT_UNAVAILABLE`). `{ mode: 'fallback', instances }` decides locally instead.
   */
  readonly onFailure?: 'deny' | RedisFallbackPolicy;
  /** While degraded, Redis is tried again by one call per interval; others do not wait. Default: 1000 ms. */
  readonly retryIntervalMs?: number;
  /** Where `ratelimit_store_degraded` / `ratelimit_store_recovered` go. Default: none. */
  readonly events?: EventSink;
  /**
   * The clock for timeouts and the retry interval, in ms. Default: `performance.now` (monotonic, so
   * a wall clock set back by NTP can neither stretch a timeout nor delay the next retry).
   */
  readonly now?: () => number;
}

const PREFIX = /^[A-Za-z0-9_.:-]{0,64}$/;

class StoreTimeoutError extends Error {}

/** One decision waiting for Redis. */
interface Pending {
  readonly deadline: number;
  readonly key: string;
  readonly rule: RateLimitRule;
  readonly cost: number;
  readonly resolve: (decision: Decision) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * A store shared by every instance through Redis, atomic, on the Redis server's clock. Decisions on
 * the same key requested in the same tick (before the next microtask) are coalesced into one
 * `EVALSHA` (up to 128 per call) whose script applies them in order, exactly as separate calls
 * would; on a single server (`scripts.standalone`), decisions on different keys share it too. A
 * sequential caller sends one decision per `EVALSHA`. The script is loaded once, and again
 * on `NOSCRIPT`. Each key is wrapped in a hash tag, so the layout is Redis Cluster-safe. On failure
 * it fails closed or falls back, for every decision of a batch alike, emits an event on each
 * transition, and recovers by itself.
 */
export class RedisStore implements RateLimitStore {
  readonly name: string = 'redis';
  readonly #scripts: RedisScriptRunner;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  readonly #retryIntervalMs: number;
  readonly #events: EventSink;
  readonly #now: () => number;
  readonly #fallback: { readonly store: MemoryStore; readonly instances: number } | undefined;
  readonly #fallbackRules = new WeakMap<RateLimitRule, RateLimitRule>();
  readonly #argsByRule = new WeakMap<RateLimitRule, readonly string[]>();
  readonly #pending = new Set<Pending>();
  readonly #batches: ScriptBatches<Pending>;
  #sweeper: NodeJS.Timeout | undefined;
  #reloading: Promise<unknown> | undefined;
  #degraded = false;
  #nextProbeAt = 0;
  /**
   * The call sent to Redis as a probe while degraded, until the client settles it (answer or error,
   * however late): no further probe is sent meanwhile, so a Redis that hangs (connection open,
   * nothing answered) never accumulates commands in the client, one per retry interval.
   */
  #probe: Pending | undefined;

  constructor(options: RedisStoreOptions) {
    const prefix = options.prefix ?? 'mcp-warden:rl:';
    if (!PREFIX.test(prefix)) {
      throw new ConfigError('ERR_INVALID_RATE_LIMIT', 'prefix must match [A-Za-z0-9_.:-]{0,64}', {
        detail: { prefix },
      });
    }
    this.#prefix = prefix;
    this.#timeoutMs = positive('timeoutMs', options.timeoutMs ?? 200);
    this.#retryIntervalMs = positive('retryIntervalMs', options.retryIntervalMs ?? 1000);
    this.#scripts = options.scripts;
    this.#batches = new ScriptBatches<Pending>(
      (batch) => this.#send(batch),
      options.scripts.standalone === true,
    );
    this.#events = options.events ?? noopSink();
    this.#now = options.now ?? monotonicNow;
    const policy = options.onFailure ?? 'deny';
    if (policy === 'deny') {
      this.#fallback = undefined;
    } else {
      if (
        policy.mode !== 'fallback' ||
        !Number.isSafeInteger(policy.instances) ||
        policy.instances < 1 ||
        (policy.store !== undefined && typeof policy.store.consume !== 'function')
      ) {
        throw new ConfigError(
          'ERR_INVALID_RATE_LIMIT',
          "onFailure must be 'deny' or { mode: 'fallback', instances }",
          {
            detail: { onFailure: policy },
          },
        );
      }
      this.#fallback = { store: policy.store ?? new MemoryStore(), instances: policy.instances };
      this.#emit({
        time: new Date().toISOString(),
        type: 'sys_startup',
        level: 'warn',
        outcome: 'success',
        component: '@mcp-warden/ratelimit',
        warnings: [
          `RedisStore onFailure fallback: while Redis is unreachable each instance allows 1/${policy.instances} of every limit locally`,
        ],
      });
    }
  }

  /** True while Redis is considered unreachable. */
  get degraded(): boolean {
    return this.#degraded;
  }

  consume(key: string, rule: RateLimitRule, cost: number): Promise<Decision> {
    try {
      assertCost(rule, cost);
    } catch (error) {
      return Promise.reject(error);
    }
    let probe = false;
    if (this.#degraded) {
      const now = this.#now();
      if (now < this.#nextProbeAt || this.#probe !== undefined) return this.#whileDown(key, rule, cost);
      this.#nextProbeAt = now + this.#retryIntervalMs;
      probe = true;
    }
    const redisKey = `${this.#prefix}{${storeKey(rule.id, key)}}`;
    // No named closure per call: the state of a call is one plain object, its steps are methods.
    return new Promise<Decision>((resolve, reject) => {
      const call: Pending = { deadline: this.#now() + this.#timeoutMs, key, rule, cost, resolve, reject };
      if (probe) this.#probe = call;
      this.#pending.add(call);
      if (this.#sweeper === undefined) this.#startSweeper();
      this.#batches.add(redisKey, rule, this.#ruleArgs(rule), call, cost === 1 ? '1' : String(cost));
    });
  }

  #send(batch: ScriptCall<Pending>): void {
    try {
      this.#scripts.evalSha(RATE_LIMIT_SCRIPT_SHA, batch.keys, batch.args).then(
        (reply) => this.#reply(batch, reply),
        (error: unknown) => this.#evalShaFailed(batch, error),
      );
    } catch (error) {
      // An adapter that throws instead of rejecting is a failure like any other.
      this.#failAll(batch, error);
    }
  }

  /** The client settled the script call of `batch` (with an answer or an error, maybe after its timeout). */
  #settled(batch: ScriptCall<Pending>): void {
    const probe = this.#probe;
    if (probe !== undefined && batch.calls.includes(probe)) this.#probe = undefined;
  }

  #reply(batch: ScriptCall<Pending>, reply: unknown): void {
    if (this.#probe !== undefined) this.#settled(batch);
    const calls = batch.calls;
    const valid = Array.isArray(reply) && reply.length === calls.length * 4;
    for (let i = 0; i < calls.length; i++) {
      const call = calls[i]!;
      if (!this.#pending.has(call)) continue;
      const decision = valid ? toDecision(reply, i * 4) : undefined;
      if (decision === undefined) {
        this.#fail(call, new Error('unexpected script reply'));
        continue;
      }
      this.#pending.delete(call);
      if (this.#degraded) this.#recovered();
      call.resolve(decision);
    }
  }

  #evalShaFailed(batch: ScriptCall<Pending>, error: unknown): void {
    if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) {
      this.#failAll(batch, error);
      return;
    }
    try {
      this.#afterReload(batch.keys, batch.args).then(
        (reply) => this.#reply(batch, reply),
        (reloadError: unknown) => this.#failAll(batch, reloadError),
      );
    } catch (reloadError) {
      this.#failAll(batch, reloadError);
    }
  }

  #failAll(batch: ScriptCall<Pending>, error: unknown): void {
    if (this.#probe !== undefined) this.#settled(batch);
    for (const call of batch.calls) this.#fail(call, error);
  }

  /** Settles a call that Redis could not decide (error or timeout) by the failure policy. */
  #fail(call: Pending, error: unknown): void {
    if (!this.#pending.delete(call)) return;
    this.#failed(error, call.key, call.rule, call.cost).then(call.resolve, call.reject);
  }

  /**
   * After `NOSCRIPT` (Redis restarted, failed over, or `SCRIPT FLUSH`): the first call sends the
   * script with `EVAL`, which loads it; calls that hit `NOSCRIPT` meanwhile wait for that one and
   * retry `EVALSHA` once, so a burst sends the script body once, not once per call.
   */
  #afterReload(keys: readonly string[], args: readonly string[]): Promise<unknown> {
    const loading = this.#reloading;
    if (loading !== undefined) {
      const retry = (): Promise<unknown> => this.#scripts.evalSha(RATE_LIMIT_SCRIPT_SHA, keys, args);
      return loading.then(retry, retry);
    }
    const load = this.#scripts.eval(RATE_LIMIT_SCRIPT, keys, args);
    this.#reloading = load;
    const done = (): void => {
      if (this.#reloading === load) this.#reloading = undefined;
    };
    load.then(done, done);
    return load;
  }

  #ruleArgs(rule: RateLimitRule): readonly string[] {
    let args = this.#argsByRule.get(rule);
    if (args === undefined) {
      args = [
        rule.algorithm === 'gcra' ? '1' : rule.algorithm === 'sliding-window' ? '2' : '3',
        String(rule.periodMs * 1000),
        String(rule.limit),
        String(rule.burst),
      ];
      this.#argsByRule.set(rule, args);
    }
    return args;
  }

  /**
   * One interval timer for every call in flight (a timer per call costs more than the rest of the
   * client-side work): calls past their deadline fail as timeouts. It stops when nothing is pending.
   */
  #startSweeper(): void {
    const every = Math.max(5, Math.min(50, Math.floor(this.#timeoutMs / 4)));
    this.#sweeper = setInterval(() => {
      if (this.#pending.size === 0) {
        clearInterval(this.#sweeper);
        this.#sweeper = undefined;
        return;
      }
      const now = this.#now();
      for (const call of this.#pending) {
        if (call.deadline <= now)
          this.#fail(call, new StoreTimeoutError(`no answer within ${this.#timeoutMs} ms`));
      }
    }, every);
    this.#sweeper.unref();
  }

  #failed(error: unknown, key: string, rule: RateLimitRule, cost: number): Promise<Decision> {
    if (!this.#degraded) {
      this.#degraded = true;
      this.#nextProbeAt = this.#now() + this.#retryIntervalMs;
      const reason = error instanceof Error ? error.message.slice(0, 200) : 'unknown failure';
      this.#emit({
        time: new Date().toISOString(),
        type: 'ratelimit_store_degraded',
        level: this.#fallback === undefined ? 'critical' : 'warn',
        outcome: 'error',
        store: this.name,
        mode: this.#fallback === undefined ? 'deny' : 'fallback',
        reason: error instanceof StoreTimeoutError ? `timeout: ${reason}` : reason,
      });
    }
    return this.#whileDown(key, rule, cost, error);
  }

  #recovered(): void {
    this.#degraded = false;
    this.#emit({
      time: new Date().toISOString(),
      type: 'ratelimit_store_recovered',
      level: 'info',
      outcome: 'success',
      store: this.name,
    });
  }

  #whileDown(key: string, rule: RateLimitRule, cost: number, cause?: unknown): Promise<Decision> {
    const fallback = this.#fallback;
    if (fallback === undefined) {
      return Promise.reject(
        new RateLimitError('ERR_RATE_LIMIT_UNAVAILABLE', 'rate limit unavailable, try again later', {
          data: { retryAfterMs: this.#retryIntervalMs },
          ...(cause === undefined ? {} : { cause }),
        }),
      );
    }
    const local = this.#fallbackRule(rule, fallback.instances);
    if (cost > local.burst) {
      return Promise.resolve({
        allowed: false,
        remaining: 0,
        resetAfterMs: 0,
        retryAfterMs: this.#retryIntervalMs,
      });
    }
    return fallback.store.consume(key, local, cost);
  }

  #fallbackRule(rule: RateLimitRule, instances: number): RateLimitRule {
    let local = this.#fallbackRules.get(rule);
    if (local === undefined) {
      local = rateLimitRule({
        name: rule.name,
        algorithm: rule.algorithm,
        periodMs: rule.periodMs,
        limit: Math.max(1, Math.floor(rule.limit / instances)),
        ...(rule.algorithm === 'gcra' ? { burst: Math.max(1, Math.floor(rule.burst / instances)) } : {}),
      });
      this.#fallbackRules.set(rule, local);
    }
    return local;
  }

  #emit(event: SecurityEvent): void {
    try {
      this.#events.emit(event);
    } catch {
      // A broken sink must not break a decision.
    }
  }
}

const monotonicNow = (): number => performance.now();

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 1 || value > 600_000) {
    throw new ConfigError('ERR_INVALID_RATE_LIMIT', `${name} must be between 1 and 600000 ms`, {
      detail: { [name]: value },
    });
  }
  return value;
}

/** A whole number >= 0 as the script returns it (an integer; a numeric string from some clients). */
function count(value: unknown): number {
  const number = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  return Number.isSafeInteger(number) && number >= 0 ? number : -1;
}

/**
 * The decision at `at` in the script's flat reply (four integers per decision), or `undefined` when
 * the reply is not one the script can give (garbage from a proxy, a foreign server, a corrupted
 * reply): an allowed flag of 0 or 1, whole numbers >= 0, and a wait of at least 1 ms on a denial.
 */
function toDecision(reply: readonly unknown[], at: number): Decision | undefined {
  const allowed = count(reply[at]);
  const remaining = count(reply[at + 1]);
  const resetAfterMs = count(reply[at + 2]);
  const retryAfterMs = count(reply[at + 3]);
  if (allowed > 1 || remaining < 0 || resetAfterMs < 0 || retryAfterMs < 0) return undefined;
  if (allowed === 1 ? retryAfterMs !== 0 : retryAfterMs < 1) return undefined;
  return { allowed: allowed === 1, remaining, resetAfterMs, retryAfterMs };
}
