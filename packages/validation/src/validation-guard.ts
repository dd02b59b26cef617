import type { Guard } from '@mcp-warden/core';
import { type ArgumentGuardOptions, argumentCheck, argumentGuard } from './argument-guard.js';
import { warnInsecureOption } from './insecure-option-warning.js';
import { outputStep } from './output-guard.js';
import type { OutputOptions } from './output-sanitizer.js';

/** Options for {@link validationGuard}. */
export interface ValidationGuardOptions extends ArgumentGuardOptions {
  /** Output sanitising and caps for every result (see `OutputOptions` for defaults). */
  readonly output?: OutputOptions;
  /** Send every result unsanitised and uncapped. Default `false`. Warns. */
  readonly insecureRawOutput?: boolean;
}

/**
 * `argumentGuard` and `outputGuard` in one guard (one promise step fewer than the two in a row): the
 * arguments are checked before the handler and its result is sanitised after it. See both.
 */
export function validationGuard(options: ValidationGuardOptions = {}): Guard {
  const step = outputStep(options.output); // checks the output options even when they go unused
  if (options.insecureRawOutput === true) {
    warnInsecureOption('insecureRawOutput', 'validationGuard');
    return argumentGuard(options);
  }
  const check = argumentCheck(options);
  // Not an async function: when the schema is synchronous (the common case) no extra promise is made.
  return (call, next) => {
    const checked = check(call);
    if (!(checked instanceof Promise)) return next(checked).then((result) => step(call, result));
    return checked.then(next).then((result) => step(call, result));
  };
}
