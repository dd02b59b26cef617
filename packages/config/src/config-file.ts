import { isWiderThanOwner, octalMode, readRegularFile } from './file-checks.js';
import type { InputTree } from './input-tree.js';
import { jsonStructureProblem, lineColumn } from './json-text.js';
import { applyObject } from './object-source.js';
import type { SchemaNode } from './schema-fields.js';

/** Where a JSON parse failed, as `line L column C`, from V8's message; the message itself may quote the file. */
function parsePosition(text: string, error: unknown): string {
  const match = /position (\d+)/.exec(error instanceof Error ? error.message : '');
  if (!match?.[1]) return 'not valid JSON';
  return `not valid JSON (${lineColumn(text, Number(match[1]))})`;
}

/**
 * Reads a JSON config file into the tree. The file must be a regular file under the size limit
 * holding one JSON object whose keys all exist in the schema. Warns when others may change it, and
 * when it holds secrets by value while others may read it.
 */
export function applyConfigFile(
  tree: InputTree,
  root: SchemaNode & { readonly type: 'object' },
  path: string,
  via: string,
  maxBytes: number,
): void {
  const source = `file ${path}`;
  const read = readRegularFile(path, maxBytes);
  if (!read.ok) {
    tree.problem('(config file)', via, `${path}: ${read.reason}`, 'ERR_CONFIG_FILE_READ');
    return;
  }
  const text = read.content.replace(/^\uFEFF/, '');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    tree.problem('(config file)', source, parsePosition(text, error), 'ERR_CONFIG_FILE_PARSE');
    return;
  }
  const structure = jsonStructureProblem(text);
  if (structure !== undefined) {
    tree.problem('(config file)', source, structure, 'ERR_CONFIG_FILE_PARSE');
    return;
  }
  if ((read.mode & 0o022) !== 0) {
    tree.warnings.push(`config file ${path} has mode ${octalMode(read.mode)}: group or others may change it`);
  }
  const secretKeys: string[] = [];
  applyObject(tree, root, parsed, {
    layer: source,
    describe: (keyPath) => (keyPath.length === 0 ? source : `${source} key ${keyPath.join('.')}`),
    onSecretValue: (key) => secretKeys.push(key),
  });
  if (secretKeys.length > 0 && isWiderThanOwner(read.mode)) {
    tree.warnings.push(
      `config file ${path} holds secrets by value (${secretKeys.join(', ')}) and has mode ${octalMode(read.mode)}; ` +
        'use a *File key or restrict it to 0600',
    );
  }
}
