import type { Call } from './guard.js';

// Module-private keys: only this module can put parse results on a call, and a client's JSON never
// carries them. The parsed object itself is kept too, so a later guard that copies the call with
// other arguments (`{ ...call, arguments }`) does not carry the mark over to them.
const PARSED = Symbol('mcp-warden.parsed');
const PARSED_FROM = Symbol('mcp-warden.parsed-from');

interface MarkedCall extends Call {
  readonly [PARSED]?: Readonly<Record<string, unknown>>;
  readonly [PARSED_FROM]?: Readonly<Record<string, unknown>> | undefined;
}

/**
 * Hands the pipeline the output of parsing `call.arguments` with `call.inputSchema` (defaults,
 * transforms and stripped keys applied). For a tool, the binding then gives the SDK these values
 * instead of letting it parse the same schema a second time; where it cannot, the SDK parses the
 * original arguments, as before. Only a guard that parsed with exactly `call.inputSchema` may use
 * this. A later guard that replaces the arguments again drops the mark.
 */
export function withParsedArguments(call: Call, data: Readonly<Record<string, unknown>>): Call {
  const marked: { -readonly [K in keyof MarkedCall]: MarkedCall[K] } = {
    kind: call.kind,
    name: call.name,
    arguments: data,
    inputSchema: call.inputSchema,
    policy: call.policy,
    context: call.context,
    [PARSED]: data,
    [PARSED_FROM]: call.arguments,
  };
  if (call.uri !== undefined) marked.uri = call.uri;
  if (call.operation !== undefined) marked.operation = call.operation;
  return marked;
}

/**
 * What the arguments of `call` were parsed from, when a guard handed them on with
 * {@link withParsedArguments} and nothing replaced them since; `undefined` otherwise.
 */
export function parsedArgumentsSource(
  call: Call,
): { readonly source: Readonly<Record<string, unknown>> | undefined } | undefined {
  const marked = call as MarkedCall;
  return marked[PARSED] !== undefined && marked[PARSED] === call.arguments
    ? { source: marked[PARSED_FROM] }
    : undefined;
}
