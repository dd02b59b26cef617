import { type ErrorKind, InternalError, isWardenError, type JsonValue, type WardenError } from './errors.js';
import { visibleJson, visibleText } from './visible-text.js';

/** The `_meta` key under which a tool error result carries its code and public data. */
export const ERROR_META_KEY = 'mcp-warden/error';

/** A JSON-RPC error object (`code`, `message`, `data`), independent of any SDK's error class. */
export interface JsonRpcErrorObject {
  readonly code: number;
  readonly message: string;
  readonly data: { readonly code: string; readonly [key: string]: JsonValue };
}

/** A tool result with `isError: true`, shaped as MCP's `CallToolResult`. */
export interface ToolErrorResult {
  [key: string]: unknown;
  content: { type: 'text'; text: string }[];
  isError: true;
  _meta: { [ERROR_META_KEY]: { code: string; [key: string]: JsonValue } };
}

const JSON_RPC_CODES: Readonly<Record<ErrorKind, number>> = {
  validation: -32602,
  internal: -32603,
  authentication: -32001,
  authorization: -32003,
  rate_limit: -32029,
  fs: -32010,
  exec: -32011,
  config: -32012,
};

/**
 * Turns anything thrown into a {@link WardenError}. A non-warden error becomes an
 * {@link InternalError} whose public message names only `correlationId`.
 */
export function normalizeError(error: unknown, correlationId: string): WardenError {
  if (isWardenError(error)) return error;
  return new InternalError(correlationId, { cause: error });
}

/** The error's public data with hidden and control characters made visible (it may quote client input). */
function publicData(error: WardenError): { readonly [key: string]: JsonValue } {
  return visibleJson(error.data as JsonValue) as { readonly [key: string]: JsonValue };
}

/** Maps an error to an MCP tool result (`isError: true`): a short text for the model, the code in `_meta`. */
export function toToolResult(error: unknown, correlationId: string): ToolErrorResult {
  const warden = normalizeError(error, correlationId);
  return {
    content: [{ type: 'text', text: `${visibleText(warden.message)} [${warden.code}]` }],
    isError: true,
    _meta: { [ERROR_META_KEY]: { ...publicData(warden), code: warden.code } },
  };
}

/** Maps an error to a JSON-RPC error object, for resources, prompts and protocol-level failures. */
export function toJsonRpcError(error: unknown, correlationId: string): JsonRpcErrorObject {
  const warden = normalizeError(error, correlationId);
  return {
    code: JSON_RPC_CODES[warden.kind],
    message: visibleText(warden.message),
    data: { ...publicData(warden), code: warden.code },
  };
}
