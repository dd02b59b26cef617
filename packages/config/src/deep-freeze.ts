import type { Secret } from './secret.js';

/** A config as loaded: every object and array is read-only, all the way down. */
export type DeepReadonly<T> =
  T extends Secret<unknown>
    ? T
    : T extends readonly (infer Item)[]
      ? readonly DeepReadonly<Item>[]
      : T extends object
        ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
        : T;

/** Freezes plain objects and arrays recursively (in place) and returns the value. */
export function deepFreeze<T>(value: T): DeepReadonly<T> {
  const seen = new Set<object>();
  const visit = (node: unknown): void => {
    if (typeof node !== 'object' || node === null || seen.has(node)) return;
    seen.add(node);
    for (const key of Reflect.ownKeys(node)) visit((node as Record<PropertyKey, unknown>)[key]);
    Object.freeze(node);
  };
  visit(value);
  return value as DeepReadonly<T>;
}
