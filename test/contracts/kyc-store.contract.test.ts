/** The KYC store contract over the memory rows and the PostgreSQL rows (a fresh schema on this machine's server, and embedded PGlite). */
import { randomBytes } from 'node:crypto';
import { pgDataKeys } from '../../src/persistence/data-keys.js';
import { MemoryKycRows } from '../../src/persistence/kyc-rows-memory.js';
import { PgKycRows } from '../../src/persistence/kyc-rows-pg.js';
import { KycStore } from '../../src/persistence/kyc-store.js';
import type { MasterKeys } from '../../src/persistence/master-keys.js';
import { memoryDataKeys } from '../../src/persistence/memory-data-keys.js';
import type { Backend } from '../persistence/pg-fixture.js';
import { identityDb } from './identity-pg.js';
import { describeKycStoreContract, type KycStoreFixture } from './kyc-store.contract.js';

const masterKeys = (): MasterKeys => ({ current: { id: 'mk-kyc-test', key: randomBytes(32) }, previous: [] });

describeKycStoreContract('in memory', async () => {
  const rows = new MemoryKycRows();
  const dataKeys = memoryDataKeys(masterKeys());
  return {
    store: new KycStore(rows, dataKeys), dataKeys,
    async raw(userId) {
      return JSON.stringify({
        submission: rows.submissions.get(userId),
        transitions: await rows.transitions(userId),
        documents: [...rows.documents.values()].filter((d) => d.userId === userId),
      });
    },
    destroy: async () => {},
  };
});

async function onPostgres(backend: Backend): Promise<KycStoreFixture> {
  const d = await identityDb(backend);
  const dataKeys = pgDataKeys(d.db.pool, masterKeys());
  const q = async (sql: string, userId: string) => (await d.db.pool.query(sql, [userId])).rows;
  return {
    store: new KycStore(new PgKycRows(d.db.pool), dataKeys), dataKeys,
    async raw(userId) {
      return JSON.stringify({
        submission: await q('SELECT * FROM kyc_submissions WHERE user_id = $1', userId),
        transitions: await q('SELECT * FROM kyc_transitions WHERE user_id = $1', userId),
        documents: await q('SELECT * FROM kyc_documents WHERE user_id = $1', userId),
      });
    },
    destroy: () => d.destroy(),
  };
}

describeKycStoreContract('PostgreSQL server', () => onPostgres('external'));
describeKycStoreContract('PostgreSQL embedded (PGlite)', () => onPostgres('embedded'));
