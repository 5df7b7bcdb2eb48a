/**
 * One contract for every place the REST rate limits keep their buckets: this process, Redis (a
 * Lua script) and PostgreSQL (one UPSERT), the server's and the embedded one. The same cases run on
 * each: a burst then refusals, refill over time, a correct Retry-After, independent keys, and
 * parallel takes that never admit more than the burst.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryRateLimiter, type RateLimiter, type RateSpec } from '../../src/gateway/rate-limit.js';
import { PgRateLimiter, RedisRateLimiter, openRateLimitStore } from '../../src/persistence/rate-limit-store.js';
import { countRows, openTestDb, REDIS_URL, type TestDb } from './queue-harness.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Store {
  readonly limiter: RateLimiter;
  close(): Promise<void>;
}

const stores: Record<string, () => Promise<Store>> = {
  memory: async () => ({ limiter: new MemoryRateLimiter(), close: async () => {} }),
  redis: async () => {
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    const prefix = `rl-test-${randomBytes(5).toString('hex')}:`;
    return {
      limiter: new RedisRateLimiter({ redis, prefix }),
      close: async () => {
        const keys = await redis.keys(`${prefix}*`);
        if (keys.length > 0) await redis.del(...keys);
        await redis.quit();
      },
    };
  },
  'server PostgreSQL': async () => {
    const t = await openTestDb('server');
    return { limiter: new PgRateLimiter({ db: t.db }), close: () => t.close() };
  },
  'embedded PostgreSQL': async () => {
    const t = await openTestDb('embedded');
    return { limiter: new PgRateLimiter({ db: t.db }), close: () => t.close() };
  },
};

describe.each(Object.keys(stores))('rate limit buckets in %s', (name) => {
  let store: Store;
  let limiter: RateLimiter;
  beforeAll(async () => {
    store = await stores[name]!();
    limiter = store.limiter;
  });
  afterAll(() => store?.close());

  const key = () => `k-${randomBytes(4).toString('hex')}`;
  const takes = async (k: string, spec: RateSpec, n: number) => {
    const out = [];
    for (let i = 0; i < n; i++) out.push(await limiter.take(k, spec, Date.now()));
    return out;
  };
  // A refill so slow that no token comes back while a case runs.
  const FROZEN: RateSpec = { burst: 10, perSecond: 0.001 };

  it('admits a burst at once, counting down what remains, then refuses', async () => {
    const d = await takes(key(), FROZEN, 12);
    expect(d.map((x) => x.allowed)).toEqual([...Array(10).fill(true), false, false]);
    expect(d.slice(0, 10).map((x) => x.remaining)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    expect(d[10]).toMatchObject({ allowed: false, remaining: 0, limit: 10 });
  });

  it('says when a token is back (Retry-After), and admits again once it is', async () => {
    const k = key();
    const spec = { burst: 3, perSecond: 5 };
    await takes(k, spec, 3);
    const refused = await limiter.take(k, spec, Date.now());
    expect(refused.allowed).toBe(false);
    // 200 ms per token, less what has refilled since the last admitted take.
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(200);
    expect(refused.resetMs).toBeGreaterThanOrEqual(refused.retryAfterMs);
    expect(refused.resetMs).toBeLessThanOrEqual(600);
    await sleep(refused.retryAfterMs + 30);
    expect((await limiter.take(k, spec, Date.now())).allowed).toBe(true);
  });

  it('refills at its rate up to the burst, never beyond', async () => {
    const k = key();
    const spec = { burst: 2, perSecond: 50 };
    await takes(k, spec, 2);
    await sleep(300); // 15 tokens' worth of time; the bucket holds 2
    const d = await takes(k, spec, 3);
    expect(d.map((x) => x.allowed)).toEqual([true, true, false]);
  });

  it('keeps keys apart: one drained bucket leaves another full', async () => {
    const a = key();
    const b = key();
    await takes(a, FROZEN, 10);
    expect((await limiter.take(a, FROZEN, Date.now())).allowed).toBe(false);
    expect(await limiter.take(b, FROZEN, Date.now())).toMatchObject({ allowed: true, remaining: 9 });
  });

  it('admits exactly the burst of 50 parallel takes', async () => {
    const k = key();
    const d = await Promise.all(Array.from({ length: 50 }, () => limiter.take(k, FROZEN, Date.now())));
    expect(d.filter((x) => x.allowed)).toHaveLength(10);
    expect(d.filter((x) => x.allowed).map((x) => x.remaining).sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

describe('the Redis buckets', () => {
  let redis: Redis;
  const prefix = `rl-test-${randomBytes(5).toString('hex')}:`;
  beforeAll(() => {
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('expire when they would be full again, so idle buckets vanish', async () => {
    const limiter = new RedisRateLimiter({ redis, prefix });
    await limiter.take('ttl', { burst: 10, perSecond: 2 }, Date.now());
    await limiter.take('ttl', { burst: 10, perSecond: 2 }, Date.now());
    const ttl = await redis.pttl(`${prefix}ttl`);
    // Two tokens to refill at 2/s: about a second.
    expect(ttl).toBeGreaterThan(500);
    expect(ttl).toBeLessThanOrEqual(1000);
  });

  it('load the script again after Redis forgot it (NOSCRIPT), and the bucket is intact', async () => {
    const limiter = new RedisRateLimiter({ redis, prefix });
    const spec = { burst: 3, perSecond: 0.001 };
    expect((await limiter.take('flush', spec, Date.now())).remaining).toBe(2);
    await redis.script('FLUSH');
    expect((await limiter.take('flush', spec, Date.now())).remaining).toBe(1);
  });
});

describe('the PostgreSQL buckets', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb('server');
  });
  afterAll(() => t?.close());

  it('clean up the buckets that are full again and keep the others', async () => {
    const limiter = new PgRateLimiter({ db: t.db });
    await limiter.take('refilled', { burst: 5, perSecond: 1000 }, Date.now());
    await limiter.take('drained', { burst: 5, perSecond: 0.001 }, Date.now());
    await sleep(20);
    expect(await limiter.sweep()).toBe(1);
    expect(await countRows(t.db, 'SELECT count(*) n FROM rate_limit_buckets WHERE key = $1', ['drained'])).toBe(1);
    expect(await countRows(t.db, 'SELECT count(*) n FROM rate_limit_buckets WHERE key = $1', ['refilled'])).toBe(0);
  });

  it('start a clean-up from a take once the interval has passed, without a timer', async () => {
    const limiter = new PgRateLimiter({ db: t.db, sweepEveryMs: 1000 });
    const t0 = Date.now();
    await limiter.take('lazy', { burst: 5, perSecond: 1000 }, t0);
    await sleep(20);
    await limiter.take('other', { burst: 5, perSecond: 0.001 }, t0 + 1000);
    await expect.poll(() => countRows(t.db, 'SELECT count(*) n FROM rate_limit_buckets WHERE key = $1', ['lazy'])).toBe(0);
  });
});

describe('the store a deployment gets', () => {
  it('is Redis when there is one, with keys under the deployment\'s prefix', async () => {
    const prefix = `rl-open-${randomBytes(4).toString('hex')}`;
    const store = openRateLimitStore({ redisUrl: REDIS_URL, prefix });
    const redis = new Redis(REDIS_URL);
    try {
      expect(store.kind).toBe('redis');
      // Until the connection is up a take falls back (no offline queue); then it lands in Redis.
      await expect.poll(async () => {
        await store.limiter.take('user:read:amy', { burst: 5, perSecond: 1 }, Date.now());
        return redis.exists(`${prefix}:rl:user:read:amy`);
      }).toBe(1);
    } finally {
      await redis.del(`${prefix}:rl:user:read:amy`);
      await redis.quit();
      await store.close();
    }
  });

  it('is the PostgreSQL server\'s table without Redis, and this process\'s buckets on the embedded database or none', async () => {
    const t = await openTestDb('server');
    const store = openRateLimitStore({ prefix: 'p', db: t.db });
    try {
      expect(store.kind).toBe('postgres');
      expect(await store.limiter.take('user:write:amy', { burst: 3, perSecond: 1 }, Date.now())).toMatchObject({ allowed: true, remaining: 2 });
      expect(await countRows(t.db, 'SELECT count(*) n FROM rate_limit_buckets WHERE key = $1', ['user:write:amy'])).toBe(1);
    } finally {
      await store.close();
      await t.close();
    }
    expect(openRateLimitStore({ prefix: 'p', db: { kind: 'embedded', connection: {} } }).kind).toBe('memory');
    expect(openRateLimitStore({ prefix: 'p' }).kind).toBe('memory');
  });

  it('limits in this process while Redis is away, and says so once', async () => {
    const logs: string[] = [];
    const store = openRateLimitStore({ redisUrl: 'redis://127.0.0.1:1', prefix: 'away', log: (_level, msg) => logs.push(msg) });
    const spec = { burst: 2, perSecond: 0.001 };
    const d = [];
    for (let i = 0; i < 3; i++) d.push((await store.limiter.take('k', spec, Date.now())).allowed);
    expect(d).toEqual([true, true, false]);
    expect(logs.filter((m) => m.startsWith('rate-limit store failed'))).toHaveLength(1);
    await store.close();
  });
});
