/**
 * Why a portfolio's trading state was set (MANUAL, SANCTIONS: engine/limits/types.ts), so that a
 * sanctions halt is still a sanctions halt after a restart. Null: never set, or set before this
 * column existed (read back as MANUAL). No CHECK: recovery refuses a value the engine does not
 * know, and a new reason code then needs no migration.
 *
 * The journal writes it in a section of its own (`reasons`), present only in a batch that changes
 * a trading state, so the projection of ordinary order batches costs no extra statement.
 * journal_commit keeps its name for journal_project, which calls it; the projection of the other
 * sections is unchanged under the name of what it does.
 */
export const sql = `
ALTER TABLE portfolios ADD COLUMN trading_state_reason text;

ALTER FUNCTION journal_commit(jsonb) RENAME TO journal_commit_tables;

CREATE FUNCTION journal_commit(batch jsonb) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM journal_commit_tables(batch);
  IF batch ? 'reasons' THEN
    UPDATE portfolios t SET trading_state_reason = r.trading_state_reason
    FROM jsonb_to_recordset(batch->'reasons') AS r(portfolio_id text, trading_state_reason text)
    WHERE t.portfolio_id = r.portfolio_id;
  END IF;
END $$;
`;
