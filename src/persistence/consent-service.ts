/**
 * Consent as the routes and the consent-based processing use it: recording a grant or a
 * withdrawal (audited), the history, and `allows(user, purpose)`, which the processing asks before
 * it runs (usage-analytics.ts). A withdrawal is heard by the listeners at once (the analytics
 * delete what they hold of the person); other engine processes see it when their cached answer
 * expires (`cacheMs`, 30 s by default), so processing stops everywhere within that time.
 */
import { type ConsentChange, type ConsentPurpose, type ConsentRecord, currentConsents } from '../engine/compliance/gdpr/consent.js';
import type { AuditSink } from '../gateway/identity/ports.js';
import type { ConsentStore } from './consent-store.js';

export interface ConsentServiceDeps {
  readonly store: ConsentStore;
  readonly audit: AuditSink;
  readonly clock?: () => number;
  /** How long an answer of `allows` is reused (ms); 0: ask the store every time. */
  readonly cacheMs?: number;
}

export const CONSENT_DEFAULTS = Object.freeze({ cacheMs: 30_000 });

export class ConsentService {
  private readonly now: () => number;
  private readonly cacheMs: number;
  private readonly cache = new Map<string, { readonly granted: ReadonlySet<ConsentPurpose>; readonly atMs: number }>();
  private readonly withdrawn = new Set<(userId: string, purpose: ConsentPurpose) => void>();

  constructor(private readonly d: ConsentServiceDeps) {
    this.now = d.clock ?? Date.now;
    this.cacheMs = d.cacheMs ?? CONSENT_DEFAULTS.cacheMs;
  }

  /** Records one grant or withdrawal of the person's; resolves with the record stored. */
  async record(userId: string, change: ConsentChange): Promise<ConsentRecord> {
    const r: ConsentRecord = { purpose: change.purpose, textVersion: change.textVersion, granted: change.granted, atMs: this.now() };
    await this.d.store.append(userId, r);
    this.cache.delete(userId);
    await this.d.audit({ actor: userId, action: change.granted ? 'gdpr.consent.granted' : 'gdpr.consent.withdrawn', entityType: 'user', entityId: userId, before: null, after: r });
    if (!change.granted) for (const l of this.withdrawn) l(userId, change.purpose);
    return r;
  }

  history(userId: string): Promise<ConsentRecord[]> {
    return this.d.store.history(userId);
  }

  /** True when the person's newest record for `purpose` grants it (no record: no consent). */
  async allows(userId: string, purpose: ConsentPurpose): Promise<boolean> {
    const hit = this.cache.get(userId);
    if (hit && this.now() - hit.atMs < this.cacheMs) return hit.granted.has(purpose);
    const current = currentConsents(await this.d.store.history(userId));
    const granted = new Set(Object.values(current).filter((r): r is ConsentRecord => r?.granted === true).map((r) => r.purpose));
    if (this.cacheMs > 0) this.cache.set(userId, { granted, atMs: this.now() });
    return granted.has(purpose);
  }

  /** Called on every withdrawal recorded here (and on an erasure: `forget`). */
  onWithdrawn(listener: (userId: string, purpose: ConsentPurpose) => void): () => void {
    this.withdrawn.add(listener);
    return () => this.withdrawn.delete(listener);
  }

  /** The person was erased: no consent holds any more, and what consent-based processing kept goes. */
  forget(userId: string, purposes: readonly ConsentPurpose[]): void {
    this.cache.set(userId, { granted: new Set(), atMs: Number.POSITIVE_INFINITY });
    for (const p of purposes) for (const l of this.withdrawn) l(userId, p);
  }
}
