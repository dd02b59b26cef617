/**
 * The two script commands the Redis store needs, whatever the client library. Build one with
 * {@link nodeRedisScripts} (the official `redis` client, v5/v6, also cluster clients) or
 * {@link ioredisScripts}, or write your own for another client.
 */
export interface RedisScriptRunner {
  evalSha(sha: string, keys: readonly string[], args: readonly string[]): Promise<unknown>;
  eval(script: string, keys: readonly string[], args: readonly string[]): Promise<unknown>;
}

/** The part of the official `redis` client (`createClient`, `createCluster`) the store uses. */
export interface NodeRedisLike {
  evalSha(sha: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

/** The part of an `ioredis` client (`Redis`, `Cluster`) the store uses. */
export interface IoredisLike {
  evalsha(sha: string, numKeys: number, ...keysAndArgs: string[]): Promise<unknown>;
  eval(script: string, numKeys: number, ...keysAndArgs: string[]): Promise<unknown>;
}

/** Adapts a client of the official `redis` package. The connection stays yours to open and close. */
export function nodeRedisScripts(client: NodeRedisLike): RedisScriptRunner {
  return {
    // The client only reads the arrays; no copy per call.
    evalSha: (sha, keys, args) =>
      client.evalSha(sha, { keys: keys as string[], arguments: args as string[] }),
    eval: (script, keys, args) =>
      client.eval(script, { keys: keys as string[], arguments: args as string[] }),
  };
}

/** Adapts an `ioredis` client, structurally (this package never imports ioredis). */
export function ioredisScripts(client: IoredisLike): RedisScriptRunner {
  return {
    evalSha: (sha, keys, args) => client.evalsha(sha, keys.length, ...keys, ...args),
    eval: (script, keys, args) => client.eval(script, keys.length, ...keys, ...args),
  };
}
