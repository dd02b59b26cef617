import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { catPolicy, checkArguments, findPolicy, gitPolicy, grepPolicy, lsPolicy } from '../src/index.js';

const limits = { maxArgs: 64, maxArgLength: 4096 };
const operand = fc.oneof(
  fc.constantFrom('a.txt', '../x', '/etc/passwd', 'dir/', '.', '..', '~', '*', 'x y', '(', '!'),
  fc.stringMatching(/^[^-\0\n\r][^\0\n\r]{0,20}$/),
);

function accepted(policy: Parameters<typeof checkArguments>[0], args: string[]) {
  try {
    return checkArguments(policy, args, limits);
  } catch {
    return undefined;
  }
}

describe('fast-check: no operand escapes the path check', () => {
  for (const [name, policy, flags] of [
    ['cat', catPolicy(), ['-n', '-A', '--show-ends', '-s']],
    ['ls', lsPolicy(), ['-la', '-R', '--color=never', '-1', '--sort=size']],
  ] as const) {
    it(`${name}: every operand the program receives is marked for the path check`, () => {
      fc.assert(
        fc.property(fc.array(fc.oneof(operand, fc.constantFrom(...flags)), { maxLength: 10 }), (args) => {
          const checked = accepted(policy, args);
          if (checked === undefined) return;
          const separator = checked.argv.indexOf('--');
          const operands =
            separator === -1
              ? []
              : checked.argv.slice(separator + 1).map((_, offset) => separator + 1 + offset);
          expect(checked.paths.map((path) => path.index).sort((a, b) => a - b)).toEqual(operands);
          expect(operands.length).toBe(args.filter((arg) => !arg.startsWith('-')).length);
        }),
        { numRuns: 500 },
      );
    });
  }

  it('grep: every operand but the pattern is marked; with -e every operand is', () => {
    fc.assert(
      fc.property(fc.array(operand, { minLength: 1, maxLength: 6 }), fc.boolean(), (operands, withE) => {
        const args = withE ? ['-e', 'needle', ...operands] : operands;
        const checked = accepted(grepPolicy(), args);
        if (checked === undefined) return;
        const separator = checked.argv.indexOf('--');
        const marked = checked.paths.filter((path) => path.index > separator).length;
        expect(marked).toBe(withE ? operands.length : operands.length - 1);
      }),
      { numRuns: 500 },
    );
  });

  it('git blame: the file (the last operand, or what follows --) is marked, after a --, the revision is not', () => {
    const policy = gitPolicy();
    const flags = fc.constantFrom<string[]>([], ['-w'], ['-L', '2,3'], ['--porcelain'], ['-s', '--root']);
    let accepted2 = 0;
    fc.assert(
      fc.property(
        flags,
        fc.array(operand, { minLength: 1, maxLength: 2 }),
        fc.boolean(),
        (options, operands, separated) => {
          const file = operands.at(-1)!;
          const revisions = operands.slice(0, -1);
          const args = separated
            ? ['blame', ...options, ...revisions, '--', file]
            : ['blame', ...revisions, ...options, file];
          const checked = accepted(policy, args);
          if (checked === undefined) return;
          if (revisions.length > 0) accepted2++;
          const last = checked.argv.length - 1;
          // git blame takes the path from after `--`: exactly one, and it is the marked one.
          expect(checked.argv.slice(-2)).toEqual(['--', file]);
          expect(checked.argv.indexOf('--')).toBe(last - 1);
          expect(checked.paths).toEqual([{ index: last, prefix: '' }]);
        },
      ),
      { numRuns: 500 },
    );
    expect(accepted2).toBeGreaterThan(0);
  });

  it('git ls-files: every operand is marked for the path check', () => {
    const flags = ['-z', '-o', '--exclude-standard', '-s', '--cached', '--', '-x', '*.tmp'];
    fc.assert(
      fc.property(fc.array(fc.oneof(operand, fc.constantFrom(...flags)), { maxLength: 10 }), (rest) => {
        const checked = accepted(gitPolicy(), ['ls-files', ...rest]);
        if (checked === undefined) return;
        const start = checked.argv.indexOf('ls-files') + 1;
        const operands: number[] = [];
        for (let index = start; index < checked.argv.length; index++) {
          if (!checked.argv[index]!.startsWith('-')) operands.push(index);
        }
        expect(checked.paths.map((path) => path.index).sort((a, b) => a - b)).toEqual(operands);
      }),
      { numRuns: 500 },
    );
  });

  it('find: every starting point and file-valued test is marked, nothing else', () => {
    const policy = findPolicy();
    const piece = fc.oneof(
      operand.map((value) => [value]),
      fc.constantFrom(
        ['-name', '*.ts'],
        ['-type', 'f'],
        ['-maxdepth', '2'],
        ['-o'],
        ['!'],
        ['('],
        [')'],
        ['-print'],
      ),
      operand.map((value) => ['-newer', value]),
      operand.map((value) => ['-samefile', value]),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), (pieces) => {
        const args = pieces.flat();
        const checked = accepted(policy, args);
        if (checked === undefined) return;
        const expected: number[] = [];
        const literals = new Set(policy.literals ?? []);
        for (let index = 0; index < checked.argv.length; index++) {
          const token = checked.argv[index]!;
          if (token === '-newer' || token === '-samefile') {
            expected.push(index + 1);
            index++;
          } else if (token === '-name' || token === '-type' || token === '-maxdepth') {
            index++;
          } else if (!token.startsWith('-') && !literals.has(token)) {
            expected.push(index);
          }
        }
        expect(checked.paths.map((path) => path.index).sort((a, b) => a - b)).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });
});
