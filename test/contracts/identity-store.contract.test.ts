/** The identity store contract against the in-memory store and the PostgreSQL store (a schema of its own on this machine's server). */
import { MemoryIdentityStore } from '../../src/persistence/identity-store-memory.js';
import { PgIdentityStore } from '../../src/persistence/identity-store-pg.js';
import { describeIdentityStoreContract } from './identity-store.contract.js';
import { identityDb } from './identity-pg.js';

describeIdentityStoreContract('in memory', async () => ({ store: new MemoryIdentityStore(), destroy: async () => {} }));

describeIdentityStoreContract('PostgreSQL server', async () => {
  const d = await identityDb('external');
  return { store: new PgIdentityStore(d.db.pool), destroy: () => d.destroy() };
});

describeIdentityStoreContract('PostgreSQL embedded (PGlite)', async () => {
  const d = await identityDb('embedded');
  return { store: new PgIdentityStore(d.db.pool), destroy: () => d.destroy() };
});
