import { createHash } from 'node:crypto';

const PLAIN_KEY = /^[A-Za-z0-9_.:@/+=-]{1,200}$/;

/**
 * The key as the Redis store keeps it (inside a hash tag): the rule id, then the caller's key. Keys made of safe characters and
 * at most 200 long are kept as they are; anything else (braces that would break Redis Cluster hash
 * tags, spaces, control characters, long attacker-chosen strings) becomes `#` + its SHA-256, so a
 * key's size is bounded and no two different keys collide (`#` never appears in a plain key).
 */
export function storeKey(ruleId: string, key: string): string {
  const plain = PLAIN_KEY.test(key) ? key : `#${createHash('sha256').update(key).digest('base64url')}`;
  return `${ruleId}:${plain}`;
}

const MAX_KEY_LENGTH = 200;
const HASH_MARK = 35; // '#'

/**
 * The key as the memory store keeps it: as given when at most 200 long and not starting with `#`,
 * else `#` + its SHA-256, so an attacker-chosen key costs bounded memory and cannot collide.
 */
export function boundedKey(key: string): string {
  if (key.length <= MAX_KEY_LENGTH && key.charCodeAt(0) !== HASH_MARK) return key;
  return `#${createHash('sha256').update(key).digest('base64url')}`;
}
