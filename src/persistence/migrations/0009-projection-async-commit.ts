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
 * Why: under load the projection commits dozens of times a second, and waiting for each of its
 * WAL flushes competed with the flushes that acknowledgements do wait for.
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
