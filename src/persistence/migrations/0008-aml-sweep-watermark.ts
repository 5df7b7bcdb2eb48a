/**
 * The AML sweep (src/workers/queue-jobs/aml-sweep.ts) windows by when a fill reached the `fills` table, and
 * keeps its window across restarts.
 *
 * Why: it used to window by the fill's own time, and a fill the journal's projection writes late
 * (after a database outage) can be older than the window; only the first sweep after a start,
 * which read the whole history, caught it, and on the embedded database that read runs on the
 * event loop.
 * `projected_at` is the projection's transaction time, so a late fill is a recent one here, and
 * the sweep can resume from `aml_sweep` after a restart instead of reading everything.
 *
 * Existing rows get the time of this migration (a constant default, no table rewrite): the first
 * sweep after it reads them once.
 */
export const sql = `
ALTER TABLE fills ADD COLUMN projected_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX fills_by_projection ON fills (projected_at);

-- One row: every fill projected before swept_before was found screened, or queued again, by a sweep.
CREATE TABLE aml_sweep (
  one          boolean PRIMARY KEY DEFAULT true CHECK (one),
  swept_before timestamptz NOT NULL
);
`;
