import { ConfigError } from '@mcp-warden/core';
import type { z } from 'zod';
import { type FileCheck, fileCheckOf, type ListDelimiter, listDelimiterOf } from './field-markers.js';
import { envNameOf, flagNameOf } from './key-names.js';
import { isSecretSchema } from './secret.js';

/** How a string from the environment or the command line becomes a value of the field's type. */
export type ScalarKind = 'string' | 'number' | 'bigint' | 'boolean' | 'json';

/** A leaf of the config schema: something one environment variable or flag sets. */
export interface FieldInfo {
  readonly path: readonly string[];
  /** Dotted key (`server.host`). */
  readonly key: string;
  /** Environment name without the prefix (`SERVER__HOST`). */
  readonly env: string;
  /** Flag name without dashes (`server.host`). */
  readonly flag: string;
  readonly kind: ScalarKind | 'list';
  /** For lists: the kind of each item. */
  readonly item: ScalarKind;
  readonly delimiter: ListDelimiter;
  readonly secret: boolean;
  readonly fileCheck: FileCheck | undefined;
  /** The schema gives a default when no source sets it. */
  readonly hasDefault: boolean;
}

/** The schema as a tree of objects and leaves, to check a file's keys against. */
export type SchemaNode =
  | {
      readonly type: 'object';
      readonly children: ReadonlyMap<string, SchemaNode>;
      /** Wrapped in optional/nullable/default: no sources means no object, not an empty one. */
      readonly optional: boolean;
    }
  | { readonly type: 'leaf'; readonly field: FieldInfo };

/** Everything the loader needs to know about a schema, computed once. */
export interface SchemaFields {
  readonly root: SchemaNode & { readonly type: 'object' };
  readonly fields: readonly FieldInfo[];
  readonly byKey: ReadonlyMap<string, FieldInfo>;
}

interface Def {
  readonly type: string;
  readonly innerType?: z.ZodType;
  readonly in?: z.ZodType;
  readonly element?: z.ZodType;
  readonly shape?: Readonly<Record<string, z.ZodType>>;
  readonly values?: readonly unknown[];
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'nonoptional', 'catch']);

interface Unwrapped {
  readonly schema: z.ZodType;
  readonly secret: boolean;
  readonly fileCheck: FileCheck | undefined;
  readonly delimiter: ListDelimiter | undefined;
  readonly hasDefault: boolean;
  readonly optional: boolean;
}

/** Looks through optional/default/pipe wrappers to the schema that reads the input. */
function unwrap(start: z.ZodType): Unwrapped {
  let schema = start;
  let secret = false;
  let fileCheck: FileCheck | undefined;
  let delimiter: ListDelimiter | undefined;
  let hasDefault = false;
  let optional = false;
  for (let depth = 0; depth < 64; depth++) {
    secret ||= isSecretSchema(schema);
    fileCheck ??= fileCheckOf(schema);
    delimiter ??= listDelimiterOf(schema);
    const def = defOf(schema);
    hasDefault ||= def.type === 'default' || def.type === 'prefault';
    optional ||= hasDefault || def.type === 'optional' || def.type === 'nullable';
    if (WRAPPERS.has(def.type) && def.innerType) schema = def.innerType;
    else if (def.type === 'pipe' && def.in) schema = def.in;
    else break;
  }
  return { schema, secret, fileCheck, delimiter, hasDefault, optional };
}

function scalarKind(schema: z.ZodType): ScalarKind {
  const def = defOf(schema);
  switch (def.type) {
    case 'string':
    case 'enum':
    case 'template_literal':
      return 'string';
    case 'number':
      return 'number';
    case 'bigint':
      return 'bigint';
    case 'boolean':
      return 'boolean';
    case 'literal': {
      const kinds = new Set((def.values ?? []).map((value) => typeof value));
      if (kinds.size === 1 && kinds.has('number')) return 'number';
      if (kinds.size === 1 && kinds.has('boolean')) return 'boolean';
      return kinds.size === 1 && kinds.has('string') ? 'string' : 'json';
    }
    default:
      return 'json';
  }
}

/** Reads the fields of an object schema; throws `ERR_CONFIG_SCHEMA` for a schema it cannot map. */
export function describeSchema(schema: z.ZodType): SchemaFields {
  const fields: FieldInfo[] = [];
  const visit = (node: z.ZodType, path: readonly string[]): SchemaNode => {
    const { schema: inner, secret, fileCheck, delimiter, hasDefault, optional } = unwrap(node);
    const def = defOf(inner);
    if (def.type === 'object' && def.shape && !secret) {
      const children = new Map<string, SchemaNode>();
      for (const [key, child] of Object.entries(def.shape)) children.set(key, visit(child, [...path, key]));
      return { type: 'object', children, optional };
    }
    const isList = def.type === 'array' && def.element !== undefined;
    const item = isList && def.element ? unwrap(def.element) : undefined;
    const field: FieldInfo = {
      path,
      key: path.join('.'),
      env: envNameOf(path),
      flag: flagNameOf(path),
      kind: isList ? 'list' : scalarKind(inner),
      item: item ? scalarKind(item.schema) : 'string',
      delimiter: delimiter ?? 'comma',
      secret: secret || (item?.secret ?? false),
      fileCheck: fileCheck ?? item?.fileCheck,
      hasDefault,
    };
    fields.push(field);
    return { type: 'leaf', field };
  };
  const root = visit(schema, []);
  if (root.type !== 'object') {
    throw new ConfigError('ERR_CONFIG_SCHEMA', 'the config schema must be a zod object');
  }
  const names = new Map<string, string>();
  const claim = (name: string, key: string): void => {
    const previous = names.get(name);
    if (previous !== undefined) {
      throw new ConfigError(
        'ERR_CONFIG_SCHEMA',
        `config keys "${previous}" and "${key}" map to the same name`,
        {
          data: { name, keys: [previous, key] },
        },
      );
    }
    names.set(name, key);
  };
  for (const field of fields) {
    claim(field.env, field.key);
    if (field.secret) claim(`${field.env}_FILE`, `${field.key} (file)`);
  }
  return { root, fields, byKey: new Map(fields.map((field) => [field.key, field])) };
}
