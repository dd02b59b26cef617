import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  assertStructure,
  DEFAULT_STRUCTURE_LIMITS,
  findStructureProblem,
  resolveStructureLimits,
  type StructureLimits,
} from '../src/index.js';

const limits = (partial: Partial<StructureLimits>) => resolveStructureLimits(partial);

/** Reference measurements, written recursively and independently of the iterative walk. */
function measure(value: unknown): Omit<StructureLimits, 'maxTotalBytes'> {
  const out = { maxDepth: 0, maxKeys: 0, maxArrayLength: 0, maxNodes: 0, maxKeyLength: 0 };
  const visit = (v: unknown, depth: number): void => {
    out.maxNodes++;
    if (typeof v !== 'object' || v === null) return;
    out.maxDepth = Math.max(out.maxDepth, depth);
    if (Array.isArray(v)) {
      out.maxArrayLength = Math.max(out.maxArrayLength, v.length);
      for (const item of v) visit(item, depth + 1);
    } else {
      const keys = Object.keys(v);
      out.maxKeys = Math.max(out.maxKeys, keys.length);
      for (const key of keys) {
        out.maxKeyLength = Math.max(out.maxKeyLength, key.length);
        visit((v as Record<string, unknown>)[key], depth + 1);
      }
    }
  };
  visit(value, 1);
  return out;
}

function nested(depth: number): unknown {
  let value: unknown = { leaf: true };
  for (let i = 1; i < depth; i++) value = { a: value };
  return value;
}

function heapUsed(): number {
  return process.memoryUsage().heapUsed;
}

describe('structural limits at and around each limit', () => {
  it('accepts depth 32 and refuses depth 33 by default', () => {
    expect(findStructureProblem(nested(32))).toBeUndefined();
    expect(findStructureProblem(nested(33))).toMatchObject({
      limit: 'maxDepth',
      reason: 'nested deeper than 32',
    });
  });

  it('counts arrays as levels too', () => {
    let value: unknown = [];
    for (let i = 1; i < 5; i++) value = [value];
    expect(findStructureProblem(value, limits({ maxDepth: 5 }))).toBeUndefined();
    expect(findStructureProblem(value, limits({ maxDepth: 4 }))?.limit).toBe('maxDepth');
  });

  it('accepts exactly maxKeys keys and refuses one more', () => {
    const object = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, i]));
    expect(findStructureProblem(object, limits({ maxKeys: 10 }))).toBeUndefined();
    expect(findStructureProblem({ ...object, k10: 1 }, limits({ maxKeys: 10 }))).toMatchObject({
      limit: 'maxKeys',
      path: '(root)',
    });
  });

  it('accepts exactly maxArrayLength elements and refuses one more, naming the path', () => {
    expect(
      findStructureProblem({ list: new Array(100).fill(0) }, limits({ maxArrayLength: 100 })),
    ).toBeUndefined();
    expect(
      findStructureProblem({ list: new Array(101).fill(0) }, limits({ maxArrayLength: 100 })),
    ).toMatchObject({
      limit: 'maxArrayLength',
      path: 'list',
    });
  });

  it('accepts exactly maxNodes values and refuses one more', () => {
    // root + array + 8 numbers = 10 values
    expect(findStructureProblem({ a: [1, 2, 3, 4, 5, 6, 7, 8] }, limits({ maxNodes: 10 }))).toBeUndefined();
    expect(findStructureProblem({ a: [1, 2, 3, 4, 5, 6, 7, 8, 9] }, limits({ maxNodes: 10 }))?.limit).toBe(
      'maxNodes',
    );
  });

  it('accepts a key of maxKeyLength and refuses one longer without echoing it', () => {
    expect(findStructureProblem({ ['k'.repeat(256)]: 1 })).toBeUndefined();
    const problem = findStructureProblem({ nested: { ['k'.repeat(257)]: 1 } });
    expect(problem).toMatchObject({ limit: 'maxKeyLength', path: 'nested' });
  });

  it('refuses when the total size passes maxTotalBytes, counting UTF-8 bytes', () => {
    const budget = limits({ maxTotalBytes: 1_000 });
    expect(findStructureProblem({ s: 'x'.repeat(900) }, budget)).toBeUndefined();
    expect(findStructureProblem({ s: 'x'.repeat(1_000) }, budget)?.limit).toBe('maxTotalBytes');
    // 400 three-byte characters: 400 UTF-16 units but 1,200 bytes.
    expect(findStructureProblem({ s: '€'.repeat(400) }, budget)?.limit).toBe('maxTotalBytes');
    expect(findStructureProblem({ a: 'x'.repeat(600), b: 'y'.repeat(600) }, budget)?.limit).toBe(
      'maxTotalBytes',
    );
  });

  it('refuses __proto__, constructor and prototype keys at any depth', () => {
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      const parsed = JSON.parse(`{"ok": {"list": [{"${key}": {"isAdmin": true}}]}}`);
      expect(findStructureProblem(parsed)).toMatchObject({
        limit: 'forbiddenKey',
        path: `ok.list[0].${key}`,
      });
    }
  });

  it('refuses values JSON cannot carry', () => {
    for (const value of [
      { n: Number.NaN },
      { n: Number.POSITIVE_INFINITY },
      { f: () => 1 },
      { u: undefined },
      { d: new Date() },
      { b: 1n },
      { s: Symbol('x') },
      { m: new Map() },
      {
        c: new (class Point {
          x = 1;
        })(),
      },
      { r: runInNewContext('({ a: 1 })') },
    ]) {
      expect(findStructureProblem(value)?.limit).toBe('notJson');
    }
    expect(findStructureProblem({ o: Object.create(null) })).toBeUndefined();
    expect(findStructureProblem(JSON.parse('{"a":{"constructor":1}}'))?.limit).toBe('forbiddenKey');
  });

  it('terminates on a cyclic object (through the depth limit)', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(findStructureProblem(cyclic)?.limit).toBe('maxDepth');
  });

  it('stays exact when a getter walks another value in the middle of a walk', () => {
    const outer: Record<string, unknown> = { before: { list: [{ n: 1 }] }, after: [{ m: [2] }] };
    let inner: ReturnType<typeof findStructureProblem> | 'not run' = 'not run';
    Object.defineProperty(outer, 'reentrant', {
      enumerable: true,
      get: () => {
        inner = findStructureProblem(nested(33));
        return { x: [1, { y: 2 }] };
      },
    });
    expect(findStructureProblem(outer)).toBeUndefined();
    expect(inner).toMatchObject({ limit: 'maxDepth' });
    expect(findStructureProblem({ wrap: outer }, limits({ maxDepth: 5 }))).toBeUndefined();
    expect(findStructureProblem({ wrap: outer }, limits({ maxDepth: 4 }))?.limit).toBe('maxDepth');
    expect(findStructureProblem(nested(32))).toBeUndefined();
    expect(findStructureProblem(nested(33))?.limit).toBe('maxDepth');
  });

  it('assertStructure throws ERR_INVALID_ARGUMENT naming the field', () => {
    expect(() => assertStructure({ a: nested(40) })).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_ARGUMENT',
        data: expect.objectContaining({ limit: 'maxDepth' }),
      }),
    );
    expect(() => assertStructure({ a: 1 })).not.toThrow();
  });

  it('refuses invalid limits with ERR_INVALID_OPTION', () => {
    for (const bad of [
      { maxDepth: 0 },
      { maxKeys: -1 },
      { maxNodes: 1.5 },
      { maxTotalBytes: Number.POSITIVE_INFINITY },
    ]) {
      expect(() => resolveStructureLimits(bad)).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_OPTION' }),
      );
    }
  });
});

describe('hostile sizes are refused early with bounded memory', () => {
  it('refuses a 10,000-deep object after visiting about maxDepth levels', () => {
    let visits = 0;
    // A chain of proxies over plain objects counts how far the walk reads.
    let value: object = {};
    for (let i = 0; i < 10_000; i++) {
      const target = { a: value };
      value = new Proxy(target, {
        get(t, key, receiver) {
          visits++;
          return Reflect.get(t, key, receiver);
        },
      });
    }
    const before = heapUsed();
    const problem = findStructureProblem(value);
    const grown = heapUsed() - before;
    expect(problem?.limit).toBe('maxDepth');
    // A fast pass (two reads a level: `constructor` and the key) and an explaining pass (one read a
    // level, for the path) each stop within maxDepth + 1 levels.
    expect(visits).toBeLessThanOrEqual(3 * (DEFAULT_STRUCTURE_LIMITS.maxDepth + 1));
    expect(grown).toBeLessThan(2 * 1024 * 1024);
  });

  it('refuses a 10,000-deep array parsed from JSON without a stack overflow', () => {
    const json = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const value = JSON.parse(json);
    const before = heapUsed();
    expect(findStructureProblem({ deep: value })?.limit).toBe('maxDepth');
    expect(heapUsed() - before).toBeLessThan(2 * 1024 * 1024);
  });

  it('refuses a 50 MB string without copying or scanning it', () => {
    const huge = 'x'.repeat(50 * 1024 * 1024);
    const args = { path: 'a.txt', content: huge };
    const before = heapUsed();
    const problem = findStructureProblem(args);
    const grown = heapUsed() - before;
    expect(problem).toMatchObject({ limit: 'maxTotalBytes', path: 'content' });
    expect(grown).toBeLessThan(2 * 1024 * 1024);
  });

  it('refuses a 50 MB argument made of many small values before walking them all', () => {
    const wide = Array.from({ length: 2_000_000 }, () => 'xxxxxxxxxxxxxxxxxxxxxxx');
    const before = heapUsed();
    expect(findStructureProblem({ wide }, limits({ maxArrayLength: 10_000_000 }))?.limit).toBe('maxNodes');
    expect(heapUsed() - before).toBeLessThan(2 * 1024 * 1024);
  });
});

describe('structural limits: properties', () => {
  const noForbiddenKeys = (value: unknown): boolean =>
    !/"(__proto__|constructor|prototype)":/.test(JSON.stringify(value));
  const json = fc.jsonValue({ maxDepth: 6 }).filter(noForbiddenKeys);

  it('accepts any JSON value whose measurements are exactly at the limits', () => {
    fc.assert(
      fc.property(json, (value) => {
        const m = measure(value);
        const exact = limits({
          maxDepth: Math.max(1, m.maxDepth),
          maxKeys: Math.max(1, m.maxKeys),
          maxArrayLength: Math.max(1, m.maxArrayLength),
          maxNodes: m.maxNodes,
          maxKeyLength: Math.max(1, m.maxKeyLength),
          maxTotalBytes: 64 + 4 * Buffer.byteLength(JSON.stringify(value)),
        });
        expect(findStructureProblem(value, exact)).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });

  it('refuses any JSON value when one limit is one below its measurement', () => {
    const names = ['maxDepth', 'maxKeys', 'maxArrayLength', 'maxNodes', 'maxKeyLength'] as const;
    fc.assert(
      fc.property(json, fc.constantFrom(...names), (value, name) => {
        const m = measure(value);
        fc.pre(m[name] >= 2);
        const problem = findStructureProblem(value, limits({ [name]: m[name] - 1 }));
        expect(problem?.limit).toBe(name);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a forbidden key wherever it is inserted', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.string(), fc.nat({ max: 3 })), { maxLength: 5 }),
        fc.constantFrom('__proto__', 'constructor', 'prototype'),
        (path, key) => {
          let text = `{${JSON.stringify(key)}: 1}`;
          for (const step of [...path].reverse()) {
            text =
              typeof step === 'number'
                ? `[${'0,'.repeat(step)}${text}]`
                : `{${JSON.stringify(step)}: ${text}}`;
          }
          expect(findStructureProblem(JSON.parse(text))?.limit).toBe('forbiddenKey');
        },
      ),
    );
  });
});
