/**
 * Compliance reports (src/workers/reports): one row per requested report, from the request to its
 * content. The row is the record a regulator's question is answered from: who asked, for which
 * period, what the report read (versions), what it said (the content and its sha256), or why it
 * failed (a stable code and a message).
 *
 * - The content is kept in the row (text: every format is UTF-8 text) rather than in a file: a
 *   report is part of the firm's records, so it goes where the records go (backups included), and
 *   a second engine on the same database serves it too.
 * - A scheduled report of a day exists once: the partial unique index lets the start-up catch-up
 *   and every engine's scheduler insert it with ON CONFLICT DO NOTHING. Requests by hand are never
 *   deduplicated: regenerating a day and comparing the hashes is what they are for.
 * - `versions` is what the load read (counts, newest ids, files' hashes): two runs whose versions
 *   are equal must have equal hashes.
 */
export const sql = `
CREATE TABLE compliance_reports (
  id            text PRIMARY KEY,
  type          text NOT NULL CHECK (type IN ('rts22', 'daily-risk', 'capital', 'large-positions', 'aml', 'privileged-changes')),
  period_from   date NOT NULL,
  period_to     date NOT NULL CHECK (period_to >= period_from),
  portfolio_id  text,
  format        text NOT NULL CHECK (format IN ('json', 'csv', 'xml', 'html')),
  status        text NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
  scheduled     boolean NOT NULL,
  requested_by  text NOT NULL,
  requested_ms  bigint NOT NULL,
  started_ms    bigint,
  finished_ms   bigint,
  attempts      integer NOT NULL DEFAULT 0,
  content       text,
  sha256        text CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  bytes         integer,
  versions      jsonb,
  error_code    text,
  error_message text,
  CHECK ((status = 'done') = (content IS NOT NULL AND sha256 IS NOT NULL)),
  CHECK ((status = 'failed') = (error_code IS NOT NULL))
);
CREATE INDEX compliance_reports_by_period ON compliance_reports (type, period_from, requested_ms);
CREATE UNIQUE INDEX compliance_reports_scheduled_once ON compliance_reports (type, period_from) WHERE scheduled;
CREATE INDEX compliance_reports_unfinished ON compliance_reports (requested_ms) WHERE status IN ('queued', 'running');
`;
