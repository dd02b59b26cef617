import type { CommandPolicy } from '../policy.js';
import { catPolicy } from './cat.js';
import { findPolicy } from './find.js';
import { gitPolicy } from './git.js';
import { grepPolicy } from './grep.js';
import { lsPolicy } from './ls.js';
import type { ReadyMadePolicyOptions } from './ready-made-options.js';
import { rgPolicy } from './rg.js';

/** Names of the ready-made policies, for a config file that refers to them by name. */
export type ReadyMadePolicyName = 'git' | 'ls' | 'cat' | 'grep' | 'rg' | 'find';

/** The ready-made policies by name (`READY_MADE_POLICIES.git({ executable: '/usr/bin/git' })`). */
export const READY_MADE_POLICIES: Readonly<
  Record<ReadyMadePolicyName, (options?: ReadyMadePolicyOptions) => CommandPolicy>
> = Object.freeze({
  git: gitPolicy,
  ls: lsPolicy,
  cat: catPolicy,
  grep: grepPolicy,
  rg: rgPolicy,
  find: findPolicy,
});
