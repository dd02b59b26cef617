import type { RateLimitRule } from './rule.js';
import { combinedScriptCall, type ScriptCall, type SingleKeyScriptCall } from './script-call.js';

/**
 * The most decisions one script invocation applies: bounds how long one script holds Redis (a few
 * tens of microseconds) and the size of its reply.
 */
export const MAX_DECISIONS_PER_SCRIPT = 128;

/** Decisions on one Redis key and rule, applied in order by one script invocation. */
export class ScriptBatch<Call> implements SingleKeyScriptCall<Call> {
  readonly keys: readonly [string];
  readonly calls: Call[] = [];
  /** The rule's arguments, then one cost per call. */
  readonly args: string[];

  constructor(
    key: string,
    readonly rule: RateLimitRule,
    ruleArgs: readonly string[],
  ) {
    this.keys = [key];
    this.args = ruleArgs.slice();
  }
}

const RESOLVED: Promise<void> = Promise.resolve();

/**
 * Coalesces the decisions requested in one tick (before the next microtask) by key: each key's
 * decisions form one batch, in the order they were requested, sent when the tick ends or the batch
 * is full. A decision on a key whose open batch has another rule object closes that batch first, so
 * the order of decisions on a key is kept.
 *
 * With `acrossKeys` (only where one server holds every key: not a Redis Cluster), the batches that
 * are still open when the tick ends (one per key, so on distinct keys) share script invocations, up
 * to {@link MAX_DECISIONS_PER_SCRIPT} decisions each; otherwise each batch is its own invocation.
 */
export class ScriptBatches<Call> {
  readonly #send: (call: ScriptCall<Call>) => void;
  readonly #acrossKeys: boolean;
  /** The tick's first open batch: a sequential caller never needs the map. */
  #first: ScriptBatch<Call> | undefined;
  readonly #others = new Map<string, ScriptBatch<Call>>();
  #flushQueued = false;

  constructor(send: (call: ScriptCall<Call>) => void, acrossKeys: boolean) {
    this.#send = send;
    this.#acrossKeys = acrossKeys;
  }

  add(key: string, rule: RateLimitRule, ruleArgs: readonly string[], call: Call, cost: string): void {
    let batch = this.#open(key);
    if (batch === undefined || batch.rule !== rule) {
      if (batch !== undefined) this.#close(batch);
      batch = new ScriptBatch<Call>(key, rule, ruleArgs);
      if (this.#first === undefined) this.#first = batch;
      else this.#others.set(key, batch);
      if (!this.#flushQueued) {
        this.#flushQueued = true;
        // A native microtask: queueMicrotask() wraps each callback in an AsyncResource, which costs
        // more than the rest of a sequential caller's client-side work.
        RESOLVED.then(this.#flush);
      }
    }
    batch.calls.push(call);
    batch.args.push(cost);
    if (batch.calls.length === MAX_DECISIONS_PER_SCRIPT) this.#close(batch);
  }

  #open(key: string): ScriptBatch<Call> | undefined {
    const first = this.#first;
    if (first !== undefined && first.keys[0] === key) return first;
    return this.#others.size === 0 ? undefined : this.#others.get(key);
  }

  /** Takes the batch out of the open ones and sends it. */
  #close(batch: ScriptBatch<Call>): void {
    if (this.#first === batch) this.#first = undefined;
    else this.#others.delete(batch.keys[0]);
    this.#send(batch);
  }

  readonly #flush = (): void => {
    this.#flushQueued = false;
    const first = this.#first;
    this.#first = undefined;
    if (this.#others.size === 0) {
      if (first !== undefined) this.#send(first);
      return;
    }
    const open = [...this.#others.values()];
    this.#others.clear();
    if (first !== undefined) open.unshift(first);
    if (!this.#acrossKeys) {
      for (const batch of open) this.#send(batch);
      return;
    }
    let from = 0;
    let decisions = 0;
    for (let i = 0; i < open.length; i++) {
      const size = open[i]!.calls.length;
      if (decisions + size > MAX_DECISIONS_PER_SCRIPT) {
        this.#sendTogether(open, from, i);
        from = i;
        decisions = 0;
      }
      decisions += size;
    }
    this.#sendTogether(open, from, open.length);
  };

  #sendTogether(open: readonly ScriptBatch<Call>[], from: number, to: number): void {
    this.#send(to - from === 1 ? open[from]! : combinedScriptCall(open.slice(from, to)));
  }
}
