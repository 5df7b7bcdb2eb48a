/**
 * What the aml and report queues write. BullMQ's PostgreSQL backend (queues without Redis) keeps
 * its own tables in this same schema: job, job_log, job_dependency, event, meta, metrics,
 * rate_limit, dedup, dedup_next, scheduler, relay_*, its ledger `migration`, the types job_state
 * and dep_status, and plain-named functions such as drain, clean, pause, remove, promote and
 * obliterate. None of ours may take one of those names (hence app_migrations, aml_alerts,
 * report_runs).
 */
export const sql = `
-- One row per (fill, rule) that fired: the AML worker inserts with ON CONFLICT DO NOTHING, so a
-- retried or replayed job raises no second alert. Severity and case state are there for the
-- compliance workflow to come (triage, escalation, closure), which will update state.
CREATE TABLE aml_alerts (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  fill_id      text NOT NULL,
  portfolio_id text NOT NULL,
  rule         text NOT NULL,
  severity     text NOT NULL CHECK (severity IN ('low', 'medium', 'high')),
  notional     double precision NOT NULL,
  details      jsonb NOT NULL DEFAULT '{}',
  state        text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'investigating', 'escalated', 'closed')),
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (fill_id, rule)
);
CREATE INDEX aml_alerts_open ON aml_alerts (created_at) WHERE state <> 'closed';
CREATE INDEX aml_alerts_by_portfolio ON aml_alerts (portfolio_id, created_at);

-- The newest run of each report: the file is the report, this row says where it is, when it was
-- made and what it held (sha256 of the file), so an admin endpoint can list and serve them.
CREATE TABLE report_runs (
  kind         text NOT NULL,
  as_of        date NOT NULL,
  path         text NOT NULL,
  row_count    integer NOT NULL,
  sha256       text NOT NULL,
  generated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (kind, as_of)
);
`;
