/**
 * The GDPR pieces as the engine runs them (src/main.ts): consents, the consent-based usage
 * analytics, the export and erasure service and, on a durable engine, the erasure ledger re-applied
 * BEFORE anything is served, so that a database restored from a backup older than an erasure never
 * shows the erased person (gdpr-erasure-ledger.ts).
 */
import type pg from 'pg';
import type { AuditSink, DataKeys } from '../gateway/identity/ports.js';
import type { IdentityStore, SessionStore } from '../gateway/identity/stores.js';
import { UsageAnalytics } from '../gateway/usage-analytics.js';
import type { LogFn } from '../logger.js';
import { ConsentService } from './consent-service.js';
import { MemoryConsentStore } from './consent-store.js';
import { PgConsentStore } from './consent-store-pg.js';
import { fileErasureLedger } from './gdpr-erasure-ledger.js';
import { PgErasureRecords, reapplyErasures } from './gdpr-erasures-pg.js';
import { PgPersonalRecords } from './gdpr-records-pg.js';
import { GdprService } from './gdpr-service.js';
import type { KycStore } from './kyc-store.js';

export interface GdprOptions {
  /** The engine's database (durable engines); absent: consents in memory, no erasure. */
  readonly pool?: pg.Pool;
  /** The erasure ledger's file, outside every database backup (durable engines: DATA_DIR/gdpr-erasures.jsonl). */
  readonly ledgerPath?: string;
  readonly identity: IdentityStore;
  readonly sessions: SessionStore;
  readonly dataKeys: DataKeys;
  readonly kyc: KycStore;
  readonly audit: AuditSink;
  readonly clock?: () => number;
  readonly log?: LogFn;
}

export interface Gdpr {
  readonly service: GdprService;
  readonly consents: ConsentService;
  readonly analytics: UsageAnalytics;
}

export async function openGdpr(o: GdprOptions): Promise<Gdpr> {
  const clock = o.clock ?? Date.now;
  const consents = new ConsentService({ store: o.pool ? new PgConsentStore(o.pool) : new MemoryConsentStore(), audit: o.audit, clock });
  const analytics = new UsageAnalytics(consents);
  const durable = o.pool !== undefined && o.ledgerPath !== undefined ? { pool: o.pool, ledger: fileErasureLedger(o.ledgerPath) } : undefined;
  if (durable) {
    const acted = await reapplyErasures(durable.pool, durable.ledger);
    if (acted.length > 0) o.log?.('warn', 'erasures re-applied from the erasure ledger (a restored backup, or an erasure interrupted)', { users: acted.length, ledger: durable.ledger.where });
  }
  const service = new GdprService({
    identity: o.identity, sessions: o.sessions, dataKeys: o.dataKeys, kyc: o.kyc, consents, audit: o.audit, clock, analytics,
    ...(durable ? { records: new PgPersonalRecords(durable.pool), erasures: new PgErasureRecords(durable.pool), ledger: durable.ledger } : {}),
  });
  return { service, consents, analytics };
}
