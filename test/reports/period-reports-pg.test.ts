/**
 * The large-position, AML and privileged-change reports on a real PostgreSQL schema, each from the
 * rows of a scenario built for it: load() then render() checked field by field, regenerated to the
 * same bytes, and a tampered audit record reported as a broken chain.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addNote, transition } from '../../src/engine/compliance/aml/alert-case.js';
import { pgAmlCaseStore } from '../../src/persistence/aml-case-store.js';
import { AuditChain, type AuditRecord, GENESIS_HASH, toJsonValue } from '../../src/persistence/audit-chain.js';
import { type Database, openDatabase } from '../../src/persistence/database.js';
import { migrate } from '../../src/persistence/migrate.js';
import { amlReport } from '../../src/workers/reports/definitions/aml.js';
import { largePositionsReport } from '../../src/workers/reports/definitions/large-positions.js';
import { privilegedChangesReport } from '../../src/workers/reports/definitions/privileged-changes.js';
import type { CustomerIdentity, ReportDefinition, ReportRequest, ReportSources } from '../../src/workers/reports/report-definition.js';
import { type DbTarget, newTarget } from '../persistence/pg-fixture.js';

const DAY = '2026-01-05';
const at = (day: string, hh: number, mm = 0) => Date.parse(`${day}T${String(hh).padStart(2, '0')}:${String(mm).padStart(2, '0')}:00Z`);
const C150 = 'AAPL  260116C00150000';
const P140 = 'AAPL  260116P00140000';
const LEI = '5493001KJTIIGC8Y1R12';

const ADA: CustomerIdentity = {
  userId: 'u1', legalName: 'Ada Lovelace', givenNames: 'Ada', surname: 'Lovelace', dateOfBirth: '1815-12-10', nationality: 'GB', countryOfResidence: 'GB',
  address: '12 St James Square, London', documentType: 'passport', documentNumber: 'X1234567',
};

let target: DbTarget;
let db: Database;
let src: ReportSources;
const identityAsked: string[] = [];

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** load() then render(), as the report queue does. */
async function generate<I>(def: ReportDefinition<I>, req: ReportRequest) {
  const loaded = await def.load(src, req);
  return { text: def.render(loaded.input, req, req.format), versions: loaded.versions };
}

async function portfolio(id: string, ownerId: string | null, initial: { instrument: string; qty: number }[] = []) {
  await db.pool.query(
    `INSERT INTO portfolios (portfolio_id, owner_id, created_by, created_at, initial_cash, initial_positions, cash, trading_state, next_order_seq, next_fill_seq)
     VALUES ($1, $2, 'ada', to_timestamp($3::float8 / 1000), 1e6, $4::jsonb, 1e6, 'active', 1, 1)`, [id, ownerId, at('2026-01-02', 9), JSON.stringify(initial)]);
}

let fillSeq = 0;
async function fill(portfolioId: string, instrument: string, side: 'buy' | 'sell', qty: number, tsMs: number) {
  const n = ++fillSeq;
  await db.pool.query(
    `INSERT INTO orders (order_id, portfolio_id, client_order_id, instrument, side, qty, order_type, status, filled_qty, submitted_by, created_ms, updated_ms)
     VALUES ($1, $2, $3, $4, $5, $6, 'market', 'filled', $6, 'u', $7, $7)`, [`${portfolioId}-o${n}`, portfolioId, `c${n}`, instrument, side, qty, tsMs]);
  await db.pool.query(
    `INSERT INTO fills (fill_id, order_id, client_order_id, portfolio_id, instrument, side, qty, price, ts_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, 2.5, $8)`,
    [`${portfolioId}-f${n}`, `${portfolioId}-o${n}`, `c${n}`, portfolioId, instrument, side, qty, tsMs]);
}

async function alert(fillId: string, portfolioId: string, rule: string, severity: string, createdMs: number): Promise<string> {
  return (await db.pool.query<{ id: string }>(
    `INSERT INTO aml_alerts (fill_id, portfolio_id, customer_id, rule, severity, notional, details, created_at, updated_at)
     VALUES ($1, $2, 'u1', $3, $4, 25000, '{"figures": {"counterpartyName": "Jane Roe"}}', to_timestamp($5::float8 / 1000), to_timestamp($5::float8 / 1000)) RETURNING id`,
    [fillId, portfolioId, rule, severity, createdMs])).rows[0]!.id;
}

const audit: AuditRecord[] = [];
/** Appends to a chain: the control chain (-1) unless `chainNo` names a partition's. */
async function audited(chain: AuditChain, atMs: number, actor: string, action: string, entityType: string, entityId: string, before: unknown, after: unknown, chainNo = -1) {
  const r = chain.append({ atUs: atMs * 1000, actor, action, entityType, entityId, before: toJsonValue(before), after: toJsonValue(after) });
  if (chainNo === -1) audit.push(r);
  else partitionAudit.push(r);
  await db.pool.query(
    `INSERT INTO audit_log (chain, seq, at_us, actor, action, entity_type, entity_id, before, after, prev_hash, hash) VALUES ($11, $1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9, $10)`,
    [r.seq, r.atUs, r.actor, r.action, r.entityType, r.entityId, JSON.stringify(r.before), JSON.stringify(r.after), r.prevHash, r.hash, chainNo]);
}
const partitionAudit: AuditRecord[] = [];

beforeAll(async () => {
  target = newTarget('external');
  db = await openDatabase({ url: target.url!, schema: target.schema, dataDir: target.dataDir, poolSize: 4 });
  await migrate(db.pool);
  src = {
    pool: db.pool,
    settings: { firmLei: LEI, venueMic: 'XOFF', underlyingIsins: new Map(), largePositionContracts: 200, firmCountry: undefined, riskFreeRate: 0.03, pricesDir: undefined },
    async identityOf(userId) {
      identityAsked.push(userId);
      return userId === 'u1' ? ADA : null;
    },
  };
}, 60_000);
afterAll(async () => {
  await db?.close();
  await target?.cleanup();
});

describe('large options position report (FINRA 2360(b)(5)) from the day\'s book', () => {
  beforeAll(async () => {
    await portfolio('P1', 'u1', [{ instrument: C150, qty: 100 }]); // u1: 100 long calls held since opening
    await portfolio('P2', 'u1');
    await portfolio('P3', 'u2');
    await portfolio('H1', null, [{ instrument: P140, qty: 250 }]); // the house: 250 long puts
    await fill('P2', P140, 'sell', 100, at(DAY, 10)); // u1: 100 short puts in another portfolio → bullish 200
    await fill('P3', C150, 'buy', 150, at(DAY, 11)); // u2: 150, below the threshold
    await fill('P3', P140, 'sell', 49, at(DAY, 12)); // u2: 199 bullish, still below
    await fill('P1', C150, 'sell', 100, at('2026-01-06', 10)); // the next day: not in the book of DAY
  });

  const req: ReportRequest = { type: 'large-positions', from: DAY, to: DAY, format: 'json' };

  it('reports the customer whose long calls and short puts across two portfolios reach 200, and the house, with only the identity fields the rule needs', async () => {
    identityAsked.length = 0;
    const r = JSON.parse((await generate(largePositionsReport, req)).text);
    expect(r).toEqual({
      report: 'large-positions', rule: 'FINRA 2360(b)(5)', asOf: DAY, thresholdContracts: 200,
      accounts: [
        {
          account: 'customer:u1', accountType: 'customer', ownerId: 'u1', lei: null,
          identity: { legalName: 'Ada Lovelace', address: '12 St James Square, London', documentType: 'passport', documentNumber: 'X1234567' },
          sides: [{
            underlying: 'AAPL', side: 'bullish', contracts: 200, legs: { longCalls: 100, shortPuts: 100 },
            positions: [
              { portfolioId: 'P1', instrument: C150, putCall: 'call', expiry: '2026-01-16', strike: 150, longShort: 'long', contracts: 100 },
              { portfolioId: 'P2', instrument: P140, putCall: 'put', expiry: '2026-01-16', strike: 140, longShort: 'short', contracts: 100 },
            ],
          }],
        },
        {
          account: 'house', accountType: 'house', ownerId: null, lei: LEI, identity: null,
          sides: [{
            underlying: 'AAPL', side: 'bearish', contracts: 250, legs: { longPuts: 250, shortCalls: 0 },
            positions: [{ portfolioId: 'H1', instrument: P140, putCall: 'put', expiry: '2026-01-16', strike: 140, longShort: 'long', contracts: 250 }],
          }],
        },
      ],
    });
    expect(identityAsked).toEqual(['u1']); // u2, below the threshold, is not decrypted for this report
    const text = (await generate(largePositionsReport, req)).text;
    for (const absent of ['1815-12-10', 'nationality', 'dateOfBirth', 'surname', 'givenNames', 'countryOfResidence']) expect(text).not.toContain(absent);
  });

  it('gives the same bytes when regenerated, in JSON and CSV, even after later fills', async () => {
    for (const format of ['json', 'csv'] as const) {
      const a = await generate(largePositionsReport, { ...req, format });
      await fill('P3', C150, 'buy', 1, at('2026-01-07', 10));
      const b = await generate(largePositionsReport, { ...req, format });
      expect(sha256(b.text)).toBe(sha256(a.text));
      expect(b.versions.identitiesSha256).toBe(a.versions.identitiesSha256);
    }
    const csv = (await generate(largePositionsReport, { ...req, format: 'csv' })).text.split('\r\n');
    expect(csv[1]).toBe(`${DAY},customer:u1,customer,,Ada Lovelace,"12 St James Square, London",passport,X1234567,AAPL,bullish,200,P1,${C150},call,2026-01-16,150,long,100`);
    expect(csv).toHaveLength(5); // header, three positions, the final CRLF
  });
});

describe('AML report of a period', () => {
  let a1 = '';
  let a2 = '';
  let a3 = '';
  beforeAll(async () => {
    const cases = pgAmlCaseStore(db.pool);
    await alert('X-f0', 'P1', 'WASH_TRADE', 'low', at('2026-01-04', 22)); // the day before: not in the report
    a1 = await alert('X-f1', 'P1', 'LARGE_NOTIONAL', 'high', at(DAY, 9));
    a2 = await alert('X-f2', 'P2', 'LARGE_NOTIONAL', 'high', at(DAY, 9, 30));
    a3 = await alert('X-f3', 'P3', 'VELOCITY', 'medium', at(DAY, 13));
    await cases.change(a1, (c) => transition(c, 'investigating', 'carl', 'looking', at(DAY, 10)));
    await cases.change(a1, (c) => addNote(c, 'carl', 'called the customer on +44 20 7946 0000', at(DAY, 10, 30)));
    await cases.change(a1, (c) => transition(c, 'reported', 'dora', 'SAR filed for Ada Lovelace', at(DAY, 12)));
    await cases.change(a2, (c) => transition(c, 'investigating', 'carl', 'looking', at(DAY, 10)));
    await cases.change(a2, (c) => transition(c, 'closed_no_action', 'carl', 'hedge', at('2026-01-06', 9))); // after the period
  });

  const req: ReportRequest = { type: 'aml', from: DAY, to: DAY, format: 'json' };

  it('counts the period\'s alerts by rule and severity and gives each case as it stood at the end of the period', async () => {
    const r = JSON.parse((await generate(amlReport, req)).text);
    expect(r.totals).toEqual({ alerts: 3, open: 2, closedNoAction: 0, reported: 1 });
    expect(r.byRuleSeverity).toEqual([
      { rule: 'LARGE_NOTIONAL', severity: 'high', alerts: 2, open: 1, closedNoAction: 0, reported: 1 },
      { rule: 'VELOCITY', severity: 'medium', alerts: 1, open: 1, closedNoAction: 0, reported: 0 },
    ]);
    expect(r.casesAsOf).toBe('2026-01-06T00:00:00.000Z');
    expect(r.alerts).toEqual([
      {
        alertId: a1, rule: 'LARGE_NOTIONAL', severity: 'high', createdAt: '2026-01-05T09:00:00.000Z', customerId: 'u1', portfolioId: 'P1', fillId: 'X-f1', notional: 25000,
        state: 'reported', outcome: 'reported', notes: 1,
        transitions: [
          { at: '2026-01-05T10:00:00.000Z', actor: 'carl', from: 'open', to: 'investigating', kind: 'state' },
          { at: '2026-01-05T12:00:00.000Z', actor: 'dora', from: 'investigating', to: 'reported', kind: 'state' },
        ],
      },
      {
        alertId: a2, rule: 'LARGE_NOTIONAL', severity: 'high', createdAt: '2026-01-05T09:30:00.000Z', customerId: 'u1', portfolioId: 'P2', fillId: 'X-f2', notional: 25000,
        state: 'investigating', outcome: 'open', notes: 0,
        transitions: [{ at: '2026-01-05T10:00:00.000Z', actor: 'carl', from: 'open', to: 'investigating', kind: 'state' }],
      },
      {
        alertId: a3, rule: 'VELOCITY', severity: 'medium', createdAt: '2026-01-05T13:00:00.000Z', customerId: 'u1', portfolioId: 'P3', fillId: 'X-f3', notional: 25000,
        state: 'open', outcome: 'open', notes: 0, transitions: [],
      },
    ]);
  });

  it('holds no reason, note text or alert evidence (free text and personal data)', async () => {
    for (const format of ['json', 'csv'] as const) {
      const text = (await generate(amlReport, { ...req, format })).text;
      for (const absent of ['+44', 'Ada Lovelace', 'SAR filed', 'Jane Roe', 'counterpartyName', 'looking']) expect(text).not.toContain(absent);
    }
  });

  it('narrows to one portfolio, and regenerates to the same bytes in JSON and CSV', async () => {
    expect(JSON.parse((await generate(amlReport, { ...req, portfolioId: 'P3' })).text).alerts.map((x: { alertId: string }) => x.alertId)).toEqual([a3]);
    for (const format of ['json', 'csv'] as const) {
      const a = await generate(amlReport, { ...req, format });
      const b = await generate(amlReport, { ...req, format });
      expect(b.text).toBe(a.text);
      expect(b.versions).toEqual(a.versions);
    }
  });
});

describe('privileged-change audit (SOX) from the hash-chained trail', () => {
  beforeAll(async () => {
    const chain = new AuditChain(1, GENESIS_HASH);
    await audited(chain, at('2026-01-04', 23), 'u9', 'user.registered', 'user', 'u9', null, { grants: [{ role: 'trader', portfolios: [] }], ip: '198.51.100.9' }); // 1: before, the anchor
    await audited(chain, at(DAY, 8), 'u1', 'user.registered', 'user', 'u1', null, { grants: [{ role: 'trader', portfolios: [] }], ip: '198.51.100.7' }); // 2
    await audited(chain, at(DAY, 8, 30), 'u1', 'order.accepted', 'order', 'P1-o1', null, { qty: 1 }); // 3: not privileged
    await audited(chain, at(DAY, 9), 'ada', 'user.roles.changed', 'user', 'u1', [{ role: 'trader', portfolios: [] }], [{ role: 'risk_manager', portfolios: ['P1'] }]); // 4
    await audited(chain, at(DAY, 10), 'ada', 'limits.changed', 'portfolio', 'P1', { maxVar: 1e5, maxNotional: Infinity }, { maxVar: 5e4, maxNotional: Infinity }); // 5
    await audited(chain, at(DAY, 11), 'anonymous', 'auth.login.failed', 'user', 'u1', null, { reason: 'bad_password', ip: '198.51.100.7' }); // 6: not privileged
    await audited(chain, at(DAY, 12), 'ada', 'trading_state.changed', 'portfolio', 'P1', { state: 'active', reason: null }, { state: 'halted', reason: 'manual' }); // 7
    await audited(chain, at(DAY, 13), 'ops', 'dead_letter.replayed', 'dead_letter', 'aml:42', { queue: 'aml', jobId: '42' }, { corrected: false }); // 8
    await audited(chain, at(DAY, 14), 'ada', 'sanctions_list.reloaded', 'sanctions_list', 'sdn', { sha256: 'a'.repeat(64) }, { sha256: 'b'.repeat(64) }); // 9
    await audited(chain, at('2026-01-06', 1), 'ada', 'limits.changed', 'portfolio', 'P2', { maxVar: 1 }, { maxVar: 2 }); // 10: after
    // Partition 7's chain: one record before the period (its anchor), two in it.
    const p7 = new AuditChain(1, GENESIS_HASH);
    await audited(p7, at('2026-01-04', 22), 'ada', 'portfolio.created', 'portfolio', 'P7', null, { cash: 1 }, 7); // 7/1: before
    await audited(p7, at(DAY, 9, 30), 'bob', 'limits.changed', 'portfolio', 'P7', { maxVar: 1 }, { maxVar: 3 }, 7); // 7/2
    await audited(p7, at(DAY, 9, 45), 'engine', 'fill', 'fill', 'P7-f1', null, { qty: 1 }, 7); // 7/3: not privileged
  });

  const req: ReportRequest = { type: 'privileged-changes', from: DAY, to: DAY, format: 'json' };

  it('lists every privileged change of the period of every chain with who, when in µs, before and after, and verifies each chain from its record before the period', async () => {
    const r = JSON.parse((await generate(privilegedChangesReport, req)).text);
    expect(r.verified).toBe('ok');
    expect(r.chains).toEqual([
      { chain: -1, verified: 'ok', firstSeq: 2, lastSeq: 9, records: 8, anchor: { seq: 1, hash: audit[0]!.hash }, lastHash: audit[8]!.hash },
      { chain: 7, verified: 'ok', firstSeq: 2, lastSeq: 3, records: 2, anchor: { seq: 1, hash: partitionAudit[0]!.hash }, lastHash: partitionAudit[2]!.hash },
    ]);
    expect(r.changes.map((c: { chain: number; seq: number; action: string }) => [c.chain, c.seq, c.action])).toEqual([
      [-1, 2, 'user.registered'], [-1, 4, 'user.roles.changed'], [7, 2, 'limits.changed'], [-1, 5, 'limits.changed'], [-1, 7, 'trading_state.changed'], [-1, 8, 'dead_letter.replayed'], [-1, 9, 'sanctions_list.reloaded'],
    ]);
    expect(r.changes[0]).toEqual({
      chain: -1, seq: 2, at: '2026-01-05T08:00:00.000000Z', actor: 'u1', action: 'user.registered', category: 'access', entityType: 'user', entityId: 'u1',
      before: null, after: { grants: [{ role: 'trader', portfolios: [] }] }, // the IP address left out
    });
    expect(r.changes[3]).toEqual({
      chain: -1, seq: 5, at: '2026-01-05T10:00:00.000000Z', actor: 'ada', action: 'limits.changed', category: 'risk_controls', entityType: 'portfolio', entityId: 'P1',
      before: { maxNotional: 'Infinity', maxVar: 100000 }, after: { maxNotional: 'Infinity', maxVar: 50000 },
    });
    expect(JSON.stringify(r)).not.toContain('198.51.100');
  });

  it('regenerates to the same bytes in JSON and CSV', async () => {
    for (const format of ['json', 'csv'] as const) {
      const a = await generate(privilegedChangesReport, { ...req, format });
      const b = await generate(privilegedChangesReport, { ...req, format });
      expect(sha256(b.text)).toBe(sha256(a.text));
      expect(b.versions).toEqual({ auditChains: 2, auditRecords: 10, auditStretches: a.versions.auditStretches });
      expect(b.versions.auditStretches).toMatch(/^[0-9a-f]{16}$/);
    }
  });

  it('says the chain is broken, at which record, when a stored record of the period was changed', async () => {
    await db.pool.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update');
    await db.pool.query(`UPDATE audit_log SET after = '{"maxVar": 5000000, "maxNotional": "Infinity"}' WHERE chain = -1 AND seq = 5`);
    await db.pool.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update');
    const r = JSON.parse((await generate(privilegedChangesReport, req)).text);
    expect(r.verified).toBe('broken');
    expect(r.chains[0]).toEqual({
      chain: -1, verified: 'broken', firstSeq: 2, lastSeq: 9, records: 3, anchor: { seq: 1, hash: audit[0]!.hash }, lastHash: null,
      brokenSeq: 5, reason: 'its content does not match its hash (the record was changed)',
    });
    expect(r.chains[1]).toMatchObject({ chain: 7, verified: 'ok', records: 2 }); // the other chain is unaffected
    expect(r.changes.map((c: { seq: number }) => c.seq)).toEqual([2, 4, 2, 5, 7, 8, 9]); // still listed: the reader sees what the trail says now
    const csv = (await generate(privilegedChangesReport, { ...req, format: 'csv' })).text.split('\r\n');
    expect(csv[0]).toBe('# audit broken chains=2 records=5 broken_chains=-1');
    expect(csv[1]).toContain('# chain -1 broken records=3 first_seq=2 last_seq=9 anchor_seq=1');
    expect(csv[1]).toContain('broken_seq=5');
    // The period before is untouched: its report still verifies.
    const before = JSON.parse((await generate(privilegedChangesReport, { ...req, from: '2026-01-04', to: '2026-01-04' })).text);
    expect(before.chains[0]).toMatchObject({ chain: -1, verified: 'ok', firstSeq: 1, lastSeq: 1, anchor: null, lastHash: audit[0]!.hash });
    expect(before.chains[1]).toMatchObject({ chain: 7, verified: 'ok', firstSeq: 1, lastSeq: 1, anchor: null, lastHash: partitionAudit[0]!.hash });
  });
});
