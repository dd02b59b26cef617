/** What a sink does when the process is going away. */
export interface ShutdownParticipant {
  /** Writes everything buffered, synchronously. `final` also writes the shutdown record and closes. */
  shutdownSync(reason: string, final: boolean): void;
}

const participants = new Set<ShutdownParticipant>();
const SIGNALS = ['SIGTERM', 'SIGINT'] as const;
type HandledSignal = (typeof SIGNALS)[number];

function onExit(): void {
  for (const participant of [...participants]) participant.shutdownSync('exit', true);
}

function onSignal(signal: HandledSignal): void {
  // If the application handles the signal too, it decides when to exit: flush now, close on exit.
  const othersListen = process.listeners(signal).some((listener) => listener !== handlers[signal]);
  for (const participant of [...participants]) participant.shutdownSync(signal, !othersListen);
  if (!othersListen) {
    uninstall();
    // Re-raise with our handler gone, so the process ends the way it would have (killed by the signal).
    process.kill(process.pid, signal);
  }
}

const handlers: Record<HandledSignal, () => void> = {
  SIGTERM: () => onSignal('SIGTERM'),
  SIGINT: () => onSignal('SIGINT'),
};

let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', onExit);
  for (const signal of SIGNALS) process.on(signal, handlers[signal]);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  process.removeListener('exit', onExit);
  for (const signal of SIGNALS) process.removeListener(signal, handlers[signal]);
}

/** Flushes `participant` on `exit`, SIGTERM and SIGINT until {@link unregisterShutdown}. */
export function registerShutdown(participant: ShutdownParticipant): void {
  participants.add(participant);
  install();
}

export function unregisterShutdown(participant: ShutdownParticipant): void {
  participants.delete(participant);
  if (participants.size === 0) uninstall();
}
