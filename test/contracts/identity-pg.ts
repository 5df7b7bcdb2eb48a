/**
 * A migrated database of the identity tests' own: a fresh schema on this machine's PostgreSQL
 * server (dropped by `destroy`), or embedded PGlite in a temporary folder.
 */
import { type Database, openDatabase } from '../../src/persistence/database.js';
import { migrate } from '../../src/persistence/migrate.js';
import { type Backend, newTarget } from '../persistence/pg-fixture.js';

export interface IdentityDb {
  readonly db: Database;
  /** Another pool on the same database and schema (a second engine process's view). */
  openAnother(): Promise<Database>;
  destroy(): Promise<void>;
}

export async function identityDb(backend: Backend = 'external'): Promise<IdentityDb> {
  const target = newTarget(backend);
  const open = () => openDatabase({ ...(target.url !== undefined ? { url: target.url } : {}), schema: target.schema, dataDir: target.dataDir, poolSize: 3 });
  const db = await open();
  await migrate(db.pool);
  const others: Database[] = [];
  return {
    db,
    async openAnother() {
      const d = await open();
      others.push(d);
      return d;
    },
    async destroy() {
      for (const d of others) await d.close().catch(() => {});
      await db.close();
      await target.cleanup();
    },
  };
}
