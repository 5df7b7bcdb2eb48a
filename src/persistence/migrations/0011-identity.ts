/**
 * Accounts, their grants and second factor, login failures (lockout), login sessions and API keys
 * (src/persistence/identity-store-pg.ts, session-store-pg.ts).
 *
 * - Times are epoch ms (bigint) like the rest of the schema, so the stores compare them with the
 *   engine's clock instead of the database's.
 * - `email` is stored normalised (trim, lower-case, NFC) and is the login name: unique.
 * - `display_name` and `user_mfa.secret` are field-crypto envelopes under the user's data key, with
 *   table, column and user id as AAD (src/persistence/field-crypto.ts); never plaintext.
 * - Secrets that only need checking are stored as SHA-256 hashes of high-entropy random values
 *   (refresh tokens, backup codes, API keys): a slow hash adds nothing against 80+ random bits.
 * - A user has at most one grant per role (the portfolios of that role), so grants are a set of
 *   (user, role) rows.
 * - `user_sessions.used_hashes`: the refresh tokens already rotated away, kept for the session's
 *   life so that presenting one again is recognised as reuse (and revokes the session).
 */
export const sql = `
CREATE TABLE users (
  id              text PRIMARY KEY,
  email           text NOT NULL UNIQUE,
  password_hash   text NOT NULL,
  display_name    text NOT NULL,
  status          text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  locked_until_ms bigint,
  created_ms      bigint NOT NULL
);

CREATE TABLE user_grants (
  user_id    text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role       text NOT NULL CHECK (role IN ('trader', 'risk_manager', 'compliance_officer', 'admin', 'feed')),
  portfolios text[] NOT NULL,
  PRIMARY KEY (user_id, role)
);

CREATE TABLE user_mfa (
  user_id    text PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  secret     text NOT NULL,
  enabled    boolean NOT NULL DEFAULT false,
  last_step  bigint,
  created_ms bigint NOT NULL
);

CREATE TABLE user_backup_codes (
  user_id   text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  code_hash text NOT NULL,
  used_ms   bigint,
  PRIMARY KEY (user_id, code_hash)
);

CREATE TABLE login_failures (
  user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  at_ms   bigint NOT NULL
);
CREATE INDEX login_failures_by_user ON login_failures (user_id, at_ms);

CREATE TABLE user_sessions (
  id           text PRIMARY KEY,
  user_id      text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  refresh_hash text NOT NULL,
  used_hashes  text[] NOT NULL DEFAULT '{}',
  amr          text[] NOT NULL,
  created_ms   bigint NOT NULL,
  expires_ms   bigint NOT NULL,
  revoked_ms   bigint
);
CREATE INDEX user_sessions_by_user ON user_sessions (user_id);
CREATE INDEX user_sessions_revoked ON user_sessions (expires_ms) WHERE revoked_ms IS NOT NULL;

CREATE TABLE api_keys (
  id           text PRIMARY KEY,
  owner_id     text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name         text NOT NULL,
  secret_hash  text NOT NULL,
  grants       jsonb NOT NULL,
  expires_ms   bigint,
  revoked_ms   bigint,
  created_ms   bigint NOT NULL,
  last_used_ms bigint
);
CREATE INDEX api_keys_by_owner ON api_keys (owner_id, created_ms);
`;
