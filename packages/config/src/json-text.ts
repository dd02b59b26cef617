/** Deepest nesting of objects and arrays read from JSON text (a config file, a JSON-valued variable). */
export const MAX_JSON_DEPTH = 64;

/** `line L, column C` of an offset in `text`, for problems that must not quote the text. */
export function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${(before[before.length - 1]?.length ?? 0) + 1}`;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MAX_KEY_SHOWN = 64;

/**
 * Checks text that `JSON.parse` accepted for what it lets through silently: a key given twice in one
 * object (the last would win) and nesting deeper than {@link MAX_JSON_DEPTH} (which would overflow
 * the stack later, in the schema or the freeze). Returns the reason, or `undefined` when all is well.
 */
export function jsonStructureProblem(text: string, maxDepth: number = MAX_JSON_DEPTH): string | undefined {
  // One entry per open object (its keys so far) or array (`undefined`).
  const open: (Set<string> | undefined)[] = [];
  let expectKey = false;
  for (let index = 0; index < text.length; index++) {
    const char = text.charCodeAt(index);
    if (char === QUOTE) {
      let end = index + 1;
      while (end < text.length && text.charCodeAt(end) !== QUOTE) {
        end += text.charCodeAt(end) === BACKSLASH ? 2 : 1;
      }
      const keys = open[open.length - 1];
      if (keys !== undefined && expectKey) {
        const key = JSON.parse(text.slice(index, end + 1)) as string;
        if (keys.has(key)) {
          const shown = key.length > MAX_KEY_SHOWN ? `${key.slice(0, MAX_KEY_SHOWN)}…` : key;
          return `duplicate key "${shown}" (${lineColumn(text, index)})`;
        }
        keys.add(key);
        expectKey = false;
      }
      index = end;
    } else if (char === 0x7b || char === 0x5b) {
      // `{` or `[`
      open.push(char === 0x7b ? new Set() : undefined);
      expectKey = char === 0x7b;
      if (open.length > maxDepth) return `nested deeper than ${maxDepth} levels (${lineColumn(text, index)})`;
    } else if (char === 0x7d || char === 0x5d) {
      // `}` or `]`
      open.pop();
    } else if (char === 0x2c) {
      // `,`: in an object, a key comes next.
      expectKey = open[open.length - 1] !== undefined;
    }
  }
  return undefined;
}
