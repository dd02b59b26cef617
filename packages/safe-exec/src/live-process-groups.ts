import { signalProcessGroup } from './process-group.js';
import { killMarkedProcesses } from './run-marker.js';

/** Process groups started and not yet finished (by leader pid, with the run's marker), killed if the parent exits first. */
const live = new Map<number, string | undefined>();
let hooked = false;

function killAll(): void {
  for (const pid of live.keys()) signalProcessGroup(pid, 'SIGKILL');
  // Descendants that left the groups (setsid) still carry their run's marker.
  killMarkedProcesses([...live.values()].filter((marker) => marker !== undefined));
  live.clear();
}

/**
 * Records a running group. A `detached` child is not killed with its parent, so on the parent's
 * `exit` (a normal exit or `process.exit`) every live group gets SIGKILL. A parent killed by a
 * signal it does not handle runs no exit hook: then the groups outlive it.
 */
export function trackProcessGroup(pid: number, marker?: string): void {
  if (!hooked) {
    hooked = true;
    process.once('exit', killAll);
  }
  live.set(pid, marker);
}

/** Forgets a group once its run is settled (its pid may be reused afterwards). */
export function untrackProcessGroup(pid: number): void {
  live.delete(pid);
}
