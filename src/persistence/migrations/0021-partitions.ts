/**
 * Scale-out (docs/SCALE-OUT.md): portfolios belong to a fixed number of partitions, each owned by
 * one engine at a time, and every journal commit is fenced by the partition's epoch.
 *
 * - `partitions` is the fence and the routing map: a partition's owner, its internal endpoint,
 *   since when, its epoch (bumped by each takeover, in the transaction that announces it), and the
 *   sequence of its newest journal row (journal_seq), which a new owner continues.
 * - `cluster_engines` names the live engines' ownership sessions (their backend pid): an engine is
 *   live while that session holds its member advisory lock (src/persistence/cluster/).
 * - `journal` rows are per partition, keyed (partition, seq). journal_commit_fenced lands a
 *   group commit's rows only if every partition's epoch is still the committer's: one UPDATE of
 *   `partitions` is both the fence and the sequence, and its row lock orders a commit against a
 *   takeover's epoch bump (whichever comes second sees the other).
 * - `audit_log` keeps one hash chain per partition (`chain` = the partition) and the control chain
 *   (-1) for what belongs to no portfolio (logins, roles, bands, replays): the chain written
 *   before this migration continues as the control chain. Control records are appended by
 *   audit_append_control, which checks the head the engine chained them on under a lock, so
 *   engines append to it one at a time.
 * - portfolio_partition is src/engine/cluster/partitions.ts partitionOf in SQL (FNV-1a 32 over
 *   the id's UTF-8 bytes, mod n): a takeover loads a partition's portfolios with it.
 *
 * What the previous layout committed is projected first, so the old journal table is empty when
 * it is replaced.
 */
export const sql = `
SELECT journal_apply();

CREATE TABLE partitions (
  partition   int PRIMARY KEY CHECK (partition >= 0),
  epoch       bigint NOT NULL DEFAULT 0,
  owner       text,
  endpoint    text,
  since       timestamptz,
  journal_seq bigint NOT NULL DEFAULT 0
);

CREATE TABLE cluster_engines (
  engine_id   text PRIMARY KEY CHECK (char_length(engine_id) BETWEEN 1 AND 200),
  endpoint    text,
  backend_pid int NOT NULL,
  started_at  timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION portfolio_partition(id text, n int) RETURNS int LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  b bytea := convert_to(id, 'UTF8');
  h bigint := 2166136261;
BEGIN
  FOR i IN 0 .. length(b) - 1 LOOP
    h := ((h # get_byte(b, i)) * 16777619) % 4294967296;
  END LOOP;
  RETURN (h % n)::int;
END $$;

DROP FUNCTION journal_apply();
DROP FUNCTION journal_project();
DROP TABLE journal;
DROP TABLE journal_applied;

CREATE TABLE journal (
  partition    int NOT NULL,
  seq          bigint NOT NULL,
  entries      json NOT NULL,
  committed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (partition, seq)
);

ALTER TABLE audit_log ADD COLUMN chain int NOT NULL DEFAULT -1;
ALTER TABLE audit_log DROP CONSTRAINT audit_log_pkey;
ALTER TABLE audit_log ADD PRIMARY KEY (chain, seq);
CREATE INDEX audit_log_by_time ON audit_log (at_us);

-- The audit section now carries each record's chain; the tables' projection (0017) gets the batch
-- without it.
CREATE OR REPLACE FUNCTION journal_commit(batch jsonb) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM journal_commit_tables(batch - 'audit');
  IF batch ? 'reasons' THEN
    UPDATE portfolios t SET trading_state_reason = r.trading_state_reason
    FROM jsonb_to_recordset(batch->'reasons') AS r(portfolio_id text, trading_state_reason text)
    WHERE t.portfolio_id = r.portfolio_id;
  END IF;
  IF batch ? 'audit' THEN
    INSERT INTO audit_log (chain, seq, at_us, actor, action, entity_type, entity_id, before, after, prev_hash, hash)
    SELECT a.chain, a.seq, a.at_us, a.actor, a.action, a.entity_type, a.entity_id, a.before, a.after, a.prev_hash, a.hash
    FROM jsonb_to_recordset(batch->'audit') AS a(chain int, seq bigint, at_us bigint, actor text, action text, entity_type text, entity_id text,
    before jsonb, after jsonb, prev_hash text, hash text)
    ON CONFLICT (chain, seq) DO NOTHING;
  END IF;
END $$;

-- One group commit: a row per partition, landing only where the epoch is still the committer's.
-- A fenced partition fails the whole statement (SQLSTATE RE409, DETAIL: the partitions), so the
-- caller drops those partitions and commits the rest again.
CREATE FUNCTION journal_commit_fenced(parts int[], epochs bigint[], seqs bigint[], batches text[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  fenced int[];
BEGIN
  WITH x AS (SELECT * FROM unnest(parts, epochs, seqs) AS x(p, e, s)),
       u AS (UPDATE partitions t SET journal_seq = x.s FROM x WHERE t.partition = x.p AND t.epoch = x.e RETURNING t.partition)
  SELECT array_agg(x.p ORDER BY x.p) INTO fenced FROM x WHERE x.p NOT IN (SELECT partition FROM u);
  IF fenced IS NOT NULL THEN
    RAISE EXCEPTION 'partitions % are owned by another engine now', fenced USING ERRCODE = 'RE409', DETAIL = array_to_string(fenced, ',');
  END IF;
  INSERT INTO journal (partition, seq, entries)
  SELECT y.p, y.s, y.b::json FROM unnest(parts, seqs, batches) AS y(p, s, b)
  ON CONFLICT (partition, seq) DO NOTHING;
END $$;

-- Projects every visible journal row, each partition's in order, and forgets exactly those rows:
-- engines commit concurrently, so a row not yet visible is never skipped by a watermark.
CREATE FUNCTION journal_project() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  r record;
  n bigint := 0;
BEGIN
  -- One projector at a time per schema (the engines, or a CLI command beside them): two applying the
  -- same partition's rows at once could leave an older row's values last. Keyed by the schema, so
  -- deployments in other schemas of the database do not wait for each other.
  PERFORM pg_advisory_xact_lock(hashtext('journal_project'), hashtext(current_schema()));
  FOR r IN SELECT partition, seq, entries FROM journal ORDER BY partition, seq LOOP
    PERFORM journal_commit(r.entries::jsonb);
    DELETE FROM journal WHERE partition = r.partition AND seq = r.seq;
    n := n + 1;
  END LOOP;
  RETURN n;
END $$;

CREATE FUNCTION journal_apply() RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
  -- This transaction only: a lost projection is redone from the journal (migration 0009).
  PERFORM set_config('synchronous_commit', 'off', true);
  RETURN journal_project();
END $$;

-- Appends records to the control chain (-1) if its head is still (prev_seq, prev_hash), the head
-- the engine chained them on; otherwise SQLSTATE RE412 with DETAIL "seq hash" of the current
-- head, and the engine chains them again on it.
CREATE FUNCTION audit_append_control(records jsonb, prev_seq bigint, prev_hash text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  head record;
BEGIN
  PERFORM pg_advisory_xact_lock(7311042519);
  SELECT seq, hash INTO head FROM audit_log WHERE chain = -1 ORDER BY seq DESC LIMIT 1;
  IF coalesce(head.seq, 0) <> prev_seq OR coalesce(head.hash, repeat('0', 64)) <> prev_hash THEN
    RAISE EXCEPTION 'the control audit chain moved on' USING ERRCODE = 'RE412', DETAIL = coalesce(head.seq, 0) || ' ' || coalesce(head.hash, repeat('0', 64));
  END IF;
  INSERT INTO audit_log (chain, seq, at_us, actor, action, entity_type, entity_id, before, after, prev_hash, hash)
  SELECT -1, a.seq, a.at_us, a.actor, a.action, a.entity_type, a.entity_id, a.before, a.after, a.prev_hash, a.hash
  FROM jsonb_to_recordset(records) AS a(seq bigint, at_us bigint, actor text, action text, entity_type text, entity_id text,
  before jsonb, after jsonb, prev_hash text, hash text);
END $$;
`;
