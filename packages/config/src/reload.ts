import { isDeepStrictEqual } from 'node:util';
import { type ConfigError, noopSink } from '@mcp-warden/core';
import type { z } from 'zod';
import type { DeepReadonly } from './deep-freeze.js';
import {
  configInvalidEvent,
  emitSafely,
  evaluateConfig,
  fieldsOf,
  type LoadConfigOptions,
  type LoadedConfig,
  loadConfig,
} from './load-config.js';
import { type ConfigProblem, configInvalidError } from './problems.js';
import { isSecret } from './secret.js';

/** Options of {@link watchConfig}, on top of {@link LoadConfigOptions}. */
export interface WatchConfigOptions<T> extends LoadConfigOptions<T> {
  /**
   * Dotted keys that may change while running (`rateLimit`). A reload that changes any other key is
   * rejected as a whole: those settings need a restart. Default: none.
   */
  readonly reloadable?: readonly string[];
  /** A config already loaded from the same schema and options (by `loadConfigOrExit`, say): not loaded again. */
  readonly initial?: LoadedConfig<T>;
  /** The signal that triggers a reload; `false` for none (call `reload()` yourself). Default `SIGHUP`. */
  readonly signal?: NodeJS.Signals | false;
  /** Called with the new config after a reload was accepted. */
  readonly onReload?: (config: DeepReadonly<T>, changedKeys: readonly string[]) => void;
  /** Called when a reload was rejected; the old config stays in force. */
  readonly onReject?: (error: ConfigError) => void;
}

/** What a reload did. */
export type ReloadOutcome =
  | { readonly ok: true; readonly changedKeys: readonly string[] }
  | { readonly ok: false; readonly error: ConfigError };

/** A loaded config that can be reloaded. */
export interface ConfigWatcher<T> {
  /** The config in force: the initial one, or the last accepted reload. */
  readonly current: LoadedConfig<T>;
  /** Reads every source again, validates, and swaps the config in only if all is well. */
  reload(): ReloadOutcome;
  /** Stops listening for the signal. */
  close(): void;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (isSecret(a) || isSecret(b)) return isSecret(a) && isSecret(b) && a.sameAs(b);
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((item, i) => sameValue(item, b[i]))
    );
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((key) => sameValue(a[key], b[key]));
  }
  // A URL, Date, Map… made by a transform keeps its state out of its own keys: comparing those keys
  // would call every two of them equal, and a change to a key that needs a restart would slip through.
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    return isDeepStrictEqual(a, b);
  }
  return Object.is(a, b);
}

function valueAt(root: unknown, path: readonly string[]): unknown {
  let node = root;
  for (const segment of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

/**
 * Loads the config (throwing `ERR_CONFIG_INVALID` like {@link loadConfig}) and reloads it on
 * `SIGHUP`. A reload is validated in full first; if anything is wrong, or a key outside
 * `reloadable` changed, the old config stays, `config_invalid` is emitted and `onReject` says why.
 * Otherwise the new config is swapped in, `config_reloaded` names the changed keys (never values)
 * and `onReload` gets it.
 */
export function watchConfig<S extends z.ZodType>(
  schema: S,
  options: WatchConfigOptions<z.output<S>> = {},
): ConfigWatcher<z.output<S>> {
  let current = options.initial ?? loadConfig(schema, options);
  const sink = options.events ?? noopSink();
  const reloadable = new Set(options.reloadable ?? []);
  const fields = fieldsOf(schema).fields;

  const reject = (problems: readonly ConfigProblem[]): ReloadOutcome => {
    const error = configInvalidError(problems);
    emitSafely(sink, configInvalidEvent(problems));
    options.onReject?.(error);
    return { ok: false, error };
  };

  const reload = (): ReloadOutcome => {
    const result = evaluateConfig(schema, options);
    if (!result.ok) return reject(result.problems);
    const changedKeys = fields
      .filter(
        (field) => !sameValue(valueAt(current.config, field.path), valueAt(result.loaded.config, field.path)),
      )
      .map((field) => field.key);
    const unsafe = changedKeys.filter((key) => !reloadable.has(key));
    if (unsafe.length > 0) {
      return reject(
        unsafe.map((key) => ({
          key,
          source: result.loaded.entries.find((entry) => entry.key === key)?.source ?? 'reload',
          reason: 'changed, but this setting cannot change without a restart',
          code: 'ERR_CONFIG_RELOAD_UNSAFE',
        })),
      );
    }
    current = result.loaded;
    emitSafely(sink, {
      type: 'config_reloaded',
      time: new Date().toISOString(),
      level: 'info',
      outcome: 'success',
      changedKeys,
    });
    options.onReload?.(current.config, changedKeys);
    return { ok: true, changedKeys };
  };

  const signal = options.signal ?? 'SIGHUP';
  const onSignal = (): void => {
    reload();
  };
  if (signal !== false) process.on(signal, onSignal);
  return {
    get current(): LoadedConfig<z.output<S>> {
      return current;
    },
    reload,
    close(): void {
      if (signal !== false) process.off(signal, onSignal);
    },
  };
}
