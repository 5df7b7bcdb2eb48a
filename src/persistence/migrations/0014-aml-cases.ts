/**
 * Transaction monitoring with all its rules (src/engine/compliance/aml) and the case each alert
 * opens (alert-case.ts).
 *
 * - aml_alerts takes the case's states (`closed` becomes `closed_no_action`: an alert closed
 *   before could only have been closed without action), the customer (the beneficial owner the
 *   rules screened) and the assignee.
 * - Each case's changes and notes, in order, each with its actor and reason: the history an officer
 *   and an examiner read.
 * - The rules read a customer's fills and orders across their portfolios by time: an index on the
 *   owner, and on the orders' creation time per portfolio (fills have fills_by_portfolio).
 */
export const sql = `
ALTER TABLE aml_alerts DROP CONSTRAINT aml_alerts_state_check;
UPDATE aml_alerts SET state = 'closed_no_action' WHERE state = 'closed';
ALTER TABLE aml_alerts ADD CONSTRAINT aml_alerts_state_check
  CHECK (state IN ('open', 'investigating', 'escalated', 'closed_no_action', 'reported'));
ALTER TABLE aml_alerts ADD COLUMN customer_id text;
ALTER TABLE aml_alerts ADD COLUMN assignee text;
DROP INDEX aml_alerts_open;
CREATE INDEX aml_alerts_open ON aml_alerts (created_at) WHERE state IN ('open', 'investigating', 'escalated');
CREATE INDEX aml_alerts_by_customer ON aml_alerts (customer_id, created_at);

CREATE TABLE aml_case_changes (
  alert_id   bigint NOT NULL REFERENCES aml_alerts (id),
  seq        integer NOT NULL,
  at_ms      double precision NOT NULL,
  actor      text NOT NULL,
  reason     text NOT NULL,
  from_state text NOT NULL,
  to_state   text NOT NULL,
  PRIMARY KEY (alert_id, seq)
);

CREATE TABLE aml_case_notes (
  alert_id bigint NOT NULL REFERENCES aml_alerts (id),
  seq      integer NOT NULL,
  at_ms    double precision NOT NULL,
  author   text NOT NULL,
  text     text NOT NULL,
  PRIMARY KEY (alert_id, seq)
);

CREATE INDEX portfolios_by_owner ON portfolios (owner_id) WHERE owner_id IS NOT NULL;
CREATE INDEX orders_by_portfolio_time ON orders (portfolio_id, created_ms);
`;
