/** What the engine uses for each option left out of EngineOptions: the one place these numbers live. */
export const ENGINE_DEFAULTS = Object.freeze({
  /** Messages one portfolio's mailbox holds before it answers MAILBOX_FULL. */
  mailboxCapacity: 1024,
  /** Portfolios per risk-pool task. */
  maxBatch: 64,
  /** Minimum ms between two SPAN margin grids of one portfolio (the slower cadence). */
  marginRefreshMs: 1000,
  /** Orders and fills kept in memory for GET /trades (oldest evicted first). */
  historyLimit: 100_000,
});
