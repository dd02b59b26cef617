import type { Call } from '@mcp-warden/core';
import { addressKey } from './client-address.js';

/** Builds the rate-limit key of a call from its security context; `undefined` when it cannot. */
export type KeyBuilder = (call: Call) => string | undefined;

/** `sub:<subject>` of the authenticated principal. */
export const byPrincipal: KeyBuilder = (call) => {
  const principal = call.context.principal;
  return principal === undefined ? undefined : `sub:${principal.subject}`;
};

/** `client:<id>` of the OAuth client the principal came through. */
export const byClientId: KeyBuilder = (call) => {
  const clientId = call.context.principal?.clientId;
  return clientId === undefined || clientId === '' ? undefined : `client:${clientId}`;
};

/** The remote address the HTTP layer recorded (IPv6 grouped by /64), see `addressKey`. */
export const byRemoteAddress: KeyBuilder = (call) => {
  const address = call.context.remoteAddress;
  return address === undefined ? undefined : addressKey(address);
};

/** `tool:<name>`, `resource:<name>` or `prompt:<name>`: one shared budget per target. */
export const byTarget: KeyBuilder = (call) => `${call.kind}:${call.name}`;

/** The first builder that yields a key wins. */
export function firstKey(...builders: readonly KeyBuilder[]): KeyBuilder {
  return (call) => {
    for (const builder of builders) {
      const key = builder(call);
      if (key !== undefined) return key;
    }
    return undefined;
  };
}

/** Joins the keys of every builder (`sub:ann/tool:search`); `undefined` if any yields none. */
export function combinedKey(...builders: readonly KeyBuilder[]): KeyBuilder {
  return (call) => {
    const parts: string[] = [];
    for (const builder of builders) {
      const key = builder(call);
      if (key === undefined) return undefined;
      parts.push(key);
    }
    return parts.join('/');
  };
}

/**
 * The default: the principal, else the remote address, else `anonymous` — callers the server cannot
 * tell apart share one budget rather than going unlimited.
 */
export const defaultKey: KeyBuilder = (call) => byPrincipal(call) ?? byRemoteAddress(call) ?? 'anonymous';
