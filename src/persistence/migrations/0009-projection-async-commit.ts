/**
 * journal_apply (migration 0002) commits without waiting for its WAL flush.
 *
 * Why it is safe: the projection is derived data. The durable record of a change is its row in
 * `journal`, committed (and flushed) before any client saw it; journal_apply writes the tables and
 * deletes those journal rows in one transaction. If a crash loses that transaction, it is lost
 * whole: the journal rows are still there, and the next start projects them again before it
 * rebuilds the actors. Every write of the projection is an upsert or an insert that ignores a key
 * it has, so projecting twice writes nothing twice.
 *
 * Why: the projection ran 50 times a second under the real-time bench and each commit waited for
 * a WAL flush (a few milliseconds on this VM when both vCPUs are busy), competing with the
 * flushes that acknowledgements do wait for. Sampling pg_stat_activity every 3 ms in a durable
 * bench run found journal_apply active 31% of the time, the acknowledging INSERT 19%.
 */
export const sql = `
-- The projection itself, unchanged, under the name of what it does; journal_apply() keeps its name
-- for its callers and sets the commit mode of its transaction first.
ALTER FUNCTION journal_apply() RENAME TO journal_project;

CREATE FUNCTION journal_apply() RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
  -- This transaction only: a lost projection is redone from the journal (see the migration).
  PERFORM set_config('synchronous_commit', 'off', true);
  RETURN journal_project();
END $$;
`;
