import { type Call, type Guard, ValidationError, withParsedArguments } from '@mcp-warden/core';
import { z } from 'zod';
import { describeProblems, type FieldProblem, fieldProblems } from './argument-issues.js';
import './policy.js';
import { characterProblem } from './string.js';
import { findStructureProblem, resolveStructureLimits, type StructureLimits } from './structure.js';

/** Options for {@link argumentGuard}. */
export interface ArgumentGuardOptions {
  /** Structural limits for every call's arguments (see `StructureLimits` for defaults). */
  readonly limits?: Partial<StructureLimits>;
}

interface SafeParseResult {
  readonly success: boolean;
  readonly data?: unknown;
  readonly error?: { readonly issues?: readonly { path?: PropertyKey[]; message?: string; code?: string }[] };
}

interface ParseableSchema {
  safeParse(value: unknown): SafeParseResult;
  safeParseAsync(value: unknown): Promise<SafeParseResult>;
}

function isParseable(schema: unknown): schema is ParseableSchema {
  return (
    typeof schema === 'object' &&
    schema !== null &&
    typeof (schema as ParseableSchema).safeParse === 'function' &&
    typeof (schema as ParseableSchema).safeParseAsync === 'function'
  );
}

// Schemas that turned out to need async parsing. A sync attempt has already started their async
// checks (a DNS lookup, say) before zod gives up, so they are not tried synchronously again.
const asyncSchemas = new WeakSet<ParseableSchema>();
// While no schema needed async parsing (the common case), the set is not consulted at all.
let asyncSchemaCount = 0;

function parse(schema: ParseableSchema, value: unknown): SafeParseResult | Promise<SafeParseResult> {
  if (asyncSchemaCount > 0 && asyncSchemas.has(schema)) return schema.safeParseAsync(value);
  try {
    return schema.safeParse(value);
  } catch (error) {
    // A schema with async refinements (e.g. `safeUrl({ resolveHost: true })`) must be parsed async.
    if (!(error instanceof z.core.$ZodAsyncError)) throw error;
    asyncSchemas.add(schema);
    asyncSchemaCount++;
    return schema.safeParseAsync(value);
  }
}

/** Resource URIs longer than this are refused (a URI is an identifier, not a payload). */
const MAX_URI_CHARS = 8_192;

/**
 * The call to hand on: for a tool whose schema parsed to an object, the parsed values (so the SDK
 * does not parse the same schema again); otherwise the call as it came.
 */
function judge(call: Call, parsed: SafeParseResult): Call {
  if (parsed.success) {
    const data = parsed.data;
    return call.kind === 'tool' && typeof data === 'object' && data !== null && !Array.isArray(data)
      ? withParsedArguments(call, data as Record<string, unknown>)
      : call;
  }
  const issues = parsed.error?.issues ?? [];
  refuse(call, fieldProblems(issues.length > 0 ? issues : [{ path: [], message: 'invalid' }]), issues.length);
}

function refuse(call: Call, fields: readonly FieldProblem[], total: number): never {
  call.context.emit({ type: 'input_validation_fail', code: 'ERR_INVALID_ARGUMENT', fields });
  throw new ValidationError('ERR_INVALID_ARGUMENT', describeProblems(fields, total), {
    data: { fields: fields.map((field) => ({ path: field.path, reason: field.reason })) },
  });
}

/**
 * The argument check of {@link argumentGuard} on its own: the call to hand on (a promise only for an
 * async schema), or a promise rejected with `ERR_INVALID_ARGUMENT` after an `input_validation_fail`
 * event. It never throws.
 */
export function argumentCheck(options: ArgumentGuardOptions = {}): (call: Call) => Call | Promise<Call> {
  const limits = resolveStructureLimits(options.limits);

  const validateUri = (call: Call): Call => {
    const uri = call.uri ?? '';
    const problem =
      uri.length > MAX_URI_CHARS
        ? `longer than ${MAX_URI_CHARS} characters`
        : characterProblem(uri, { multiline: false, allowHidden: false });
    if (problem !== undefined) refuse(call, [{ path: 'uri', reason: problem }], 1);
    return call;
  };

  const validate = (call: Call): Call | Promise<Call> => {
    const args = call.arguments ?? {};
    const override = call.policy.validation?.argumentLimits;
    const problem = findStructureProblem(
      args,
      override === undefined ? limits : resolveStructureLimits({ ...limits, ...override }),
    );
    if (problem !== undefined) refuse(call, [{ path: problem.path, reason: problem.reason }], 1);
    if (!isParseable(call.inputSchema)) return call;
    const parsed = parse(call.inputSchema, args);
    if (parsed instanceof Promise) return parsed.then((result) => judge(call, result));
    return judge(call, parsed);
  };

  // No closure inside the try block: that alone doubled the guard's own cost on V8.
  return (call) => {
    try {
      return call.kind === 'resource' ? validateUri(call) : validate(call);
    } catch (error) {
      return Promise.reject(error);
    }
  };
}

/**
 * A core `Guard` for the validate-arguments step of the pipeline:
 * 1. the raw arguments of tool and prompt calls must pass the structural limits (depth, keys, array
 *    length, total size, no `__proto__`/`constructor`/`prototype` keys) before any schema runs;
 * 2. then the registered input schema (zod) must accept them (for resources: the URI must be at most
 *    8,192 characters without control or hidden characters);
 * otherwise the call ends with `ERR_INVALID_ARGUMENT` listing the failing fields (path and reason,
 * never the value) and an `input_validation_fail` event. A tool's parsed values are handed on, so
 * the SDK does not parse the schema again. Results are not touched: `validationGuard` is this guard
 * and `outputGuard` in one. Per-call limits come from the call's policy (`policy.validation`).
 */
export function argumentGuard(options: ArgumentGuardOptions = {}): Guard {
  const check = argumentCheck(options);
  // Not an async function: when the schema is synchronous (the common case) no extra promise is made.
  return (call, next) => {
    const checked = check(call);
    return checked instanceof Promise ? checked.then(next) : next(checked);
  };
}
