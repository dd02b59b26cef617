import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { catPolicy, checkArguments, findPolicy, grepPolicy, lsPolicy } from '../src/index.js';

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
