import { coerce } from './coercion.js';
import type { InputTree } from './input-tree.js';
import type { FieldInfo, SchemaFields } from './schema-fields.js';
import { closestName } from './suggest.js';

/**
 * Reads `--key=value`, `--key value`, `--flag` / `--no-flag` (booleans), nested keys as
 * `--server.host`, and `--<secret>-file=path`. A secret given by value is refused: the command
 * line is visible to every local user (`ps`, `/proc/<pid>/cmdline`) and lands in shell history.
 * Problems name the flag, never the value. `--` ends the flags; nothing may follow it or appear
 * without a flag, since an unexpected argument may itself be a misplaced secret.
 */
export function applyArgv(tree: InputTree, schema: SchemaFields, argv: readonly string[]): void {
  const byFlag = new Map<string, FieldInfo>();
  const byFileFlag = new Map<string, FieldInfo>();
  for (const field of schema.fields) {
    byFlag.set(field.flag, field);
    if (field.secret) byFileFlag.set(`${field.flag}-file`, field);
  }
  for (let index = 0; index < argv.length; index++) {
    const token = argv[index] ?? '';
    const position = `argument ${index + 1}`;
    if (!token.startsWith('--') || token === '--') {
      tree.problem(
        position,
        'command line',
        'unexpected argument (expected --key=value)',
        'ERR_CONFIG_UNKNOWN_FLAG',
      );
      continue;
    }
    const equals = token.indexOf('=');
    const name = token.slice(2, equals === -1 ? undefined : equals);
    const source = `flag --${name}`;
    const next = argv[index + 1];
    const takeValue = (): string | undefined => {
      if (equals !== -1) return token.slice(equals + 1);
      if (next !== undefined && !next.startsWith('--')) {
        index++;
        return next;
      }
      return undefined;
    };
    const field = byFlag.get(name);
    const negated = name.startsWith('no-') ? byFlag.get(name.slice(3)) : undefined;
    if (field?.secret) {
      takeValue();
      tree.problem(
        field.key,
        source,
        `secrets are refused on the command line (visible to other users); use --${field.flag}-file or an environment variable`,
        'ERR_CONFIG_SECRET_ON_COMMAND_LINE',
      );
      continue;
    }
    if (field) {
      const raw = takeValue() ?? (field.kind === 'boolean' ? 'true' : undefined);
      if (raw === undefined) {
        tree.problem(field.key, source, 'missing value', 'ERR_CONFIG_COERCE');
        continue;
      }
      const result = coerce(raw, field);
      if (result.ok) tree.set(field, result.value, source, 'argv');
      else tree.problem(field.key, source, result.reason, 'ERR_CONFIG_COERCE');
      continue;
    }
    if (negated?.kind === 'boolean' && equals === -1) {
      tree.set(negated, false, source, 'argv');
      continue;
    }
    const fileField = byFileFlag.get(name);
    if (fileField) {
      const path = takeValue();
      if (path === undefined || path.length === 0) {
        tree.problem(fileField.key, source, 'expected the path of the secret file', 'ERR_CONFIG_VALIDATION');
      } else {
        tree.setSecretFromFile(fileField, path, source, 'argv');
      }
      continue;
    }
    if (equals === -1 && next !== undefined && !next.startsWith('--')) index++;
    const suggestion = closestName(name, [...byFlag.keys(), ...byFileFlag.keys()]);
    tree.problem(
      `--${name}`,
      source,
      `unknown flag${suggestion === undefined ? '' : `; did you mean --${suggestion}?`}`,
      'ERR_CONFIG_UNKNOWN_FLAG',
    );
  }
}
