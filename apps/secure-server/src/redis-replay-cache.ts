import type { ReplayCache } from '@mcp-warden/auth';

/** The one Redis command this needs, as node-redis exposes it. */
export interface RedisCommander {
  sendCommand(args: string[]): Promise<unknown>;
}

/**
 * A DPoP `jti` replay cache shared by every instance through Redis: one `SET key 1 NX PXAT expiry`,
 * so a proof used at one instance is refused at all of them. Redis errors propagate, and the auth
 * layer refuses the request (fail closed).
 */
export function redisReplayCache(redis: RedisCommander, prefix = 'mcp-warden:dpop:'): ReplayCache {
  return {
    async claim(key, expiresAtMs) {
      const reply = await redis.sendCommand([
        'SET',
        `${prefix}{${key}}`,
        '1',
        'NX',
        'PXAT',
        String(Math.ceil(expiresAtMs)),
      ]);
      return reply === 'OK';
    },
  };
}
