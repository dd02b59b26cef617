import { ConfigError } from '@mcp-warden/core';
import { tokenError } from './token-errors.js';

/** `scope` characters per RFC 6749 §3.3: printable ASCII without space, `"` and `\`. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** True when `value` is one valid scope token (RFC 6749 §3.3). */
export function isScopeToken(value: string): boolean {
  return SCOPE_TOKEN.test(value);
}

function invalidScopeClaim(claim: string): never {
  throw tokenError('ERR_TOKEN_CLAIM_INVALID', { detail: { claim } });
}

function addScope(out: string[], part: string, claim: string): void {
  if (!isScopeToken(part)) invalidScopeClaim(claim);
  out.push(part);
}

/** Scope tokens joined by spaces: every part of such a string is a scope token or empty. */
const SCOPE_STRING = /^[\x20\x21\x23-\x5B\x5D-\x7E]*$/;

/** RFC 6749 §3.3: space-delimited. No comma splitting, no case folding; empty parts (repeated spaces) are skipped. */
function addScopeString(out: string[], value: string, claim: string): void {
  // One test of the whole string instead of one per part (a part can only be refused for its characters).
  if (!SCOPE_STRING.test(value)) invalidScopeClaim(claim);
  let start = 0;
  while (start <= value.length) {
    let end = value.indexOf(' ', start);
    if (end === -1) end = value.length;
    if (end > start) out.push(value.slice(start, end));
    start = end + 1;
  }
}

/** Longest list deduplicated by pairwise comparison (cheaper than hashing for a token's usual few scopes). */
const PAIRWISE_DEDUPE_MAX = 16;

/** Drops repeated scopes, keeping the first occurrence and the order. */
function dedupe(scopes: string[]): string[] {
  if (scopes.length > PAIRWISE_DEDUPE_MAX) return Array.from(new Set(scopes));
  let kept = 0;
  for (let i = 0; i < scopes.length; i++) {
    const scope = scopes[i]!;
    let j = 0;
    while (j < kept && scopes[j] !== scope) j++;
    if (j === kept) scopes[kept++] = scope;
  }
  if (kept < scopes.length) scopes.length = kept;
  return scopes;
}

/**
 * Reads the granted scopes from a claims set: `scope` (space-delimited string, RFC 9068/8693) and
 * `scp` (string or array of strings, as Okta and Entra emit it). Duplicates are dropped, order kept.
 * A claim of any other shape fails with `ERR_TOKEN_CLAIM_INVALID`.
 */
export function scopesFromClaims(claims: Readonly<Record<string, unknown>>): string[] {
  // Runs once per verified token: plain loops, no per-call closures.
  const out: string[] = [];
  const { scope, scp } = claims;
  if (scope !== undefined) {
    if (typeof scope !== 'string') invalidScopeClaim('scope');
    addScopeString(out, scope, 'scope');
  }
  if (scp !== undefined) {
    if (typeof scp === 'string') {
      addScopeString(out, scp, 'scp');
    } else if (Array.isArray(scp)) {
      for (const part of scp as unknown[]) {
        if (typeof part !== 'string') invalidScopeClaim('scp');
        addScope(out, part, 'scp');
      }
    } else {
      invalidScopeClaim('scp');
    }
  }
  return dedupe(out);
}

/** `broader scope → narrower scopes it implies`, e.g. `{ 'files:write': ['files:read'] }`. */
export type ScopeImplications = Readonly<Record<string, readonly string[]>>;

/**
 * A scope hierarchy: which scopes a granted scope implies, transitively (the MCP spec requires servers
 * to honour "a broader scope implies narrower ones"). Matching stays exact and case-sensitive.
 */
export interface ScopeHierarchy {
  /** Every scope `granted` amounts to, implied ones included. */
  expand(granted: Iterable<string>): ReadonlySet<string>;
  /** The scopes of `required` that `granted` does not cover, in `required` order. */
  missing(required: readonly string[], granted: Iterable<string>): string[];
}

/** Builds a {@link ScopeHierarchy}; cycles are allowed (`a ⇒ b ⇒ a` makes them equivalent). */
export function createScopeHierarchy(implies: ScopeImplications = {}): ScopeHierarchy {
  const closure = new Map<string, ReadonlySet<string>>();
  for (const [scope, narrower] of Object.entries(implies)) {
    for (const s of [scope, ...narrower]) {
      if (!isScopeToken(s)) {
        throw new ConfigError('ERR_AUTH_CONFIG_INVALID', 'scope hierarchy names an invalid scope', {
          detail: { scope: s },
        });
      }
    }
  }
  for (const scope of Object.keys(implies)) {
    const seen = new Set<string>([scope]);
    const stack = [scope];
    while (stack.length > 0) {
      const current = stack.pop()!;
      for (const next of Object.hasOwn(implies, current) ? (implies[current] ?? []) : []) {
        if (!seen.has(next)) {
          seen.add(next);
          stack.push(next);
        }
      }
    }
    closure.set(scope, seen);
  }
  const expand = (granted: Iterable<string>): ReadonlySet<string> => {
    const out = new Set<string>();
    for (const scope of granted) {
      const implied = closure.get(scope);
      if (implied === undefined) out.add(scope);
      else for (const s of implied) out.add(s);
    }
    return out;
  };
  return {
    expand,
    missing(required, granted) {
      const have = expand(granted);
      return required.filter((scope) => !have.has(scope));
    },
  };
}
