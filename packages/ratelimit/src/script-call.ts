/** One script invocation: its keys, its arguments, and the decisions its reply answers, in order. */
export interface ScriptCall<Call> {
  readonly keys: readonly string[];
  readonly args: readonly string[];
  readonly calls: readonly Call[];
}

/** The per-key layout's arguments: the rule's four, then one cost per decision. */
const RULE_ARGS = 4;

/**
 * One invocation for several single-key invocations, in the script's multi-key layout: per key, the
 * rule's arguments, the number of decisions, then their costs. Only for a server that holds every
 * key (a Redis Cluster refuses keys of different slots in one script).
 */
export function combinedScriptCall<Call>(parts: readonly ScriptCall<Call>[]): ScriptCall<Call> {
  const keys: string[] = [];
  const args: string[] = [];
  const calls: Call[] = [];
  for (const part of parts) {
    keys.push(part.keys[0]!);
    const partArgs = part.args;
    for (let i = 0; i < RULE_ARGS; i++) args.push(partArgs[i]!);
    args.push(String(part.calls.length));
    for (let i = RULE_ARGS; i < partArgs.length; i++) args.push(partArgs[i]!);
    for (const call of part.calls) calls.push(call);
  }
  return { keys, args, calls };
}
