/**
 * The retention job on the server PostgreSQL and the embedded PGlite: rows on both sides of every
 * cutoff, a run that deletes exactly the expired ones, keeps what the law requires, shreds the
 * rejected applicants due (and only them), records what it did, and deletes nothing twice.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retentionPolicy, RETENTION_DEFAULT_DAYS, RetentionEnv, retentionPeriodsFromEnv, cutoffMs } from '../../src/engine/compliance/retention-policy.js';
import { pgDataKeys } from '../../src/persistence/data-keys.js';
import { masterKeyId } from '../../src/persistence/master-keys.js';
import { runRetention, type RetentionDeps } from '../../src/persistence/retention.js';
import { retentionProcessor } from '../../src/workers/retention/retention-processor.js';
import type { SecurityEvent as AuditEvent } from '../../src/gateway/identity/ports.js';
import { countRows, openTestDb, type DbKind, type TestDb } from './queue-harness.js';

const AS_OF = '2025-06-30';
const DAY = 86_400_000;
const NOW = new Date('2025-06-30T12:00:00Z');
/** ms of a time `days` before the cutoff of `kind` (negative: after it, still young). */
const at = (kind: keyof typeof RETENTION_DEFAULT_DAYS, daysBeforeCutoff: number): number => cutoffMs(AS_OF, RETENTION_DEFAULT_DAYS[kind]) - daysBeforeCutoff * DAY;
const OLD = 1;
const YOUNG = -1;

const key = randomBytes(32);
const masters = { current: { id: masterKeyId(key), key }, previous: [] };

async function seed(t: TestDb, reportsDir: string, outsideFile: string): Promise<void> {
  const q = (text: string, params: unknown[] = []) => t.db.pool.query(text, params);
  for (const u of ['u-old', 'u-young', 'u-rej-old', 'u-rej-trader', 'u-rej-young', 'u-approved']) {
    await q(`INSERT INTO users (id, email, password_hash, display_name, created_ms) VALUES ($1, $2, 'h', 'sealed', 0)`, [u, `${u}@example.test`]);
  }
  // login failures
  await q(`INSERT INTO login_failures (user_id, at_ms) VALUES ('u-old', $1), ('u-old', $1), ('u-young', $2)`, [at('login_failures', OLD), at('login_failures', YOUNG)]);
  // sessions: expired long ago, revoked long ago (expiring later), live, revoked recently
  const s = (id: string, expires: number, revoked: number | null) =>
    q(`INSERT INTO user_sessions (id, user_id, refresh_hash, amr, created_ms, expires_ms, revoked_ms) VALUES ($1, 'u-old', 'h', '{pwd}', 0, $2, $3)`, [id, expires, revoked]);
  await s('s-expired-old', at('expired_sessions', OLD), null);
  await s('s-revoked-old', at('expired_sessions', -400), at('expired_sessions', OLD));
  await s('s-live', at('expired_sessions', -400), null);
  await s('s-revoked-young', at('expired_sessions', -400), at('expired_sessions', YOUNG));
  // api keys
  const k = (id: string, expires: number | null, revoked: number | null) =>
    q(`INSERT INTO api_keys (id, owner_id, name, secret_hash, grants, expires_ms, revoked_ms, created_ms) VALUES ($1, 'u-old', 'k', 'h', '[]', $2, $3, 0)`, [id, expires, revoked]);
  await k('k-revoked-old', null, at('revoked_api_keys', OLD));
  await k('k-expired-old', at('revoked_api_keys', OLD), null);
  await k('k-revoked-young', null, at('revoked_api_keys', YOUNG));
  await k('k-live', null, null);
  // risk snapshots: p1 old and young; p2 only old (its newest must stay)
  const r = (p: string, ms: number, seq: number) => q(`INSERT INTO risk_snapshots (portfolio_id, seq, tick_ts, computed_ms, figures) VALUES ($1, $2, 0, $3, '{}')`, [p, seq, ms]);
  await r('p1', at('risk_snapshots', 10), 1);
  await r('p1', at('risk_snapshots', OLD), 2);
  await r('p1', at('risk_snapshots', YOUNG), 3);
  await r('p2', at('risk_snapshots', 20), 1);
  await r('p2', at('risk_snapshots', 10), 2);
  const m = (sym: string, ms: number) => q(`INSERT INTO market_snapshots (symbol, ts_ms, price) VALUES ($1, $2, 1)`, [sym, ms]);
  await m('SPY', at('market_snapshots', OLD));
  await m('SPY', at('market_snapshots', YOUNG));
  await m('QQQ', at('market_snapshots', 30));
  await m('QQQ', at('market_snapshots', 20));
  // report runs: an old one with its file, a young one with its file, an old one naming a file outside the folder
  const oldDay = new Date(at('report_runs', OLD)).toISOString().slice(0, 10);
  const youngDay = new Date(at('report_runs', YOUNG)).toISOString().slice(0, 10);
  const rep = (kind: string, day: string, path: string) => {
    writeFileSync(path, 'report');
    return q(`INSERT INTO report_runs (kind, as_of, path, row_count, sha256) VALUES ($1, $2, $3, 0, 'x')`, [kind, day, path]);
  };
  await rep('positions-risk', oldDay, join(reportsDir, 'old.json'));
  await rep('positions-risk', youngDay, join(reportsDir, 'young.json'));
  await rep('elsewhere', oldDay, outsideFile);
  // KYC
  const kyc = (u: string, state: string, updated: number) =>
    q(`INSERT INTO kyc_submissions (user_id, state, legal_name, date_of_birth, nationality, country_of_residence, address, document_type, document_number, source_of_funds, version, submitted_ms, updated_ms, next_rescreen_ms)
       VALUES ($1, $2, 'x', 'x', 'x', 'x', 'x', 'passport', 'x', 'salary', 1, 0, $3, 1)`, [u, state, updated]);
  const doc = (u: string) => q(`INSERT INTO kyc_documents (id, user_id, document_type, content_type, size_bytes, content, uploaded_ms) VALUES ($1, $2, 'passport', 'image/png', 1, 'x', 0)`, [`d-${u}`, u]);
  await kyc('u-rej-old', 'rejected', at('rejected_kyc', OLD));
  await kyc('u-rej-trader', 'rejected', at('rejected_kyc', OLD));
  await kyc('u-rej-young', 'rejected', at('rejected_kyc', YOUNG));
  await kyc('u-approved', 'approved', at('rejected_kyc', 100));
  for (const u of ['u-rej-old', 'u-rej-trader', 'u-rej-young', 'u-approved']) {
    await doc(u);
    await pgDataKeys(t.db.pool, masters).forUser(u);
  }
  // records the law requires: a portfolio of the rejected trader, its order and fill, an AML alert, all ancient
  await q(`INSERT INTO portfolios (portfolio_id, owner_id, created_by, initial_cash, cash, trading_state, next_order_seq, next_fill_seq) VALUES ('p1', 'u-rej-trader', 'a', 0, 0, 'active', 1, 1)`);
  await q(`INSERT INTO orders (order_id, portfolio_id, client_order_id, instrument, side, qty, order_type, status, filled_qty, submitted_by, created_ms, updated_ms) VALUES ('o1', 'p1', 'c1', 'SPY', 'buy', 1, 'market', 'filled', 1, 'a', 0, 0)`);
  await q(`INSERT INTO fills (fill_id, order_id, client_order_id, portfolio_id, instrument, side, qty, price, ts_ms) VALUES ('f1', 'o1', 'c1', 'p1', 'SPY', 'buy', 1, 1, 0)`);
  await q(`INSERT INTO aml_alerts (fill_id, portfolio_id, rule, severity, notional, created_at) VALUES ('f1', 'p1', 'LARGE_NOTIONAL', 'high', 1, '2001-01-01')`);
}

describe.each(['server', 'embedded'] as DbKind[])('retention on %s PostgreSQL', (kind) => {
  let t: TestDb;
  let reportsDir: string;
  let outside: string;
  const audits: AuditEvent[] = [];
  let deps: RetentionDeps;

  beforeAll(async () => {
    t = await openTestDb(kind);
    reportsDir = mkdtempSync(join(tmpdir(), 'retention-reports-'));
    outside = join(mkdtempSync(join(tmpdir(), 'retention-outside-')), 'kept.json');
    await seed(t, reportsDir, outside);
    const keys = pgDataKeys(t.db.pool, masters, { audit: async (e) => void audits.push(e) });
    // batchSize 1: every kind takes several batches, so the loops are what is tested
    deps = { pool: t.db.pool, policy: retentionPolicy(), reportsDir, shred: (u, by) => keys.shred(u, by), batchSize: 1, now: () => NOW };
  }, 60_000);
  afterAll(async () => {
    await t.close();
    rmSync(reportsDir, { recursive: true, force: true });
  });

  const ids = async (sql: string): Promise<string[]> => (await t.db.pool.query<{ id: string }>(sql)).rows.map((r) => r.id).sort();

  it('deletes exactly the expired rows of every enforced kind, keeps the rest and what the law requires, and records the counts', async () => {
    const run = await runRetention(deps, AS_OF);
    const counts = Object.fromEntries(run.kinds.map((k) => [k.kind, k.count]));
    expect(counts).toEqual({ login_failures: 2, expired_sessions: 2, revoked_api_keys: 2, risk_snapshots: 3, market_snapshots: 2, report_runs: 2, rejected_kyc: 1 });

    expect(await ids(`SELECT user_id || ':' || at_ms AS id FROM login_failures`)).toEqual([`u-young:${at('login_failures', YOUNG)}`]);
    expect(await ids(`SELECT id FROM user_sessions`)).toEqual(['s-live', 's-revoked-young']);
    expect(await ids(`SELECT id FROM api_keys`)).toEqual(['k-live', 'k-revoked-young']);
    expect(await ids(`SELECT portfolio_id || ':' || seq AS id FROM risk_snapshots`)).toEqual(['p1:3', 'p2:2']);
    expect(await ids(`SELECT symbol || ':' || ts_ms AS id FROM market_snapshots`)).toEqual([`QQQ:${at('market_snapshots', 20)}`, `SPY:${at('market_snapshots', YOUNG)}`]);
    expect(await ids(`SELECT path AS id FROM report_runs`)).toEqual([join(reportsDir, 'young.json')]);
    expect(existsSync(join(reportsDir, 'old.json'))).toBe(false);
    expect(existsSync(join(reportsDir, 'young.json'))).toBe(true);
    expect(existsSync(outside)).toBe(true); // a path outside the reports folder is never removed

    // rejected long ago and never traded: key and documents gone, the case row kept; the others untouched
    expect(await ids(`SELECT user_id AS id FROM data_keys`)).toEqual(['u-approved', 'u-rej-trader', 'u-rej-young']);
    expect(await ids(`SELECT user_id AS id FROM kyc_documents`)).toEqual(['u-approved', 'u-rej-trader', 'u-rej-young']);
    expect(await ids(`SELECT user_id AS id FROM kyc_submissions`)).toHaveLength(4);
    expect(audits.filter((a) => a.action === 'data_key.shredded')).toEqual([expect.objectContaining({ actor: 'retention', entityId: 'u-rej-old' })]);

    for (const table of ['portfolios', 'orders', 'fills', 'aml_alerts', 'users']) {
      expect(await countRows(t.db, `SELECT count(*) n FROM ${table}`)).toBeGreaterThan(0);
    }
    const recorded = (await t.db.pool.query(`SELECT to_char(as_of, 'YYYY-MM-DD') AS as_of, kinds FROM retention_runs WHERE id = $1`, [run.id])).rows[0];
    expect(recorded.as_of).toBe(AS_OF);
    expect(recorded.kinds).toEqual(JSON.parse(JSON.stringify(run.kinds)));
    expect(recorded.kinds.find((k: { kind: string }) => k.kind === 'risk_snapshots')).toMatchObject({ action: 'delete', periodDays: 90, cutoffMs: cutoffMs(AS_OF, 90) });
  });

  it('deletes nothing the second time and records that run too', async () => {
    const before = await countRows(t.db, 'SELECT count(*) n FROM retention_runs');
    const run = await runRetention(deps, AS_OF);
    expect(run.kinds.map((k) => k.count)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(await countRows(t.db, 'SELECT count(*) n FROM retention_runs')).toBe(before + 1);
    expect(audits.filter((a) => a.action === 'data_key.shredded')).toHaveLength(1);
  });

  it('records the rejected applicants as skipped, shredding none, when no shredder is wired', async () => {
    await t.db.pool.query(`UPDATE kyc_submissions SET updated_ms = $1 WHERE user_id = 'u-rej-young'`, [at('rejected_kyc', OLD)]);
    const { shred: _shred, ...noShred } = deps;
    const run = await runRetention(noShred, AS_OF);
    expect(run.kinds.find((k) => k.kind === 'rejected_kyc')).toMatchObject({ count: 0, skipped: expect.stringContaining('no data-key shredder') });
    expect(await ids(`SELECT user_id AS id FROM data_keys`)).toContain('u-rej-young');
  });

  it('refuses hostile job payloads with a stable code, before deleting anything', async () => {
    const handle = retentionProcessor(deps);
    const job = (data: unknown) => ({ id: '1', queueName: 'report', name: 'retention', data }) as Parameters<typeof handle>[0];
    const runs = await countRows(t.db, 'SELECT count(*) n FROM retention_runs');
    for (const data of [null, 'x', {}, { asOf: '2025-02-30' }, { asOf: '2025-6-1' }, { asOf: "2025-06-30'; DROP TABLE fills; --" }, { asOf: AS_OF, extra: 1 }, { asOf: 20250630 }]) {
      await expect(handle(job(data))).rejects.toMatchObject({ name: 'UnrecoverableError', message: expect.stringMatching(/^QUEUE_PAYLOAD_INVALID: /) });
    }
    // a day after today would delete what has not expired
    await expect(handle(job({ asOf: '2999-01-01' }))).rejects.toMatchObject({ name: 'UnrecoverableError', message: expect.stringMatching(/^RETENTION_AS_OF_IN_FUTURE: /) });
    expect(await countRows(t.db, 'SELECT count(*) n FROM retention_runs')).toBe(runs);
    await expect(handle(job({ asOf: AS_OF }))).resolves.toMatchObject({ asOf: AS_OF, counts: { login_failures: 0 } });
  });
});

describe('retention settings', () => {
  it('default every period and refuse one below the legal minimum, naming the setting', () => {
    expect(retentionPeriodsFromEnv(RetentionEnv.parse({}))).toEqual(RETENTION_DEFAULT_DAYS);
    expect(retentionPeriodsFromEnv(RetentionEnv.parse({ RETENTION_RISK_SNAPSHOT_DAYS: '7' })).risk_snapshots).toBe(7);
    const r = RetentionEnv.safeParse({ RETENTION_REJECTED_KYC_DAYS: '30', RETENTION_SESSION_DAYS: '0' });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path[0]).sort()).toEqual(['RETENTION_REJECTED_KYC_DAYS', 'RETENTION_SESSION_DAYS']);
  });

  it('never lets the job touch what the law requires be kept', () => {
    const p = retentionPolicy();
    for (const k of ['aml_records', 'trading_records', 'audit_log', 'closed_accounts'] as const) expect(p[k].action).toBe('keep');
  });
});
