/**
 * Per-user data keys on this machine's PostgreSQL (a fresh schema, dropped afterwards): created
 * once even when first uses race, readable under the current or a previous master key, rotated
 * to a new master key so that every field stays readable with only the new key configured,
 * crypto-shredded (and audited in the journal's hash chain), and refused clearly when no
 * configured master key opens them.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgDataKeys, WrappedDataKeys, pgWrappedKeyStore } from '../../src/persistence/data-keys.js';
import { dataKeyStatus, rotateDataKeys } from '../../src/persistence/data-key-rotation.js';
import { decryptField, encryptField, type FieldContext } from '../../src/persistence/field-crypto.js';
import { journalAuditSink, PgJournal } from '../../src/persistence/journal.js';
import { masterKeyId, type MasterKeys } from '../../src/persistence/master-keys.js';
import { memoryDataKeys } from '../../src/persistence/memory-data-keys.js';
import { verifyAuditTrail } from '../../src/persistence/audit-verify.js';
import { countRows, openTestDb, type TestDb } from './queue-harness.js';

const master = (): { id: string; key: Buffer } => {
  const key = randomBytes(32);
  return { id: masterKeyId(key), key };
};
const OLD = master();
const NEW = master();
const STRANGER = master();
const only = (current: typeof OLD, ...previous: (typeof OLD)[]): MasterKeys => ({ current, previous });

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb('server');
});
afterAll(async () => {
  await t.close();
});

const where = (userId: string): FieldContext => ({ table: 'users', column: 'display_name', rowId: userId });

/** Seals one field for each user with their data key, as the account service will. */
async function sealFor(keys: WrappedDataKeys, users: readonly string[]): Promise<Map<string, string>> {
  const sealed = new Map<string, string>();
  for (const u of users) sealed.set(u, encryptField(await keys.forUser(u), `name of ${u}`, where(u)));
  return sealed;
}

/** Opens a sealed field the way a reader does: the data key the envelope names, looked up first. */
async function open(keys: WrappedDataKeys, userId: string, envelope: string): Promise<ReturnType<typeof decryptField>> {
  const keyId = envelope.split('.')[1] as string;
  const key = await keys.find(userId, keyId);
  return decryptField((id) => (id === keyId ? key : undefined), envelope, where(userId));
}

describe('data keys in PostgreSQL', () => {
  it('creates a user\'s key once, even when first uses race in two processes, and stores it only wrapped', async () => {
    const a = pgDataKeys(t.db.pool, only(OLD));
    const b = pgDataKeys(t.db.pool, only(OLD));
    const got = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? a : b).forUser('race-1')));
    expect(new Set(got.map((k) => k.id)).size).toBe(1);
    expect(got.every((k) => k.key.equals(got[0]!.key))).toBe(true);
    const rows = (await t.db.pool.query(`SELECT key_id, master_key_id, wrapped FROM data_keys WHERE user_id = 'race-1'`)).rows;
    expect(rows).toEqual([{ key_id: got[0]!.id, master_key_id: OLD.id, wrapped: expect.stringMatching(new RegExp(`^v1\\.${OLD.id}\\.`)) }]);
    expect(rows[0].wrapped).not.toContain(got[0]!.key.toString('base64url'));
    // A third instance (a restart) finds the same key.
    expect((await pgDataKeys(t.db.pool, only(OLD)).forUser('race-1')).key.equals(got[0]!.key)).toBe(true);
  });

  it('after rotation reads every user\'s fields with only the new master key; a shredded user\'s fail with FIELD_KEY_MISSING; a second rotation changes nothing', async () => {
    const users = ['rot-ann', 'rot-bob', 'rot-cat', 'rot-dan', 'rot-eve'];
    const sealed = await sealFor(pgDataKeys(t.db.pool, only(OLD)), users);

    // The engine runs with both keys during the rotation, and reads either wrapping throughout.
    const during = pgDataKeys(t.db.pool, only(NEW, OLD));
    const batches: number[] = [];
    const first = await rotateDataKeys(t.db.pool, only(NEW, OLD), { batch: 2, onBatch: (n) => batches.push(n) });
    expect(first).toMatchObject({ failed: [], currentMasterKeyId: NEW.id, alreadyCurrent: 0 });
    expect(first.rewrapped).toBeGreaterThanOrEqual(users.length); // the race test's user too
    expect(batches.length).toBeGreaterThanOrEqual(3); // batches of 2
    for (const u of users) expect(await open(during, u, sealed.get(u)!)).toEqual({ ok: true, value: `name of ${u}` });

    const after = pgDataKeys(t.db.pool, only(NEW));
    for (const u of users) expect(await open(after, u, sealed.get(u)!)).toEqual({ ok: true, value: `name of ${u}` });
    expect(await dataKeyStatus(t.db.pool, only(NEW, OLD))).toEqual([{ masterKeyId: NEW.id, role: 'current', dataKeys: first.rewrapped }]);

    await after.shred('rot-bob', 'admin-ann');
    expect(await open(after, 'rot-bob', sealed.get('rot-bob')!)).toMatchObject({ ok: false, code: 'FIELD_KEY_MISSING' });
    expect(await open(pgDataKeys(t.db.pool, only(NEW)), 'rot-bob', sealed.get('rot-bob')!)).toMatchObject({ ok: false, code: 'FIELD_KEY_MISSING' });
    for (const u of users.filter((x) => x !== 'rot-bob')) expect(await open(after, u, sealed.get(u)!)).toEqual({ ok: true, value: `name of ${u}` });

    const again = await rotateDataKeys(t.db.pool, only(NEW, OLD));
    expect(again).toEqual({ rewrapped: 0, alreadyCurrent: first.rewrapped - 1, failed: [], currentMasterKeyId: NEW.id });
    for (const u of users.filter((x) => x !== 'rot-bob')) expect(await open(pgDataKeys(t.db.pool, only(NEW)), u, sealed.get(u)!)).toMatchObject({ ok: true });
  });

  it('leaves a key no configured master opens, names its user, and rotates the others', async () => {
    const sealed = await sealFor(pgDataKeys(t.db.pool, only(OLD)), ['fine-1', 'fine-2']);
    await pgDataKeys(t.db.pool, only(STRANGER)).forUser('lost-2'); // its master is configured nowhere below
    const r = await rotateDataKeys(t.db.pool, only(NEW, OLD));
    expect(r.rewrapped).toBe(2);
    expect(r.failed).toEqual([{
      userId: 'lost-2', keyId: expect.stringMatching(/^dk-/), masterKeyId: STRANGER.id, code: 'DATA_KEY_MASTER_UNKNOWN',
      message: expect.stringMatching(new RegExp(`^data key dk-\\S+ of user lost-2 is wrapped by master key ${STRANGER.id}, which is neither ENCRYPTION_KEY nor in ENCRYPTION_KEY_PREVIOUS$`)),
    }]);
    expect(await open(pgDataKeys(t.db.pool, only(NEW)), 'fine-1', sealed.get('fine-1')!)).toMatchObject({ ok: true });
    expect(await dataKeyStatus(t.db.pool, only(NEW, OLD))).toEqual([
      { masterKeyId: NEW.id, role: 'current', dataKeys: expect.any(Number) },
      { masterKeyId: STRANGER.id, role: 'unknown', dataKeys: 1 },
    ]);
    await expect(pgDataKeys(t.db.pool, only(NEW)).forUser('lost-2')).rejects.toMatchObject({ code: 'DATA_KEY_MASTER_UNKNOWN' });
    await t.db.pool.query(`DELETE FROM data_keys WHERE user_id = 'lost-2'`);
  });

  it('refuses a wrapped key moved to another user (its AAD is the user id) as tampered, not as shredded', async () => {
    const keys = pgDataKeys(t.db.pool, only(NEW));
    const mine = await keys.forUser('swap-a');
    await keys.forUser('swap-b');
    await t.db.pool.query(`UPDATE data_keys SET wrapped = (SELECT wrapped FROM data_keys WHERE user_id = 'swap-a') WHERE user_id = 'swap-b'`);
    const b = (await t.db.pool.query(`SELECT key_id FROM data_keys WHERE user_id = 'swap-b'`)).rows[0].key_id as string;
    await expect(pgDataKeys(t.db.pool, only(NEW)).find('swap-b', b)).rejects.toMatchObject({ code: 'DATA_KEY_TAMPERED' });
    expect(await pgDataKeys(t.db.pool, only(NEW)).find('swap-a', mine.id)).toEqual(mine.key);
  });

  it('keeps a bounded cache of the most recently used keys: an evicted key is read again from the table', async () => {
    const keys = new WrappedDataKeys({ store: pgWrappedKeyStore(t.db.pool), masterKeys: only(NEW), cacheSize: 2 });
    const [k1, k2, k3] = [await keys.forUser('c-1'), await keys.forUser('c-2'), await keys.forUser('c-3')];
    expect(await keys.find('c-2', k2.id)).toEqual(k2.key); // c-2, c-3 cached: c-1 was evicted
    // The rows go behind the cache's back: what is cached still answers, what was evicted does not.
    await t.db.pool.query(`DELETE FROM data_keys WHERE user_id IN ('c-1', 'c-2', 'c-3')`);
    expect(await keys.find('c-2', k2.id)).toEqual(k2.key);
    expect(await keys.find('c-3', k3.id)).toEqual(k3.key);
    expect(await keys.find('c-1', k1.id)).toBeUndefined();
  });

  it('audits a shred in the journal\'s hash chain, with who did it, before the key is gone', async () => {
    const journal = await PgJournal.open(t.db.pool, { namedStatements: false });
    const keys = pgDataKeys(t.db.pool, only(NEW), { audit: journalAuditSink(journal) });
    await keys.forUser('gdpr-1');
    await keys.shred('gdpr-1', 'compliance-carl');
    await journal.project();
    expect(await countRows(t.db, `SELECT count(*) n FROM data_keys WHERE user_id = 'gdpr-1'`)).toBe(0);
    const rows = (await t.db.pool.query(`SELECT actor, action, entity_type, entity_id, before, after FROM audit_log WHERE entity_id = 'gdpr-1'`)).rows;
    expect(rows).toEqual([{ actor: 'compliance-carl', action: 'data_key.shredded', entity_type: 'data_key', entity_id: 'gdpr-1', before: null, after: { shredded: true } }]);
    expect(await verifyAuditTrail(t.db.pool)).toMatchObject({ ok: true });
    journal.stopProjection();
  });
});

describe('data keys in memory (PERSISTENCE=memory)', () => {
  it('behaves as the PostgreSQL ones: one key per user, readable by id, unreadable once shredded', async () => {
    const keys = memoryDataKeys(only(NEW));
    const [a, b] = await Promise.all([keys.forUser('m-1'), keys.forUser('m-1')]);
    expect(a).toEqual(b);
    const field = encryptField(a, 'secret', where('m-1'));
    expect(await open(keys, 'm-1', field)).toEqual({ ok: true, value: 'secret' });
    await keys.shred('m-1');
    expect(await open(keys, 'm-1', field)).toMatchObject({ ok: false, code: 'FIELD_KEY_MISSING' });
    expect((await keys.forUser('m-1')).id).not.toBe(a.id);
  });
});
