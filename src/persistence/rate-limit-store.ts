/**
 * Token buckets shared by every engine process (src/gateway/rate-limit.ts has the arithmetic and
 * the policies): in Redis when the deployment has one, else in PostgreSQL (the embedded default
 * included). Each take is one atomic round trip, and the time is the datastore's own, so engines
 * whose clocks disagree still drain and refill the same bucket at the same pace.
 */
import { Redis } from 'ioredis';
import pg from 'pg';
import { MemoryRateLimiter, type RateDecision, type RateLimiter, type RateSpec, decision, withFallback } from '../gateway/rate-limit.js';
import type { LogFn } from '../logger.js';
import { type Database, redactUrl } from './database.js';

/**
 * One take, atomically (Redis runs a script alone). Time from TIME, so every engine agrees; the
 * key expires when the bucket would be full again, which is the same as absent, so idle buckets
 * vanish. Tokens go back as a string: Redis turns a Lua number reply into an integer.
 */
export const TAKE_SCRIPT = `
-- Redis 5 and 6 refuse a write after TIME unless the script replicates its effects (7 always does).
if redis.replicate_commands then redis.replicate_commands() end
local burst = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ms')
local tokens = tonumber(b[1])
local ms = tonumber(b[2])
if tokens == nil or ms == nil then
  tokens = burst
  ms = now
end
tokens = math.min(burst, tokens + math.max(0, now - ms) * rate / 1000)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ms', tostring(math.max(ms, now)))
redis.call('PEXPIRE', KEYS[1], math.max(1, math.ceil((burst - tokens) * 1000 / rate)))
return {allowed, tostring(tokens)}
`;

export interface RedisRateLimiterOptions {
  /** A client the caller owns (and quits); its commands should fail fast when Redis is away (maxRetriesPerRequest). */
  readonly redis: Redis;
  /** Prefix of every bucket's key, e.g. `<QUEUE_PREFIX>:rl:`. */
  readonly prefix: string;
}

export class RedisRateLimiter implements RateLimiter {
  private sha: string | undefined;

  constructor(private readonly o: RedisRateLimiterOptions) {}

  async take(key: string, spec: RateSpec, _nowMs: number): Promise<RateDecision> {
    const r = await this.run(this.o.prefix + key, spec);
    const [allowed, tokens] = r as [number, string];
    return decision(allowed === 1, Number(tokens), spec);
  }

  /** EVALSHA; after a Redis restart or SCRIPT FLUSH (NOSCRIPT) the script is loaded again, once. */
  private async run(key: string, spec: RateSpec): Promise<unknown> {
    const redis = this.o.redis;
    this.sha ??= (await redis.script('LOAD', TAKE_SCRIPT)) as string;
    try {
      return await redis.evalsha(this.sha, 1, key, spec.burst, spec.perSecond);
    } catch (e) {
      if (!(e instanceof Error) || !e.message.startsWith('NOSCRIPT')) throw e;
      this.sha = (await redis.script('LOAD', TAKE_SCRIPT)) as string;
      return redis.evalsha(this.sha, 1, key, spec.burst, spec.perSecond);
    }
  }
}

/**
 * One take as one statement: the row lock of INSERT … ON CONFLICT DO UPDATE serialises takes on a
 * key, so parallel takes never over-admit. Inside SET every column reads the row before the update,
 * hence the refill expression written out each time. Time is the server's clock.
 */
const TAKE_SQL = `
INSERT INTO rate_limit_buckets AS b (key, tokens, updated_ms, full_at_ms, admitted)
SELECT $1, $2::float8 - 1, n.ms, n.ms + ceil(1000 / $3::float8)::bigint, true
FROM (SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS ms) n
ON CONFLICT (key) DO UPDATE SET
  admitted = least($2::float8, b.tokens + greatest(0, excluded.updated_ms - b.updated_ms) * $3::float8 / 1000) >= 1,
  tokens = least($2::float8, b.tokens + greatest(0, excluded.updated_ms - b.updated_ms) * $3::float8 / 1000)
    - CASE WHEN least($2::float8, b.tokens + greatest(0, excluded.updated_ms - b.updated_ms) * $3::float8 / 1000) >= 1 THEN 1 ELSE 0 END,
  updated_ms = greatest(b.updated_ms, excluded.updated_ms),
  full_at_ms = greatest(b.updated_ms, excluded.updated_ms) + ceil(($2::float8
    - least($2::float8, b.tokens + greatest(0, excluded.updated_ms - b.updated_ms) * $3::float8 / 1000)
    + CASE WHEN least($2::float8, b.tokens + greatest(0, excluded.updated_ms - b.updated_ms) * $3::float8 / 1000) >= 1 THEN 1 ELSE 0 END) * 1000 / $3::float8)::bigint
RETURNING tokens, admitted`;

/** Full buckets deleted per clean-up statement at most, so one never holds many row locks. */
const SWEEP_BATCH = 10_000;
const SWEEP_SQL = `
DELETE FROM rate_limit_buckets WHERE key IN (
  SELECT key FROM rate_limit_buckets WHERE full_at_ms < (extract(epoch FROM clock_timestamp()) * 1000)::bigint LIMIT ${SWEEP_BATCH})`;

export interface PgRateLimiterOptions {
  /** The engine's database (its pool's search_path is the schema, migrated to 13 or later). */
  readonly db: Pick<Database, 'pool' | 'kind'>;
  /** How often a take also starts a clean-up of full buckets (default 60 s; lazy: no timer). */
  readonly sweepEveryMs?: number;
  /** A failed clean-up (the takes go on). */
  readonly onSweepError?: (e: unknown) => void;
}

export class PgRateLimiter implements RateLimiter {
  private lastSweepMs: number | undefined;
  /**
   * A named (prepared) statement on a server: planned once per connection, a take costs a quarter
   * of the unnamed one (docs/BENCHMARKS.md). Unnamed on the embedded database, where every pool
   * connection is the one PGlite backend and the name would already exist for the second.
   */
  private readonly statement: { readonly name?: string; readonly text: string };

  constructor(private readonly o: PgRateLimiterOptions) {
    this.statement = o.db.kind === 'external' ? { name: 'rate-limit-take', text: TAKE_SQL } : { text: TAKE_SQL };
  }

  async take(key: string, spec: RateSpec, nowMs: number): Promise<RateDecision> {
    this.maybeSweep(nowMs);
    const r = await this.o.db.pool.query<{ tokens: number; admitted: boolean }>({ ...this.statement, values: [key, spec.burst, spec.perSecond] });
    const row = r.rows[0];
    if (row === undefined) throw new Error('rate limit take returned no row');
    return decision(row.admitted, row.tokens, spec);
  }

  /** Deletes buckets that are full again (they answer as absent ones would); the count deleted. */
  async sweep(): Promise<number> {
    const r = await this.o.db.pool.query(SWEEP_SQL);
    return r.rowCount ?? 0;
  }

  private maybeSweep(nowMs: number): void {
    const every = this.o.sweepEveryMs ?? 60_000;
    if (this.lastSweepMs === undefined) this.lastSweepMs = nowMs;
    if (nowMs - this.lastSweepMs < every) return;
    this.lastSweepMs = nowMs;
    this.sweep().catch((e: unknown) => this.o.onSweepError?.(e));
  }
}

/** Connections the PostgreSQL buckets use (a take holds one for ~60 µs: docs/BENCHMARKS.md). */
const RATE_LIMIT_POOL_SIZE = 2;

export interface RateLimitStoreOptions {
  /** REDIS_URL: the buckets go to Redis. */
  readonly redisUrl?: string;
  /** The engine's database (durable engines): a PostgreSQL server's table when there is no Redis. */
  readonly db?: Pick<Database, 'kind' | 'connection'>;
  /** Key prefix in Redis (the deployment's QUEUE_PREFIX, so two deployments on one Redis stay apart). */
  readonly prefix: string;
  readonly log?: LogFn;
}

export interface RateLimitStore {
  readonly kind: 'redis' | 'postgres' | 'memory';
  readonly limiter: RateLimiter;
  close(): Promise<void>;
}

/**
 * The buckets for this deployment: Redis when there is one; else the PostgreSQL server's table
 * (engines sharing the database share the budget); else this process's own. The embedded database
 * gets the in-process buckets too: only this process can open it, so they are exactly as shared,
 * and a take costs 0.2 µs instead of ~0.45 ms of PGlite on the event loop (docs/BENCHMARKS.md).
 * A shared store that fails falls back to this process's buckets, and says so in the log.
 */
export function openRateLimitStore(o: RateLimitStoreOptions): RateLimitStore {
  const local = new MemoryRateLimiter();
  const report = (kind: string) => (e: unknown) => o.log?.('warn', 'rate-limit store failed; limiting in this process until it answers', { store: kind, error: e instanceof Error ? e.message : String(e) });
  if (o.redisUrl !== undefined) {
    // No offline queue and one retry: while Redis is away a take fails at once and falls back,
    // instead of holding the request until Redis returns.
    const redis = new Redis(o.redisUrl, { connectionName: `${o.prefix}:rate-limits`, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    redis.on('error', (err: Error) => o.log?.('warn', 'Redis connection error (rate limits; reconnecting)', { url: redactUrl(o.redisUrl ?? ''), error: err.message }));
    return {
      kind: 'redis',
      limiter: withFallback(new RedisRateLimiter({ redis, prefix: `${o.prefix}:rl:` }), local, report('redis')),
      close: async () => {
        await redis.quit().catch(() => redis.disconnect());
      },
    };
  }
  if (o.db !== undefined && o.db.kind === 'external') {
    // A pool of its own: a flood of requests (what the limits are for) must not take the
    // connections the journal commits orders on.
    const pool = new pg.Pool({ ...o.db.connection, max: RATE_LIMIT_POOL_SIZE });
    pool.on('error', (err) => o.log?.('warn', 'idle PostgreSQL connection failed (rate limits)', { error: err.message }));
    const limiter = new PgRateLimiter({ db: { kind: 'external', pool }, onSweepError: report('postgres clean-up') });
    return { kind: 'postgres', limiter: withFallback(limiter, local, report('postgres')), close: () => pool.end() };
  }
  return { kind: 'memory', limiter: local, close: async () => {} };
}
