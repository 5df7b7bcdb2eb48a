/**
 * The RTS 22 report end to end on a real PostgreSQL schema: rows for a scenario built for it
 * (a client's portfolio with orders the client and a trader sent, a house portfolio, an equity
 * fill, fills outside the period), then the definition's load() and render() in both formats,
 * checked field by field, against the auth.016 subset schema, and for the same bytes twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transactionReferenceOf } from '../../src/persistence/reports/rts22-source.js';
import { rts22Report } from '../../src/workers/reports/definitions/rts22.js';
import type { CustomerIdentity, ReportRequest, ReportSettings, ReportSources } from '../../src/workers/reports/report-definition.js';
import { openTestDb, type TestDb } from '../persistence/queue-harness.js';
import { csvRecords, parseXml, xsdErrors } from './rts22-scenario.js';

const FIRM_LEI = 'HWUPKR0MPOU8FGXBT394';
const AAPL_CALL = 'AAPL  260116C00150000';
const SPY_PUT = 'SPY   251219P00432500';

const identity = (userId: string, givenNames: string, surname: string, nationality: string, dateOfBirth: string): CustomerIdentity => ({
  userId, legalName: `${givenNames} ${surname}`, givenNames, surname, dateOfBirth, nationality, countryOfResidence: nationality,
  address: '1 Rue Exemple, Paris', documentType: 'passport', documentNumber: 'X1234567',
});
const IDENTITIES = new Map<string, CustomerIdentity>([
  ['u-alice', identity('u-alice', 'Alice Marie', 'de la Fontaine', 'FR', '1985-04-12')],
  ['u-trader', identity('u-trader', 'Jürgen', 'Müller', 'DE', '1979-11-30')],
]);

const settings = (over: Partial<ReportSettings> = {}): ReportSettings => ({
  firmLei: FIRM_LEI, venueMic: 'XCBO', underlyingIsins: new Map([['AAPL', 'US0378331005'], ['SPY', 'US78462F1030']]),
  largePositionContracts: 200, pricesDir: undefined, firmCountry: 'DE', riskFreeRate: 0.03, ...over,
});

const at = (iso: string, extraMicros = 0) => Date.parse(iso) + extraMicros / 1000;

describe('RTS 22 report on PostgreSQL', () => {
  let t: TestDb;
  const sources = (over: Parameters<typeof settings>[0] = {}, identities: ReadonlyMap<string, CustomerIdentity> = IDENTITIES): ReportSources => ({
    pool: t.db.pool, settings: settings(over), identityOf: async (u) => identities.get(u) ?? null,
  });
  const day: ReportRequest = { type: 'rts22', from: '2025-06-02', to: '2025-06-02', format: 'xml' };

  beforeAll(async () => {
    t = await openTestDb('server');
    const q = (sql: string, params: unknown[]) => t.db.pool.query(sql, params);
    const portfolio = (id: string, owner: string | null, openings: unknown[] = []) =>
      q(`INSERT INTO portfolios (portfolio_id, owner_id, created_by, created_at, initial_cash, initial_positions, cash, trading_state, next_order_seq, next_fill_seq)
         VALUES ($1, $2, 'admin', '2025-01-01T00:00:00Z', 1e6, $3, 1e6, 'active', 10, 10)`, [id, owner, JSON.stringify(openings)]);
    const order = (id: string, pf: string, instrument: string, side: string, qty: number, by: string) =>
      q(`INSERT INTO orders (order_id, portfolio_id, client_order_id, instrument, side, qty, order_type, status, filled_qty, submitted_by, created_ms, updated_ms)
         VALUES ($1, $2, $1, $3, $4, $5, 'market', 'filled', $5, $6, 0, 0)`, [id, pf, instrument, side, qty, by]);
    const fill = (id: string, ord: string, pf: string, instrument: string, side: string, qty: number, price: number, tsMs: number) =>
      q(`INSERT INTO fills (fill_id, order_id, client_order_id, portfolio_id, instrument, side, qty, price, ts_ms)
         VALUES ($1, $2, $2, $3, $4, $5, $6, $7, $8)`, [id, ord, pf, instrument, side, qty, price, tsMs]);

    await portfolio('ALICE', 'u-alice');
    await portfolio('HOUSE', null, [{ instrument: SPY_PUT, qty: 0, multiplier: 100, style: 'american' }]);
    await q(`INSERT INTO positions (portfolio_id, instrument, qty, avg_price, realised_pnl, multiplier, dividend_yield, style)
             VALUES ('ALICE', $1, 6, 2.35, 0, 100, 0, 'american')`, [AAPL_CALL]);
    await order('ALICE-o1', 'ALICE', AAPL_CALL, 'buy', 10, 'u-alice');
    await order('ALICE-o2', 'ALICE', AAPL_CALL, 'sell', 4, 'u-trader');
    await order('ALICE-o3', 'ALICE', 'AAPL', 'buy', 5, 'u-alice');
    await order('HOUSE-o1', 'HOUSE', SPY_PUT, 'sell', 3, 'u-trader');
    await fill('ALICE-f1', 'ALICE-o1', 'ALICE', AAPL_CALL, 'buy', 10, 2.35, at('2025-06-02T13:30:00.123Z', 456));
    await fill('ALICE-f2', 'ALICE-o2', 'ALICE', AAPL_CALL, 'sell', 4, 2.6, at('2025-06-02T15:45:10.000Z'));
    await fill('ALICE-f3', 'ALICE-o3', 'ALICE', 'AAPL', 'buy', 5, 190.12, at('2025-06-02T14:00:00.000Z'));
    await fill('HOUSE-f1', 'HOUSE-o1', 'HOUSE', SPY_PUT, 'sell', 3, 7.05, at('2025-06-02T14:00:00.000Z'));
    // Outside the day: the last microsecond before it, and its end (exclusive).
    await fill('HOUSE-f0', 'HOUSE-o1', 'HOUSE', SPY_PUT, 'sell', 1, 7, at('2025-06-01T23:59:59.999Z', 999));
    await fill('HOUSE-f2', 'HOUSE-o1', 'HOUSE', SPY_PUT, 'sell', 1, 7, at('2025-06-03T00:00:00.000Z'));
  });
  afterAll(async () => { await t?.close(); });

  it('reports each option fill of the day once, as CSV field by field', async () => {
    const loaded = await rts22Report.load(sources(), { ...day, format: 'csv' });
    const records = csvRecords(rts22Report.render(loaded.input, { ...day, format: 'csv' }, 'csv'));
    expect(records.map((r) => r[2])).toEqual(['ALICE-f1', 'HOUSE-f1', 'ALICE-f2'].map(transactionReferenceOf));
    const [aliceBuy, houseSell, traderSell] = records as [Record<number, string>, Record<number, string>, Record<number, string>];
    expect(aliceBuy).toMatchObject({
      1: 'NEWT', 4: FIRM_LEI, 5: 'true', 6: FIRM_LEI,
      7: 'FR19850412ALICEFONTA', 8: 'DE', 9: 'Alice Marie', 10: 'de la Fontaine', 11: '1985-04-12', 12: '',
      16: 'XCBO', 25: 'false', 28: '2025-06-02T13:30:00.123456Z', 29: 'AOTC', 30: '10', 33: '2.35', 34: 'USD', 36: 'XCBO',
      41: '', 42: 'AAPL 2026-01-16 C 150', 43: 'OCASPS', 44: 'USD', 46: '100', 47: 'US0378331005', 50: 'CALL', 51: '150', 52: 'USD',
      53: 'AMER', 55: '2026-01-16', 56: 'PHYS', 57: '', 58: '', 59: 'NORE', 60: '', 62: '', 65: 'false',
    });
    expect(houseSell).toMatchObject({ 7: 'XCBO', 16: FIRM_LEI, 29: 'DEAL', 30: '3', 33: '7.05', 43: 'OPASPS', 47: 'US78462F1030', 50: 'PUTO', 51: '432.5', 53: 'AMER', 55: '2025-12-19', 57: 'DE19791130JURGEMULLE', 58: 'DE', 59: 'DE19791130JURGEMULLE', 60: 'DE' });
    expect(traderSell).toMatchObject({ 7: 'XCBO', 16: 'FR19850412ALICEFONTA', 17: 'DE', 21: FIRM_LEI, 29: 'AOTC', 30: '4', 33: '2.6', 57: 'DE19791130JURGEMULLE', 59: 'DE19791130JURGEMULLE' });
    for (const r of records) expect(r[2]).toMatch(/^[A-Z2-7]{52}$/);
  });

  it('gives XML valid against the auth.016 subset, read back field by field', async () => {
    const loaded = await rts22Report.load(sources(), day);
    const xml = rts22Report.render(loaded.input, day, 'xml');
    expect(await xsdErrors(xml)).toEqual([]);
    const txs = parseXml(xml).Document.FinInstrmRptgTxRpt.Tx.map((t: any) => t.New);
    expect(txs).toHaveLength(3);
    const alice = txs[0];
    expect(alice.TxId).toBe(transactionReferenceOf('ALICE-f1'));
    expect(alice.Buyr.AcctOwnr).toEqual({
      Id: { Prsn: { FrstNm: 'Alice Marie', Nm: 'de la Fontaine', BirthDt: '1985-04-12', Othr: { Id: 'FR19850412ALICEFONTA', SchmeNm: { Prtry: 'CONCAT' } } } },
      CtryOfBrnch: 'DE',
    });
    expect(alice.Sellr.AcctOwnr.Id).toEqual({ MIC: 'XCBO' });
    expect(alice.Tx.TradDt).toBe('2025-06-02T13:30:00.123456Z');
    expect(alice.Tx.Pric.Pric.MntryVal.Amt).toEqual({ '#text': '2.35', '@Ccy': 'USD' });
    expect(alice.FinInstrm.Othr.DerivInstrmAttrbts.UndrlygInstrm.Othr.Sngl.ISIN).toBe('US0378331005');
    expect(alice.ExctgPrsn).toEqual({ Clnt: 'NORE' });
    expect(txs[1].Sellr.AcctOwnr.Id).toEqual({ LEI: FIRM_LEI });
    expect(txs[1].InvstmtDcsnPrsn.Prsn.Othr.Id).toBe('DE19791130JURGEMULLE');
    expect(txs[2].Sellr.DcsnMakr).toEqual({ LEI: FIRM_LEI });
  });

  it('gives the same bytes and the same versions when generated again', async () => {
    const a = await rts22Report.load(sources(), day);
    const b = await rts22Report.load(sources(), day);
    expect(b.versions).toEqual(a.versions);
    for (const f of ['xml', 'csv'] as const) expect(rts22Report.render(b.input, day, f)).toBe(rts22Report.render(a.input, day, f));
    expect(a.versions).toMatchObject({ fills: 3, outOfScopeFills: 1 });
    expect(String(a.versions.newestProjectedAt)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
  });

  it('records a different identities version when a client identity changes', async () => {
    const a = await rts22Report.load(sources(), day);
    const changed = new Map(IDENTITIES).set('u-alice', identity('u-alice', 'Alice', 'Fontaine', 'FR', '1985-04-12'));
    const b = await rts22Report.load(sources({}, changed), day);
    expect(b.versions.identities).not.toBe(a.versions.identities);
  });

  it('narrows to one portfolio', async () => {
    const loaded = await rts22Report.load(sources(), { ...day, portfolioId: 'HOUSE' });
    expect(loaded.input.executions.map((e) => e.fillId)).toEqual(['HOUSE-f1']);
  });

  it('covers a range of days, end day inclusive', async () => {
    const loaded = await rts22Report.load(sources(), { ...day, from: '2025-06-01', to: '2025-06-03' });
    expect(loaded.input.executions.map((e) => e.fillId).sort()).toEqual(['ALICE-f1', 'ALICE-f2', 'HOUSE-f0', 'HOUSE-f1', 'HOUSE-f2']);
  });

  it('refuses the report when an underlying has no ISIN, naming it', async () => {
    await expect(rts22Report.load(sources({ underlyingIsins: new Map([['AAPL', 'US0378331005']]) }), day))
      .rejects.toMatchObject({ code: 'REPORT_ISIN_MISSING', message: expect.stringContaining('SPY') });
  });

  it('refuses a configured ISIN with a wrong check digit', async () => {
    await expect(rts22Report.load(sources({ underlyingIsins: new Map([['AAPL', 'US0378331006'], ['SPY', 'US78462F1030']]) }), day))
      .rejects.toMatchObject({ code: 'REPORT_ISIN_INVALID' });
  });

  it('refuses a firm LEI with a wrong check digit', async () => {
    await expect(rts22Report.load(sources({ firmLei: 'HWUPKR0MPOU8FGXBT395' }), day)).rejects.toMatchObject({ code: 'REPORT_LEI_INVALID' });
  });

  it('refuses the report when a client with executions has no identity (erased or never submitted)', async () => {
    const noAlice = new Map([...IDENTITIES].filter(([u]) => u !== 'u-alice'));
    await expect(rts22Report.load(sources({}, noAlice), day)).rejects.toMatchObject({ code: 'REPORT_IDENTITY_MISSING', message: expect.stringContaining('u-alice') });
  });

  it('refuses the report when a person within the firm cannot be identified', async () => {
    const noTrader = new Map([...IDENTITIES].filter(([u]) => u !== 'u-trader'));
    await expect(rts22Report.load(sources({}, noTrader), day)).rejects.toMatchObject({ code: 'REPORT_DECISION_MAKER_UNIDENTIFIED' });
  });

  it('refuses the report when a person within the firm needs a branch country and none is configured', async () => {
    await expect(rts22Report.load(sources({ firmCountry: undefined }), day)).rejects.toMatchObject({ code: 'REPORT_FIRM_COUNTRY_MISSING' });
  });
});
