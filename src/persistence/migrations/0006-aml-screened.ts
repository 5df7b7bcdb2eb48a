/**
 * Which fills the AML worker has screened, written in the same statement as the alerts they
 * raised. A fill is durable in PostgreSQL before its AML job exists, but the job lives in the
 * queue, and a Redis without persistence loses what it held when it dies: the sweep
 * (src/workers/queue-jobs/aml-sweep.ts) finds fills with no row here and queues them again. No foreign key to
 * fills: the job can run before the journal's projection has written the fill.
 *
 * Fills stored before this table are taken as screened (they went through the queue; a sweep of
 * the whole history at the first start would flood it).
 */
export const sql = `
CREATE TABLE aml_screened (
  fill_id     text PRIMARY KEY,
  screened_ms double precision NOT NULL
);
INSERT INTO aml_screened (fill_id, screened_ms) SELECT fill_id, ts_ms FROM fills ON CONFLICT DO NOTHING;
`;
