import { inspect } from 'node:util';
import type { z } from 'zod';

/** What every printed form of a secret shows instead of its value. */
export const REDACTED = '[REDACTED]';

/**
 * A secret value. Its content is reachable only through {@link Secret.reveal}: `JSON.stringify`
 * (and so pino and other JSON loggers), `util.inspect` / `console.log`, template strings and
 * `String()` all show `[REDACTED]`. The value lives in a private field, so it is not an own
 * property either (`Object.keys`, spread and `structuredClone` see nothing).
 */
export class Secret<T = string> {
  readonly #value: T;

  constructor(value: T) {
    this.#value = value;
    Object.freeze(this);
  }

  /** The secret value. Call it at the point of use, never to log or print. */
  reveal(): T {
    return this.#value;
  }

  /** True when both hold the same value (`===`); for change detection, not for authentication. */
  sameAs(other: Secret<T>): boolean {
    return this.#value === other.#value;
  }

  toJSON(): string {
    return REDACTED;
  }

  toString(): string {
    return REDACTED;
  }

  [Symbol.toPrimitive](): string {
    return REDACTED;
  }
}

// Set on the prototype: a computed `inspect.custom` member cannot be declared under isolatedDeclarations.
Object.defineProperty(Secret.prototype, inspect.custom, {
  value: (): string => `Secret(${REDACTED})`,
});

/** True for a {@link Secret}. */
export function isSecret(value: unknown): value is Secret<unknown> {
  return value instanceof Secret;
}

const secretSchemas = new WeakSet<z.ZodType>();

/**
 * Marks a field as secret: the loaded value is a {@link Secret} (redacted whenever printed), it may
 * be given by value or by a `<NAME>_FILE` variable (or `<key>File` in a config file, or
 * `--<key>-file` on the command line) naming a file that holds it, and it is refused on the command
 * line. Problems with it never echo its value.
 */
export function secret<S extends z.ZodType<string>>(
  schema: S,
): z.ZodPipe<S, z.ZodTransform<Secret<z.output<S>>, z.output<S>>> {
  const piped = schema.transform((value: z.output<S>) => new Secret(value));
  secretSchemas.add(piped);
  return piped;
}

/** True when `schema` itself (not a wrapper of it) was made by {@link secret}. */
export function isSecretSchema(schema: z.ZodType): boolean {
  return secretSchemas.has(schema);
}
