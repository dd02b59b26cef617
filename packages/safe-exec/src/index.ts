export {
  type ArgumentLimits,
  type CheckedArguments,
  checkArguments,
  type PathReference,
} from './argument-check.js';
export { buildChildEnvironment, DEFAULT_CHILD_ENV } from './child-environment.js';
export type { ExecResult } from './child-run.js';
export { type ResolvedExecutable, type ResolveOptions, resolveExecutable } from './executable.js';
export {
  createExecutor,
  type EventEmitterLike,
  type ExecStream,
  type Executor,
  type ExecutorOptions,
  type PathCheck,
  type PathCheckInfo,
  type RunOptions,
} from './executor.js';
export { isAllowedConfigKey, SAFE_REPOSITORY_CONFIG } from './git-repository-check.js';
export type { OutputChunk } from './output-queue.js';
export { catPolicy } from './policies/cat.js';
export { findPolicy } from './policies/find.js';
export { gitPolicy } from './policies/git.js';
export { grepPolicy } from './policies/grep.js';
export { lsPolicy } from './policies/ls.js';
export type { ReadyMadePolicyOptions } from './policies/ready-made-options.js';
export { READY_MADE_POLICIES, type ReadyMadePolicyName } from './policies/ready-made-policies.js';
export { rgPolicy } from './policies/rg.js';
export type {
  ArgumentRule,
  ArgumentSpec,
  CommandPolicy,
  EnumRule,
  EnvPolicy,
  ExecPolicy,
  NumberRule,
  OptionSpec,
  OptionStyle,
  PathRule,
  PatternRule,
  SubcommandPolicy,
  TextRule,
} from './policy.js';
export { type PolicyProblem, parseExecPolicy, policyProblems } from './policy-validation.js';
export { RUN_MARKER_VARIABLE } from './run-marker.js';
