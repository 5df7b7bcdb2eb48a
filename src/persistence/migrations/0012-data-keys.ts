/**
 * Per-user data keys of field encryption (src/persistence/data-keys.ts): each user's key, wrapped
 * (AES-256-GCM, the user id as AAD) by the master key from configuration. Never the key itself.
 *
 * - One data key per user (the primary key): two first uses racing end with one key, the loser's
 *   INSERT doing nothing and reading the winner's.
 * - `master_key_id` is the id the wrapping's envelope names (its second part, checked): what
 *   `risk-engine keys rotate` looks for (keys not yet under the current master) and `keys status`
 *   counts, through the index, without opening any envelope.
 * - Deleting a row is crypto-shredding: every field sealed with that key is unreadable from then on.
 */
export const sql = `
CREATE TABLE data_keys (
  user_id       text PRIMARY KEY,
  key_id        text NOT NULL UNIQUE,
  master_key_id text NOT NULL,
  wrapped       text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  rewrapped_at  timestamptz,
  CHECK (master_key_id = split_part(wrapped, '.', 2))
);
CREATE INDEX data_keys_by_master ON data_keys (master_key_id, user_id);
`;
