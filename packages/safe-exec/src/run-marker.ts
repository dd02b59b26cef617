import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readdirSync, readSync } from 'node:fs';

/**
 * The environment variable each child (Linux) gets, holding a random id of its run. Descendants
 * inherit it, also those that leave the process group (`setsid`, a daemon's double fork), so they
 * can be found in `/proc` and killed when the run ends — as Jenkins' ProcessTreeKiller does.
 */
export const RUN_MARKER_VARIABLE: 'MCP_WARDEN_EXEC_RUN' = 'MCP_WARDEN_EXEC_RUN';

/** Scan rounds at most: each kills what it finds, the next catches what those forked meanwhile. */
const MAX_ROUNDS = 8;

/** True where descendants can be found by their environment (`/proc/<pid>/environ`). */
export const markersSupported: boolean = process.platform === 'linux';

/** A fresh run id (128 random bits): no process outside the run carries it by chance. */
export function newRunMarker(): string {
  return randomBytes(16).toString('hex');
}

/** Largest environment block read; ours is small, a descendant's rarely passes 64 KiB. */
const MAX_ENVIRON_BYTES = 1024 * 1024;
const chunk = Buffer.alloc(64 * 1024);

/**
 * Reads a /proc file (`readFileSync` stats and re-reads: several times slower on procfs, and this
 * runs after every run). Throws when the file cannot be opened.
 */
function readProc(path: string, max: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const parts: Buffer[] = [];
    let total = 0;
    while (total < max) {
      const read = readSync(fd, chunk, 0, Math.min(chunk.length, max - total), null);
      if (read === 0) break;
      parts.push(Buffer.from(chunk.subarray(0, read)));
      total += read;
    }
    return Buffer.concat(parts, total);
  } finally {
    closeSync(fd);
  }
}

/** The most recently allocated pid in this pid namespace, or undefined. */
function lastPid(): number | undefined {
  try {
    const field = readProc('/proc/loadavg', 256).toString('latin1').trim().split(/\s+/)[4];
    const pid = Number(field);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Up to this many pids allocated since the leader are probed directly, without listing /proc. */
const DIRECT_PROBE_LIMIT = 256;

/**
 * Pids to look at. With `after` (the run's leader), only pids allocated since it: the kernel hands
 * out pids in increasing order, wrapping around, and every descendant was created after the leader.
 * A short range is probed pid by pid (cheap for the usual run); a long or wrapped one, or all,
 * is taken from a listing of /proc.
 */
function candidates(after: number | undefined): number[] {
  const last = after === undefined ? undefined : lastPid();
  if (after !== undefined && last !== undefined && last >= after && last - after <= DIRECT_PROBE_LIMIT) {
    const pids: number[] = [];
    for (let pid = after + 1; pid <= last; pid++) if (pid !== process.pid) pids.push(pid);
    return pids;
  }
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const name of names) {
    const code = name.charCodeAt(0);
    if (code < 48 || code > 57) continue;
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    if (after !== undefined && last !== undefined) {
      const inRange = last >= after ? pid > after && pid <= last : pid > after || pid <= last;
      if (!inRange) continue;
    }
    pids.push(pid);
  }
  return pids;
}

/**
 * SIGKILLs every process whose environment carries one of `markers` (Linux; elsewhere a no-op).
 * `after`: the leader's pid, to look only at pids allocated since (a normal exit); omit it to look
 * at every process (after a kill, when the run may have lasted long enough for pids to wrap).
 * A descendant that cleared its environment is not found: a cgroup is the hard boundary.
 */
export function killMarkedProcesses(markers: readonly string[], after?: number): void {
  if (!markersSupported || markers.length === 0) return;
  const needles = markers.map((marker) => Buffer.from(`${RUN_MARKER_VARIABLE}=${marker}\0`, 'latin1'));
  const killed = new Set<number>();
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const before = killed.size;
    for (const pid of candidates(after)) {
      if (killed.has(pid)) continue;
      let environ: Buffer;
      try {
        environ = readProc(`/proc/${pid}/environ`, MAX_ENVIRON_BYTES);
      } catch {
        continue; // gone, or another user's
      }
      if (!needles.some((needle) => environ.includes(needle))) continue;
      try {
        process.kill(pid, 'SIGKILL');
        killed.add(pid);
      } catch {
        // Gone meanwhile.
      }
    }
    if (killed.size === before) return;
  }
}
