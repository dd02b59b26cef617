import type { RateLimitRule } from './rule.js';

/** One script invocation: its keys, its arguments, and the decisions its reply answers, in order. */
export interface ScriptCall<Call> {
  readonly keys: readonly string[];
  readonly args: readonly string[];
  readonly calls: readonly Call[];
}

/** A single-key invocation: the rule's four arguments, then one cost per decision. */
export interface SingleKeyScriptCall<Call> extends ScriptCall<Call> {
  readonly rule: RateLimitRule;
}

const RULE_ARGS = 4;

/**
 * One invocation for several single-key invocations on distinct keys, in the script's multi-key
 * layout: one group per rule (the rule's arguments and its number of keys), then per key the number
 * of decisions and their costs; the rule's arguments are sent once, not once per key. Only for a
 * server that holds every key (a Redis Cluster refuses keys of different slots in one script).
 */
export function combinedScriptCall<Call>(parts: readonly SingleKeyScriptCall<Call>[]): ScriptCall<Call> {
  const keys: string[] = [];
  const args: string[] = [];
  const calls: Call[] = [];
  let rest = parts;
  while (rest.length > 0) {
    const rule = rest[0]!.rule;
    const ruleArgs = rest[0]!.args;
    for (let i = 0; i < RULE_ARGS; i++) args.push(ruleArgs[i]!);
    const keyCountAt = args.length;
    args.push('');
    const otherRules: SingleKeyScriptCall<Call>[] = [];
    let keyCount = 0;
    for (const part of rest) {
      if (part.rule !== rule) {
        otherRules.push(part);
        continue;
      }
      keyCount++;
      keys.push(part.keys[0]!);
      args.push(String(part.calls.length));
      const partArgs = part.args;
      for (let i = RULE_ARGS; i < partArgs.length; i++) args.push(partArgs[i]!);
      for (const call of part.calls) calls.push(call);
    }
    args[keyCountAt] = String(keyCount);
    rest = otherRules;
  }
  return { keys, args, calls };
}
