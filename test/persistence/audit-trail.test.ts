/**
 * The audit trail on this machine's PostgreSQL: the database refuses UPDATE, DELETE and TRUNCATE
 * of audit_log; a row changed or removed behind the triggers' back (a superuser with
 * session_replication_role = replica) is found by `risk-engine audit verify`, which names it and
 * its chain (a partition's, or the control chain of what belongs to no portfolio).
 * Also `risk-engine reconcile` on a position changed behind the journal's back.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPortfolioState } from '../../src/engine/actors/portfolio-actor.js';
import { verifyAuditTrail } from '../../src/persistence/audit-verify.js';
import { openPersistence, type Persistence } from '../../src/persistence/persistence.js';
import { held, stock } from '../fixtures/books.js';
import { newTarget, type DbTarget } from './pg-fixture.js';

const bin = path.join(import.meta.dirname, '..', '..', 'bin', 'risk-engine.js');

let t: DbTarget;
let p: Persistence;
let admin: pg.Client;

function cli(...argv: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...argv], {
    env: { ...process.env, DATABASE_URL: t.url, DATABASE_SCHEMA: t.schema, DATA_DIR: t.dataDir, LOG_LEVEL: 'silent' }, encoding: 'utf8', timeout: 30_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  t = newTarget('external');
  // One partition: the five portfolios' records are one chain (0), beside the control chain (-1).
  p = await openPersistence({ databaseUrl: t.url!, schema: t.schema, queuePrefix: 'test', logLevel: 'silent', poolSize: 2, dataDir: t.dataDir, log: () => {}, partitions: 1 });
  await p.audit({ actor: 'admin-0', action: 'user.roles.changed', entityType: 'user', entityId: 'u1', before: { roles: [] }, after: { roles: ['trader'] } });
  for (let i = 1; i <= 5; i++) {
    const state = createPortfolioState({ portfolioId: `A${i}`, cash: 1000 * i, holdings: [held(stock('AAA', 10 * i), 100)] });
    await p.journal.record({ kind: 'created', state, by: `admin-${i}` });
  }
  await p.journal.project();
  admin = new pg.Client({ connectionString: t.url, options: `-c search_path=${t.schema}` });
  await admin.connect();
});

afterAll(async () => {
  await admin?.end();
  await p?.close();
  await t?.cleanup();
});

describe('audit trail', () => {
  it('is chains that verify, one record per change, with who and when in microseconds', async () => {
    const intact = { ok: true, records: 6, chains: [{ chain: -1, ok: true, records: 1 }, { chain: 0, ok: true, records: 5 }] };
    expect(await verifyAuditTrail(p.db.pool)).toEqual(intact);
    const rows = (await admin.query<{ seq: string; actor: string; at_us: string }>('SELECT seq, actor, at_us FROM audit_log WHERE chain = 0 ORDER BY seq')).rows;
    expect(rows.map((r) => [Number(r.seq), r.actor])).toEqual([[1, 'admin-1'], [2, 'admin-2'], [3, 'admin-3'], [4, 'admin-4'], [5, 'admin-5']]);
    const atUs = Number(rows[0]!.at_us);
    expect(Math.abs(atUs / 1000 - Date.now())).toBeLessThan(60_000);
    expect(cli('audit', 'verify')).toMatchObject({ code: 0, stdout: 'audit trail intact: 6 records in 2 chains\n' });
  });

  it('is refused UPDATE, DELETE and TRUNCATE by the database itself', async () => {
    await expect(admin.query("UPDATE audit_log SET actor = 'mallory' WHERE chain = 0 AND seq = 2")).rejects.toThrow(/append-only: UPDATE refused/);
    await expect(admin.query('DELETE FROM audit_log WHERE chain = 0 AND seq = 2')).rejects.toThrow(/append-only: DELETE refused/);
    await expect(admin.query('TRUNCATE audit_log')).rejects.toThrow(/append-only: TRUNCATE refused/);
    expect(await verifyAuditTrail(p.db.pool)).toMatchObject({ ok: true, records: 6 });
  });

  it('names the first record changed behind the triggers, and a removed one', async () => {
    await admin.query('SET session_replication_role = replica'); // a superuser bypassing triggers
    await admin.query(`UPDATE audit_log SET after = jsonb_set(after, '{cash}', '999999') WHERE chain = 0 AND seq = 3`);
    const changed = cli('audit', 'verify');
    expect(changed.code).toBe(1);
    expect(changed.stdout).toBe('audit trail BROKEN in partition 0 (chain 0) at record 3: its content does not match its hash (the record was changed) (2 records before it verified)\n'
      + '1 of 2 chains broken; 3 records verified\n');
    // The control chain still verifies; the total counts what verified in each.
    expect(await verifyAuditTrail(p.db.pool)).toMatchObject({
      ok: false, brokenChain: 0, brokenSeq: 3, records: 3, chains: [{ chain: -1, ok: true, records: 1 }, { chain: 0, ok: false, brokenSeq: 3, records: 2 }],
    });

    await admin.query(`DELETE FROM audit_log WHERE chain = 0 AND seq >= 3 AND seq <= 4`);
    expect(await verifyAuditTrail(p.db.pool)).toMatchObject({ ok: false, brokenChain: 0, brokenSeq: 5, records: 3 });
    await admin.query('SET session_replication_role = origin');
  });

  it('reconcile agrees with an intact book and reports a position changed behind the journal (exit 1)', async () => {
    expect(cli('reconcile')).toMatchObject({ code: 0 });
    await admin.query("UPDATE positions SET qty = qty + 1 WHERE portfolio_id = 'A2'");
    const r = cli('reconcile');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('DIFFERENCE A2 AAA: stored 21, from fills 20');
  });
});
