/**
 * Token buckets of the REST rate limits when the engines share PostgreSQL instead of Redis
 * (src/persistence/rate-limit-store.ts). UNLOGGED: a bucket is worth nothing after a crash (the
 * worst a lost table does is give every caller a fresh burst), and skipping the WAL makes each
 * take one in-memory row update. `full_at_ms` is when a bucket is full again, which is the same
 * as absent: the clean-up deletes rows past it through the index.
 */
export const sql = `
CREATE UNLOGGED TABLE rate_limit_buckets (
  key text PRIMARY KEY,
  tokens double precision NOT NULL,
  updated_ms bigint NOT NULL,
  full_at_ms bigint NOT NULL,
  admitted boolean NOT NULL
);
CREATE INDEX rate_limit_buckets_full_at ON rate_limit_buckets (full_at_ms);
`;
