import { ExecError } from '@mcp-warden/core';
import type { ArgumentRule } from './policy.js';

const DEFAULT_MAX_NUMBER = 2 ** 31 - 1;

const compiled = new WeakMap<ArgumentRule, RegExp>();

/** The anchored regular expression of a pattern rule (compiled once per rule object). */
export function patternOf(rule: ArgumentRule & { type: 'pattern' }): RegExp {
  let regex = compiled.get(rule);
  if (regex === undefined) {
    regex = new RegExp(`^(?:${rule.pattern})$`, rule.flags ?? '');
    compiled.set(rule, regex);
  }
  return regex;
}

function rejected(what: string, reason: string): ExecError {
  return new ExecError('ERR_ARGUMENT_REJECTED', `${what} rejected: ${reason}`, { data: { reason } });
}

/**
 * Judges one value against its rule. Returns true when the value is a path that still needs the
 * executor's path check. Throws `ERR_ARGUMENT_REJECTED`.
 */
export function judgeValue(rule: ArgumentRule, value: string, what: string, maxLength: number): boolean {
  if (value.length > maxLength) throw rejected(what, 'too long');
  if (value.includes('\0')) throw rejected(what, 'contains NUL');
  const newlineAllowed = rule.type === 'text' && rule.allowNewlines === true;
  if (!newlineAllowed && /[\n\r]/.test(value)) throw rejected(what, 'contains a newline');
  const dashAllowed = (rule.type === 'text' || rule.type === 'pattern') && rule.allowLeadingDash === true;
  const numberSign = rule.type === 'number' && rule.signed === true && /^-\d+$/.test(value);
  if (value.startsWith('-') && !dashAllowed && !numberSign) throw rejected(what, 'starts with -');
  switch (rule.type) {
    case 'text':
      if (rule.maxLength !== undefined && value.length > rule.maxLength) throw rejected(what, 'too long');
      return false;
    case 'pattern':
      if (!patternOf(rule).test(value)) throw rejected(what, 'does not match the allowed pattern');
      return false;
    case 'enum':
      if (!rule.values.includes(value)) throw rejected(what, 'not one of the allowed values');
      return false;
    case 'number': {
      const shape = rule.signed === true ? /^[+-]?\d{1,15}$/ : /^\d{1,15}$/;
      if (!shape.test(value)) throw rejected(what, 'not a number');
      const magnitude = Number(value.replace(/^[+-]/, ''));
      const min = rule.min ?? 0;
      const max = rule.max ?? DEFAULT_MAX_NUMBER;
      if (magnitude < min || magnitude > max) throw rejected(what, 'number out of range');
      return false;
    }
    case 'path':
      if (value.length === 0) throw rejected(what, 'empty path');
      return true;
  }
}
