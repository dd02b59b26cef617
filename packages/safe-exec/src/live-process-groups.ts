import { signalProcessGroup } from './process-group.js';

/** Process groups started and not yet finished, killed if the parent exits first. */
const live = new Set<number>();
let hooked = false;

function killAll(): void {
  for (const pid of live) signalProcessGroup(pid, 'SIGKILL');
  live.clear();
}

/**
 * Records a running group. A `detached` child is not killed with its parent, so on the parent's
 * `exit` (a normal exit or `process.exit`) every live group gets SIGKILL. A parent killed by a
 * signal it does not handle runs no exit hook: then the groups outlive it.
 */
export function trackProcessGroup(pid: number): void {
  if (!hooked) {
    hooked = true;
    process.once('exit', killAll);
  }
  live.add(pid);
}

/** Forgets a group once its run is settled (its pid may be reused afterwards). */
export function untrackProcessGroup(pid: number): void {
  live.delete(pid);
}
