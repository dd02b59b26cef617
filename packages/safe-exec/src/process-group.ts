/**
 * Sends `signal` to the whole process group led by `pid` (the child was spawned `detached`, so it
 * leads its own group and its descendants share it). Returns false when no process was left.
 */
export function signalProcessGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    if (process.platform === 'win32') {
      // Windows has no process groups; only the direct child is reachable from here.
      process.kill(pid, signal);
    } else {
      process.kill(-pid, signal);
    }
    return true;
  } catch {
    return false;
  }
}
