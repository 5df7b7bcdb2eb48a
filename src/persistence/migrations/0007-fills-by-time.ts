/**
 * The AML sweep (src/workers/queue-jobs/aml-sweep.ts) reads the fills of a time window each minute: an index
 * on the fill time keeps that a range scan, not a scan of every fill (on the embedded database
 * the scan would run on the engine's event loop).
 */
export const sql = `
CREATE INDEX fills_by_time ON fills (ts_ms);
`;
