/** The answer to one `consume`. All durations are whole milliseconds, rounded up. */
export interface Decision {
  /** Whether the units were granted (and spent). A denial spends nothing. */
  readonly allowed: boolean;
  /** Units that could still be spent now, after this decision. */
  readonly remaining: number;
  /** Until the key is back to its full allowance. */
  readonly resetAfterMs: number;
  /** Until a call of the same cost would be allowed; 0 when allowed. */
  readonly retryAfterMs: number;
}
