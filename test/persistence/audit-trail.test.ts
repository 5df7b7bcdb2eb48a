/**
 * The audit trail on this machine's PostgreSQL: the database refuses UPDATE, DELETE and TRUNCATE
 * of audit_log; a row changed or removed behind the triggers' back (a superuser with
 * session_replication_role = replica) is found by `risk-engine audit verify`, which names it.
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
  p = await openPersistence({ databaseUrl: t.url!, schema: t.schema, queuePrefix: 'test', logLevel: 'silent', poolSize: 2, dataDir: t.dataDir, log: () => {} });
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
  it('is a chain that verifies, one record per change, with who and when in microseconds', async () => {
    expect(await verifyAuditTrail(p.db.pool)).toEqual({ ok: true, records: 5 });
    const rows = (await admin.query<{ seq: string; actor: string; at_us: string }>('SELECT seq, actor, at_us FROM audit_log ORDER BY seq')).rows;
    expect(rows.map((r) => r.actor)).toEqual(['admin-1', 'admin-2', 'admin-3', 'admin-4', 'admin-5']);
    const atUs = Number(rows[0]!.at_us);
    expect(Math.abs(atUs / 1000 - Date.now())).toBeLessThan(60_000);
    expect(cli('audit', 'verify')).toMatchObject({ code: 0, stdout: 'audit trail intact: 5 records\n' });
  });

  it('is refused UPDATE, DELETE and TRUNCATE by the database itself', async () => {
    await expect(admin.query("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2")).rejects.toThrow(/append-only: UPDATE refused/);
    await expect(admin.query('DELETE FROM audit_log WHERE seq = 2')).rejects.toThrow(/append-only: DELETE refused/);
    await expect(admin.query('TRUNCATE audit_log')).rejects.toThrow(/append-only: TRUNCATE refused/);
    expect(await verifyAuditTrail(p.db.pool)).toEqual({ ok: true, records: 5 });
  });

  it('names the first record changed behind the triggers, and a removed one', async () => {
    await admin.query('SET session_replication_role = replica'); // a superuser bypassing triggers
    await admin.query(`UPDATE audit_log SET after = jsonb_set(after, '{cash}', '999999') WHERE seq = 3`);
    const changed = cli('audit', 'verify');
    expect(changed.code).toBe(1);
    expect(changed.stdout).toMatch(/BROKEN at record 3: its content does not match its hash/);
    expect(await verifyAuditTrail(p.db.pool)).toMatchObject({ ok: false, brokenSeq: 3, records: 2 });

    await admin.query(`DELETE FROM audit_log WHERE seq >= 3 AND seq <= 4`);
    expect(await verifyAuditTrail(p.db.pool)).toMatchObject({ ok: false, brokenSeq: 5, records: 2 });
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
