import type { ResolvedPolicy } from './policy.js';
import type { SecurityContext } from './security-context.js';

/** What kind of MCP call is being guarded. */
export type CallKind = 'tool' | 'resource' | 'prompt';

/**
 * What a call does when it is not an ordinary `tools/call`, `resources/read` or `prompts/get` (for
 * which `Call.operation` is absent): `complete` for `completion/complete` of a prompt's arguments or
 * a resource template's variables, `list` for a resource template's `list` callback in
 * `resources/list`. Both run user code that may reveal data, so they run through the same guards.
 */
export type CallOperation = 'complete' | 'list';

/** One content block of a tool result or prompt message (structural subset of MCP's types). */
export interface ContentBlock {
  [key: string]: unknown;
  type: string;
  text?: string;
}

/** A tool result (structural subset of MCP's `CallToolResult`). */
export interface ToolResult {
  [key: string]: unknown;
  content: ContentBlock[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

/** A resource read result (structural subset of MCP's `ReadResourceResult`). */
export interface ResourceResult {
  [key: string]: unknown;
  contents: { [key: string]: unknown; uri: string; text?: string; blob?: string; mimeType?: string }[];
}

/** A prompt result (structural subset of MCP's `GetPromptResult`). */
export interface PromptResult {
  [key: string]: unknown;
  messages: { [key: string]: unknown; role: string; content: ContentBlock }[];
}

/** The result a guard receives from `next` and returns. */
export type CallResult = ToolResult | ResourceResult | PromptResult;

/** One guarded call, as every guard sees it. */
export interface Call {
  readonly kind: CallKind;
  /** Tool or prompt name; for resources, the registered resource (or template) name, else the URI. */
  readonly name: string;
  /** For resources, the URI being read. */
  readonly uri?: string;
  /** The raw arguments the client sent (before the SDK's schema parsing); a guard may replace them. */
  readonly arguments: Readonly<Record<string, unknown>> | undefined;
  /** The tool's or prompt's input schema as registered (a zod schema for the SDK v1), if any. */
  readonly inputSchema: unknown;
  readonly policy: ResolvedPolicy;
  readonly context: SecurityContext;
  /** `complete` or `list` for those requests (see {@link CallOperation}); absent for an ordinary call. */
  readonly operation?: CallOperation;
}

/** Continues the pipeline; pass a changed call (e.g. new arguments) to hand it on. */
export type Next = (call?: Call) => Promise<CallResult>;

/**
 * A guard: `(call, next) => result`, the onion shape of koa and hono middleware. It may throw a
 * `WardenError` to deny, call `next` with changed arguments, or post-process the result.
 */
export type Guard = (call: Call, next: Next) => Promise<CallResult>;

/** The innermost step: runs the actual handler. */
export type Terminal = (call: Call) => Promise<CallResult>;

/** Composes guards, outermost first, into one function that ends in `terminal`. */
export function composeGuards(
  guards: readonly Guard[],
): (call: Call, terminal: Terminal) => Promise<CallResult> {
  const chain = [...guards];
  return (call, terminal) => {
    let lastIndex = -1;
    const dispatch = (index: number, current: Call): Promise<CallResult> => {
      if (index <= lastIndex) {
        return Promise.reject(new TypeError('next() called more than once in one guard'));
      }
      lastIndex = index;
      const guard = chain[index];
      if (guard === undefined) return terminal(current);
      try {
        return guard(current, (changed) => dispatch(index + 1, changed ?? current));
      } catch (error) {
        return Promise.reject(error);
      }
    };
    return dispatch(0, call);
  };
}
