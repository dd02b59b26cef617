import { coerce } from './coercion.js';
import type { InputTree } from './input-tree.js';
import type { FieldInfo, SchemaFields } from './schema-fields.js';
import { closestName } from './suggest.js';

/** What the environment source needs besides the tree. */
export interface EnvSourceOptions {
  readonly prefix: string;
  /** Full variable names that belong to the loader itself or to someone else (`MCP_CONFIG_FILE`). */
  readonly ignore: ReadonlySet<string>;
  /** Treat `NAME=` (empty) as not set. */
  readonly emptyAsUnset: boolean;
}

/**
 * Reads `PREFIX_NAME` variables (nested keys joined with `__`) and `PREFIX_NAME_FILE` for secret
 * fields. Every other `PREFIX_*` variable is a problem: a typo must not be silently ignored.
 */
export function applyEnv(
  tree: InputTree,
  schema: SchemaFields,
  env: Readonly<Record<string, string | undefined>>,
  options: EnvSourceOptions,
): void {
  const byName = new Map<string, FieldInfo>();
  const byFileName = new Map<string, FieldInfo>();
  for (const field of schema.fields) {
    byName.set(options.prefix + field.env, field);
    if (field.secret) byFileName.set(`${options.prefix}${field.env}_FILE`, field);
  }
  const isSet = (name: string): boolean =>
    env[name] !== undefined && !(options.emptyAsUnset && env[name] === '');
  const names = Object.keys(env)
    .filter((name) => name.toUpperCase().startsWith(options.prefix) && isSet(name))
    .sort();
  for (const name of names) {
    if (!name.startsWith(options.prefix)) {
      // `mcp_rate_limit` is a typo on POSIX, where variable names are case-sensitive.
      const upper = name.toUpperCase();
      const known = byName.has(upper) || byFileName.has(upper);
      tree.problem(
        name,
        `env ${name}`,
        `wrong case${known ? `; did you mean ${upper}?` : ''}`,
        'ERR_CONFIG_UNKNOWN_ENV',
      );
      continue;
    }
    const raw = env[name] ?? '';
    const source = `env ${name}`;
    if (options.ignore.has(name)) continue;
    const field = byName.get(name);
    if (field) {
      if (field.secret && isSet(`${name}_FILE`)) {
        tree.problem(
          field.key,
          source,
          `set either ${name} or ${name}_FILE, not both`,
          'ERR_CONFIG_SECRET_CONFLICT',
        );
        continue;
      }
      if (field.secret) tree.rememberSecret(raw);
      const result = coerce(raw, field);
      if (result.ok) tree.set(field, result.value, source, 'env');
      else tree.problem(field.key, source, result.reason, 'ERR_CONFIG_COERCE');
      continue;
    }
    const secretField = byFileName.get(name);
    if (secretField) {
      if (isSet(name.slice(0, -'_FILE'.length))) continue; // reported once, above
      if (raw.length === 0) {
        tree.problem(
          secretField.key,
          source,
          'expected the path of the secret file',
          'ERR_CONFIG_VALIDATION',
        );
      } else {
        tree.setSecretFromFile(secretField, raw, source, 'env');
      }
      continue;
    }
    const suggestion = closestName(name, [...byName.keys(), ...byFileName.keys(), ...options.ignore]);
    tree.problem(
      name,
      source,
      `unknown variable${suggestion === undefined ? '' : `; did you mean ${suggestion}?`}`,
      'ERR_CONFIG_UNKNOWN_ENV',
    );
  }
}
