import { describe, expect, it } from 'vitest';
import { alignHistories, parsePriceCsv } from '../../../src/engine/market/price-history.js';
import { loadHistory } from './fixtures.js';

const H = 'date,open,high,low,close,adj_close,volume';

describe('parsePriceCsv', () => {
  it('uses adj_close for a file whose adj_close column is filled', () => {
    const r = parsePriceCsv(`${H}\n2020-01-02,1,1,1,10,9.5,100\n2020-01-03,1,1,1,11,10.5,100\n`, 'X.csv');
    expect(r.ok && [...r.history.prices]).toEqual([9.5, 10.5]);
    expect(r.ok && r.history.priceColumn).toBe('adj_close');
  });

  it('uses close for a file without adj_close (the SPY layout), and accepts CRLF', () => {
    const r = parsePriceCsv(`${H}\r\n2020-01-02,1,1,1,10,,100\r\n2020-01-03,1,1,1,11,,100\r\n`, 'SPY.csv');
    expect(r.ok && [...r.history.prices]).toEqual([10, 11]);
    expect(r.ok && r.history.dates).toEqual(['2020-01-02', '2020-01-03']);
  });

  it('names the file in a bad-header error', () => {
    const r = parsePriceCsv('Date,Close\n2020-01-02,1\n', 'GSPC.csv');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.code).toBe('BAD_HEADER');
    expect(!r.ok && r.message).toMatch(/^GSPC\.csv:1: bad header/);
  });

  it('names the file and line of a bad date', () => {
    const r = parsePriceCsv(`${H}\n2020-01-02,1,1,1,10,,1\n2020-02-30,1,1,1,10,,1\n`, 'A.csv');
    expect(!r.ok && r.code).toBe('BAD_DATE');
    expect(!r.ok && r.message).toMatch(/^A\.csv:3: bad date "2020-02-30"/);
  });

  it('rejects a date that is not after the previous row', () => {
    const r = parsePriceCsv(`${H}\n2020-01-03,1,1,1,10,,1\n2020-01-03,1,1,1,10,,1\n`, 'A.csv');
    expect(!r.ok && r.code).toBe('NON_ASCENDING_DATES');
    expect(!r.ok && r.message).toContain('A.csv:3');
  });

  it('rejects a non-numeric, zero or negative price with the line number', () => {
    for (const bad of ['abc', '0', '-1', '']) {
      const r = parsePriceCsv(`${H}\n2020-01-02,1,1,1,10,5,1\n2020-01-03,1,1,1,10,${bad},1\n`, 'B.csv');
      expect(!r.ok && r.code).toBe('BAD_PRICE');
      expect(!r.ok && r.message).toMatch(/^B\.csv:3: adj_close/);
    }
  });

  it('parses every price file in data/prices with the row counts of its README', () => {
    const rows = { SPY: 5241, GSPC: 5031, AAPL: 8796 };
    for (const [t, n] of Object.entries(rows)) {
      const h = loadHistory(t);
      expect(h.dates.length).toBe(n);
      expect(h.priceColumn).toBe(t === 'SPY' ? 'close' : 'adj_close');
    }
  });
});

describe('alignHistories', () => {
  const a = { dates: ['2020-01-01', '2020-01-02', '2020-01-03', '2020-01-06'], prices: Float64Array.from([1, 2, 3, 4]) };
  const b = { dates: ['2020-01-02', '2020-01-03', '2020-01-06', '2020-01-07'], prices: Float64Array.from([20, 30, 40, 50]) };

  it('inner-joins the dates up to and including asOf', () => {
    const r = alignHistories(new Map([['A', a], ['B', b]]), '2020-01-06');
    expect(r.ok && r.aligned.dates).toEqual(['2020-01-02', '2020-01-03', '2020-01-06']);
    expect(r.ok && [...r.aligned.prices.get('B')!]).toEqual([20, 30, 40]);
  });

  it('says which ticker did not trade on asOf', () => {
    const r = alignHistories(new Map([['A', a], ['B', b]]), '2020-01-07');
    expect(!r.ok && r.code).toBe('AS_OF_NOT_TRADING_DATE');
    expect(!r.ok && r.message).toBe('asOf 2020-01-07 is not a trading date of A');
  });

  it('reports a needed ticker that has no history', () => {
    const r = alignHistories(new Map([['A', a]]), '2020-01-06', ['A', 'Z']);
    expect(!r.ok && r.code).toBe('MISSING_HISTORY');
  });

  it('keeps the 3816 common dates of the three real files over 1999-11-01..2014-12-31', () => {
    const all = ['SPY', 'GSPC', 'AAPL'];
    const r = alignHistories(new Map(all.map((t) => [t, loadHistory(t)])), '2014-12-31');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const from = r.aligned.dates.indexOf('1999-11-01');
    expect(r.aligned.dates.length - from).toBe(3816);
  });
});
