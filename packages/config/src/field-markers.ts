import { delimiter as pathDelimiter } from 'node:path';
import { z } from 'zod';

/** How a list field is read from one string (an environment variable or a flag). */
export type ListDelimiter = 'comma' | 'path';

/** What a file-path field's file must be when the config loads. */
export type FileCheck = 'readable' | 'secret';

const listDelimiters = new WeakMap<z.ZodType, ListDelimiter>();
const fileChecks = new WeakMap<z.ZodType, FileCheck>();

/**
 * A list read from a comma-separated string (`a, b,c`) in the environment or on the command line.
 * Items are trimmed and empty items dropped. This is also what any other array field does.
 */
export function commaList<S extends z.ZodType>(item: S): z.ZodArray<S> {
  const schema = z.array(item);
  listDelimiters.set(schema, 'comma');
  return schema;
}

/**
 * A list read from a string split on the platform's path delimiter (`:` on POSIX, `;` on Windows),
 * like `PATH`. Empty entries are dropped: unlike in `PATH`, they never mean the current directory.
 */
export function pathList<S extends z.ZodType>(item: S): z.ZodArray<S> {
  const schema = z.array(item);
  listDelimiters.set(schema, 'path');
  return schema;
}

/** The path to a file that must exist and be a readable regular file when the config loads. */
export function readableFile<S extends z.ZodType<string>>(schema: S): S {
  fileChecks.set(schema, 'readable');
  return schema;
}

/**
 * The path to a file holding key material (a TLS private key, an API-key list, an HMAC key): it
 * must be a readable regular file, and a warning is raised when its permissions are wider than
 * the owner's. The path itself is not secret and is printed.
 */
export function secretFile<S extends z.ZodType<string>>(schema: S): S {
  fileChecks.set(schema, 'secret');
  return schema;
}

/** The delimiter a list schema was marked with, if any. */
export function listDelimiterOf(schema: z.ZodType): ListDelimiter | undefined {
  return listDelimiters.get(schema);
}

/** The file check a schema was marked with, if any. */
export function fileCheckOf(schema: z.ZodType): FileCheck | undefined {
  return fileChecks.get(schema);
}

/** The character a list delimiter splits on. */
export function delimiterChar(kind: ListDelimiter): string {
  return kind === 'path' ? pathDelimiter : ',';
}
