export { type ArgumentGuardOptions, argumentGuard } from './argument-guard.js';
export { type FieldProblem, fieldProblems } from './argument-issues.js';
export { boundedEnum } from './enum.js';
export {
  findHiddenText,
  type HiddenKind,
  type HiddenReport,
  type HiddenTextOptions,
  type SanitizedText,
  sanitizeText,
} from './hidden-text.js';
export { type AddressKind, classifyAddress, isLocalhostName } from './ip-address.js';
export { type BoundedIntOptions, type BoundedNumberOptions, boundedInt, boundedNumber } from './number.js';
export { outputGuard } from './output-guard.js';
export {
  type OutputOptions,
  type SanitizedResult,
  sanitizeResult,
  truncationMarker,
} from './output-sanitizer.js';
export { type PathStringOptions, pathString } from './path-string.js';
export type { ValidationPolicy } from './policy.js';
export {
  createSafeLookup,
  type HostLookup,
  type PublicAddressOptions,
  resolvePublicAddresses,
  type SafeLookupFunction,
} from './public-address.js';
export {
  assertSafePattern,
  checkPatternSafety,
  type PatternSafetyOptions,
  type PatternVerdict,
} from './regex-safety.js';
export { type BoundedStringOptions, boundedString, type IdentifierOptions, identifier } from './string.js';
export {
  assertStructure,
  DEFAULT_STRUCTURE_LIMITS,
  findStructureProblem,
  formatPath,
  resolveStructureLimits,
  type StructureLimits,
  type StructureProblem,
} from './structure.js';
export { type SafeUrlOptions, safeUrl, urlProblem } from './url.js';
export { type ValidationGuardOptions, validationGuard } from './validation-guard.js';
