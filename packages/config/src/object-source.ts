import type { InputTree } from './input-tree.js';
import type { SchemaNode } from './schema-fields.js';
import { isSecret } from './secret.js';
import { closestName } from './suggest.js';

/** How an object source (a config file, the overrides) names a key in problems. */
export interface ObjectSourceNaming {
  readonly layer: string;
  /** The source of the value at `keyPath` (`file /etc/mcp.json key tls.certFile`). */
  describe(keyPath: readonly string[]): string;
  /** Called for each secret given by value. */
  onSecretValue?(key: string): void;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/** Secret values in overrides may be given as `Secret` objects; sources hold raw strings. */
function unwrapSecrets(value: unknown): unknown {
  if (isSecret(value)) return value.reveal();
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  return value;
}

function holdsSecret(value: unknown): boolean {
  return isSecret(value) || (Array.isArray(value) && value.some(isSecret));
}

/**
 * Copies a nested object (a parsed config file, or the overrides) into the input tree: every key
 * must exist in the schema (typos are problems, with a suggestion), `<key>File` names the file of a
 * secret `key`, and each value's source is recorded.
 */
export function applyObject(
  tree: InputTree,
  root: SchemaNode & { readonly type: 'object' },
  input: unknown,
  naming: ObjectSourceNaming,
): void {
  const visit = (
    node: SchemaNode & { readonly type: 'object' },
    value: unknown,
    path: readonly string[],
  ): void => {
    const key = path.join('.');
    if (!isPlainObject(value)) {
      tree.problem(key || '(root)', naming.describe(path), 'expected an object', 'ERR_CONFIG_VALIDATION');
      return;
    }
    const given = new Set(Object.keys(value));
    for (const [name, child] of Object.entries(value)) {
      const childPath = [...path, name];
      if (path.length === 0 && name === '$schema') continue;
      const schemaNode = node.children.get(name);
      if (schemaNode?.type === 'object') {
        if (child !== undefined) visit(schemaNode, child, childPath);
        continue;
      }
      if (schemaNode?.type === 'leaf') {
        if (child === undefined) continue;
        if (!schemaNode.field.secret && holdsSecret(child)) {
          // Unwrapping it here would print it in print-config and in JSON.stringify(config).
          tree.problem(
            schemaNode.field.key,
            naming.describe(childPath),
            'a Secret was given for a field that is not secret; mark the field with secret()',
            'ERR_CONFIG_VALIDATION',
          );
          continue;
        }
        if (schemaNode.field.secret) naming.onSecretValue?.(schemaNode.field.key);
        tree.set(schemaNode.field, unwrapSecrets(child), naming.describe(childPath), naming.layer);
        continue;
      }
      const secretNode = name.endsWith('File') ? node.children.get(name.slice(0, -'File'.length)) : undefined;
      if (secretNode?.type === 'leaf' && secretNode.field.secret) {
        const source = naming.describe(childPath);
        if (given.has(name.slice(0, -'File'.length))) {
          tree.problem(
            secretNode.field.key,
            source,
            `give ${name.slice(0, -'File'.length)} either by value or by file, not both`,
            'ERR_CONFIG_SECRET_CONFLICT',
          );
        } else if (typeof child !== 'string' || child.length === 0) {
          tree.problem(
            secretNode.field.key,
            source,
            'expected the path of the secret file',
            'ERR_CONFIG_VALIDATION',
          );
        } else {
          tree.setSecretFromFile(secretNode.field, child, source, naming.layer);
        }
        continue;
      }
      const suggestion = closestName(name, node.children.keys());
      tree.problem(
        [...path, name].join('.'),
        naming.describe(childPath),
        `unknown key${suggestion === undefined ? '' : `; did you mean "${suggestion}"?`}`,
        'ERR_CONFIG_UNKNOWN_KEY',
      );
    }
  };
  visit(root, input, []);
}
