/** Options shared by the ready-made policies. */
export interface ReadyMadePolicyOptions {
  /** The executable: an absolute path, or a bare name looked up at executor creation. Default: the tool's name. */
  readonly executable?: string;
}

/** Freezes a ready-made policy deeply, so a shared preset cannot be changed by one user. */
export function frozen<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) frozen(inner);
    Object.freeze(value);
  }
  return value;
}
