import { auditCalls } from '@mcp-warden/audit';
import { requireScopes } from '@mcp-warden/auth';
import { type Guard, type SessionOwnership, sessionOwnerGuard } from '@mcp-warden/core';
import { type RateLimitStore, rateLimitGuard } from '@mcp-warden/ratelimit';
import { validationGuard } from '@mcp-warden/validation';

/** What the guard pipeline is built from. */
export interface PipelineOptions {
  readonly store: RateLimitStore;
  /** Calls per minute per principal. */
  readonly callsPerMinute: number;
  readonly sessions: SessionOwnership;
}

/**
 * The guards every tool, resource and prompt call runs through, outermost first:
 * audit → session owner → authorize (scopes) → rate limit → validate arguments → handler → sanitize output.
 */
export function buildGuards(options: PipelineOptions): Guard[] {
  return [
    auditCalls(),
    sessionOwnerGuard(options.sessions),
    requireScopes(),
    rateLimitGuard({ store: options.store, rule: { limit: options.callsPerMinute, periodMs: 60_000 } }),
    validationGuard(),
  ];
}
