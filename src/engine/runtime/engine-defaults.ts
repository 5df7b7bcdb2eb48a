export const ENGINE_DEFAULTS = Object.freeze({ mailboxCapacity: 1024, maxBatch: 64, marginRefreshMs: 1000, historyLimit: 100_000 });
