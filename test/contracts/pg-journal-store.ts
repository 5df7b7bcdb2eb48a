/**
 * The PostgreSQL journal (src/persistence/journal.ts) as a JournalStore for the journal contract:
 * on embedded PGlite, or in a schema of its own on the PostgreSQL server, reached through a relay
 * the contract can cut (pg-fixture.ts). Opened as a start opens it (migrations, then the journal,
 * owning every partition, then the states recovery rebuilds), without the queues, which the port does not involve.
 */
import { verifyAuditTrail } from '../../src/persistence/audit-verify.js';
import { openDatabase } from '../../src/persistence/database.js';
import { migrate } from '../../src/persistence/migrate.js';
import { loadPortfolioStates } from '../../src/persistence/recovery.js';
import { openOwningJournal } from '../persistence/journal-fixture.js';
import { type Backend, newTarget, serverRelay, urlThrough } from '../persistence/pg-fixture.js';
import type { JournalStore, OpenJournal } from './journal.contract.js';

export function pgJournalStore(backend: Backend): JournalStore {
  const target = newTarget(backend);
  const relay = backend === 'external' ? serverRelay() : undefined;
  return {
    async open(): Promise<OpenJournal> {
      let url: string | undefined;
      if (relay) {
        await relay.start();
        url = urlThrough(relay);
      }
      const db = await openDatabase({ ...(url !== undefined ? { url } : {}), schema: target.schema, dataDir: target.dataDir, poolSize: 2 });
      try {
        await migrate(db.pool);
        const journal = await openOwningJournal(db.pool, { namedStatements: db.kind === 'external' });
        return {
          journal,
          async restored(sinceMs) {
            await journal.project();
            return loadPortfolioStates(db.pool, sinceMs);
          },
          async audit() {
            await journal.project();
            const rows = await db.pool.query<{ action: string; actor: string; entityId: string }>('SELECT action, actor, entity_id AS "entityId" FROM audit_log ORDER BY at_us, chain, seq');
            return { records: rows.rows, verified: (await verifyAuditTrail(db.pool)).ok };
          },
          async close() {
            journal.stopProjection();
            await db.close();
          },
        };
      } catch (err) {
        await db.close();
        throw err;
      }
    },
    destroy: () => target.cleanup(),
    ...(relay ? { interruption: { cut: () => relay.cut(), restore: () => relay.restore() } } : {}),
  };
}
