import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePath } from '../src/index.js';
import { SECRET, safeFsFor, sandbox } from './helpers.js';

const MARKER = 'outside-only-marker';
const inside = (path: string, root: string): boolean => path === root || path.startsWith(`${root}/`);

// Paths from ., .., /, //, real names inside the sandbox, links (in and out), and odd literal names.
const segment = fc.constantFrom(
  '.',
  '..',
  '',
  'a',
  'b',
  'f.txt',
  'in-link',
  'out-link',
  'dangling-out',
  'root',
  'root_evil',
  'outside',
  'secret.txt',
  '..foo',
  'foo..',
  '%2e%2e',
  '~',
  ' a ',
);

describe('property: any path SafeFs accepts lands inside a root', () => {
  it('resolve, read, write, append, mkdir and list never act outside the root', async () => {
    const box = sandbox();
    mkdirSync(join(box.root, 'a', 'b'), { recursive: true });
    writeFileSync(join(box.root, 'a', 'f.txt'), 'inside');
    symlinkSync(join(box.root, 'a'), join(box.root, 'in-link'));
    symlinkSync(box.outside, join(box.root, 'a', 'out-link'));
    symlinkSync(join(box.outside, 'made-by-test'), join(box.root, 'dangling-out'));
    writeFileSync(join(box.outside, MARKER), 'marker');
    const fs = safeFsFor(box, { durable: false });
    const root = realpathSync(box.root);
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.array(segment, { minLength: 1, maxLength: 8 }),
        async (absolute, parts) => {
          const path = (absolute ? `${box.base}/` : '') + parts.join('/');
          if (path.length === 0) return;
          const resolved = await fs.resolve(path).catch(() => undefined);
          if (resolved !== undefined) expect(inside(resolved, root), `${path} -> ${resolved}`).toBe(true);
          const text = await fs.readText(path).catch(() => undefined);
          if (text !== undefined) expect(text).toMatch(/^(inside|w+)$/); // never the secret
          await fs.writeFile(path, 'w').catch(() => undefined);
          await fs.appendFile(path, 'w').catch(() => undefined);
          await fs.mkdir(path, { recursive: true }).catch(() => undefined);
          const listing = await fs.list(path).catch(() => undefined);
          // Only the outside directory holds this name: a listing showing it listed outside.
          if (listing !== undefined) expect(listing.entries.map((entry) => entry.name)).not.toContain(MARKER);
        },
      ),
      { numRuns: 400 },
    );
    const { readdirSync, readFileSync } = await import('node:fs');
    expect(readdirSync(box.outside).sort()).toEqual([MARKER, 'secret.txt']);
    expect(readdirSync(box.evil)).toEqual(['secret.txt']);
    expect(readFileSync(join(box.outside, 'secret.txt'), 'utf8')).toBe(SECRET);
  }, 60_000);

  it('parsePath never changes a component and rejects every control character', () => {
    const limits = { maxPathBytes: 4096, maxComponentBytes: 255 };
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), (input) => {
        let parsed: ReturnType<typeof parsePath>;
        try {
          parsed = parsePath(input, limits);
        } catch {
          // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to find them
          expect(input.length === 0 || /[\u0000-\u001f\u007f-\u009f]/.test(input)).toBe(true);
          return;
        }
        expect(parsed.components.join('/')).toBe(
          input
            .split('/')
            .filter((part) => part.length > 0)
            .join('/'),
        );
        expect(parsed.absolute).toBe(input.startsWith('/'));
      }),
      { numRuns: 2000 },
    );
  });

  it('parsePath refuses any string with a NUL, C0/C1 control or lone surrogate', () => {
    const limits = { maxPathBytes: 4096, maxComponentBytes: 255 };
    const bad = fc.oneof(
      fc.integer({ min: 0, max: 0x1f }),
      fc.integer({ min: 0x7f, max: 0x9f }),
      fc.integer({ min: 0xd800, max: 0xdfff }),
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), bad, fc.string({ maxLength: 20 }), (before, unit, after) => {
        const input = `${before}${String.fromCharCode(unit)}${after.replace(/^[\udc00-\udfff]/, 'x')}`;
        expect(() => parsePath(input, limits)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_PATH' }));
      }),
      { numRuns: 2000 },
    );
  });
});
