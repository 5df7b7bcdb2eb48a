/** Reconnect delays: exponential from `initialDelayMs`, capped at `maxDelayMs`, with jitter so a
 * restarted engine is not met by every client at the same instant. */
export interface BackoffOptions {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** Attempts after a drop before the client gives up (CLOSED); Infinity: never. */
  readonly maxAttempts: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = Object.freeze({ initialDelayMs: 100, maxDelayMs: 10_000, maxAttempts: Infinity });

/** The delay before attempt `attempt` (0-based): between half and all of the capped exponential. */
export function backoffDelayMs(o: BackoffOptions, attempt: number, random: () => number): number {
  const capped = Math.min(o.maxDelayMs, o.initialDelayMs * 2 ** Math.min(attempt, 30));
  return capped / 2 + (capped / 2) * random();
}
