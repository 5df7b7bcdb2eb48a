/** The engine's notion of time, injected so that tests control it (XState's Clock, two methods less). */
export interface Clock {
  /** Epoch milliseconds (fractional allowed). */
  nowMs(): number;
}

/** ISO date (UTC) of an epoch-ms instant. */
export function isoDateOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
