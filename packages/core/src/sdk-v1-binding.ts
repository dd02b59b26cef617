import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { type JsonRpcErrorObject, toJsonRpcError, toToolResult } from './error-mapping.js';
import { ConfigError, isWardenError } from './errors.js';
import type { EventSink } from './events.js';
import { type Call, type CallKind, type CallResult, composeGuards, type Guard } from './guard.js';
import { parsedArgumentsSource } from './parsed-arguments.js';
import { type CallPolicy, type ResolvedPolicy, resolvePolicy, type ToolAnnotationsLike } from './policy.js';
import {
  createSecurityContext,
  type HandlerExtraLike,
  type SecurityContext,
  type TransportKind,
} from './security-context.js';

/** Policies per tool name, resource name (or URI) and prompt name. */
export interface PolicyMap {
  readonly tools?: Readonly<Record<string, CallPolicy>>;
  readonly resources?: Readonly<Record<string, CallPolicy>>;
  readonly prompts?: Readonly<Record<string, CallPolicy>>;
}

/** Options for {@link secureMcpServer}. */
export interface SecureServerOptions {
  /** Guards, outermost first (e.g. audit, authorize, rate limit, validate, sanitize). */
  readonly guards: readonly Guard[];
  /** Where security events go. Default: dropped. */
  readonly events?: EventSink;
  /** Per-call policy as data. Read at call time, so later {@link WardenBinding.setPolicy} calls apply. */
  readonly policies?: PolicyMap;
  /** Defaults applied under every policy. */
  readonly defaultPolicy?: CallPolicy;
  /** The transport the server is connected to, as events report it. Default: inferred per call. */
  readonly transport?: TransportKind;
}

/** What {@link secureMcpServer} returns. */
export interface WardenBinding {
  readonly server: McpServer;
  /** Sets or replaces the policy of one tool, resource or prompt. */
  setPolicy(kind: CallKind, name: string, policy: CallPolicy): void;
}

type AnyFunction = (...args: unknown[]) => unknown;
type RawRequest = { method: string; params?: Record<string, unknown> };
type RawHandler = (request: RawRequest, extra: HandlerExtraLike) => Promise<unknown>;

interface ToolEntry {
  annotations?: ToolAnnotationsLike;
  inputSchema?: unknown;
  handler: unknown;
}
interface ResourceEntry {
  name: string;
  readCallback: unknown;
}
interface TemplateEntry {
  readCallback: unknown;
  resourceTemplate: { uriTemplate: { match(uri: string): unknown; toString(): string } };
}
interface PromptEntry {
  argsSchema?: unknown;
  callback: unknown;
}
interface ProtocolInternals {
  _requestHandlers: Map<string, RawHandler>;
  fallbackRequestHandler?: RawHandler;
}
type ValidateToolInput = (tool: unknown, args: unknown, toolName: string) => Promise<unknown>;
interface McpServerInternals {
  server: ProtocolInternals;
  validateToolInput?: ValidateToolInput;
  _maxToolInputElements?: number;
  _registeredTools: Record<string, ToolEntry>;
  _registeredResources: Record<string, ResourceEntry>;
  _registeredResourceTemplates: Record<string, TemplateEntry>;
  _registeredPrompts: Record<string, PromptEntry>;
}

const BOUND = Symbol.for('mcp-warden.bound');
const URL_ELICITATION_REQUIRED = -32042;
const INVALID_PARAMS = -32602;
const REQUEST_CANCELLED = -32800;
const COMPLETE_METHOD = 'completion/complete';
const TEMPLATES_LIST_METHOD = 'resources/templates/list';
const GUARDED_METHODS: Readonly<Record<string, CallKind>> = {
  'tools/call': 'tool',
  'resources/read': 'resource',
  'prompts/get': 'prompt',
};

/** An error the SDK's protocol layer turns into exactly this JSON-RPC error. */
class ProtocolError extends Error {
  readonly code: number;
  readonly data: JsonRpcErrorObject['data'] | undefined;
  constructor(error: Pick<JsonRpcErrorObject, 'code' | 'message'> & { data?: JsonRpcErrorObject['data'] }) {
    super(error.message);
    this.name = 'ProtocolError';
    this.code = error.code;
    this.data = error.data;
  }
}

/**
 * True for an error the SDK (or a handler, deliberately) raised as a JSON-RPC error: an `McpError`
 * (unknown tool, bad params, …) or one of ours. Its message is meant for the client. Node's
 * `Invalid URL` for an unparseable resource URI carries no input either. Anything else a request
 * handler or completer throws may hold internals and is contained.
 */
function isProtocolError(error: unknown): boolean {
  if (error instanceof ProtocolError) return true;
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (error.name === 'McpError') return Number.isSafeInteger(code);
  return error instanceof TypeError && code === 'ERR_INVALID_URL';
}

/** A zod error (v3 `ZodError`, v4 `$ZodError`): the SDK parses each request with its zod schema first. */
const isSchemaError = (error: unknown): boolean =>
  error instanceof Error && (error.name === 'ZodError' || error.name === '$ZodError');

/** Params the SDK could not parse; the zod issues stay out of the answer (fixed text, no echo). */
const invalidParams = (): ProtocolError =>
  new ProtocolError({ code: INVALID_PARAMS, message: 'Invalid params' });

// On the SDK's per-request `extra` itself: a WeakMap entry per call costs the garbage collector more.
const CONTEXT = Symbol('mcp-warden.context');
const contextOf = (extra: object): SecurityContext | undefined =>
  (extra as { [CONTEXT]?: SecurityContext })[CONTEXT];

/**
 * The security context of the call whose handler received `extra`. Tool, resource and prompt handlers
 * on a secured server use it to reach the principal and to emit events.
 */
export function getSecurityContext(extra: object): SecurityContext | undefined {
  return contextOf(extra);
}

function reportUnexpected(error: unknown, context: SecurityContext | undefined): void {
  if (isWardenError(error) || context === undefined) return;
  context.emit({
    type: 'internal_error',
    correlationId: context.correlationId,
    errorName: error instanceof Error ? error.name : typeof error,
    errorMessage: error instanceof Error ? error.message : String(error),
  });
}

function isUrlElicitationRequired(error: unknown): boolean {
  return error instanceof Error && (error as { code?: unknown }).code === URL_ELICITATION_REQUIRED;
}

/** What a failed tool/resource/prompt callback answers: a coded tool error, or a JSON-RPC error. */
function containFailure(kind: CallKind, args: readonly unknown[], error: unknown): unknown {
  if (kind === 'tool' && isUrlElicitationRequired(error)) throw error;
  const extra = args[args.length - 1];
  const context = typeof extra === 'object' && extra !== null ? contextOf(extra) : undefined;
  const correlationId = context?.correlationId ?? crypto.randomUUID();
  reportUnexpected(error, context);
  if (kind === 'tool') return toToolResult(error, correlationId);
  throw new ProtocolError(toJsonRpcError(error, correlationId));
}

/** Wraps a tool/resource/prompt callback so that nothing it throws reaches the client verbatim. */
function containFailures(kind: CallKind, callback: unknown): unknown {
  if (typeof callback === 'function') {
    const original = callback as AnyFunction;
    return function guardedCallback(this: unknown, ...args: unknown[]): unknown {
      try {
        const result = original.apply(this, args);
        return result instanceof Promise
          ? result.catch((error: unknown) => containFailure(kind, args, error))
          : result;
      } catch (error) {
        return containFailure(kind, args, error);
      }
    };
  }
  if (typeof callback === 'object' && callback !== null && 'createTask' in callback) {
    // Task-based tool handlers (experimental in the SDK): guard the task's creation.
    const taskHandler = callback as Record<string, unknown>;
    return {
      ...taskHandler,
      createTask: containFailures(kind, (taskHandler.createTask as AnyFunction).bind(taskHandler)),
    };
  }
  return callback;
}

const guardedEntries = new WeakSet<object>();

const isDisabled = (entry: unknown): boolean =>
  (entry as { enabled?: unknown } | undefined)?.enabled === false;

/**
 * The SDK v1 reads (and lists and completes) a resource template without looking at `enabled`: a
 * disabled template answers as a static resource does, with "disabled", and runs nothing.
 */
function requireEnabled(entry: object, callback: unknown): unknown {
  if (typeof callback !== 'function') return callback;
  const original = callback as AnyFunction;
  return function enabledCallback(this: unknown, ...args: unknown[]): unknown {
    if (isDisabled(entry)) throw new ProtocolError({ code: INVALID_PARAMS, message: 'Resource disabled' });
    return original.apply(this, args);
  };
}

function guardCallbackOf(entry: unknown, key: string, kind: CallKind, template = false): void {
  if (typeof entry !== 'object' || entry === null || guardedEntries.has(entry)) return;
  guardedEntries.add(entry);
  const wrap = (value: unknown): unknown => {
    const contained = containFailures(kind, value);
    return template ? requireEnabled(entry, contained) : contained;
  };
  let wrapped = wrap((entry as Record<string, unknown>)[key]);
  // An accessor, so that `update({ callback })` and direct assignment are guarded as well.
  Object.defineProperty(entry, key, {
    get: () => wrapped,
    set: (value: unknown) => {
      wrapped = wrap(value);
    },
    enumerable: true,
    configurable: false,
  });
}

/**
 * Guards the callbacks of every entry of one registry, now and later. `templateGuard` marks the
 * registry of resource templates: it also guards each entry's template, and reads need `enabled`.
 */
function guardRegistry<K extends keyof McpServerInternals>(
  owner: McpServerInternals,
  field: K,
  key: string,
  kind: CallKind,
  templateGuard?: (entry: object) => void,
): McpServerInternals[K] {
  const registry = owner[field] as Record<string, unknown>;
  const guardEntry = (entry: unknown): void => {
    if (typeof entry !== 'object' || entry === null || guardedEntries.has(entry)) return;
    templateGuard?.(entry);
    guardCallbackOf(entry, key, kind, templateGuard !== undefined);
  };
  for (const entry of Object.values(registry)) guardEntry(entry);
  owner[field] = new Proxy(registry, {
    set(target, property, value, receiver) {
      guardEntry(value);
      return Reflect.set(target, property, value, receiver);
    },
    defineProperty(target, property, descriptor) {
      guardEntry(descriptor.value);
      return Reflect.defineProperty(target, property, descriptor);
    },
  }) as McpServerInternals[K];
  return registry as McpServerInternals[K];
}

/**
 * Guards what a resource template's `list` callback returns: the entry's `resourceTemplate` (also
 * one set later with `update({ template })`) is seen through a view whose `listCallback` runs `list`.
 */
function guardTemplateOf(
  entry: object,
  list: (entry: object, template: object, callback: AnyFunction, extra: unknown) => Promise<unknown>,
): void {
  const view = (template: unknown): unknown => {
    if (typeof template !== 'object' || template === null) return template;
    return Object.create(template, {
      listCallback: {
        get: () => {
          const callback = (template as { listCallback?: unknown }).listCallback;
          return typeof callback === 'function'
            ? (extra: unknown) => list(entry, template, callback as AnyFunction, extra)
            : callback;
        },
      },
    });
  };
  let current = view((entry as Record<string, unknown>).resourceTemplate);
  Object.defineProperty(entry, 'resourceTemplate', {
    get: () => current,
    set: (value: unknown) => {
      current = view(value);
    },
    enumerable: true,
    configurable: false,
  });
}

function assertSupportedSdk(server: McpServer): McpServerInternals {
  const internals = server as unknown as Partial<McpServerInternals>;
  const ok =
    typeof internals._registeredTools === 'object' &&
    typeof internals._registeredResources === 'object' &&
    typeof internals._registeredResourceTemplates === 'object' &&
    typeof internals._registeredPrompts === 'object' &&
    internals.server?._requestHandlers instanceof Map;
  if (!ok) {
    throw new ConfigError(
      'ERR_UNSUPPORTED_SDK',
      'this version of @modelcontextprotocol/sdk is not supported by the mcp-warden binding',
    );
  }
  return internals as McpServerInternals;
}

function normalizeUri(uri: string): string {
  try {
    return new URL(uri).toString();
  } catch {
    return uri;
  }
}

/**
 * Makes every tool, resource and prompt of an SDK v1 `McpServer` — registered before or after this
 * call, or replaced later through `update()` — run through the guard pipeline. Thrown errors never
 * reach the client verbatim: warden errors become coded tool errors (or JSON-RPC errors for
 * resources and prompts), anything else a generic internal error with a correlation id.
 */
export function secureMcpServer(server: McpServer, options: SecureServerOptions): WardenBinding {
  const internals = assertSupportedSdk(server);
  if ((server as unknown as Record<symbol, unknown>)[BOUND]) {
    throw new ConfigError('ERR_ALREADY_SECURED', 'this McpServer is already secured');
  }
  Object.defineProperty(server, BOUND, { value: true });

  const policies = {
    tool: { ...options.policies?.tools },
    resource: { ...options.policies?.resources },
    prompt: { ...options.policies?.prompts },
  } satisfies Record<CallKind, Record<string, CallPolicy>>;
  const run = composeGuards(options.guards);
  // Resolving a policy allocates; reuse the last resolution while its inputs are the same objects.
  type Resolution = { policy: unknown; annotations: unknown; value: ResolvedPolicy };
  const resolved: Record<CallKind, Map<string, Resolution>> = {
    tool: new Map(),
    resource: new Map(),
    prompt: new Map(),
  };
  const policyFor = (
    kind: CallKind,
    name: string,
    policy: CallPolicy | undefined,
    annotations: ToolAnnotationsLike | undefined,
  ) => {
    const cache = resolved[kind];
    const cached = cache.get(name);
    if (cached !== undefined && cached.policy === policy && cached.annotations === annotations)
      return cached.value;
    const value = resolvePolicy(policy, annotations, options.defaultPolicy);
    if (cache.size >= 10_000) cache.clear();
    cache.set(name, { policy, annotations, value });
    return value;
  };

  // Arguments a guard already parsed with the tool's own schema (`withParsedArguments`), for the one
  // SDK call in `guardRequest`: the SDK reaches `validateToolInput` synchronously inside it, so
  // anything that arrives outside that window (or for another tool) is parsed by the SDK as usual.
  let parsedForSdk: { name: string; data: unknown } | undefined;
  const sdkValidate = internals.validateToolInput;
  if (typeof sdkValidate === 'function') {
    Object.defineProperty(server, 'validateToolInput', {
      value: function validateToolInput(
        this: McpServerInternals,
        tool: unknown,
        args: unknown,
        toolName: string,
      ): Promise<unknown> {
        const handed = parsedForSdk;
        parsedForSdk = undefined;
        if (handed !== undefined && handed.name === toolName && this._maxToolInputElements === undefined) {
          return Promise.resolve(handed.data);
        }
        return sdkValidate.call(this, tool, args, toolName);
      },
    });
  }

  // The SDK sees each registry through a proxy that guards what is added later; the binding's own
  // lookups (one per call) read the registry behind it, without the proxy's cost.
  const registries = {
    tools: guardRegistry(internals, '_registeredTools', 'handler', 'tool'),
    resources: guardRegistry(internals, '_registeredResources', 'readCallback', 'resource'),
    templates: guardRegistry(internals, '_registeredResourceTemplates', 'readCallback', 'resource', (entry) =>
      guardTemplateOf(entry, listThroughGuards),
    ),
    prompts: guardRegistry(internals, '_registeredPrompts', 'callback', 'prompt'),
  };

  // Names come from the client: never let `__proto__` or `constructor` find an inherited member.
  const own = <T>(record: Readonly<Record<string, T>>, key: string): T | undefined =>
    Object.hasOwn(record, key) ? record[key] : undefined;

  // A resource's policy: by its registered name, else by its URI as the SDK reads it (normalized:
  // `SECURE://x/./y` reads `secure://x/y`), else by the URI as the client spelled it.
  const resourcePolicy = (name: string | undefined, uri: string, normalized: string) =>
    (name === undefined ? undefined : own(policies.resource, name)) ??
    own(policies.resource, normalized) ??
    own(policies.resource, uri);

  /** What a guard answers for a failed call: a coded tool error, or a JSON-RPC error. */
  const fail = (kind: CallKind, context: SecurityContext, error: unknown): CallResult => {
    reportUnexpected(error, context);
    if (kind === 'tool') return toToolResult(error, context.correlationId);
    throw new ProtocolError(toJsonRpcError(error, context.correlationId));
  };

  const contextFor = (extra: HandlerExtraLike, target: string): SecurityContext => {
    const context = createSecurityContext(extra, {
      sink: options.events,
      transport: options.transport,
      target,
    });
    (extra as { [CONTEXT]?: SecurityContext })[CONTEXT] = context;
    return context;
  };

  /**
   * A resource template's `list` callback (run by `resources/list`) as a `list` call of that template.
   * When a guard refuses it, the template contributes nothing to the listing (the rest is listed);
   * whatever the callback throws is contained as for a read.
   */
  function listThroughGuards(
    entry: object,
    template: object,
    callback: AnyFunction,
    extra: unknown,
  ): Promise<unknown> {
    if (isDisabled(entry)) return Promise.resolve({ resources: [] });
    let name: string | undefined;
    for (const [templateName, candidate] of Object.entries(registries.templates)) {
      if (candidate === entry) name = templateName;
    }
    const uriTemplate = String((template as TemplateEntry['resourceTemplate']).uriTemplate);
    let context: SecurityContext;
    let call: Call;
    try {
      context = contextFor(extra as HandlerExtraLike, `resource:${uriTemplate}`);
      call = {
        kind: 'resource',
        name: name ?? uriTemplate,
        uri: uriTemplate,
        arguments: undefined,
        inputSchema: undefined,
        policy: policyFor(
          'resource',
          name ?? uriTemplate,
          resourcePolicy(name, uriTemplate, uriTemplate),
          undefined,
        ),
        context,
        operation: 'list',
      };
    } catch (error) {
      return Promise.reject(error);
    }
    let listed = false;
    return run(call, () => {
      listed = true;
      return Promise.resolve()
        .then(() => callback(extra))
        .then((result) => result as CallResult);
    }).catch((error: unknown) =>
      !listed && isWardenError(error) ? { resources: [] } : fail('resource', context, error),
    );
  }

  const describe = (kind: CallKind, params: Record<string, unknown>) => {
    if (kind === 'resource') {
      const uri = typeof params.uri === 'string' ? params.uri : '';
      const normalized = normalizeUri(uri);
      const staticEntry = own(registries.resources, normalized);
      let name = staticEntry?.name;
      if (name === undefined) {
        for (const [templateName, template] of Object.entries(registries.templates)) {
          if (template.resourceTemplate.uriTemplate.match(normalized)) {
            name = templateName;
            break;
          }
        }
      }
      return {
        name: name ?? uri,
        uri,
        policy: resourcePolicy(name, uri, normalized),
        annotations: undefined,
        schema: undefined,
      };
    }
    const name = typeof params.name === 'string' ? params.name : '';
    if (kind === 'tool') {
      const entry = own(registries.tools, name);
      return {
        name,
        uri: undefined,
        policy: own(policies.tool, name),
        annotations: entry?.annotations,
        schema: entry?.inputSchema,
      };
    }
    const entry = own(registries.prompts, name);
    return {
      name,
      uri: undefined,
      policy: own(policies.prompt, name),
      annotations: undefined,
      schema: entry?.argsSchema,
    };
  };

  const guardRequest = (kind: CallKind, inner: RawHandler): RawHandler =>
    function guardedRequest(request, extra) {
      const params = request.params ?? {};
      let described: ReturnType<typeof describe>;
      let context: SecurityContext;
      try {
        described = describe(kind, params);
        context = createSecurityContext(extra, {
          sink: options.events,
          transport: options.transport,
          target: `${kind}:${kind === 'resource' ? described.uri : described.name}`,
        });
        // A plain store (defineProperty costs ~100 ns per call): the key is a module-private symbol
        // and the context itself is frozen.
        (extra as { [CONTEXT]?: SecurityContext })[CONTEXT] = context;
      } catch (error) {
        return Promise.reject(error);
      }
      const rawArguments = params.arguments;
      let innerFailure: { error: unknown } | undefined;
      const contain = (error: unknown): CallResult => {
        // The SDK's own protocol errors (unknown tool, bad params) pass through as the SDK sent them;
        // anything else from the handler (a raw `setRequestHandler` one, say) is contained.
        if (innerFailure !== undefined && innerFailure.error === error && isProtocolError(error)) throw error;
        return fail(kind, context, error);
      };
      try {
        const call: Call = {
          kind,
          name: described.name,
          ...(described.uri === undefined ? {} : { uri: described.uri }),
          arguments:
            typeof rawArguments === 'object' && rawArguments !== null
              ? (rawArguments as Record<string, unknown>)
              : undefined,
          inputSchema: described.schema,
          policy: policyFor(kind, described.name, described.policy, described.annotations),
          context,
        };
        return run(call, (final) => {
          // Cancelled while the guards decided (a slow store, say): the handler is not started, and
          // the SDK drops the answer of a cancelled request anyway.
          if (extra.signal.aborted) {
            innerFailure = {
              error: new ProtocolError({ code: REQUEST_CANCELLED, message: 'Request cancelled' }),
            };
            return Promise.reject(innerFailure.error);
          }
          // Parsed arguments reach the SDK through `parsedForSdk`; the request keeps what they were
          // parsed from, so an SDK that parses anyway sees the client's values, not transformed ones.
          const parsed = kind === 'tool' ? parsedArgumentsSource(final) : undefined;
          const sent = parsed === undefined ? final.arguments : parsed.source;
          const forwarded =
            sent === rawArguments ? request : { ...request, params: { ...params, arguments: sent } };
          if (parsed !== undefined) parsedForSdk = { name: described.name, data: final.arguments };
          try {
            return (inner(forwarded, extra) as Promise<CallResult>).catch((error: unknown) => {
              innerFailure = { error };
              throw error;
            });
          } catch (error) {
            // Thrown at once: the SDK's parse of the request's params (a client mistake, not ours).
            innerFailure = { error: isSchemaError(error) ? invalidParams() : error };
            return Promise.reject(innerFailure.error);
          } finally {
            parsedForSdk = undefined;
          }
        }).catch(contain);
      } catch (error) {
        return Promise.resolve().then(() => contain(error));
      }
    };

  /** The prompt or resource (template) a `completion/complete` request completes, as a call target. */
  const describeCompletion = (params: Record<string, unknown>) => {
    const ref = (typeof params.ref === 'object' && params.ref !== null ? params.ref : {}) as Record<
      string,
      unknown
    >;
    if (ref.type === 'ref/prompt' && typeof ref.name === 'string') {
      return {
        kind: 'prompt' as const,
        name: ref.name,
        uri: undefined,
        policy: own(policies.prompt, ref.name),
        entry: undefined,
      };
    }
    if (ref.type === 'ref/resource' && typeof ref.uri === 'string') {
      const uri = ref.uri;
      // As the SDK finds it: the template whose URI template is exactly `uri`, else a static resource.
      let name: string | undefined;
      let entry: TemplateEntry | undefined;
      for (const [templateName, template] of Object.entries(registries.templates)) {
        if (String(template.resourceTemplate.uriTemplate) === uri) {
          name = templateName;
          entry = template;
          break;
        }
      }
      name ??= own(registries.resources, uri)?.name;
      return {
        kind: 'resource' as const,
        name: name ?? uri,
        uri,
        policy: resourcePolicy(name, uri, uri),
        entry,
      };
    }
    return undefined;
  };

  /**
   * `completion/complete` runs a prompt's or template's completer, user code that may reveal data:
   * it runs as a `complete` call of that prompt or template, through the same guards and policy.
   * The guards see the argument being completed and the ones already given as `arguments`.
   */
  const guardCompletion = (inner: RawHandler): RawHandler =>
    function guardedCompletion(request, extra) {
      const params = request.params ?? {};
      let context: SecurityContext;
      let call: Call;
      let template: TemplateEntry | undefined;
      try {
        const target = describeCompletion(params);
        if (target === undefined) {
          return Promise.reject(
            new ProtocolError({ code: INVALID_PARAMS, message: 'Invalid completion reference' }),
          );
        }
        const given = (params.context as { arguments?: unknown } | undefined)?.arguments;
        const args: Record<string, unknown> =
          typeof given === 'object' && given !== null && !Array.isArray(given) ? { ...given } : {};
        const argument = params.argument as { name?: unknown; value?: unknown } | undefined;
        if (typeof argument?.name === 'string') {
          // Defined, not assigned: a name like `__proto__` stays an own property.
          Object.defineProperty(args, argument.name, {
            value: argument.value,
            enumerable: true,
            writable: true,
            configurable: true,
          });
        }
        template = target.entry;
        context = contextFor(extra, `${target.kind}:${target.uri ?? target.name}`);
        call = {
          kind: target.kind,
          name: target.name,
          ...(target.uri === undefined ? {} : { uri: target.uri }),
          arguments: args,
          inputSchema: undefined,
          policy: policyFor(target.kind, target.name, target.policy, undefined),
          context,
          operation: 'complete',
        };
      } catch (error) {
        return Promise.reject(error);
      }
      let innerFailure: { error: unknown } | undefined;
      return run(call, () =>
        Promise.resolve()
          .then(() => {
            if (isDisabled(template)) {
              throw new ProtocolError({ code: INVALID_PARAMS, message: 'Resource disabled' });
            }
            return inner(request, extra);
          })
          .then(
            (result) => result as CallResult,
            (error: unknown) => {
              innerFailure = { error: isSchemaError(error) ? invalidParams() : error };
              throw innerFailure.error;
            },
          ),
      ).catch((error: unknown) => {
        if (innerFailure !== undefined && innerFailure.error === error && isProtocolError(error)) throw error;
        return fail(call.kind, context, error);
      });
    };

  const protocol = internals.server;
  const handlers = protocol._requestHandlers;
  const setHandler = Map.prototype.set.bind(handlers) as (method: string, handler: RawHandler) => void;
  // The SDK v1 lists disabled templates too (it leaves out disabled tools, prompts and resources).
  const withoutDisabledTemplates =
    (inner: RawHandler): RawHandler =>
    (request, extra) =>
      inner(request, extra).then((result) => {
        const listed = (result as { resourceTemplates?: unknown } | undefined)?.resourceTemplates;
        if (!Array.isArray(listed)) return result;
        return {
          ...(result as object),
          resourceTemplates: listed.filter((template: { name?: unknown }) => {
            const name = template?.name;
            return typeof name !== 'string' || !isDisabled(own(registries.templates, name));
          }),
        };
      });

  const guardIfNeeded = (method: string, handler: RawHandler): RawHandler => {
    if (method === COMPLETE_METHOD) return guardCompletion(handler);
    if (method === TEMPLATES_LIST_METHOD) return withoutDisabledTemplates(handler);
    const kind = GUARDED_METHODS[method];
    return kind === undefined ? handler : guardRequest(kind, handler);
  };
  for (const [method, handler] of [...handlers]) setHandler(method, guardIfNeeded(method, handler));
  // Every later `setRequestHandler` (the SDK registers its handlers lazily) goes through here.
  Object.defineProperty(handlers, 'set', {
    value: (method: string, handler: RawHandler) => {
      setHandler(method, guardIfNeeded(method, handler));
      return handlers;
    },
  });
  // A fallback handler could otherwise answer a guarded method without the pipeline.
  let fallback = protocol.fallbackRequestHandler;
  Object.defineProperty(protocol, 'fallbackRequestHandler', {
    get: () =>
      fallback === undefined
        ? undefined
        : (request: RawRequest, extra: HandlerExtraLike) => {
            const handler = fallback as RawHandler;
            if (request.method === COMPLETE_METHOD) return guardCompletion(handler)(request, extra);
            const kind = GUARDED_METHODS[request.method];
            return kind === undefined ? handler(request, extra) : guardRequest(kind, handler)(request, extra);
          },
    set: (value: RawHandler | undefined) => {
      fallback = value;
    },
    configurable: false,
  });

  return {
    server,
    setPolicy(kind: CallKind, name: string, policy: CallPolicy): void {
      resolvePolicy(policy, undefined);
      policies[kind][name] = policy;
    },
  };
}
