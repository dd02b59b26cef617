import type { JsonValue, SecurityEventType } from '@mcp-warden/core';

/** A JSON Schema (draft 2020-12) document. */
export type JsonSchema = { readonly [key: string]: JsonValue };

const str: JsonSchema = { type: 'string' };
const nonNegative: JsonSchema = { type: 'number', minimum: 0 };
const integer: JsonSchema = { type: 'integer' };
const bool: JsonSchema = { type: 'boolean' };
const hex64: JsonSchema = { type: 'string', pattern: '^[0-9a-f]{64}$' };
const authMethod: JsonSchema = { enum: ['bearer', 'dpop', 'mtls', 'api_key', 'environment', 'none'] };
/** Arrays longer than the redaction limit end with a `"[+N more]"` marker. */
const cutMarker: JsonSchema = { type: 'string', pattern: '^\\[\\+\\d+ more\\]$' };
const arrayOf = (items: JsonSchema): JsonSchema => ({ type: 'array', items: { anyOf: [items, cutMarker] } });
const object = (properties: Record<string, JsonSchema>, required: readonly string[]): JsonSchema => ({
  type: 'object',
  properties,
  required: [...required],
  additionalProperties: false,
});
const anyObject: JsonSchema = { type: 'object' };

/** Fields every line carries, with what they mean. */
const BASE_PROPERTIES: Record<string, JsonSchema> = {
  time: {
    type: 'string',
    pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$',
    description: 'ISO 8601 UTC time of the event',
  },
  level: { enum: ['info', 'warn', 'critical'] },
  outcome: { enum: ['success', 'failure', 'denied', 'error'] },
  instance: {
    type: 'string',
    minLength: 1,
    description: 'the writing instance; one hash chain per instance',
  },
  seq: { type: 'integer', minimum: 0, description: 'position in the instance chain, from 0' },
  requestId: str,
  sessionId: {
    type: 'string',
    description: 'sha256:<32 hex> digest of the MCP session id (clear only with insecureLogSessionIds)',
  },
  principal: object({ subject: str, clientId: str, method: authMethod }, ['subject', 'method']),
  transport: str,
  remoteAddress: str,
  target: { type: 'string', description: 'tool:<name>, resource:<uri> or prompt:<name>' },
  code: { type: 'string', description: 'error code of a denial or failure' },
  hash: { ...hex64, description: 'SHA-256 of the previous hash + this line without hash/hmac' },
  hmac: { ...hex64, description: 'HMAC-SHA-256 of hash, when the log has a key' },
};

const BASE_REQUIRED = ['time', 'type', 'level', 'outcome', 'instance', 'seq'] as const;

/** The fields specific to each event type, and which of them are required. */
const EVENT_FIELDS: Readonly<
  Record<SecurityEventType, readonly [Record<string, JsonSchema>, readonly string[], string]>
> = {
  authn_login_success: [{ method: authMethod }, ['method'], 'a principal authenticated'],
  authn_login_fail: [{ method: authMethod, reason: str }, ['method', 'reason'], 'authentication failed'],
  authn_token_reuse: [{ method: authMethod, reason: str }, ['method', 'reason'], 'a token was replayed'],
  authn_token_created: [{ method: authMethod, keyId: str }, ['method'], 'a credential was issued'],
  authn_token_revoked: [{ method: authMethod, keyId: str }, ['method'], 'a credential was revoked'],
  authz_fail: [
    { requiredScopes: arrayOf(str), reason: str },
    ['requiredScopes', 'reason'],
    'an authenticated principal lacked a permission',
  ],
  session_use_denied: [{ reason: str }, ['reason'], 'a session id was refused'],
  input_validation_fail: [
    { fields: arrayOf(object({ path: str, reason: str }, ['path', 'reason'])) },
    ['fields'],
    'input was refused by validation',
  ],
  malicious_path_traversal: [
    { operation: str, reason: str },
    ['operation', 'reason'],
    'a path left the roots',
  ],
  malicious_symlink_escape: [
    { operation: str, reason: str },
    ['operation', 'reason'],
    'a symlink pointed out of the roots',
  ],
  malicious_argument_injection: [
    { command: str, reason: str },
    ['command', 'reason'],
    'a command argument tried to inject options or commands',
  ],
  malicious_dns_rebinding: [
    { header: { enum: ['host', 'origin'] }, reason: str },
    ['header', 'reason'],
    'a Host/Origin header did not match',
  ],
  malicious_output: [
    { removed: { type: 'object', additionalProperties: { type: 'number' } } },
    ['removed'],
    'dangerous content was removed from output',
  ],
  fs_denied: [{ operation: str, reason: str }, ['operation', 'reason'], 'a file operation was refused'],
  fs_access: [{ operation: str }, ['operation'], 'a file operation was allowed'],
  exec_denied: [
    { command: str, argCount: integer, reason: str },
    ['command', 'argCount', 'reason'],
    'a command was refused',
  ],
  exec_run: [
    {
      command: str,
      argCount: integer,
      exitCode: { type: ['integer', 'null'] },
      signal: { type: ['string', 'null'] },
      timedOut: bool,
      truncated: bool,
      durationMs: nonNegative,
      args: arrayOf(str),
    },
    ['command', 'argCount', 'exitCode', 'signal', 'timedOut', 'truncated', 'durationMs'],
    'a command ran',
  ],
  ratelimit_exceeded: [
    { key: str, limit: { type: 'number' }, retryAfterMs: nonNegative },
    ['key', 'limit', 'retryAfterMs'],
    'a rate limit was reached',
  ],
  ratelimit_store_degraded: [
    { store: str, mode: { enum: ['deny', 'fallback'] }, reason: str },
    ['store', 'mode', 'reason'],
    'the rate-limit store failed',
  ],
  ratelimit_store_recovered: [{ store: str }, ['store'], 'the rate-limit store is back'],
  mcp_call: [
    {
      durationMs: nonNegative,
      operation: {
        enum: ['complete', 'list'],
        description:
          'complete: a completion/complete request; list: a resource template list callback; absent: a call',
      },
      arguments: anyObject,
    },
    ['durationMs'],
    'a tool/resource/prompt call ended; arguments only when the tool opts in',
  ],
  internal_error: [
    { correlationId: str, errorName: str, errorMessage: str },
    ['correlationId', 'errorName', 'errorMessage'],
    'an unexpected error (the client saw only the correlation id)',
  ],
  sys_startup: [
    { component: str, warnings: arrayOf(str) },
    ['component', 'warnings'],
    'a component started (with its security warnings)',
  ],
  sys_shutdown: [{ component: str, reason: str }, ['component', 'reason'], 'a component stopped'],
  config_loaded: [
    { sources: arrayOf(str), warnings: arrayOf(str) },
    ['sources', 'warnings'],
    'configuration was loaded',
  ],
  config_invalid: [
    { problems: arrayOf(object({ key: str, source: str, reason: str }, ['key', 'source', 'reason'])) },
    ['problems'],
    'configuration was refused',
  ],
  config_reloaded: [{ changedKeys: arrayOf(str) }, ['changedKeys'], 'configuration changed at run time'],
};

function lineSchema(type: SecurityEventType): JsonSchema {
  const [fields, required, description] = EVENT_FIELDS[type];
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `https://mcp-warden.dev/schemas/audit/v1/${type}.json`,
    title: type,
    description,
    type: 'object',
    properties: { ...BASE_PROPERTIES, type: { const: type }, ...fields },
    required: [...BASE_REQUIRED, ...required],
    additionalProperties: false,
  };
}

/** The JSON Schema of one log line, per event type (OWASP Logging Vocabulary names). */
export const auditEventSchemas: Readonly<Record<SecurityEventType, JsonSchema>> = Object.freeze(
  Object.fromEntries(
    (Object.keys(EVENT_FIELDS) as SecurityEventType[]).map((type) => [type, lineSchema(type)]),
  ) as Record<SecurityEventType, JsonSchema>,
);

/** One schema for any line: `oneOf` the per-type schemas (also shipped as `dist/audit-line.schema.json`). */
export const auditLineSchema: JsonSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://mcp-warden.dev/schemas/audit/v1/line.json',
  title: 'mcp-warden audit log line',
  oneOf: Object.values(auditEventSchemas),
};
