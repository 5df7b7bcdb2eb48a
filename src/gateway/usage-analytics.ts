/**
 * Product analytics, the engine's one processing that runs on consent alone (purpose
 * `product_analytics`): how many times each signed-in person called each REST route. It runs only
 * for a person whose newest consent record grants it, stops at their withdrawal, and a withdrawal
 * (or an erasure) deletes what it counted of them. Counts are kept in this process only.
 *
 * `withUsageAnalytics` wraps the gateway's routes: the count is taken after the answer is made and
 * never delays or fails it (a consent lookup that fails counts nothing).
 */
import type { ConsentPurpose } from '../engine/compliance/gdpr/consent.js';
import type { RouteSpec } from './route-spec.js';

const PURPOSE: ConsentPurpose = 'product_analytics';

export interface ConsentGate {
  allows(userId: string, purpose: ConsentPurpose): Promise<boolean>;
  onWithdrawn(listener: (userId: string, purpose: ConsentPurpose) => void): () => void;
}

export class UsageAnalytics {
  /** user id → "METHOD pattern" → calls. */
  private readonly counts = new Map<string, Map<string, number>>();

  constructor(private readonly consent: ConsentGate) {
    consent.onWithdrawn((userId, purpose) => {
      if (purpose === PURPOSE) this.counts.delete(userId);
    });
  }

  /** Counts one call of `route` by `userId` if they consent; resolves whether it counted. */
  async record(userId: string, route: string): Promise<boolean> {
    if (!(await this.consent.allows(userId, PURPOSE))) return false;
    const mine = this.counts.get(userId) ?? new Map<string, number>();
    mine.set(route, (mine.get(route) ?? 0) + 1);
    this.counts.set(userId, mine);
    return true;
  }

  /** What is held of the person (their export). */
  of(userId: string): Record<string, number> {
    return Object.fromEntries(this.counts.get(userId) ?? []);
  }
}

/** The routes, each counting its calls for the analytics (signed-in callers with consent only). */
export function withUsageAnalytics(routes: readonly RouteSpec[], analytics: UsageAnalytics): RouteSpec[] {
  return routes.map((r) => ({
    ...r,
    async handle(c) {
      const out = await r.handle(c);
      // API keys are programs, not a person's clicks: only tokens of a person are counted.
      if (c.principal.via === 'token') void analytics.record(c.principal.sub, `${r.method.toUpperCase()} ${r.pattern}`).catch(() => {});
      return out;
    },
  }));
}
