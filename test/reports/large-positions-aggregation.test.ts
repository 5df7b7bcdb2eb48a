/**
 * FINRA 2360(b)(5) aggregation, field by field: calls and puts of the same side add up, the two
 * sides stay apart, an account is the customer across their portfolios, house portfolios make one
 * account, and only a side at or above the threshold is reported.
 */
import { describe, expect, it } from 'vitest';
import { type BookPosition, reportableSides, sideOf } from '../../src/engine/reports/large-positions/large-position-aggregation.js';
import { type LargePositionsInput, renderLargePositionsCsv, renderLargePositionsJson } from '../../src/engine/reports/large-positions/large-positions-report.js';

const C150 = 'AAPL  260116C00150000';
const P140 = 'AAPL  260116P00140000';
const C160 = 'AAPL  260220C00160000';
const MSFT_C = 'MSFT  260116C00400000';
const pos = (portfolioId: string, ownerId: string | null, instrument: string, qty: number): BookPosition => ({ portfolioId, ownerId, instrument, qty });

describe('same side of the market', () => {
  it('puts a long call and a short put on the bullish side, a long put and a short call on the bearish side', () => {
    expect(sideOf('call', 5)).toBe('bullish');
    expect(sideOf('put', -5)).toBe('bullish');
    expect(sideOf('put', 5)).toBe('bearish');
    expect(sideOf('call', -5)).toBe('bearish');
  });
});

describe('reportableSides', () => {
  it('reports a side that reaches 200 only when the long calls and the short puts are added', () => {
    const sides = reportableSides([pos('P1', 'u1', C150, 120), pos('P1', 'u1', P140, -80)], 200);
    expect(sides).toEqual([{
      account: { kind: 'customer', ownerId: 'u1' }, underlying: 'AAPL', side: 'bullish', contracts: 200, longContracts: 120, shortContracts: 80,
      positions: [
        { portfolioId: 'P1', instrument: C150, putCall: 'call', expiry: '2026-01-16', strike: 150, longShort: 'long', contracts: 120 },
        { portfolioId: 'P1', instrument: P140, putCall: 'put', expiry: '2026-01-16', strike: 140, longShort: 'short', contracts: 80 },
      ],
    }]);
    // Neither leg alone would be reported.
    expect(reportableSides([pos('P1', 'u1', C150, 120)], 200)).toEqual([]);
    expect(reportableSides([pos('P1', 'u1', P140, -80)], 200)).toEqual([]);
  });

  it('keeps the two sides apart: 150 long calls and 150 long puts report nothing', () => {
    expect(reportableSides([pos('P1', 'u1', C150, 150), pos('P1', 'u1', P140, 150)], 200)).toEqual([]);
  });

  it('adds the bearish legs (long puts, short calls) across series and expiries', () => {
    const [s] = reportableSides([pos('P1', 'u1', P140, 90), pos('P1', 'u1', C150, -60), pos('P1', 'u1', C160, -60)], 200);
    expect(s).toMatchObject({ side: 'bearish', contracts: 210, longContracts: 90, shortContracts: 120 });
    expect(s!.positions.map((p) => [p.instrument, p.longShort, p.contracts])).toEqual([[C150, 'short', 60], [P140, 'long', 90], [C160, 'short', 60]]); // by instrument symbol
  });

  it('aggregates a customer across their portfolios, and does not mix two customers', () => {
    const sides = reportableSides([
      pos('P1', 'u1', C150, 100), pos('P2', 'u1', P140, -100), // u1: 200 bullish over two portfolios
      pos('P3', 'u2', C150, 150), pos('P4', 'u3', P140, -150), // u2 and u3: 150 each, not together
    ], 200);
    expect(sides).toHaveLength(1);
    expect(sides[0]).toMatchObject({ account: { kind: 'customer', ownerId: 'u1' }, contracts: 200 });
    expect(sides[0]!.positions.map((p) => p.portfolioId)).toEqual(['P1', 'P2']);
  });

  it('makes one house account of the portfolios without an owner', () => {
    const sides = reportableSides([pos('H1', null, C150, 120), pos('H2', null, P140, -90)], 200);
    expect(sides).toEqual([expect.objectContaining({ account: { kind: 'house' }, side: 'bullish', contracts: 210 })]);
  });

  it('keeps underlyings apart and ignores positions in an underlying itself', () => {
    expect(reportableSides([pos('P1', 'u1', C150, 150), pos('P1', 'u1', MSFT_C, 150), pos('P1', 'u1', 'AAPL', 5000)], 200)).toEqual([]);
  });

  it('does not net a series long in one portfolio against the same series short in another', () => {
    const sides = reportableSides([pos('P1', 'u1', C150, 200), pos('P2', 'u1', C150, -200)], 200);
    expect(sides.map((s) => [s.side, s.contracts])).toEqual([['bearish', 200], ['bullish', 200]]);
  });

  it('counts contracts, not shares: a contract is one whatever its multiplier, and 199 is below the threshold', () => {
    expect(reportableSides([pos('P1', 'u1', C150, 199)], 200)).toEqual([]);
    expect(reportableSides([pos('P1', 'u1', C150, 199)], 199)).toHaveLength(1);
  });
});

describe('the large-position report rendered', () => {
  const input: LargePositionsInput = {
    day: '2026-01-05', thresholdContracts: 200, firmLei: '5493001KJTIIGC8Y1R12',
    positions: [
      pos('P1', 'u1', C150, 120), pos('P2', 'u1', P140, -80), // u1 bullish 200
      pos('P3', 'u2', C150, 10), // u2: nothing reportable
      pos('H1', null, P140, 250), // house bearish 250
    ],
    identities: {
      u1: { legalName: 'Ada Lovelace', address: '1 Main St, London', documentType: 'passport', documentNumber: 'X1234567', dateOfBirth: '1815-12-10' } as never,
    },
  };

  it('gives each account its identity (name, address, document only), its sides with their legs and positions', () => {
    const r = JSON.parse(renderLargePositionsJson(input));
    expect(r).toEqual({
      report: 'large-positions', rule: 'FINRA 2360(b)(5)', asOf: '2026-01-05', thresholdContracts: 200,
      accounts: [
        {
          account: 'customer:u1', accountType: 'customer', ownerId: 'u1', lei: null,
          identity: { legalName: 'Ada Lovelace', address: '1 Main St, London', documentType: 'passport', documentNumber: 'X1234567' },
          sides: [{
            underlying: 'AAPL', side: 'bullish', contracts: 200, legs: { longCalls: 120, shortPuts: 80 },
            positions: [
              { portfolioId: 'P1', instrument: C150, putCall: 'call', expiry: '2026-01-16', strike: 150, longShort: 'long', contracts: 120 },
              { portfolioId: 'P2', instrument: P140, putCall: 'put', expiry: '2026-01-16', strike: 140, longShort: 'short', contracts: 80 },
            ],
          }],
        },
        {
          account: 'house', accountType: 'house', ownerId: null, lei: '5493001KJTIIGC8Y1R12', identity: null,
          sides: [{
            underlying: 'AAPL', side: 'bearish', contracts: 250, legs: { longPuts: 250, shortCalls: 0 },
            positions: [{ portfolioId: 'H1', instrument: P140, putCall: 'put', expiry: '2026-01-16', strike: 140, longShort: 'long', contracts: 250 }],
          }],
        },
      ],
    });
  });

  it('writes one CSV line per contributing position, the account and side on each', () => {
    const lines = renderLargePositionsCsv(input).split('\r\n');
    expect(lines[0]).toBe('as_of,account,account_type,lei,legal_name,address,document_type,document_number,underlying,side,side_contracts,portfolio_id,instrument,put_call,expiry,strike,long_short,contracts');
    expect(lines.slice(1)).toEqual([
      `2026-01-05,customer:u1,customer,,Ada Lovelace,"1 Main St, London",passport,X1234567,AAPL,bullish,200,P1,${C150},call,2026-01-16,150,long,120`,
      `2026-01-05,customer:u1,customer,,Ada Lovelace,"1 Main St, London",passport,X1234567,AAPL,bullish,200,P2,${P140},put,2026-01-16,140,short,80`,
      `2026-01-05,house,house,5493001KJTIIGC8Y1R12,,,,,AAPL,bearish,250,H1,${P140},put,2026-01-16,140,long,250`,
      '',
    ]);
  });

  it('shows a reportable customer without a KYC identity with identity null, not dropped', () => {
    const r = JSON.parse(renderLargePositionsJson({ ...input, identities: { u1: null } }));
    expect(r.accounts[0]).toMatchObject({ account: 'customer:u1', identity: null });
  });
});
