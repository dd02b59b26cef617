import { formatPath } from './structure.js';

/** One failing field: where (`a.b[2]`) and why (short, never the value itself). */
export interface FieldProblem {
  readonly path: string;
  readonly reason: string;
}

interface IssueLike {
  readonly path?: readonly PropertyKey[];
  readonly message?: string;
  readonly code?: string;
}

const MAX_FIELDS = 20;
const MAX_REASON = 160;

/**
 * Turns zod issues into at most 20 field problems. Paths and reasons are cut and stripped of
 * non-printable characters, so a long or hostile value or key is never echoed back in full.
 */
export function fieldProblems(issues: readonly IssueLike[]): FieldProblem[] {
  return issues.slice(0, MAX_FIELDS).map((issue) => {
    const raw =
      typeof issue.message === 'string' && issue.message !== '' ? issue.message : (issue.code ?? 'invalid');
    const printable = raw.replace(/[^\x20-\x7e]/g, '?');
    const reason = printable.length > MAX_REASON ? `${printable.slice(0, MAX_REASON)}…` : printable;
    return { path: formatPath(issue.path ?? []), reason };
  });
}

/** The public message for a list of field problems: short, but enough for a model to fix its call. */
export function describeProblems(fields: readonly FieldProblem[], total: number): string {
  const listed = fields.map((field) => `${field.path}: ${field.reason}`).join('; ');
  const more = total > fields.length ? `; and ${total - fields.length} more` : '';
  return `invalid arguments: ${listed}${more}`;
}
