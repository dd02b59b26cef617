import { AuthorizationError } from './errors.js';
import type { Guard } from './guard.js';
import type { Principal } from './principal.js';

/** Who owns a session: the identifiers of the principal that created it. */
export interface SessionOwner {
  readonly subject: string;
  readonly clientId: string | undefined;
}

/**
 * Remembers which principal created each session and refuses its use by any other principal, so a
 * leaked or guessed session id is worthless without the owner's credentials.
 */
export interface SessionOwnership {
  /** Records `principal` as the owner of a new session. A session id is claimed once. */
  claim(sessionId: string, principal: Principal | undefined): void;
  /** True when `principal` may use the session: it owns it (an unknown session is refused). */
  allows(sessionId: string, principal: Principal | undefined): boolean;
  /** Forgets a closed session. */
  release(sessionId: string): void;
  /**
   * How many sessions `principal` (subject and client id) holds now, so an HTTP layer can cap them
   * per principal before one principal takes every place. Optional for other implementations.
   */
  heldBy?(principal: Principal | undefined): number;
  readonly size: number;
}

/** Options for {@link sessionOwnership}. */
export interface SessionOwnershipOptions {
  /** Sessions remembered at most; the oldest is forgotten (and so refused) past it. Default 10,000. */
  readonly maxSessions?: number;
}

const ANONYMOUS: SessionOwner = Object.freeze({ subject: '', clientId: undefined });

function ownerOf(principal: Principal | undefined): SessionOwner {
  return principal === undefined ? ANONYMOUS : { subject: principal.subject, clientId: principal.clientId };
}

/** One string per owner (a JSON pair, so no subject can run into a client id). */
function ownerKey(owner: SessionOwner): string {
  return JSON.stringify([owner.subject, owner.clientId ?? null]);
}

/** Creates a bounded, in-memory {@link SessionOwnership}. */
export function sessionOwnership(options: SessionOwnershipOptions = {}): SessionOwnership {
  const max = options.maxSessions ?? 10_000;
  const owners = new Map<string, SessionOwner>();
  const held = new Map<string, number>();
  const count = (owner: SessionOwner, change: 1 | -1): void => {
    const key = ownerKey(owner);
    const next = (held.get(key) ?? 0) + change;
    if (next > 0) held.set(key, next);
    else held.delete(key);
  };
  const forget = (sessionId: string): void => {
    const owner = owners.get(sessionId);
    if (owner === undefined) return;
    owners.delete(sessionId);
    count(owner, -1);
  };
  return {
    claim(sessionId, principal) {
      if (owners.has(sessionId)) return;
      const owner = ownerOf(principal);
      owners.set(sessionId, owner);
      count(owner, 1);
      if (owners.size > max) forget(owners.keys().next().value as string);
    },
    allows(sessionId, principal) {
      const owner = owners.get(sessionId);
      if (owner === undefined) return false;
      const caller = ownerOf(principal);
      return owner.subject === caller.subject && owner.clientId === caller.clientId;
    },
    release(sessionId) {
      forget(sessionId);
    },
    heldBy(principal) {
      return held.get(ownerKey(ownerOf(principal))) ?? 0;
    },
    get size() {
      return owners.size;
    },
  };
}

/**
 * A guard that refuses calls in a session by anyone but its owner (`ERR_SESSION_NOT_OWNED`, event
 * `session_use_denied`). The first call in an unclaimed session claims it for its principal; the HTTP
 * layer should claim at `initialize` and check every request too, since not every request is a call.
 */
export function sessionOwnerGuard(ownership: SessionOwnership): Guard {
  return (call, next) => {
    const { sessionId, principal } = call.context;
    if (sessionId === undefined) return next();
    ownership.claim(sessionId, principal);
    if (!ownership.allows(sessionId, principal)) {
      call.context.emit({ type: 'session_use_denied', reason: 'session belongs to another principal' });
      return Promise.reject(
        new AuthorizationError('ERR_SESSION_NOT_OWNED', 'this session belongs to another principal'),
      );
    }
    return next();
  };
}
