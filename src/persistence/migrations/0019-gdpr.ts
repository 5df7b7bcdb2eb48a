/**
 * GDPR rights (issue 17; src/persistence/gdpr-*.ts, docs/GDPR.md).
 *
 * - `consents`: append-only history of what each person agreed to (purpose, version of the text,
 *   granted or withdrawn, when). The current state of a purpose is its newest row; nothing is ever
 *   updated or deleted (a trigger refuses it), so the history proves what was agreed when. An
 *   erasure re-keys the rows to the person's pseudonym instead (the one change allowed, by
 *   `gdpr.rekey` set in the erasing transaction): proof of consent is kept, the person is not named.
 * - `gdpr_erasures`: one row per erased person: the pseudonym their kept records now carry, when,
 *   by whom, why, and the answer given (what was erased and what was kept, with the law). Outside
 *   the database too (the erasure ledger, gdpr-erasure-ledger.ts): a restored backup taken before
 *   the erasure has no row here, and the ledger puts the erasure back before anything is served.
 */
export const sql = `
CREATE TABLE consents (
  seq          bigserial PRIMARY KEY,
  user_id      text NOT NULL,
  purpose      text NOT NULL CHECK (purpose IN ('marketing_email', 'product_analytics')),
  text_version text NOT NULL,
  granted      boolean NOT NULL,
  at_ms        bigint NOT NULL
);
CREATE INDEX consents_by_user ON consents (user_id, purpose, seq);

CREATE FUNCTION consents_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND current_setting('gdpr.rekey', true) = 'on'
     AND NEW.seq = OLD.seq AND NEW.purpose = OLD.purpose AND NEW.text_version = OLD.text_version
     AND NEW.granted = OLD.granted AND NEW.at_ms = OLD.at_ms THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'consents is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER consents_append_only BEFORE UPDATE OR DELETE ON consents FOR EACH ROW EXECUTE FUNCTION consents_refuse_change();

CREATE TABLE gdpr_erasures (
  user_id     text PRIMARY KEY,
  pseudonym   text NOT NULL UNIQUE,
  at_ms       bigint NOT NULL,
  erased_by   text NOT NULL,
  reason      text NOT NULL,
  outcome     jsonb NOT NULL
);
`;
