import { createHash } from 'node:crypto';

const PLAIN_KEY = /^[A-Za-z0-9_.:@/+=-]{1,200}$/;

/**
 * The key as stores keep it: the rule name, then the caller's key. Keys made of safe characters and
 * at most 200 long are kept as they are; anything else (braces that would break Redis Cluster hash
 * tags, spaces, control characters, long attacker-chosen strings) becomes `#` + its SHA-256, so a
 * key's size is bounded and no two different keys collide (`#` never appears in a plain key).
 */
export function storeKey(ruleName: string, key: string): string {
  const plain = PLAIN_KEY.test(key) ? key : `#${createHash('sha256').update(key).digest('base64url')}`;
  return `${ruleName}:${plain}`;
}
