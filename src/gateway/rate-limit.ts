/**
 * Rate limits with burst: token buckets. A bucket holds at most `burst` tokens, refills at
 * `perSecond`, and each request or message takes one; an empty bucket refuses. The arithmetic is
 * here once; where the buckets live is a `RateLimiter` (this process, Redis or PostgreSQL:
 * src/persistence/rate-limit-store.ts), except for websocket messages, whose budget is a few numbers
 * on the connection, checked synchronously (one connection lives in one process anyway).
 *
 * Policies (docs/PROTOCOL.md "Rate limits", README "Configuration"): `/auth/*` per client address; every other
 * REST route per user and route class (read, write, admin); websocket messages per connection, with
 * ticks from a feed on a budget of their own (market data arrives at thousands a second).
 */
import { CLOSE_CODES, type GatewayError, gatewayError } from './errors.js';
import type { HttpResult } from './http-util.js';
import type { MessageAdmission } from './ws-handlers.js';

/** A bucket's shape: `burst` requests at once, then `perSecond` on average. */
export interface RateSpec {
  readonly burst: number;
  readonly perSecond: number;
}

export interface RateDecision {
  readonly allowed: boolean;
  /** Whole tokens left after this take. */
  readonly remaining: number;
  /** The bucket's capacity (its burst). */
  readonly limit: number;
  /** 0 when allowed; else how long until one token is back. */
  readonly retryAfterMs: number;
  /** How long until the bucket is full again. */
  readonly resetMs: number;
}

/** Takes one token from the bucket `key` (created full); `nowMs` is the caller's clock (a shared store may use its own). */
export interface RateLimiter {
  take(key: string, spec: RateSpec, nowMs: number): Promise<RateDecision>;
}

/** A bucket's stored state: tokens (fractional) as of `updatedMs`. */
export interface BucketState {
  tokens: number;
  updatedMs: number;
}

/** The tokens a bucket holds at `nowMs` (a clock that went backwards refills nothing). */
export function refilled(state: BucketState, spec: RateSpec, nowMs: number): number {
  const elapsedMs = Math.max(0, nowMs - state.updatedMs);
  return Math.min(spec.burst, state.tokens + (elapsedMs * spec.perSecond) / 1000);
}

/**
 * The decision for a bucket that holds `tokens` before the take, and `left` after it: the one
 * formula every store uses, so the memory, Redis and PostgreSQL answers agree to the millisecond.
 */
export function decision(allowed: boolean, left: number, spec: RateSpec): RateDecision {
  const msPerToken = 1000 / spec.perSecond;
  return {
    allowed,
    remaining: Math.floor(left),
    limit: spec.burst,
    retryAfterMs: allowed ? 0 : Math.ceil((1 - left) * msPerToken),
    resetMs: Math.ceil((spec.burst - left) * msPerToken),
  };
}

/** One take on `state` at `nowMs`: mutates it and says whether the request passes. */
export function takeToken(state: BucketState, spec: RateSpec, nowMs: number): RateDecision {
  const tokens = refilled(state, spec, nowMs);
  const allowed = tokens >= 1;
  state.tokens = allowed ? tokens - 1 : tokens;
  state.updatedMs = Math.max(state.updatedMs, nowMs);
  return decision(allowed, state.tokens, spec);
}

/** Buckets the in-process limiter keeps at most (one per client address or user and route class). */
export const MEMORY_LIMITER_MAX_KEYS = 100_000;
/** Buckets the eviction looks at, from the least recently used. */
const EVICTION_SCAN = 64;

/**
 * Buckets in this process (PERSISTENCE=memory, the embedded database, the fallback). Bounded: at the
 * cap, buckets that have refilled to full are dropped (a full bucket and a missing one answer the
 * same); if none is, the least recently used goes, which only ever errs towards admitting.
 */
export class MemoryRateLimiter implements RateLimiter {
  private readonly buckets = new Map<string, BucketState & { fullAtMs: number }>();

  constructor(private readonly maxKeys = MEMORY_LIMITER_MAX_KEYS) {}

  take(key: string, spec: RateSpec, nowMs: number): Promise<RateDecision> {
    return Promise.resolve(this.takeNow(key, spec, nowMs));
  }

  /** The same take, synchronously. */
  takeNow(key: string, spec: RateSpec, nowMs: number): RateDecision {
    let b = this.buckets.get(key);
    if (b === undefined) {
      if (this.buckets.size >= this.maxKeys) this.evict(nowMs);
      b = { tokens: spec.burst, updatedMs: nowMs, fullAtMs: nowMs };
    } else {
      // Re-inserted so that the map's order is least recently used first.
      this.buckets.delete(key);
    }
    const d = takeToken(b, spec, nowMs);
    b.fullAtMs = b.updatedMs + d.resetMs;
    this.buckets.set(key, b);
    return d;
  }

  get size(): number {
    return this.buckets.size;
  }

  /**
   * Looks at the least recently used few only: a flood of new keys (addresses) at the cap must cost
   * each request O(1), not a walk of every bucket. Those are the likeliest to be full anyway.
   */
  private evict(nowMs: number): void {
    let looked = 0;
    for (const [k, b] of this.buckets) {
      if (++looked > EVICTION_SCAN) break;
      if (b.fullAtMs <= nowMs) this.buckets.delete(k);
    }
    if (this.buckets.size < this.maxKeys) return;
    const oldest = this.buckets.keys().next();
    if (!oldest.done) this.buckets.delete(oldest.value);
  }
}

/**
 * A shared store that fails (Redis or PostgreSQL down) must not take the REST API down with it:
 * the take falls back to this process's buckets (each engine then limits on its own) and the
 * failure is reported, once per `reportEveryMs`.
 */
export function withFallback(primary: RateLimiter, fallback: RateLimiter, onError: (e: unknown) => void, reportEveryMs = 10_000): RateLimiter {
  let lastReportMs = -Infinity;
  return {
    async take(key, spec, nowMs) {
      try {
        return await primary.take(key, spec, nowMs);
      } catch (e) {
        if (nowMs - lastReportMs >= reportEveryMs) {
          lastReportMs = nowMs;
          onError(e);
        }
        return fallback.take(key, spec, nowMs);
      }
    },
  };
}

// ---- policies ----

/** Route classes of the REST API, each with its own bucket per user. */
export type RouteClass = 'auth' | 'read' | 'write' | 'admin';

export interface RatePolicies {
  /** `/auth/*`, per client address (no user yet). */
  readonly auth: RateSpec;
  /** GET routes, per user. */
  readonly read: RateSpec;
  /** POST and DELETE routes, per user. */
  readonly write: RateSpec;
  /** `/admin/*` and `/health`, per user. */
  readonly admin: RateSpec;
  /** Websocket messages other than ticks, per connection. */
  readonly wsMessages: RateSpec;
  /** Websocket ticks (market data from a feed), per connection. */
  readonly wsTicks: RateSpec;
  /** Refusals a connection may collect while its budget stays below half before it is closed (CLOSE_CODES.RATE_LIMITED). */
  readonly wsCloseAfterRefusals: number;
}

/**
 * Defaults; src/config.ts maps the RATE_LIMIT_* variables onto them. Chosen so that a person or a
 * program working normally never meets them (the real-time bench sends 5,000 ticks/s and 200
 * orders/s on one connection each) while a loop gone wrong is stopped within a second:
 * - auth 10 at once then 1/s per address: a person logs in a few times a day; a password guesser
 *   gets 3,600 tries an hour per address at most, and the account lockout stops it sooner.
 * - read 200 then 100/s, write 100 then 50/s per user: dashboards poll, desks click.
 * - admin 30 then 5/s: operators' actions (dead-letter replay, portfolio changes) are rare.
 * - websocket messages 1,000 then 500/s; ticks 20,000 then 10,000/s (twice the bench's feed).
 */
export const RATE_LIMIT_DEFAULTS: RatePolicies = Object.freeze({
  auth: Object.freeze({ burst: 10, perSecond: 1 }),
  read: Object.freeze({ burst: 200, perSecond: 100 }),
  write: Object.freeze({ burst: 100, perSecond: 50 }),
  admin: Object.freeze({ burst: 30, perSecond: 5 }),
  wsMessages: Object.freeze({ burst: 1000, perSecond: 500 }),
  wsTicks: Object.freeze({ burst: 20_000, perSecond: 10_000 }),
  wsCloseAfterRefusals: 50,
});

/** The class of a REST route, by its method and pattern. */
export function routeClass(method: string, pattern: string): RouteClass {
  if (pattern === '/auth' || pattern.startsWith('/auth/')) return 'auth';
  if (pattern.startsWith('/admin/') || pattern === '/health') return 'admin';
  return method.toLowerCase() === 'get' ? 'read' : 'write';
}

// ---- REST ----

/** What the gateway is given (GatewayOptions.rateLimits). */
export interface RestRateLimits {
  readonly limiter: RateLimiter;
  readonly policies: RatePolicies;
}

/** Who is asking: a signed-in user (per user and route class), or anyone (per client address: `/auth/*`). */
export type RestCaller =
  | { readonly kind: 'user'; readonly sub: string; readonly method: string; readonly pattern: string }
  | { readonly kind: 'address'; readonly ip: string; readonly pattern: string };

/**
 * The one check before a REST handler runs: null to go on, or the 429 to answer. A refusal never
 * reaches the handler; each user (or address) and route class has its own bucket, so one caller's
 * burst never refuses another.
 */
export async function restAdmission(limits: RestRateLimits, caller: RestCaller, nowMs: number): Promise<HttpResult | null> {
  const cls = caller.kind === 'address' ? 'auth' : routeClass(caller.method, caller.pattern);
  const spec = limits.policies[cls];
  // Keys name their partition, so a user called "ip:1.2.3.4" cannot share an address's bucket.
  const key = caller.kind === 'address' ? `ip:${addressKey(caller.ip)}:${cls}` : `user:${cls}:${caller.sub}`;
  const d = await limits.limiter.take(key, spec, nowMs);
  return d.allowed ? null : rateLimited(cls, spec, d);
}

/**
 * The bucket of a client address: an IPv4 address as it is (an IPv4-mapped IPv6 one too), an IPv6
 * address by its /64, since one subscriber line gets a whole /64 and could otherwise take a fresh
 * bucket for every request.
 */
export function addressKey(ip: string): string {
  const v4 = /^(?:::ffff:)?(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (v4) return v4[1] as string;
  if (!ip.includes(':')) return ip;
  const [head = '', tail] = ip.toLowerCase().split('::', 2);
  const headParts = head === '' ? [] : head.split(':');
  const tailParts = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? headParts : [...headParts, ...Array<string>(Math.max(0, 8 - headParts.length - tailParts.length)).fill('0'), ...tailParts];
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/**
 * 429 with `Retry-After` (whole seconds, rounded up: a client that waits that long gets a token)
 * and the header fields of draft-ietf-httpapi-ratelimit-headers-10 (September 2025):
 * `RateLimit-Policy: "<name>";q=<burst>;w=<seconds to refill from empty>` and
 * `RateLimit: "<name>";r=<remaining>;t=<seconds until a token is back>`.
 */
export function rateLimited(policy: RouteClass, spec: RateSpec, d: RateDecision): HttpResult {
  const retryAfterS = Math.max(1, Math.ceil(d.retryAfterMs / 1000));
  const windowS = Math.max(1, Math.ceil(spec.burst / spec.perSecond));
  return {
    status: 429,
    body: { code: 'RATE_LIMITED', message: rateMessage(`${policy} requests`, spec, retryAfterS) },
    headers: [
      ['retry-after', String(retryAfterS)],
      ['ratelimit-policy', `"${policy}";q=${spec.burst};w=${windowS}`],
      ['ratelimit', `"${policy}";r=${d.remaining};t=${retryAfterS}`],
    ],
  };
}

function rateMessage(what: string, spec: RateSpec, retryAfterS: number): string {
  return `rate limit of ${what} reached: at most ${spec.burst} at once, then ${spec.perSecond} per second; retry in ${retryAfterS} s`;
}

// ---- websocket ----

/** One of a connection's budgets: a token bucket and its refusals, as plain numbers. */
export class MessageBucket {
  /** NaN = not started (full). */
  tokens = Number.NaN;
  updatedMs = 0;
  /** Refused messages since this bucket last stood at half or more. */
  refusals = 0;
}

/**
 * A connection's message budgets: two token buckets (messages, ticks), made with the session, so
 * that the check per message allocates nothing.
 */
export class ConnectionBudget {
  readonly messages = new MessageBucket();
  readonly ticks = new MessageBucket();
}

/** The RATE_LIMITED error frame's, built once per policy: a refusal allocates nothing either. */
function wsRefusals(p: RatePolicies): { readonly messages: GatewayError; readonly ticks: GatewayError } {
  return {
    messages: gatewayError('RATE_LIMITED', rateMessage('websocket messages on this connection', p.wsMessages, Math.max(1, Math.ceil(1 / p.wsMessages.perSecond)))),
    ticks: gatewayError('RATE_LIMITED', rateMessage('ticks on this connection', p.wsTicks, Math.max(1, Math.ceil(1 / p.wsTicks.perSecond)))),
  };
}

/**
 * One message on a connection: 0 when admitted, else the refusals its budget has collected (this
 * one included). Ticks draw on their own budget, so market data never starves a feed's orders or
 * subscriptions, nor the reverse. A budget's refusals count until it is back at half: alternating
 * admitted and refused messages add up, a client that backs off is forgiven.
 */
export function admitMessage(b: ConnectionBudget, p: RatePolicies, isTick: boolean, nowMs: number): number {
  return isTick ? admitTo(b.ticks, p.wsTicks, nowMs) : admitTo(b.messages, p.wsMessages, nowMs);
}

function admitTo(b: MessageBucket, spec: RateSpec, nowMs: number): number {
  let tokens = Number.isNaN(b.tokens) ? spec.burst : Math.min(spec.burst, b.tokens + (Math.max(0, nowMs - b.updatedMs) * spec.perSecond) / 1000);
  if (tokens * 2 >= spec.burst) b.refusals = 0;
  const refusals = tokens >= 1 ? 0 : ++b.refusals;
  if (refusals === 0) tokens -= 1;
  b.tokens = tokens;
  b.updatedMs = Math.max(b.updatedMs, nowMs);
  return refusals;
}

/**
 * The websocket's `MessageAdmission` (ws-handlers.ts) for these policies: the refusal is the
 * message's `error {code: "RATE_LIMITED"}`; a client whose budget collects `wsCloseAfterRefusals`
 * refusals is closed with CLOSE_CODES.RATE_LIMITED (4029).
 */
export function wsAdmission(p: RatePolicies, clock: () => number = Date.now): MessageAdmission {
  const refusal = wsRefusals(p);
  return (s, _principal, type) => {
    const isTick = type === 'tick';
    const refusals = admitMessage(s.budget, p, isTick, clock());
    if (refusals === 0) return null;
    if (refusals >= p.wsCloseAfterRefusals) {
      // After the refusal: the seam sends it as soon as we return, and Session.end flushes what
      // is queued before it closes.
      queueMicrotask(() => {
        if (!s.closed) s.end(CLOSE_CODES.RATE_LIMITED, 'rate limit: too many refused messages');
      });
    }
    return isTick ? refusal.ticks : refusal.messages;
  };
}
