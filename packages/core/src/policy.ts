import { ConfigError } from './errors.js';

/**
 * Per-call policy: data that sits next to a tool, resource or prompt. Packages add their own fields
 * through declaration merging (`declare module '@mcp-warden/core' { interface CallPolicy { … } }`).
 */
export interface CallPolicy {
  /** Scopes the principal must hold (all of them). Default: none. */
  readonly scopes?: readonly string[];
  /** Rate-limit cost of one call. Default: 1. */
  readonly cost?: number;
  /** The call only reads. Default: the tool's `readOnlyHint` annotation, else false. */
  readonly readOnly?: boolean;
  /** The call may destroy data. Default: from the tool's annotations; unannotated tools count as destructive. */
  readonly destructive?: boolean;
}

/** A policy after defaults were applied: the fields core knows are always present. */
export type ResolvedPolicy = CallPolicy & {
  readonly scopes: readonly string[];
  readonly cost: number;
  readonly readOnly: boolean;
  readonly destructive: boolean;
};

/** The subset of MCP tool annotations a policy is defaulted from. */
export interface ToolAnnotationsLike {
  readonly readOnlyHint?: boolean | undefined;
  readonly destructiveHint?: boolean | undefined;
}

/**
 * Applies defaults: explicit policy fields win, then the tool's annotations (MCP's own defaults:
 * `destructiveHint` is true unless the tool is read-only), then `fallback`.
 */
export function resolvePolicy(
  policy: CallPolicy | undefined,
  annotations: ToolAnnotationsLike | undefined,
  fallback: CallPolicy = {},
): ResolvedPolicy {
  const merged: CallPolicy = { ...fallback, ...policy };
  const readOnly = merged.readOnly ?? annotations?.readOnlyHint ?? false;
  const destructive = merged.destructive ?? (readOnly ? false : (annotations?.destructiveHint ?? true));
  const cost = merged.cost ?? 1;
  if (!Number.isFinite(cost) || cost < 0) {
    throw new ConfigError('ERR_INVALID_POLICY', 'policy cost must be a finite number >= 0', {
      detail: { cost },
    });
  }
  return Object.freeze({
    ...merged,
    scopes: Object.freeze([...(merged.scopes ?? [])]),
    cost,
    readOnly,
    destructive,
  });
}
