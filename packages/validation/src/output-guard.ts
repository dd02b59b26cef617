import type { Call, CallResult, Guard } from '@mcp-warden/core';
import { warnInsecureOption } from './insecure-option-warning.js';
import {
  checkOutputOptions,
  DEFAULT_MAX_TEXT_CHARS,
  isCleanTextResult,
  type OutputOptions,
  sanitizeResult,
} from './output-sanitizer.js';
import './policy.js';

/**
 * The result step of {@link outputGuard} on its own: the result to send (sanitised and capped), with a
 * `malicious_output` event when something hidden was removed.
 */
export function outputStep(options: OutputOptions = {}): (call: Call, result: CallResult) => CallResult {
  checkOutputOptions(options); // at construction, not at the first call
  return (call, result) => {
    const policy = call.policy.validation;
    if (policy?.insecureRawOutput === true) {
      warnInsecureOption('policy.validation.insecureRawOutput', `${call.kind} ${call.name}`);
      return result;
    }
    const effective = policy?.output === undefined ? options : { ...options, ...policy.output };
    if (isCleanTextResult(result, effective.maxTextChars ?? DEFAULT_MAX_TEXT_CHARS)) return result;
    const sanitized = sanitizeResult(result, effective);
    if (Object.keys(sanitized.removed).length > 0) {
      call.context.emit({ type: 'malicious_output', removed: sanitized.removed as Record<string, number> });
    }
    return sanitized.result;
  };
}

/**
 * A core `Guard` for the sanitise-output step of the pipeline: every result of the calls inside it
 * (tools, resources, prompts, completions, template listings) goes through `sanitizeResult` before
 * it reaches the client; when something hidden was removed, a `malicious_output` event (level
 * `critical`) says what, by kind. Per-call options come from the call's policy (`policy.validation`).
 */
export function outputGuard(options: OutputOptions = {}): Guard {
  const step = outputStep(options);
  return (call, next) => next(call).then((result) => step(call, result));
}
