/**
 * An engine whose database connection drops misses the revocations announced meanwhile (NOTIFY
 * reaches only those listening); the PostgreSQL session store listens again when the database is
 * back and reloads the live revocations, so a session revoked by another engine during the outage
 * is refused here afterwards.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/persistence/database.js';
import { PgIdentityStore } from '../../src/persistence/identity-store-pg.js';
import { PgSessionStore } from '../../src/persistence/session-store-pg.js';
import { identityDb, type IdentityDb } from '../contracts/identity-pg.js';
import { type CuttableRelay, serverRelay, urlThrough } from './pg-fixture.js';

let direct: IdentityDb;
let relay: CuttableRelay;
let viaRelay: Database;
let here: PgSessionStore;
let there: PgSessionStore;

beforeAll(async () => {
  direct = await identityDb('external');
  relay = serverRelay();
  await relay.start();
  viaRelay = await openDatabase({ url: urlThrough(relay), schema: direct.db.schema, dataDir: '/tmp', poolSize: 2 });
  here = new PgSessionStore({ pool: viaRelay.pool, connection: viaRelay.connection, schema: viaRelay.schema, reconnectMs: 100 });
  there = new PgSessionStore({ pool: direct.db.pool, connection: direct.db.connection, schema: direct.db.schema });
  await here.start();
  await there.start();
});

afterAll(async () => {
  await here?.close();
  await there?.close();
  await relay?.restore().catch(() => {});
  await viaRelay?.close().catch(() => {});
  await direct?.destroy();
});

it('refuses a session revoked by another engine while this one had lost its database, once it is back', async () => {
  const userId = randomUUID();
  await new PgIdentityStore(direct.db.pool).createUser({ id: userId, email: `${userId}@example.com`, passwordHash: 'x', displayNameSealed: 'x', status: 'active', createdMs: 0, grants: [] });
  const sid = randomUUID();
  await there.create({ id: sid, userId, amr: ['pwd'], createdMs: Date.now(), expiresMs: Date.now() + 86_400_000 }, 'h0');
  const heard: string[] = [];
  here.onRevoked((e) => heard.push(...e.sessionIds));

  await relay.cut();
  await there.revoke(sid, Date.now());
  await new Promise((r) => setTimeout(r, 300));
  expect(here.isRevoked(sid)).toBe(false); // nothing could reach it

  await relay.restore();
  const end = Date.now() + 5000;
  while (!here.isRevoked(sid) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  expect(here.isRevoked(sid)).toBe(true);
  expect(heard).toEqual([sid]);
});

it('tells of an API key revoked by another engine while this one had lost its database, once it is back, so its websockets here close', async () => {
  const ownerId = randomUUID();
  const identity = new PgIdentityStore(direct.db.pool);
  await identity.createUser({ id: ownerId, email: `${ownerId}@example.com`, passwordHash: 'x', displayNameSealed: 'x', status: 'active', createdMs: 0, grants: [] });
  const keyId = `ak_${randomUUID().replaceAll('-', '').slice(0, 24)}`;
  await identity.createApiKey({ id: keyId, ownerId, name: 'bot', secretHash: 'x', grants: [], expiresMs: undefined, createdMs: Date.now() });
  const heard: { userId: string; sessionIds: readonly string[] }[] = [];
  here.onRevoked((e) => heard.push(e));

  await relay.cut();
  // What AccountService.revokeApiKey does on the other engine: the row, then the announcement.
  expect(await identity.revokeApiKey(ownerId, keyId, Date.now())).toBe(true);
  await there.revokeCredential(keyId, Date.now() + 86_400_000, Date.now());
  await new Promise((r) => setTimeout(r, 300));
  expect(here.isRevoked(keyId)).toBe(false);

  await relay.restore();
  const end = Date.now() + 5000;
  while (!here.isRevoked(keyId) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  expect(heard).toContainEqual({ userId: keyId, sessionIds: [keyId] });
});
