import { ConfigError } from '@mcp-warden/core';
import type { Decision } from './decision.js';
import { fixedWindow } from './fixed-window.js';
import { gcra } from './gcra.js';
import { assertCost, type RateLimitRule } from './rule.js';
import { slidingWindow } from './sliding-window.js';
import type { RateLimitStore } from './store.js';
import { boundedKey } from './store-key.js';

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /**
   * The most keys kept; past it one of the least recently used keys is dropped (its limit starts
   * afresh): of the 16 least recently used, one whose allowance is whole again, else the one with
   * the most of it left.
   * Default: 100,000 (about 10 MB). Between 1 and 50,000,000.
   */
  readonly maxKeys?: number;
  /** The clock, in milliseconds. Default: `Date.now`. Inject one in tests. */
  readonly now?: () => number;
}

/** Counters of a {@link MemoryStore}. */
export interface MemoryStoreStats {
  readonly keys: number;
  readonly maxKeys: number;
  /** Keys dropped because the store was full. */
  readonly evictions: number;
}

const STRIDE = 3;
const NONE = -1;
const INITIAL_CAPACITY = 1024;
/**
 * How many of the least recently used keys a full store looks at to choose the one it drops: the
 * first whose state no longer matters (its allowance is whole again), else the one with the most of
 * its allowance left, so that flooding fresh keys cannot push out a key that is still limited.
 */
const EVICTION_SAMPLE = 16;

/**
 * A bounded in-process store: a `Map` from key to slot, and the state of each slot in typed arrays
 * (three float64 values and an LRU link pair), so a key costs no object of its own. O(1) per
 * decision, no timer anywhere: a full store reuses the slot of one of its least recently used keys
 * (see `EVICTION_SAMPLE`).
 */
export class MemoryStore implements RateLimitStore {
  readonly name: string = 'memory';
  readonly #maxKeys: number;
  readonly #now: () => number;
  /** One key → slot map per rule id, so a lookup needs no string concatenation. */
  readonly #tables = new Map<string, Map<string, number>>();
  #keys: string[] = [];
  #tableOfSlot: Map<string, number>[] = [];
  /** The rule last used on each slot, to judge what dropping it would give back. */
  #ruleOfSlot: RateLimitRule[] = [];
  #size = 0;
  #lastRuleId: string | undefined;
  #lastTable: Map<string, number> | undefined;
  #state: Float64Array;
  #prev: Int32Array;
  #next: Int32Array;
  #head = NONE;
  #tail = NONE;
  #evictions = 0;

  constructor(options: MemoryStoreOptions = {}) {
    const maxKeys = options.maxKeys ?? 100_000;
    if (!Number.isSafeInteger(maxKeys) || maxKeys < 1 || maxKeys > 50_000_000) {
      throw new ConfigError('ERR_INVALID_RATE_LIMIT', 'maxKeys must be an integer between 1 and 50,000,000', {
        detail: { maxKeys },
      });
    }
    this.#maxKeys = maxKeys;
    this.#now = options.now ?? Date.now;
    const capacity = Math.min(maxKeys, INITIAL_CAPACITY);
    this.#state = new Float64Array(capacity * STRIDE);
    this.#prev = new Int32Array(capacity);
    this.#next = new Int32Array(capacity);
  }

  /** The synchronous form of {@link MemoryStore.consume}; throws instead of rejecting. */
  consumeSync(key: string, rule: RateLimitRule, cost: number): Decision {
    assertCost(rule, cost);
    return this.#decide(key, rule, cost);
  }

  consume(key: string, rule: RateLimitRule, cost: number): Promise<Decision> {
    // The same check as assertCost, inlined so that the common path needs no try/catch.
    if (!(cost >= 0 && cost <= rule.burst)) {
      try {
        assertCost(rule, cost);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return Promise.resolve(this.#decide(key, rule, cost));
  }

  /** One decision for a cost already checked against the rule. */
  #decide(key: string, rule: RateLimitRule, cost: number): Decision {
    const now = this.#now();
    const slot = this.#slotFor(this.#table(rule.id), boundedKey(key), now);
    this.#ruleOfSlot[slot] = rule;
    return this.#apply(slot, rule, cost, now);
  }

  #apply(slot: number, rule: RateLimitRule, cost: number, now: number): Decision {
    const at = slot * STRIDE;
    switch (rule.algorithm) {
      case 'gcra':
        return gcra(this.#state, at, rule, cost, now);
      case 'sliding-window':
        return slidingWindow(this.#state, at, rule, cost, now);
      default:
        return fixedWindow(this.#state, at, rule, cost, now);
    }
  }

  /**
   * The slot a full store reuses, among the {@link EVICTION_SAMPLE} least recently used: the first
   * whose allowance is whole again (dropping it changes nothing), else the one with the largest share
   * of its allowance left (the least recently used of those). A cost of 0 reads a slot's state as of
   * now without changing what it means.
   */
  #victim(now: number): number {
    let slot = this.#tail;
    let best = slot;
    let bestShare = -1;
    for (let i = 0; i < EVICTION_SAMPLE && slot !== NONE; i++) {
      const rule = this.#ruleOfSlot[slot]!;
      const share = this.#apply(slot, rule, 0, now).remaining / rule.burst;
      if (share >= 1) return slot;
      if (share > bestShare) {
        best = slot;
        bestShare = share;
      }
      slot = this.#prev[slot]!;
    }
    return best;
  }

  /** Forgets one key of one rule (e.g. after a successful login). */
  reset(key: string, rule: RateLimitRule): void {
    const slot = this.#tables.get(rule.id)?.get(boundedKey(key));
    if (slot === undefined) return;
    this.#state.fill(0, slot * STRIDE, slot * STRIDE + STRIDE);
  }

  stats(): MemoryStoreStats {
    return { keys: this.#size, maxKeys: this.#maxKeys, evictions: this.#evictions };
  }

  #table(ruleId: string): Map<string, number> {
    if (ruleId === this.#lastRuleId) return this.#lastTable!;
    let table = this.#tables.get(ruleId);
    if (table === undefined) {
      table = new Map();
      this.#tables.set(ruleId, table);
    }
    this.#lastRuleId = ruleId;
    this.#lastTable = table;
    return table;
  }

  #slotFor(table: Map<string, number>, key: string, now: number): number {
    const found = table.get(key);
    if (found !== undefined) {
      if (found !== this.#head) {
        this.#unlink(found);
        this.#pushFront(found);
      }
      return found;
    }
    let slot = this.#size;
    if (slot >= this.#maxKeys) {
      slot = this.#victim(now);
      this.#unlink(slot);
      this.#tableOfSlot[slot]!.delete(this.#keys[slot]!);
      this.#evictions++;
    } else {
      if (slot >= this.#prev.length) this.#grow();
      this.#size++;
    }
    this.#keys[slot] = key;
    this.#tableOfSlot[slot] = table;
    const at = slot * STRIDE;
    this.#state[at] = 0;
    this.#state[at + 1] = 0;
    this.#state[at + 2] = 0;
    table.set(key, slot);
    this.#pushFront(slot);
    return slot;
  }

  #grow(): void {
    const capacity = Math.min(this.#maxKeys, this.#prev.length * 2);
    const state = new Float64Array(capacity * STRIDE);
    state.set(this.#state);
    this.#state = state;
    const prev = new Int32Array(capacity);
    prev.set(this.#prev);
    this.#prev = prev;
    const next = new Int32Array(capacity);
    next.set(this.#next);
    this.#next = next;
  }

  #unlink(slot: number): void {
    const prev = this.#prev[slot]!;
    const next = this.#next[slot]!;
    if (prev === NONE) this.#head = next;
    else this.#next[prev] = next;
    if (next === NONE) this.#tail = prev;
    else this.#prev[next] = prev;
  }

  #pushFront(slot: number): void {
    this.#prev[slot] = NONE;
    this.#next[slot] = this.#head;
    if (this.#head !== NONE) this.#prev[this.#head] = slot;
    this.#head = slot;
    if (this.#tail === NONE) this.#tail = slot;
  }
}
