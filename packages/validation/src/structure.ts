import { ConfigError, ValidationError } from '@mcp-warden/core';

/** Limits on the shape of a whole argument object, checked before any schema runs. */
export interface StructureLimits {
  /** Deepest nesting of objects and arrays (the top-level object is depth 1). Default 32. */
  readonly maxDepth: number;
  /** Most keys in one object. Default 1,000. */
  readonly maxKeys: number;
  /** Most elements in one array. Default 10,000. */
  readonly maxArrayLength: number;
  /** Most values in total (objects, arrays, primitives). Default 100,000. */
  readonly maxNodes: number;
  /** Longest key, in UTF-16 code units. Default 256. */
  readonly maxKeyLength: number;
  /** Most UTF-8 bytes of all strings and keys together (about the JSON size). Default 1 MiB. */
  readonly maxTotalBytes: number;
}

/** The defaults of {@link StructureLimits}. */
export const DEFAULT_STRUCTURE_LIMITS: Readonly<StructureLimits> = Object.freeze({
  maxDepth: 32,
  maxKeys: 1_000,
  maxArrayLength: 10_000,
  maxNodes: 100_000,
  maxKeyLength: 256,
  maxTotalBytes: 1_048_576,
});

/** Keys that reach `Object.prototype` when a consumer merges or assigns arguments. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Why a value broke a structural limit: a path (`a.b[2]`) and a short reason. */
export interface StructureProblem {
  readonly path: string;
  readonly reason: string;
  /** The limit that was exceeded (`maxDepth`, …), or `forbiddenKey` / `notJson`. */
  readonly limit: keyof StructureLimits | 'forbiddenKey' | 'notJson';
}

interface Frame {
  readonly value: unknown;
  readonly depth: number;
  readonly parent: Frame | undefined;
  readonly key: string | number | undefined;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** Builds `a.b[2]["odd key"]` from a frame chain; long keys are cut so they are never echoed in full. */
function pathOf(frame: Frame | undefined, lastKey?: string | number): string {
  const keys: (string | number)[] = lastKey === undefined ? [] : [lastKey];
  for (let f = frame; f !== undefined && f.key !== undefined; f = f.parent) keys.push(f.key);
  keys.reverse();
  return formatPath(keys);
}

/** Formats a property path for messages: identifiers dotted, indices bracketed, other keys quoted and cut. */
export function formatPath(keys: readonly PropertyKey[]): string {
  let out = '';
  for (const key of keys) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'symbol') out += '[symbol]';
    else if (IDENTIFIER.test(key) && key.length <= 64) out += out === '' ? key : `.${key}`;
    else {
      const shown = key.length > 32 ? `${key.slice(0, 32)}…` : key;
      out += `[${JSON.stringify(shown.replace(/[^\x20-\x7e]/g, '?'))}]`;
    }
  }
  return out === '' ? '(root)' : out;
}

function utf8Length(text: string, budget: number): number {
  // UTF-8 needs at least one byte per UTF-16 unit: a string longer than the budget is refused unread.
  if (text.length > budget) return text.length;
  return Buffer.byteLength(text, 'utf8');
}

/** A cleared stack kept between walks, so that nested arguments cost no allocation. */
let spareStack: unknown[] | undefined;
const MAX_SPARE_STACK = 64;

/**
 * The fast path: true when `value` is certainly within the limits. No paths, no per-value objects,
 * and sizes bounded by length (UTF-8 bytes are between 1× and 3× the UTF-16 length), so nothing is
 * encoded. Anything doubtful goes to the exact walk, which also finds the path of the problem.
 */
function certainlyWithin(value: unknown, limits: Readonly<StructureLimits>): boolean {
  if (typeof value !== 'object' || value === null) return false;
  // Taken, not shared: a walk re-entered through a getter finds none and makes its own.
  const pending = spareStack ?? [];
  spareStack = undefined;
  const within = certainlyWithinUsing(pending, value, limits);
  // Only a small stack that a completed walk emptied is kept (a refused walk may leave references).
  if (within && pending.length <= MAX_SPARE_STACK) spareStack = pending;
  return within;
}

/** {@link certainlyWithin} with a stack to work in. */
function certainlyWithinUsing(pending: unknown[], value: object, limits: Readonly<StructureLimits>): boolean {
  const { maxDepth, maxKeys, maxArrayLength, maxNodes, maxKeyLength, maxTotalBytes } = limits;
  // Pairs of (container, depth) still to visit, by index; slots are cleared as they are taken.
  let top = 0;
  let current = value;
  let depth = 1;
  let nodes = 1;
  let upper = 0;
  for (;;) {
    const childDepth = depth + 1;
    if (Array.isArray(current)) {
      const count = current.length;
      if (count > maxArrayLength) return false;
      nodes += count;
      if (nodes > maxNodes) return false;
      upper += 2 + count;
      for (let index = 0; index < count; index++) {
        const child: unknown = current[index];
        if (typeof child === 'string') upper += 3 * child.length + 2;
        else if (typeof child === 'number') {
          if (child - child !== 0) return false; // NaN, ±Infinity
          upper += 8;
        } else if (typeof child === 'boolean' || child === null) upper += 5;
        else if (typeof child === 'object') {
          if (childDepth > maxDepth) return false;
          pending[top++] = child;
          pending[top++] = childDepth;
        } else return false;
      }
    } else {
      // A plain object's `constructor` is `Object` (inherited), which costs a cached property load here
      // where `Object.getPrototypeOf` costs a builtin call per object. Anything else (a class instance,
      // a null-prototype object, a JSON key named "constructor") goes to the exact walk, which decides.
      // Only an object built in code with a misleading prototype chain could pass as plain here; JSON,
      // where arguments come from, cannot build one.
      if ((current as { constructor?: unknown }).constructor !== Object) return false;
      let count = 0;
      upper += 2;
      // `for…in` also sees inherited enumerable keys, which only makes this pass stricter than the
      // exact one (it then defers to it).
      for (const key in current) {
        if (++count > maxKeys) return false;
        const length = key.length;
        if (length > maxKeyLength || ((length === 9 || length === 11) && FORBIDDEN_KEYS.has(key)))
          return false;
        upper += 3 * length + 4;
        const child: unknown = (current as Record<string, unknown>)[key];
        if (typeof child === 'string') upper += 3 * child.length + 2;
        else if (typeof child === 'number') {
          if (child - child !== 0) return false;
          upper += 8;
        } else if (typeof child === 'boolean' || child === null) upper += 5;
        else if (typeof child === 'object') {
          if (childDepth > maxDepth) return false;
          pending[top++] = child;
          pending[top++] = childDepth;
        } else return false;
      }
      nodes += count;
      if (nodes > maxNodes) return false;
    }
    if (upper > maxTotalBytes) return false;
    if (top === 0) return true;
    depth = pending[--top] as number;
    current = pending[--top] as object;
    pending[top] = undefined;
  }
}

/** Validates and completes partial limits; every value must be a positive safe integer. */
export function resolveStructureLimits(limits: Partial<StructureLimits> = {}): Readonly<StructureLimits> {
  const resolved = { ...DEFAULT_STRUCTURE_LIMITS, ...limits };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new ConfigError('ERR_INVALID_OPTION', `${name} must be a positive integer`, {
        data: { option: name },
      });
    }
  }
  return Object.freeze(resolved);
}

/**
 * Walks a JSON-like value iteratively (no recursion, so no stack overflow at any depth) and returns
 * the first structural problem, or `undefined`. Stops at the first problem: a 10,000-deep object is
 * refused after `maxDepth` steps and a 50 MB string without reading it. Only plain JSON values pass
 * (objects, arrays, strings, finite numbers, booleans, null).
 */
export function findStructureProblem(
  value: unknown,
  limits: Readonly<StructureLimits> = DEFAULT_STRUCTURE_LIMITS,
): StructureProblem | undefined {
  return certainlyWithin(value, limits) ? undefined : explainProblem(value, limits);
}

/** The exact walk: sizes in real UTF-8 bytes, and the path of the first problem. */
function explainProblem(value: unknown, limits: Readonly<StructureLimits>): StructureProblem | undefined {
  // Only objects and arrays go on the stack; scalars are judged where they are found. Values are
  // counted when found, so the stack never holds more than maxNodes frames.
  const stack: Frame[] = [];
  let nodes = 1;
  let bytes = 0;
  const tooBig = (frame: Frame | undefined, key?: string | number): StructureProblem => ({
    path: pathOf(frame, key),
    reason: `larger than ${limits.maxTotalBytes} bytes in total`,
    limit: 'maxTotalBytes',
  });
  /** Judges one value; pushes it if it is a container. Returns a problem or undefined. */
  const visit = (
    child: unknown,
    parent: Frame | undefined,
    key: string | number | undefined,
    depth: number,
  ) => {
    switch (typeof child) {
      case 'string':
        bytes += utf8Length(child, limits.maxTotalBytes - bytes) + 2;
        return bytes > limits.maxTotalBytes ? tooBig(parent, key) : undefined;
      case 'number':
        if (!Number.isFinite(child)) {
          return { path: pathOf(parent, key), reason: 'not a finite number', limit: 'notJson' } as const;
        }
        bytes += 8;
        return undefined;
      case 'boolean':
        bytes += 5;
        return undefined;
      case 'object':
        if (child === null) {
          bytes += 4;
          return undefined;
        }
        if (depth > limits.maxDepth) {
          return {
            path: pathOf(parent, key),
            reason: `nested deeper than ${limits.maxDepth}`,
            limit: 'maxDepth',
          } as const;
        }
        stack.push({ value: child, depth, parent, key });
        return undefined;
      default:
        return {
          path: pathOf(parent, key),
          reason: `a ${typeof child} is not JSON`,
          limit: 'notJson',
        } as const;
    }
  };
  const first = visit(value, undefined, undefined, 1);
  if (first !== undefined) return first;
  while (stack.length > 0) {
    const frame = stack.pop()!;
    const current = frame.value as object;
    const childDepth = frame.depth + 1;
    if (Array.isArray(current)) {
      if (current.length > limits.maxArrayLength) {
        return {
          path: pathOf(frame),
          reason: `array longer than ${limits.maxArrayLength}`,
          limit: 'maxArrayLength',
        };
      }
      nodes += current.length;
      if (nodes > limits.maxNodes) {
        return {
          path: pathOf(frame),
          reason: `more than ${limits.maxNodes} values in total`,
          limit: 'maxNodes',
        };
      }
      bytes += 2 + current.length;
      for (let index = current.length - 1; index >= 0; index--) {
        const problem = visit(current[index], frame, index, childDepth);
        if (problem !== undefined) return problem;
      }
    } else {
      const proto = Object.getPrototypeOf(current);
      if (proto !== Object.prototype && proto !== null) {
        return { path: pathOf(frame), reason: 'not a plain JSON object', limit: 'notJson' };
      }
      const keys = Object.keys(current);
      if (keys.length > limits.maxKeys) {
        return { path: pathOf(frame), reason: `more than ${limits.maxKeys} keys`, limit: 'maxKeys' };
      }
      nodes += keys.length;
      if (nodes > limits.maxNodes) {
        return {
          path: pathOf(frame),
          reason: `more than ${limits.maxNodes} values in total`,
          limit: 'maxNodes',
        };
      }
      bytes += 2;
      for (let index = keys.length - 1; index >= 0; index--) {
        const key = keys[index]!;
        if (FORBIDDEN_KEYS.has(key))
          return { path: pathOf(frame, key), reason: 'forbidden key', limit: 'forbiddenKey' };
        if (key.length > limits.maxKeyLength) {
          return {
            path: pathOf(frame),
            reason: `a key longer than ${limits.maxKeyLength} characters`,
            limit: 'maxKeyLength',
          };
        }
        bytes += utf8Length(key, limits.maxTotalBytes) + 4;
        const problem = visit((current as Record<string, unknown>)[key], frame, key, childDepth);
        if (problem !== undefined) return problem;
      }
    }
    if (bytes > limits.maxTotalBytes) return tooBig(frame);
  }
  return undefined;
}

/**
 * Throws `ERR_INVALID_ARGUMENT` (a `ValidationError` whose `data.fields` names the path and reason) when
 * `value` breaks a structural limit. See {@link findStructureProblem}.
 */
export function assertStructure(value: unknown, limits?: Partial<StructureLimits>): void {
  const problem = findStructureProblem(
    value,
    limits === undefined ? undefined : resolveStructureLimits(limits),
  );
  if (problem !== undefined) {
    throw new ValidationError(
      'ERR_INVALID_ARGUMENT',
      `invalid arguments: ${problem.path}: ${problem.reason}`,
      {
        data: { fields: [{ path: problem.path, reason: problem.reason }], limit: problem.limit },
      },
    );
  }
}
