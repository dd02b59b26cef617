import {
  ConfigError,
  type EventSink,
  type JsonValue,
  noopSink,
  type SecurityEvent,
  visibleText,
} from '@mcp-warden/core';
import type { z } from 'zod';
import { applyArgv } from './argv-source.js';
import { applyConfigFile } from './config-file.js';
import { type DeepReadonly, deepFreeze } from './deep-freeze.js';
import { applyEnv } from './env-source.js';
import { InputTree } from './input-tree.js';
import { dottedKey } from './key-names.js';
import { applyObject } from './object-source.js';
import { type ConfigProblem, configInvalidError } from './problems.js';
import { describeSchema, type FieldInfo, type SchemaFields, type SchemaNode } from './schema-fields.js';
import { isSecret, REDACTED, Secret } from './secret.js';

/** Options of {@link loadConfig}. Every default is finite and fails closed. */
export interface LoadConfigOptions<T = unknown> {
  /** Prefix of the environment variables read (and checked for typos). Default `MCP_`. */
  readonly envPrefix?: string;
  /** The environment. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Path of a JSON config file. Default: the value of `<envPrefix><fileEnv>`, else no file. */
  readonly file?: string;
  /** Name (after the prefix) of the variable naming the config file; `false` for none. Default `CONFIG_FILE`. */
  readonly fileEnv?: string | false;
  /** Command-line arguments to read as `--key=value` flags. Default: none are read. */
  readonly argv?: readonly string[];
  /** Values set by code; they win over every other source. Keys are checked like a file's. */
  readonly overrides?: Readonly<Record<string, unknown>>;
  /**
   * Treat an empty variable (`MCP_SSL_ENABLED=`, as compose files produce for unset ones) as not
   * set, so the default applies. Default `false`: an empty value is read, and usually refused.
   */
  readonly emptyEnvAsUnset?: boolean;
  /** Full names of `PREFIX_*` variables that belong to someone else and must not be reported. Default none. */
  readonly ignoreEnv?: readonly string[];
  /** Where `config_loaded` / `config_invalid` go. Default: dropped. */
  readonly events?: EventSink;
  /** Largest config file read. Default 1 MiB. */
  readonly maxFileBytes?: number;
  /** Largest secret file read. Default 64 KiB. */
  readonly maxSecretFileBytes?: number;
  /**
   * The command line searched for secret values: a secret that also appears there (as an argument
   * or after `=`) is refused, since every local user can read it. Default: `process.execArgv` and
   * `process.argv` after the script.
   */
  readonly commandLine?: readonly string[];
  /** Turn the "secret file readable by group/others" warning into a problem. Default `false`. */
  readonly strictSecretFilePermissions?: boolean;
  /** Extra warnings computed from a valid config (an insecure flag that is on, say). */
  readonly warnings?: (config: DeepReadonly<T>) => readonly string[];
}

/** One row of the effective config: the key, its printable (redacted) value and where it came from. */
export interface ConfigEntry {
  readonly key: string;
  /** The environment variable that sets it (with prefix). */
  readonly env: string;
  /** The value as JSON; secrets are `"[REDACTED]"`; `undefined` when not set. */
  readonly value: JsonValue | undefined;
  /** `default`, `not set`, `env MCP_X`, `env MCP_X_FILE (file /run/secrets/x)`, `file p key k`, `flag --k`, `override k`. */
  readonly source: string;
  readonly secret: boolean;
}

/** A valid, loaded configuration. Everything in it is frozen. */
export interface LoadedConfig<T> {
  readonly config: DeepReadonly<T>;
  /** Every schema field in order, with its redacted value and source (what print-config shows). */
  readonly entries: readonly ConfigEntry[];
  readonly warnings: readonly string[];
  /** The sources that supplied at least one value (`default`, `file <path>`, `env`, `argv`, `override`). */
  readonly layers: readonly string[];
}

/** The outcome of one evaluation of all sources, before anything is emitted or thrown. */
export type Evaluation<T> =
  | { readonly ok: true; readonly loaded: LoadedConfig<T> }
  | { readonly ok: false; readonly problems: readonly ConfigProblem[] };

const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;
const DEFAULT_MAX_SECRET_FILE_BYTES = 64 * 1024;
const PREFIX = /^[A-Z][A-Z0-9_]*_$/;
const schemaCache = new WeakMap<z.ZodType, SchemaFields>();

/** The schema's fields, computed once per schema object. */
export function fieldsOf(schema: z.ZodType): SchemaFields {
  let fields = schemaCache.get(schema);
  if (!fields) {
    fields = describeSchema(schema);
    schemaCache.set(schema, fields);
  }
  return fields;
}

function positiveLimit(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new ConfigError('ERR_CONFIG_OPTIONS', `${name} must be a positive integer`);
  }
  return value;
}

function valueAt(root: unknown, path: readonly string[]): unknown {
  let node = root;
  for (const segment of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

/** `scheme://user:password@` or `scheme://token@` in a URL: the user info up to the last `@` of the authority. */
const URL_USER_INFO = /\b([a-z][a-z0-9+.-]{0,31}:\/\/)[^\s/?#@]*(?:@[^\s/?#@]*)*@/gi;

/** Credentials embedded in URLs (`https://user:pw@host`) replaced by `[REDACTED]`. */
function redactUrlCredentials(text: string): string {
  return text.replace(URL_USER_INFO, `$1${REDACTED}@`);
}

/** A JSON.stringify replacer for values JSON has no form for: a bigint becomes its decimal string. */
function bigintAsString(_key: string, item: unknown): unknown {
  return typeof item === 'bigint' ? item.toString() : item;
}

function printable(value: unknown): JsonValue | undefined {
  if (value === undefined) return undefined;
  if (isSecret(value)) return REDACTED;
  // JSON round trip: secrets nested anywhere print as "[REDACTED]" through their toJSON; a bigint
  // (which JSON.stringify refuses) prints as its decimal string; a URL's credentials are redacted.
  const json = JSON.stringify(value, (key, item: unknown) => {
    const plain = bigintAsString(key, item);
    return typeof plain === 'string' ? redactUrlCredentials(plain) : plain;
  });
  return JSON.parse(json ?? 'null') as JsonValue;
}

function scrub(text: string, secrets: ReadonlySet<string>): string {
  let result = text;
  for (const value of secrets) {
    if (value.length < 3) continue;
    // Also the escaped form a message built with JSON.stringify(input) would hold.
    for (const form of new Set([value, JSON.stringify(value).slice(1, -1)])) {
      result = result.split(form).join(REDACTED);
    }
  }
  return redactUrlCredentials(result);
}

/** A problem with every control or invisible character escaped: it is printed to terminals and logs. */
function visibleProblem(problem: ConfigProblem): ConfigProblem {
  return {
    key: visibleText(problem.key),
    source: visibleText(problem.source),
    reason: visibleText(problem.reason),
    code: problem.code,
  };
}

function requiredReason(field: FieldInfo | undefined, prefix: string): string {
  if (!field) return 'required';
  const file = field.secret ? ` or ${prefix}${field.env}_FILE` : '';
  return `required: set ${prefix}${field.env}${file}, or "${field.key}" in the config file`;
}

/**
 * Creates the empty objects a required nested object needs when no source set any of its keys, so
 * a group whose fields all have defaults does not fail as "required".
 */
function fillRequiredObjects(
  value: Record<string, unknown>,
  node: SchemaNode & { readonly type: 'object' },
): void {
  for (const [key, child] of node.children) {
    if (child.type !== 'object') continue;
    let next = value[key];
    if (next === undefined && !child.optional) {
      next = {};
      value[key] = next;
    }
    if (typeof next === 'object' && next !== null && !Array.isArray(next)) {
      fillRequiredObjects(next as Record<string, unknown>, child);
    }
  }
}

/**
 * Wraps any secret field value that is not yet a `Secret` — a `.default()` skips the transform in
 * zod — so no secret reaches the frozen config as a plain string.
 */
function sealSecrets(data: unknown, fields: SchemaFields): void {
  for (const field of fields.fields) {
    if (!field.secret) continue;
    const parent = valueAt(data, field.path.slice(0, -1));
    const last = field.path[field.path.length - 1];
    if (typeof parent !== 'object' || parent === null || last === undefined) continue;
    const holder = parent as Record<string, unknown>;
    const value = holder[last];
    if (typeof value === 'string') holder[last] = new Secret(value);
    else if (Array.isArray(value))
      holder[last] = value.map((item) => (isSecret(item) ? item : new Secret(item)));
  }
}

/** The key of the secret field holding `value`, to name it in a problem. */
function secretKeyOf(tree: InputTree, fields: SchemaFields, value: string): string | undefined {
  for (const field of fields.fields) {
    if (!field.secret) continue;
    const raw = valueAt(tree.value, field.path);
    if (raw === value || (Array.isArray(raw) && raw.includes(value))) return field.key;
  }
  return undefined;
}

/** Runs every source and the schema; returns the config or every problem. Emits nothing. */
export function evaluateConfig<S extends z.ZodType>(
  schema: S,
  options: LoadConfigOptions<z.output<S>> = {},
): Evaluation<z.output<S>> {
  const prefix = options.envPrefix ?? 'MCP_';
  if (!PREFIX.test(prefix)) {
    throw new ConfigError(
      'ERR_CONFIG_OPTIONS',
      'envPrefix must be upper case and end with "_" (like "MCP_")',
    );
  }
  const fields = fieldsOf(schema);
  const env = options.env ?? process.env;
  const tree = new InputTree({
    maxSecretFileBytes: positiveLimit(
      options.maxSecretFileBytes,
      DEFAULT_MAX_SECRET_FILE_BYTES,
      'maxSecretFileBytes',
    ),
    strictSecretFilePermissions: options.strictSecretFilePermissions ?? false,
  });
  const fileEnvName = options.fileEnv === false ? undefined : `${prefix}${options.fileEnv ?? 'CONFIG_FILE'}`;
  const emptyAsUnset = options.emptyEnvAsUnset ?? false;
  const fileFromEnv = fileEnvName === undefined ? undefined : env[fileEnvName];
  const filePath = options.file ?? (emptyAsUnset && fileFromEnv === '' ? undefined : fileFromEnv);
  if (filePath !== undefined) {
    const via = options.file !== undefined ? 'option file' : `env ${fileEnvName}`;
    const maxBytes = positiveLimit(options.maxFileBytes, DEFAULT_MAX_FILE_BYTES, 'maxFileBytes');
    if (filePath.length === 0) tree.problem('(config file)', via, 'empty path', 'ERR_CONFIG_FILE_READ');
    else applyConfigFile(tree, fields.root, filePath, via, maxBytes);
  }
  const ignore = new Set(options.ignoreEnv ?? []);
  if (fileEnvName !== undefined) ignore.add(fileEnvName);
  applyEnv(tree, fields, env, { prefix, ignore, emptyAsUnset });
  if (options.argv !== undefined) applyArgv(tree, fields, options.argv);
  if (options.overrides !== undefined) {
    applyObject(tree, fields.root, options.overrides, {
      layer: 'override',
      describe: (path) => `override ${path.join('.') || '(root)'}`,
    });
  }
  for (const field of fields.fields) {
    if (field.fileCheck === undefined) continue;
    const raw = valueAt(tree.value, field.path);
    const source = tree.sources.get(field.key) ?? 'default';
    for (const path of Array.isArray(raw) ? raw : [raw]) {
      if (typeof path === 'string' && path.length > 0) tree.checkFileField(field, path, source);
    }
  }

  const commandLine = options.commandLine ?? [...process.execArgv, ...process.argv.slice(2)];
  for (const value of tree.secretValues) {
    if (commandLine.some((arg) => arg === value || arg.endsWith(`=${value}`))) {
      tree.problem(
        secretKeyOf(tree, fields, value) ?? '(secret)',
        'command line',
        'a secret value appears on the command line, where every local user can read it',
        'ERR_CONFIG_SECRET_ON_COMMAND_LINE',
      );
    }
  }
  fillRequiredObjects(tree.value, fields.root);
  const problems = [...tree.problems];
  let parsed: ReturnType<S['safeParse']> | undefined;
  try {
    parsed = schema.safeParse(tree.value) as ReturnType<S['safeParse']>;
  } catch (error) {
    // A refine or transform that throws: report it like any problem, never let its message (which
    // may quote a secret) escape unscrubbed, in a stack trace or a cause chain.
    const name = error instanceof Error ? error.name : 'a non-error value';
    const message = error instanceof Error ? `: ${scrub(error.message, tree.secretValues)}` : '';
    problems.push({
      key: '(root)',
      source: 'schema',
      reason: `the schema threw ${name}${message}`,
      code: 'ERR_CONFIG_VALIDATION',
    });
  }
  if (parsed !== undefined && !parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = dottedKey(issue.path);
      const alreadyReported = [...tree.rejected].some(
        (rejected) => key === rejected || key.startsWith(`${rejected}.`),
      );
      if (alreadyReported) continue;
      let source: string | undefined;
      for (let length = issue.path.length; length > 0 && source === undefined; length--) {
        source = tree.sources.get(dottedKey(issue.path.slice(0, length)));
      }
      const missing = issue.code === 'invalid_type' && / received undefined$/.test(issue.message);
      const reason = missing
        ? requiredReason(fields.byKey.get(key), prefix)
        : scrub(issue.message, tree.secretValues);
      problems.push({
        key: key || '(root)',
        source:
          source ?? (key === '' ? 'schema rule' : fields.byKey.get(key)?.hasDefault ? 'default' : 'not set'),
        reason,
        code: missing ? 'ERR_CONFIG_REQUIRED' : 'ERR_CONFIG_VALIDATION',
      });
    }
  }
  if (problems.length > 0) return { ok: false, problems: problems.map(visibleProblem) };
  if (parsed === undefined || !parsed.success) {
    return {
      ok: false,
      problems: [{ key: '(root)', source: 'schema', reason: 'invalid', code: 'ERR_CONFIG_VALIDATION' }],
    };
  }

  sealSecrets(parsed.data, fields);
  const config = deepFreeze(parsed.data as z.output<S>);
  const entries = fields.fields.map((field): ConfigEntry => {
    const value = printable(valueAt(config, field.path));
    return deepFreeze({
      key: field.key,
      env: prefix + field.env,
      value,
      source: tree.sources.get(field.key) ?? (value === undefined ? 'not set' : 'default'),
      secret: field.secret,
    });
  });
  for (const field of fields.fields) {
    const raw = field.secret ? undefined : JSON.stringify(valueAt(config, field.path), bigintAsString);
    if (raw !== undefined && new RegExp(URL_USER_INFO.source, 'i').test(raw)) {
      tree.warnings.push(
        `${field.key} holds a URL with credentials but is not a secret field: print-config redacts them, ` +
          'your own logs of the config will not; mark it with secret() or pass the credentials separately',
      );
    }
  }
  const warnings = [...tree.warnings, ...(options.warnings?.(config) ?? [])].map((warning) =>
    visibleText(warning),
  );
  const layers = entries.some((entry) => entry.source === 'default') ? ['default'] : [];
  layers.push(...tree.layers);
  return {
    ok: true,
    loaded: Object.freeze({
      config,
      entries: Object.freeze(entries),
      warnings: Object.freeze(warnings),
      layers: Object.freeze(layers),
    }),
  };
}

/** Sends an event to a sink without letting a broken sink stop the caller. */
export function emitSafely(sink: EventSink, event: SecurityEvent): void {
  try {
    sink.emit(event);
  } catch {
    // A broken sink must not stop configuration from loading or failing loudly.
  }
}

/** The `config_invalid` event for a list of problems (keys, sources and reasons; never values). */
export function configInvalidEvent(problems: readonly ConfigProblem[]): SecurityEvent {
  return {
    type: 'config_invalid',
    time: new Date().toISOString(),
    level: 'critical',
    outcome: 'failure',
    code: 'ERR_CONFIG_INVALID',
    problems: problems.map((problem) => ({
      key: problem.key,
      source: problem.source,
      reason: problem.reason,
    })),
  };
}

/**
 * Loads the configuration: defaults < JSON file < environment < command-line flags < overrides,
 * validated by `schema`. Throws a `ConfigError` `ERR_CONFIG_INVALID` listing every problem (and
 * emits `config_invalid`), or returns the deeply frozen config (and emits `config_loaded`).
 */
export function loadConfig<S extends z.ZodType>(
  schema: S,
  options: LoadConfigOptions<z.output<S>> = {},
): LoadedConfig<z.output<S>> {
  const sink = options.events ?? noopSink();
  const result = evaluateConfig(schema, options);
  if (!result.ok) {
    emitSafely(sink, configInvalidEvent(result.problems));
    throw configInvalidError(result.problems);
  }
  emitSafely(sink, {
    type: 'config_loaded',
    time: new Date().toISOString(),
    level: result.loaded.warnings.length > 0 ? 'warn' : 'info',
    outcome: 'success',
    sources: result.loaded.layers,
    warnings: result.loaded.warnings,
  });
  return result.loaded;
}
