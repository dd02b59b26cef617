import type { Guard } from '@mcp-warden/core';
import { createScopeHierarchy, type ScopeHierarchy, type ScopeImplications } from './scopes.js';
import { insufficientScopeError } from './token-errors.js';

/** Options of {@link requireScopes}. */
export interface RequireScopesOptions {
  /** A broader scope implies narrower ones. Default: none. */
  readonly hierarchy?: ScopeHierarchy | ScopeImplications;
  /** Scopes every call needs, on top of the call's policy. Default none. */
  readonly baseScopes?: readonly string[];
}

/** Normalises a hierarchy option. */
export function toHierarchy(value: ScopeHierarchy | ScopeImplications | undefined): ScopeHierarchy {
  if (value !== undefined && typeof (value as ScopeHierarchy).missing === 'function')
    return value as ScopeHierarchy;
  return createScopeHierarchy(value as ScopeImplications | undefined);
}

/**
 * A core guard: the principal must hold every scope of `call.policy.scopes` (with the hierarchy). On
 * failure it emits `authz_fail` and throws `ERR_INSUFFICIENT_SCOPE` naming every scope the call needs.
 * Covers stdio and every path that skips the HTTP layer.
 */
export function requireScopes(options: RequireScopesOptions = {}): Guard {
  const hierarchy = toHierarchy(options.hierarchy);
  const base = options.baseScopes ?? [];
  // Not an async function: an allowed call then costs no promise of its own.
  return (call, next) => {
    const required = base.length === 0 ? call.policy.scopes : [...new Set([...base, ...call.policy.scopes])];
    if (required.length === 0) return next();
    const granted = call.context.principal?.scopes ?? [];
    if (holdsEvery(granted, required)) return next();
    const missing = hierarchy.missing(required, granted);
    if (missing.length === 0) return next();
    call.context.emit({
      type: 'authz_fail',
      requiredScopes: [...required],
      reason: call.context.principal === undefined ? 'unauthenticated' : 'insufficient_scope',
      code: 'ERR_INSUFFICIENT_SCOPE',
    });
    return Promise.reject(insufficientScopeError(required, missing));
  };
}

/** True when every required scope is granted as it is (no hierarchy needed): the common case. */
function holdsEvery(granted: readonly string[], required: readonly string[]): boolean {
  for (const scope of required) if (!granted.includes(scope)) return false;
  return true;
}
