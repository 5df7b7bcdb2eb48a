/**
 * The rate limits' arithmetic and policies on a clock the test sets: token buckets, the in-process
 * store's bound, the route classes, the 429's headers, the websocket budgets and the fallback when
 * the shared store is away.
 */
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import {
  ConnectionBudget, MemoryRateLimiter, RATE_LIMIT_DEFAULTS, type RatePolicies, addressKey, admitMessage, rateLimited, routeClass, takeToken, withFallback,
} from '../../src/gateway/rate-limit.js';
import { RedisRateLimiter } from '../../src/persistence/rate-limit-store.js';

describe('a token bucket', () => {
  const spec = { burst: 3, perSecond: 2 };

  it('starts full, gives its burst at once, then refuses and says when the next token comes', () => {
    const b = { tokens: 3, updatedMs: 0 };
    expect([takeToken(b, spec, 0), takeToken(b, spec, 0), takeToken(b, spec, 0)].map((d) => [d.allowed, d.remaining])).toEqual([[true, 2], [true, 1], [true, 0]]);
    expect(takeToken(b, spec, 100)).toEqual({ allowed: false, remaining: 0, limit: 3, retryAfterMs: 400, resetMs: 1400 });
    expect(takeToken(b, spec, 499).allowed).toBe(false);
    expect(takeToken(b, spec, 500)).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('refills at its rate and never above its burst', () => {
    const b = { tokens: 0, updatedMs: 0 };
    expect(takeToken(b, spec, 60_000)).toMatchObject({ allowed: true, remaining: 2, resetMs: 500 });
  });

  it('refills nothing when the clock goes backwards, and keeps its newest time', () => {
    const b = { tokens: 0, updatedMs: 1000 };
    expect(takeToken(b, spec, 0).allowed).toBe(false);
    expect(b.updatedMs).toBe(1000);
    expect(takeToken(b, spec, 1500).allowed).toBe(true);
  });
});

describe('the in-process limiter', () => {
  it('keeps at most its cap of buckets, dropping full ones first, then the least recently used', () => {
    const m = new MemoryRateLimiter(3);
    const spec = { burst: 2, perSecond: 1 };
    m.takeNow('a', spec, 0); // full again at 1000
    m.takeNow('b', spec, 900);
    m.takeNow('b', spec, 900); // drained
    m.takeNow('c', spec, 950);
    m.takeNow('d', spec, 1000); // a is full: it goes
    expect(m.size).toBe(3);
    expect(m.takeNow('b', spec, 1000).allowed).toBe(false); // b kept its state
    m.takeNow('c', spec, 1001);
    m.takeNow('e', spec, 1002); // none full: the least recently used (d) goes
    expect(m.size).toBe(3);
    expect(m.takeNow('b', spec, 1003).allowed).toBe(false);
  });
});

describe('the REST policies', () => {
  it('classes routes: /auth per address, /admin and /health as admin, GET as read, the rest as write', () => {
    expect(routeClass('post', '/auth/login')).toBe('auth');
    expect(routeClass('get', '/admin/dead-letters')).toBe('admin');
    expect(routeClass('get', '/health')).toBe('admin');
    expect(routeClass('get', '/portfolios/:id')).toBe('read');
    expect(routeClass('post', '/orders')).toBe('write');
    expect(routeClass('del', '/trades/:id')).toBe('write');
    expect(routeClass('get', '/authors')).toBe('read');
  });

  it('gives an IPv4 address a bucket of its own and an IPv6 address its /64\'s, however it is written', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('2001:0db8:0000:0001:0000:0000:0000:0042')).toBe('2001:db8:0:1::/64');
    expect(addressKey('2001:db8:0:1::99')).toBe('2001:db8:0:1::/64');
    expect(addressKey('2001:DB8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('2001:db8:0:2::1')).not.toBe(addressKey('2001:db8:0:1::1'));
  });

  it('answers 429 with Retry-After rounded up to whole seconds and the draft RateLimit fields', () => {
    const r = rateLimited('auth', { burst: 10, perSecond: 1 }, { allowed: false, remaining: 0, limit: 10, retryAfterMs: 1200, resetMs: 9200 });
    expect(r.status).toBe(429);
    expect(r.headers).toEqual([['retry-after', '2'], ['ratelimit-policy', '"auth";q=10;w=10'], ['ratelimit', '"auth";r=0;t=2']]);
    expect(r.body).toEqual({ code: 'RATE_LIMITED', message: 'rate limit of auth requests reached: at most 10 at once, then 1 per second; retry in 2 s' });
  });
});

describe('a websocket connection\'s budgets', () => {
  const p: RatePolicies = { ...RATE_LIMIT_DEFAULTS, wsMessages: { burst: 4, perSecond: 1 }, wsTicks: { burst: 2, perSecond: 1000 }, wsCloseAfterRefusals: 3 };

  it('keeps ticks and other messages on separate budgets', () => {
    const b = new ConnectionBudget();
    expect([1, 2, 3, 4, 5].map(() => admitMessage(b, p, false, 0))).toEqual([0, 0, 0, 0, 1]);
    expect([admitMessage(b, p, true, 0), admitMessage(b, p, true, 0), admitMessage(b, p, true, 0)]).toEqual([0, 0, 1]);
    expect(admitMessage(b, p, true, 1)).toBe(0); // a tick per ms comes back
    expect(admitMessage(b, p, false, 1)).toBe(2);
  });

  it('counts refusals until the budget is back at half, so a client that keeps on adds up and one that waits is forgiven', () => {
    const b = new ConnectionBudget();
    for (let i = 0; i < 4; i++) admitMessage(b, p, false, 0);
    expect([admitMessage(b, p, false, 0), admitMessage(b, p, false, 500)]).toEqual([1, 2]);
    // Alternating admitted and refused messages never let the budget reach half: the count goes on.
    expect(admitMessage(b, p, false, 1000)).toBe(0);
    expect(admitMessage(b, p, false, 1000)).toBe(3);
    // Ticks taken meanwhile, their budget full, forgive nothing of the messages' count.
    expect(admitMessage(b, p, true, 1000)).toBe(0);
    expect(b.messages.refusals).toBe(3);
    // Two seconds of quiet: two tokens of four, half the burst: forgiven.
    expect(admitMessage(b, p, false, 3000)).toBe(0);
    expect(b.messages.refusals).toBe(0);
  });
});

describe('a shared store that is away', () => {
  it('falls back to this process\'s buckets and reports the failure once per interval', async () => {
    const redis = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    const failures: unknown[] = [];
    const limiter = withFallback(new RedisRateLimiter({ redis, prefix: 'away:' }), new MemoryRateLimiter(), (e) => failures.push(e), 10_000);
    const spec = { burst: 2, perSecond: 0.001 };
    const d = [await limiter.take('k', spec, 0), await limiter.take('k', spec, 1), await limiter.take('k', spec, 2)];
    expect(d.map((x) => x.allowed)).toEqual([true, true, false]);
    expect(failures).toHaveLength(1);
    await limiter.take('k', spec, 10_000);
    expect(failures).toHaveLength(2);
    redis.disconnect();
  });
});
