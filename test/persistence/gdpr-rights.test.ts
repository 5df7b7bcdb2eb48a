/**
 * The GDPR rights on real PostgreSQL (a fresh schema): the export holds every sealed field
 * decrypted; the erasure shreds, scrubs, re-links trades to the pseudonym, answers erased vs kept,
 * is audited and refuses hostile requests; a backup taken before the erasure, restored into a fresh
 * schema, cannot show the person once the erasure ledger is re-applied (as every engine start does);
 * consent-based processing stops at withdrawal.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountService, type TokenPair } from '../../src/gateway/identity/account-service.js';
import type { Principal, SecurityEvent } from '../../src/gateway/identity/ports.js';
import { totpCode } from '../../src/gateway/totp.js';
import { withUsageAnalytics } from '../../src/gateway/usage-analytics.js';
import { backupServer, restoreServer } from '../../src/persistence/backup-server.js';
import { openBackupFile } from '../../src/persistence/backup-file.js';
import { pgDataKeys } from '../../src/persistence/data-keys.js';
import { openDatabase } from '../../src/persistence/database.js';
import { decryptField, envelopeKeyId } from '../../src/persistence/field-crypto.js';
import { type Gdpr, openGdpr } from '../../src/persistence/gdpr-open.js';
import { ErasureRequest, type PersonalDataExport } from '../../src/persistence/gdpr-service.js';
import { fileErasureLedger } from '../../src/persistence/gdpr-erasure-ledger.js';
import { reapplyErasures } from '../../src/persistence/gdpr-erasures-pg.js';
import { PgIdentityStore } from '../../src/persistence/identity-store-pg.js';
import { PgKycRows } from '../../src/persistence/kyc-rows-pg.js';
import { KycService } from '../../src/persistence/kyc-service.js';
import { KycStore } from '../../src/persistence/kyc-store.js';
import type { MasterKeys } from '../../src/persistence/master-keys.js';
import { PgSessionStore } from '../../src/persistence/session-store-pg.js';
import type { RouteSpec } from '../../src/gateway/route-spec.js';
import { identityDb, type IdentityDb } from '../contracts/identity-pg.js';
import { ANNA, TD3 } from '../engine/compliance/kyc/fixtures.js';
import { accountTokens } from '../gateway/account-tokens.js';
import { newTarget, SERVER_URL } from './pg-fixture.js';

const PASSWORD = 'correct horse battery staple 42';
const caller = { ip: '203.0.113.7' };
const PDF = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(512)]);
const masters: MasterKeys = { current: { id: 'mk-gdpr-test', key: randomBytes(32) }, previous: [] };

describe('GDPR rights on PostgreSQL', () => {
  let d: IdentityDb;
  const nowMs = Date.now();
  const clock = () => nowMs;
  const events: SecurityEvent[] = [];
  const audit = async (e: SecurityEvent) => void events.push(e);
  const keys = accountTokens();
  let accounts: AccountService;
  let kyc: KycService;
  let gdpr: Gdpr;
  let sessions: PgSessionStore;
  const work = mkdtempSync(join(tmpdir(), 'gdpr-test-'));
  const ledgerPath = join(work, 'gdpr-erasures.jsonl');

  beforeAll(async () => {
    d = await identityDb('external');
    const identity = new PgIdentityStore(d.db.pool);
    sessions = new PgSessionStore({ pool: d.db.pool, connection: d.db.connection, schema: d.db.schema });
    await sessions.start();
    const dataKeys = pgDataKeys(d.db.pool, masters, { audit });
    accounts = new AccountService({ identity, sessions, tokens: keys.tokens, dataKeys, audit, clock });
    const kycStore = new KycStore(new PgKycRows(d.db.pool), dataKeys);
    kyc = new KycService({ store: kycStore, audit, clock });
    gdpr = await openGdpr({ pool: d.db.pool, ledgerPath, identity, sessions, dataKeys, kyc: kycStore, audit, clock });
  });
  afterAll(async () => {
    await sessions?.close();
    await d?.destroy();
    keys.remove();
    rmSync(work, { recursive: true, force: true });
  });

  /** A customer with a display name, MFA, an API key, a KYC case with a document, a portfolio with an order and a fill. */
  async function customer(name: string): Promise<{ userId: string; email: string; principal: Principal; portfolioId: string }> {
    const email = `${name.toLowerCase()}.${randomUUID().slice(0, 8)}@example.com`;
    const reg = await accounts.register({ email, password: PASSWORD, displayName: `${name} Eriksson` }, caller);
    if (!reg.ok) throw new Error(reg.message);
    const userId = reg.value.userId;
    const login = await accounts.login({ email, password: PASSWORD }, caller);
    const principal = await keys.principal((login.ok ? (login.value as TokenPair) : undefined)!.accessToken, nowMs);
    const setup = await accounts.setupMfa(principal);
    if (!setup.ok) throw new Error(setup.message);
    expect((await accounts.enableMfa(principal, totpCode(setup.value.secret, nowMs))).ok).toBe(true);
    expect((await accounts.createApiKey(principal, { name: 'my bot', roles: ['trader'], portfolios: [] })).ok).toBe(true);
    expect((await kyc.submit(userId, ANNA)).ok).toBe(true);
    expect((await kyc.uploadDocument(userId, { documentType: 'passport', contentType: 'application/pdf', bytes: PDF, mrz: TD3 })).ok).toBe(true);
    const portfolioId = `P-${randomUUID().slice(0, 8)}`;
    const orderId = `${portfolioId}-o1`;
    await d.db.pool.query(`INSERT INTO portfolios (portfolio_id, owner_id, created_by, initial_cash, cash, trading_state, next_order_seq, next_fill_seq) VALUES ($1, $2, 'admin', 1e6, 1e6, 'active', 2, 2)`, [portfolioId, userId]);
    await d.db.pool.query(`INSERT INTO orders (order_id, portfolio_id, client_order_id, instrument, side, qty, order_type, limit_price, status, filled_qty, submitted_by, created_ms, updated_ms)
      VALUES ($1, $2, 'c1', 'AAA', 'buy', 10, 'limit', 100, 'filled', 10, $3, $4, $4)`, [orderId, portfolioId, userId, nowMs]);
    await d.db.pool.query(`INSERT INTO fills (fill_id, order_id, client_order_id, portfolio_id, instrument, side, qty, price, ts_ms) VALUES ($1, $2, 'c1', $3, 'AAA', 'buy', 10, 100, $4)`, [`${orderId}-f1`, orderId, portfolioId, nowMs]);
    return { userId, email, principal, portfolioId };
  }

  const sectionOf = (x: PersonalDataExport, category: string) => x.sections.find((s) => s.category === category);

  /** Every sealed column of the person, opened with whatever data key the database still holds: the ones that opened. */
  async function readableSealedFields(userId: string): Promise<string[]> {
    const dk = pgDataKeys(d.db.pool, masters);
    const opened: string[] = [];
    const tryOpen = async (label: string, envelope: string | null, table: string, column: string, rowId: string) => {
      if (envelope === null) return;
      const id = envelopeKeyId(envelope);
      const key = id === undefined ? undefined : await dk.find(userId, id);
      if (decryptField(() => key, envelope, { table, column, rowId }).ok) opened.push(label);
    };
    const u = (await d.db.pool.query('SELECT display_name FROM users WHERE id = $1', [userId])).rows[0];
    await tryOpen('display_name', u?.display_name ?? null, 'users', 'display_name', userId);
    const k = (await d.db.pool.query('SELECT * FROM kyc_submissions WHERE user_id = $1', [userId])).rows[0];
    for (const col of ['legal_name', 'date_of_birth', 'nationality', 'country_of_residence', 'address', 'document_number', 'risk_factors']) await tryOpen(col, k?.[col] ?? null, 'kyc_submissions', col, userId);
    for (const doc of (await d.db.pool.query('SELECT id, mrz FROM kyc_documents WHERE user_id = $1', [userId])).rows) await tryOpen('document mrz', doc.mrz, 'kyc_documents', 'mrz', doc.id);
    return opened;
  }

  it('exports every sealed field decrypted, each section with purpose, legal basis and retention', async () => {
    const c = await customer('Anna');
    const r = await gdpr.service.export(c.userId, 'olga-officer');
    if (!r.ok) throw new Error(r.message);
    const x = r.value;
    expect(sectionOf(x, 'account')?.data).toMatchObject({ email: c.email, displayName: 'Anna Eriksson', status: 'active' });
    expect(sectionOf(x, 'authentication')?.data).toMatchObject({ mfa: { enabled: true, secretStored: true, secretReadable: true }, backupCodesLeft: 10 });
    expect(sectionOf(x, 'kyc')?.data).toMatchObject({ state: 'submitted', submission: ANNA });
    const docs = sectionOf(x, 'kyc_documents')?.data as { mrz: unknown; contentBase64: string }[];
    expect(docs).toHaveLength(1);
    expect(docs[0]!.mrz).not.toBeNull();
    expect(Buffer.from(docs[0]!.contentBase64, 'base64').equals(PDF)).toBe(true);
    expect((sectionOf(x, 'kyc_risk')?.data as { factors: unknown[] }).factors).toBeInstanceOf(Array);
    expect(sectionOf(x, 'api_keys')?.data).toMatchObject([{ name: 'my bot' }]);
    expect(sectionOf(x, 'trading')?.data).toMatchObject({ portfolios: [c.portfolioId], orders: [{ qty: 10 }], fills: [{ price: 100 }] });
    for (const s of x.sections) for (const f of ['purpose', 'legalBasis', 'retention']) expect((s as unknown as Record<string, string>)[f]).toMatch(/\w/);
    expect(events.some((e) => e.action === 'gdpr.exported' && e.actor === 'olga-officer' && e.entityId === c.userId)).toBe(true);

    // The person's own export withholds what would tip them off (AML), and says so.
    const own = await gdpr.service.export(c.userId);
    expect(own.ok && own.value.withheld.map((w) => w.category).sort()).toEqual(['aml', 'kyc_risk']);
    expect(own.ok && own.value.sections.some((s) => s.category === 'kyc_risk' || s.category === 'aml')).toBe(false);
  });

  it('erases: sealed fields unreadable, email replaced, login impossible, trades kept under the pseudonym, answered and audited', async () => {
    const c = await customer('Bertil');
    expect(await readableSealedFields(c.userId)).toHaveLength(9);
    const held = await gdpr.service.erase('olga-officer', { userId: c.userId, reason: 'request of 2026-06-01' });
    expect(held.ok || held.code).toBe('GDPR_KYC_LEGAL_HOLD');

    const r = await gdpr.service.erase('olga-officer', { userId: c.userId, reason: 'request of 2026-06-01, ticket DPO-7', releaseKycHold: true });
    if (!r.ok) throw new Error(r.message);
    const out = r.value;
    expect(out.pseudonym).toMatch(/^pn-/);
    expect(out.erased.map((e) => e.category)).toEqual(expect.arrayContaining(['account', 'authentication', 'sessions', 'api_keys', 'kyc', 'kyc_documents']));
    expect(out.kept.map((k) => k.category)).toEqual(expect.arrayContaining(['trading', 'kyc_risk', 'aml', 'audit', 'consents']));
    for (const k of out.kept) expect(k.why.length + k.legalBasis.length + k.retention.length).toBeGreaterThan(30);

    expect(await readableSealedFields(c.userId)).toEqual([]);
    const row = (await d.db.pool.query('SELECT email, status FROM users WHERE id = $1', [c.userId])).rows[0];
    expect(row).toEqual({ email: `erased+${out.pseudonym}@invalid`, status: 'disabled' });
    expect(await d.db.pool.query('SELECT 1 FROM users WHERE email = $1', [c.email])).toMatchObject({ rowCount: 0 });
    expect((await accounts.login({ email: c.email, password: PASSWORD }, caller)).ok).toBe(false);
    for (const t of ['user_mfa', 'user_backup_codes', 'user_sessions', 'data_keys']) expect((await d.db.pool.query(`SELECT 1 FROM ${t} WHERE user_id = $1`, [c.userId])).rowCount).toBe(0);
    expect((await d.db.pool.query('SELECT 1 FROM api_keys WHERE owner_id = $1', [c.userId])).rowCount).toBe(0);
    expect((await d.db.pool.query('SELECT owner_id FROM portfolios WHERE portfolio_id = $1', [c.portfolioId])).rows[0].owner_id).toBe(out.pseudonym);
    expect(Number((await d.db.pool.query('SELECT count(*) AS n FROM orders WHERE portfolio_id = $1', [c.portfolioId])).rows[0].n)).toBe(1);
    expect(Number((await d.db.pool.query('SELECT count(*) AS n FROM fills WHERE portfolio_id = $1', [c.portfolioId])).rows[0].n)).toBe(1);
    const kase = await kyc.get(c.userId);
    expect(kase.ok && kase.value.erased).toBe(true);
    expect(events.filter((e) => e.entityId === c.userId).map((e) => e.action)).toEqual(expect.arrayContaining(['gdpr.erasure.started', 'data_key.shredded', 'gdpr.erased']));
    expect(JSON.stringify(events.filter((e) => e.action.startsWith('gdpr.')))).not.toContain('Eriksson');

    // Done once: again, and an export, say so.
    expect(await gdpr.service.erase('olga-officer', { userId: c.userId, reason: 'again' })).toMatchObject({ ok: false, code: 'GDPR_ALREADY_ERASED' });
    expect(await gdpr.service.export(c.userId)).toMatchObject({ ok: false, code: 'GDPR_ALREADY_ERASED' });
  });

  it('refuses hostile erasures with clear codes', async () => {
    const bad = (body: unknown) => {
      const r = ErasureRequest.safeParse(body);
      return r.success ? 'ok' : r.error.issues[0]?.path.join('.');
    };
    expect(bad({ userId: 'u1' })).toBe('reason');
    expect(bad({ userId: 'u1', reason: '   ' })).toBe('reason');
    expect(bad({ userId: "x'; DROP TABLE users; --", reason: 'r' })).toBe('userId');
    expect(bad({ userId: 'u1', reason: 'r', extra: 1 })).toBe('');
    expect(await gdpr.service.erase('olga-officer', { userId: 'no-such-user', reason: 'r' })).toMatchObject({ ok: false, code: 'GDPR_USER_NOT_FOUND' });
    expect(await gdpr.service.erase('olga-officer', { userId: 'olga-officer', reason: 'r' })).toMatchObject({ ok: false, code: 'GDPR_SELF_ERASURE' });
  });

  it('a backup taken before the erasure, restored into a fresh schema, cannot show the person once the ledger is re-applied', { timeout: 120_000 }, async () => {
    const c = await customer('Cecilia');
    const file = join(work, 'before-erasure.backup');
    await backupServer(SERVER_URL, d.db.schema, file, { force: false, engineVersion: 'test' });
    const r = await gdpr.service.erase('olga-officer', { userId: c.userId, reason: 'request', releaseKycHold: true });
    if (!r.ok) throw new Error(r.message);

    const fresh = newTarget('external');
    try {
      await restoreServer(await openBackupFile(file), SERVER_URL, fresh.schema, { force: false });
      const db = await openDatabase({ url: SERVER_URL, schema: fresh.schema, dataDir: fresh.dataDir, poolSize: 2 });
      try {
        // What the restore brought back: the wrapped key and the email (why the ledger exists).
        expect((await db.pool.query('SELECT 1 FROM data_keys WHERE user_id = $1', [c.userId])).rowCount).toBe(1);
        expect(await reapplyErasures(db.pool, fileErasureLedger(ledgerPath))).toContain(c.userId);
        expect((await db.pool.query('SELECT 1 FROM data_keys WHERE user_id = $1', [c.userId])).rowCount).toBe(0);
        const u = (await db.pool.query('SELECT email, display_name FROM users WHERE id = $1', [c.userId])).rows[0];
        expect(u.email).toBe(`erased+${r.value.pseudonym}@invalid`);
        const restoredKeys = pgDataKeys(db.pool, masters);
        const id = envelopeKeyId(u.display_name)!;
        expect(await restoredKeys.find(c.userId, id)).toBeUndefined();
        const k = (await db.pool.query('SELECT legal_name FROM kyc_submissions WHERE user_id = $1', [c.userId])).rows[0];
        expect(decryptField(() => undefined, k.legal_name, { table: 'kyc_submissions', column: 'legal_name', rowId: c.userId })).toMatchObject({ ok: false, code: 'FIELD_KEY_MISSING' });
        expect((await db.pool.query('SELECT owner_id FROM portfolios WHERE portfolio_id = $1', [c.portfolioId])).rows[0].owner_id).toBe(r.value.pseudonym);
        // And a second start finds nothing left to do.
        expect(await reapplyErasures(db.pool, fileErasureLedger(ledgerPath))).toEqual([]);
      } finally {
        await db.close();
      }
    } finally {
      await fresh.cleanup();
    }
  });

  it('the restore command itself re-applies the erasures of the ledger in its DATA_DIR, before anything reads the restored schema', { timeout: 120_000 }, async () => {
    const c = await customer('Cornelia');
    const file = join(work, 'before-erasure-cli.backup');
    await backupServer(SERVER_URL, d.db.schema, file, { force: false, engineVersion: 'test' });
    const r = await gdpr.service.erase('olga-officer', { userId: c.userId, reason: 'request', releaseKycHold: true });
    if (!r.ok) throw new Error(r.message);
    const fresh = newTarget('external');
    try {
      const bin = join(import.meta.dirname, '..', '..', 'bin', 'risk-engine.js');
      const run = spawnSync(process.execPath, [bin, 'restore', '--from', file, '--schema', fresh.schema], {
        env: { ...process.env, DATA_DIR: work, DATABASE_URL: SERVER_URL, LOG_LEVEL: 'silent', NODE_ENV: 'test' }, encoding: 'utf8', timeout: 90_000,
      });
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/erasures re-applied from .*gdpr-erasures\.jsonl: [1-9]\d* person\(s\)/);
      const db = await openDatabase({ url: SERVER_URL, schema: fresh.schema, dataDir: fresh.dataDir, poolSize: 1 });
      try {
        expect((await db.pool.query('SELECT 1 FROM data_keys WHERE user_id = $1', [c.userId])).rowCount).toBe(0);
        expect((await db.pool.query('SELECT email FROM users WHERE id = $1', [c.userId])).rows[0].email).toBe(`erased+${r.value.pseudonym}@invalid`);
      } finally {
        await db.close();
      }
    } finally {
      await fresh.cleanup();
    }
  });

  it('stops product analytics when consent is withdrawn, and deletes what it counted', async () => {
    const c = await customer('Dag');
    const route: RouteSpec = { method: 'get', pattern: '/probe', paramCount: 0, hasBody: false, handle: () => ({ status: 200 }) };
    const [wrapped] = withUsageAnalytics([route], gdpr.analytics);
    const call = async () => {
      await wrapped!.handle({ principal: c.principal } as never);
      await new Promise((r) => setTimeout(r, 20));
    };
    await call();
    expect(gdpr.analytics.of(c.userId)).toEqual({});
    await gdpr.consents.record(c.userId, { purpose: 'product_analytics', textVersion: '2026-01', granted: true });
    await call();
    await call();
    expect(gdpr.analytics.of(c.userId)).toEqual({ 'GET /probe': 2 });
    await gdpr.consents.record(c.userId, { purpose: 'product_analytics', textVersion: '2026-01', granted: false });
    expect(gdpr.analytics.of(c.userId)).toEqual({});
    await call();
    expect(gdpr.analytics.of(c.userId)).toEqual({});
    const history = await gdpr.consents.history(c.userId);
    expect(history.map((h) => h.granted)).toEqual([true, false]);
    // Append-only: the database refuses to rewrite the history.
    await expect(d.db.pool.query('UPDATE consents SET granted = true WHERE user_id = $1', [c.userId])).rejects.toThrow(/append-only/);
  });
});
