/**
 * The two script commands the Redis store needs, whatever the client library. Build one with
 * {@link nodeRedisScripts} (the official `redis` client, v5/v6, also cluster clients) or
 * {@link ioredisScripts}, or write your own for another client.
 */
export interface RedisScriptRunner {
  /**
   * True when every key lives on the one server the client talks to (not a Redis Cluster): the
   * store may then send decisions on several keys in one script. Absent or false: each script
   * touches one key, which is safe on a Cluster.
   */
  readonly standalone?: boolean;
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
  /** False on a `Redis` client, true on a `Cluster`. */
  readonly isCluster?: boolean;
  evalsha(sha: string, numKeys: number, ...keysAndArgs: string[]): Promise<unknown>;
  eval(script: string, numKeys: number, ...keysAndArgs: string[]): Promise<unknown>;
}

/**
 * Adapts a client of the official `redis` package. The connection stays yours to open and close. A
 * `createClient` client is recognised as standalone; a `createCluster` one (or anything else) is not.
 */
export function nodeRedisScripts(client: NodeRedisLike): RedisScriptRunner {
  return {
    // Only the single-server client has isPubSubActive; only the cluster client has masters.
    standalone: 'isPubSubActive' in client && !('masters' in client),
    // The client only reads the arrays; no copy per call.
    evalSha: (sha, keys, args) =>
      client.evalSha(sha, { keys: keys as string[], arguments: args as string[] }),
    eval: (script, keys, args) =>
      client.eval(script, { keys: keys as string[], arguments: args as string[] }),
  };
}

/**
 * Adapts an `ioredis` client, structurally (this package never imports ioredis). A `Redis` client
 * is recognised as standalone (its `isCluster` is false); a `Cluster` one is not.
 */
export function ioredisScripts(client: IoredisLike): RedisScriptRunner {
  return {
    standalone: client.isCluster === false,
    evalSha: (sha, keys, args) => client.evalsha(sha, keys.length, ...keys, ...args),
    eval: (script, keys, args) => client.eval(script, keys.length, ...keys, ...args),
  };
}
