import { safeFsError } from './error-codes.js';

/** One replacement: `oldText` must occur exactly once in the text it is applied to. */
export interface TextEdit {
  readonly oldText: string;
  readonly newText: string;
}

/** Most edits one `edit` call applies. */
export const MAX_EDITS = 100;

/** The edits after validation, with line breaks translated for the file. */
export interface AppliedEdits {
  readonly text: string;
  readonly replacements: number;
}

// In a `u` regular expression a valid surrogate pair is one code point: only lone halves match.
const LONE_SURROGATE = /\p{Surrogate}/u;
const BARE_LF = /(?<!\r)\n/;

const invalid = (reason: string, data: Readonly<Record<string, number>> = {}): Error =>
  safeFsError('ERR_INVALID_EDIT', reason, { data });

/**
 * Checks the edits before anything touches the disk and copies them: each property is read once, so
 * a getter cannot show one text to the checks and another to the replacement. The texts, old and
 * new, may total at most `maxBytes` (UTF-8).
 */
export function validateEdits(edits: unknown, maxBytes: number): readonly TextEdit[] {
  if (!Array.isArray(edits)) throw invalid('not_an_array');
  if (edits.length === 0) throw invalid('no_edits');
  if (edits.length > MAX_EDITS) throw invalid('too_many_edits', { limit: MAX_EDITS });
  const copies: TextEdit[] = [];
  let bytes = 0;
  for (let index = 0; index < edits.length; index++) {
    const edit: unknown = edits[index];
    if (edit === null || typeof edit !== 'object') throw invalid('not_an_edit', { index });
    const { oldText, newText } = edit as { oldText?: unknown; newText?: unknown };
    if (typeof oldText !== 'string' || typeof newText !== 'string') throw invalid('not_a_string', { index });
    if (oldText.length === 0) throw invalid('empty_old_text', { index });
    // Half a surrogate pair could match half a character of the file and leave it broken.
    if (LONE_SURROGATE.test(oldText) || LONE_SURROGATE.test(newText)) {
      throw invalid('lone_surrogate', { index });
    }
    bytes += Buffer.byteLength(oldText) + Buffer.byteLength(newText);
    if (bytes > maxBytes) throw invalid('edits_too_large', { limit: maxBytes });
    copies.push({ oldText, newText });
  }
  return copies;
}

/** True when the text has line breaks and every one of them is CRLF. */
function usesCrlf(text: string): boolean {
  return text.includes('\r\n') && !BARE_LF.test(text);
}

/**
 * Applies the edits in order, each to the result of the previous ones; every `oldText` must occur
 * exactly once (overlapping occurrences count), matched exactly, or nothing is applied
 * (`ERR_EDIT_NOT_FOUND`, `ERR_EDIT_AMBIGUOUS`, with the edit's `index`). In a file whose line breaks
 * are all CRLF, an edit whose texts have no `\r` is matched and written with CRLF breaks.
 */
export function applyEdits(original: string, edits: readonly TextEdit[]): AppliedEdits {
  const crlf = usesCrlf(original);
  let text = original;
  edits.forEach((edit, index) => {
    const translate = crlf && !edit.oldText.includes('\r') && !edit.newText.includes('\r');
    const oldText = translate ? edit.oldText.replaceAll('\n', '\r\n') : edit.oldText;
    const newText = translate ? edit.newText.replaceAll('\n', '\r\n') : edit.newText;
    const at = text.indexOf(oldText);
    if (at === -1) throw safeFsError('ERR_EDIT_NOT_FOUND', 'no_match', { data: { index } });
    if (text.indexOf(oldText, at + 1) !== -1) {
      throw safeFsError('ERR_EDIT_AMBIGUOUS', 'several_matches', { data: { index } });
    }
    // Slices, not String.replace: `$&` and `$1` in newText are text, not patterns.
    text = text.slice(0, at) + newText + text.slice(at + oldText.length);
  });
  return { text, replacements: edits.length };
}
