import { z } from 'zod';
import { requireInteger } from './option-checks.js';
import { characterProblem, overMaxChars } from './string.js';

/** Options for {@link pathString}. */
export interface PathStringOptions {
  /** Most characters. Default 4,096 (Linux `PATH_MAX`). */
  readonly maxChars?: number;
  /** Most UTF-8 bytes in one segment between separators. Default 255 (`NAME_MAX`). */
  readonly maxSegmentBytes?: number;
  /** Accept absolute paths (`/x`, `C:\x`, `\\server\x`). Default `true`. */
  readonly allowAbsolute?: boolean;
  /** Accept `..` segments. Default `true` (containment in a root is checked later, by `@mcp-warden/safe-fs`). */
  readonly allowParentSegments?: boolean;
}

const SEPARATOR = /[\\/]/;
const ABSOLUTE = /^(?:[\\/]|[A-Za-z]:)/;
const PARENT_SEGMENT = /(?:^|[\\/])\.\.(?:[\\/]|$)/;
const NOT_ASCII = /[\u0080-\uffff]/;

/** `value` with compatibility characters folded (NFKC); ASCII is returned as is. */
function compatibilityForm(value: string): string {
  return NOT_ASCII.test(value) ? value.normalize('NFKC') : value;
}

/**
 * A file-system path, checked for syntax only: not empty, bounded length and segment length, no NUL,
 * no control characters, no lone surrogates, no bidi or other hidden characters (a name such as
 * `invoice\u202Etxt.exe` displays as `invoiceexe.txt`). `allowParentSegments: false` and
 * `allowAbsolute: false` also judge the NFKC form (`．．／` is `../` there). Whether the path stays inside allowed roots is
 * not decided here: that needs the real file system (`@mcp-warden/safe-fs`).
 */
export function pathString(options: PathStringOptions = {}): z.ZodString {
  const maxChars = requireInteger('maxChars', options.maxChars ?? 4_096, 1, 1_000_000);
  const maxSegmentBytes = requireInteger('maxSegmentBytes', options.maxSegmentBytes ?? 255, 1, 1_000_000);
  const allowAbsolute = options.allowAbsolute ?? true;
  const allowParent = options.allowParentSegments ?? true;
  return z
    .string()
    .min(1)
    .max(maxChars)
    .superRefine((value, ctx) => {
      if (overMaxChars(value, maxChars)) return; // refused by max(); anything it let through is checked
      const problem = value.includes('\u0000')
        ? 'contains a NUL character'
        : characterProblem(value, { multiline: false, allowHidden: false });
      if (problem !== undefined) {
        ctx.addIssue({ code: 'custom', message: problem });
        return;
      }
      // Fullwidth and other compatibility forms (`．．／`, `‥`, `＼`) become `../` under NFKC and under the
      // "best fit" mapping of Windows ANSI APIs: the checks below also apply to that form.
      const folded = allowAbsolute && allowParent ? value : compatibilityForm(value);
      if (!allowAbsolute && ABSOLUTE.test(folded))
        ctx.addIssue({ code: 'custom', message: 'must be a relative path' });
      if (!allowParent && PARENT_SEGMENT.test(folded)) {
        ctx.addIssue({ code: 'custom', message: 'must not contain ".." segments' });
      }
      // A segment can pass maxSegmentBytes only if it is longer than a third of it (UTF-8: ≤ 3 bytes per unit).
      if (value.length * 3 > maxSegmentBytes) {
        const tooLong = value
          .split(SEPARATOR)
          .some(
            (segment) =>
              segment.length * 3 > maxSegmentBytes && Buffer.byteLength(segment, 'utf8') > maxSegmentBytes,
          );
        if (tooLong)
          ctx.addIssue({ code: 'custom', message: `a path segment is longer than ${maxSegmentBytes} bytes` });
      }
    });
}
