/**
 * What a rate-limit check costs, per store: one take at a time (the latency a REST request pays)
 * and many in flight (what one engine process sustains), on keys spread like users' buckets.
 *
 * - memory: the in-process buckets (PERSISTENCE=memory, and the fallback when the shared store fails).
 * - redis: the Lua script by EVALSHA, one round trip.
 * - pg: the UPSERT on the unlogged table of the server PostgreSQL, one round trip.
 * - embedded: the same UPSERT on PGlite behind its socket (the embedded default).
 * - websocket: the per-connection check each message pays (admitMessage on the session's numbers).
 *
 * Env: TAKES (default 20000; embedded EMBEDDED_TAKES, 5000), KEYS (distinct buckets, 1000),
 * IN_FLIGHT (concurrent takes, 32), SCENARIOS (comma list of memory,redis,pg,embedded,websocket),
 * DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), REDIS_URL (default
 * redis://127.0.0.1:6379). Run: `npm run build && node dist/bench/rate-limit.bench.js`. The last
 * line printed is one JSON object.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { ConnectionBudget, MemoryRateLimiter, RATE_LIMIT_DEFAULTS, type RateLimiter, admitMessage } from '../src/gateway/rate-limit.js';
import { openDatabase, quoteSchema } from '../src/persistence/database.js';
import { migrate } from '../src/persistence/migrate.js';
import { PgRateLimiter, RedisRateLimiter } from '../src/persistence/rate-limit-store.js';

const TAKES = Number(process.env.TAKES ?? 20_000);
const EMBEDDED_TAKES = Number(process.env.EMBEDDED_TAKES ?? 5000);
const KEYS = Number(process.env.KEYS ?? 1000);
const IN_FLIGHT = Number(process.env.IN_FLIGHT ?? 32);
const SCENARIOS = (process.env.SCENARIOS ?? 'memory,redis,pg,embedded,websocket').split(',');
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
// Large enough that most takes are admitted, as in normal traffic.
const SPEC = { burst: 1_000_000, perSecond: 1_000_000 };

interface Figures { readonly serialUsP50: number; readonly serialUsP99: number; readonly takesPerSecond: number }

const quantile = (sorted: Float64Array, q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

async function measure(limiter: RateLimiter, takes: number): Promise<Figures> {
  for (let i = 0; i < Math.min(1000, takes); i++) await limiter.take(`warm:${i % KEYS}`, SPEC, Date.now());
  const lat = new Float64Array(takes);
  for (let i = 0; i < takes; i++) {
    const t0 = performance.now();
    await limiter.take(`user:${i % KEYS}`, SPEC, Date.now());
    lat[i] = (performance.now() - t0) * 1000;
  }
  lat.sort();
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (next < takes) {
      const i = next++;
      await limiter.take(`user:${i % KEYS}`, SPEC, Date.now());
    }
  }));
  const s = (performance.now() - t0) / 1000;
  return { serialUsP50: round(quantile(lat, 0.5)), serialUsP99: round(quantile(lat, 0.99)), takesPerSecond: Math.round(takes / s) };
}

function websocket(): { readonly nsPerMessage: number } {
  const budgets = Array.from({ length: KEYS }, () => new ConnectionBudget());
  const p = { ...RATE_LIMIT_DEFAULTS, wsMessages: SPEC, wsTicks: SPEC };
  const n = TAKES * 100;
  let admitted = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) if (admitMessage(budgets[i % KEYS]!, p, (i & 7) === 0, t0 + i / 1000) === 0) admitted += 1;
  const ns = ((performance.now() - t0) * 1e6) / n;
  if (admitted === 0) throw new Error('nothing admitted');
  return { nsPerMessage: round(ns) };
}

const round = (x: number) => Math.round(x * 100) / 100;

async function main(): Promise<void> {
  const out: Record<string, unknown> = {};
  for (const s of SCENARIOS) {
    if (s === 'memory') out.memory = await measure(new MemoryRateLimiter(), TAKES);
    if (s === 'websocket') out.websocket = websocket();
    if (s === 'redis') {
      const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
      const prefix = `rl-bench-${randomBytes(4).toString('hex')}:`;
      try {
        out.redis = await measure(new RedisRateLimiter({ redis, prefix }), TAKES);
      } finally {
        const keys = await redis.keys(`${prefix}*`);
        for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000));
        await redis.quit();
      }
    }
    if (s === 'pg' || s === 'embedded') {
      const dataDir = mkdtempSync(join(tmpdir(), 'rl-bench-'));
      const schema = `rl_bench_${randomBytes(4).toString('hex')}`;
      const db = await openDatabase({ ...(s === 'pg' ? { url: DATABASE_URL } : {}), schema, dataDir });
      try {
        await migrate(db.pool);
        out[s] = await measure(new PgRateLimiter({ db }), s === 'pg' ? TAKES : EMBEDDED_TAKES);
      } finally {
        if (s === 'pg') await db.pool.query(`DROP SCHEMA ${quoteSchema(schema)} CASCADE`);
        await db.close();
        rmSync(dataDir, { recursive: true, force: true });
      }
    }
    process.stdout.write(`${s}: ${JSON.stringify(out[s])}\n`);
  }
  process.stdout.write(`${JSON.stringify({ takes: TAKES, keys: KEYS, inFlight: IN_FLIGHT, ...out })}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
