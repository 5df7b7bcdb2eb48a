/**
 * The retention job (src/persistence/retention.ts, policy in src/engine/compliance/retention-policy.ts).
 *
 * - `retention_runs`: one row per run, never updated: the day it ran for, when, and per kind of
 *   data what it did (`kinds`: kind → action, cutoff in epoch ms, rows deleted or users shredded,
 *   and why a kind was skipped). Running a day twice records two rows, the second with zeros.
 * - Indexes that let each batched delete find its expired rows without scanning the table. The
 *   write-behind snapshot tables get none: their primary keys lead with the portfolio (symbol) and
 *   the time, which the job walks one portfolio at a time, and another index would slow the
 *   tens of thousands of inserts a second they take.
 */
export const sql = `
CREATE TABLE retention_runs (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  as_of       date NOT NULL,
  started_at  timestamptz NOT NULL,
  finished_at timestamptz NOT NULL DEFAULT now(),
  kinds       jsonb NOT NULL
);
CREATE INDEX retention_runs_by_day ON retention_runs (as_of, id);

CREATE INDEX login_failures_by_time ON login_failures (at_ms);
CREATE INDEX user_sessions_by_expiry ON user_sessions (expires_ms);
CREATE INDEX user_sessions_by_revocation ON user_sessions (revoked_ms) WHERE revoked_ms IS NOT NULL;
CREATE INDEX api_keys_by_revocation ON api_keys (revoked_ms) WHERE revoked_ms IS NOT NULL;
CREATE INDEX api_keys_by_expiry ON api_keys (expires_ms) WHERE expires_ms IS NOT NULL;
CREATE INDEX kyc_submissions_rejected ON kyc_submissions (updated_ms) WHERE state = 'rejected';
CREATE INDEX report_runs_by_day ON report_runs (as_of);
`;
