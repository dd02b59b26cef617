import { formatPatch, type StructuredPatch, type StructuredPatchHunk, structuredPatch } from 'diff';

const CONTEXT_LINES = 3;
/**
 * Myers' diff costs about the square of the number of changed lines (5,000 took seconds). Past this
 * many, the changed region is shown as one block removed and one added: still a correct patch.
 */
const MAX_EDIT_LENGTH = 1000;
const NO_NEWLINE = '\\ No newline at end of file';

/** Lines with their line breaks (the last one may have none). */
function linesOf(text: string): string[] {
  return text.length === 0 ? [] : text.split(/(?<=\n)/);
}

/** One hunk replacing `removed` by `added`, between context lines both sides share. */
function blockHunk(
  before: readonly string[],
  removed: readonly string[],
  added: readonly string[],
  after: readonly string[],
  start: number,
): StructuredPatchHunk {
  const lines: string[] = [];
  const push = (prefix: string, part: readonly string[]): void => {
    for (const line of part) {
      lines.push(prefix + (line.endsWith('\n') ? line.slice(0, -1) : line));
      if (!line.endsWith('\n')) lines.push(NO_NEWLINE);
    }
  };
  push(' ', before);
  push('-', removed);
  push('+', added);
  push(' ', after);
  const oldLines = before.length + removed.length + after.length;
  const newLines = before.length + added.length + after.length;
  // Unified diff numbers an empty side by the line before it.
  return {
    oldStart: oldLines === 0 ? start : start + 1,
    oldLines,
    newStart: newLines === 0 ? start : start + 1,
    newLines,
    lines,
  };
}

/**
 * A unified diff (jsdiff's format) of `before` → `after`, both files labelled `label`, at most
 * `maxBytes` long (cut at a line, with a marker saying how much was left out). Only the region between
 * the common first and last lines is diffed, so a small edit of a large file costs little.
 */
export function unifiedDiff(label: string, before: string, after: string, maxBytes: number): string {
  if (before === after) return '';
  const oldLines = linesOf(before);
  const newLines = linesOf(after);
  let prefix = 0;
  while (prefix < oldLines.length && prefix < newLines.length && oldLines[prefix] === newLines[prefix])
    prefix++;
  let suffix = 0;
  while (
    suffix < oldLines.length - prefix &&
    suffix < newLines.length - prefix &&
    oldLines[oldLines.length - 1 - suffix] === newLines[newLines.length - 1 - suffix]
  )
    suffix++;
  const start = Math.max(0, prefix - CONTEXT_LINES);
  const oldEnd = oldLines.length - Math.max(0, suffix - CONTEXT_LINES);
  const newEnd = newLines.length - Math.max(0, suffix - CONTEXT_LINES);
  const oldPart = oldLines.slice(start, oldEnd);
  const newPart = newLines.slice(start, newEnd);
  let patch: StructuredPatch | undefined = structuredPatch(
    label,
    label,
    oldPart.join(''),
    newPart.join(''),
    undefined,
    undefined,
    { context: CONTEXT_LINES, maxEditLength: MAX_EDIT_LENGTH },
  );
  if (patch === undefined) {
    patch = {
      oldFileName: label,
      newFileName: label,
      oldHeader: undefined,
      newHeader: undefined,
      hunks: [
        blockHunk(
          oldLines.slice(start, prefix),
          oldLines.slice(prefix, oldLines.length - suffix),
          newLines.slice(prefix, newLines.length - suffix),
          oldLines.slice(oldLines.length - suffix, oldEnd),
          start,
        ),
      ],
    };
  } else {
    for (const hunk of patch.hunks) {
      hunk.oldStart += start;
      hunk.newStart += start;
    }
  }
  return capped(formatPatch(patch), maxBytes);
}

function capped(diff: string, maxBytes: number): string {
  const bytes = Buffer.from(diff);
  if (bytes.length <= maxBytes) return diff;
  const cut = bytes.lastIndexOf(0x0a, maxBytes - 1) + 1;
  return `${bytes.subarray(0, cut).toString()}... diff truncated: ${bytes.length - cut} more bytes not shown\n`;
}
