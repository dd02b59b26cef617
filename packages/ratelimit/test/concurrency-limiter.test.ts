import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConcurrencyLimiter } from '../src/index.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe('ConcurrencyLimiter', () => {
  it('refuses options that are not an integer >= 1', () => {
    for (const maxInFlight of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new ConcurrencyLimiter({ maxInFlight })).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_RATE_LIMIT' }),
      );
    }
  });

  it('gives at most maxInFlight slots per key, and a released slot again', () => {
    const limiter = new ConcurrencyLimiter({ maxInFlight: 2 });
    const first = limiter.tryAcquire('a');
    const second = limiter.tryAcquire('a');
    expect(first).toBeTypeOf('function');
    expect(second).toBeTypeOf('function');
    expect(limiter.tryAcquire('a')).toBeUndefined();
    expect(limiter.tryAcquire('b')).toBeTypeOf('function');
    first!();
    first!(); // a second release of the same slot frees nothing more
    expect(limiter.inFlight('a')).toBe(1);
    expect(limiter.tryAcquire('a')).toBeTypeOf('function');
    expect(limiter.tryAcquire('a')).toBeUndefined();
  });

  it('agrees with a model of counts per key over random acquire/release sequences', () => {
    const step = fc.record({ acquire: fc.boolean(), key: fc.constantFrom('a', 'b', 'c'), pick: fc.nat() });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.array(step, { maxLength: 200 }), (max, steps) => {
        const limiter = new ConcurrencyLimiter({ maxInFlight: max });
        const held: { key: string; release: () => void }[] = [];
        const model = new Map<string, number>();
        for (const { acquire, key, pick } of steps) {
          if (acquire) {
            const release = limiter.tryAcquire(key);
            const count = model.get(key) ?? 0;
            expect(release === undefined).toBe(count >= max);
            if (release !== undefined) {
              held.push({ key, release });
              model.set(key, count + 1);
            }
          } else if (held.length > 0) {
            const [slot] = held.splice(pick % held.length, 1);
            slot!.release();
            model.set(slot!.key, model.get(slot!.key)! - 1);
          }
          for (const name of ['a', 'b', 'c']) expect(limiter.inFlight(name)).toBe(model.get(name) ?? 0);
          expect(limiter.size).toBe([...model.values()].filter((count) => count > 0).length);
        }
      }),
    );
  });

  it('keeps memory bounded when many distinct keys come and go', () => {
    const limiter = new ConcurrencyLimiter({ maxInFlight: 1 });
    const busy = limiter.tryAcquire('still-busy');
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 300_000; i++) limiter.tryAcquire(`key-${i}-${'x'.repeat(40)}`)!();
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    // 300,000 keys kept would take well over 20 MB; the idle keys kept are at most 1,024.
    expect(grown).toBeLessThan(4 * 1024 * 1024);
    expect(limiter.size).toBe(1);
    expect(limiter.inFlight('still-busy')).toBe(1);
    busy!();
    expect(limiter.size).toBe(0);
  });
});
