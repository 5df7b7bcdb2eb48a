import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../../src/engine/risk/backtest.js';
import { kupiecPof } from '../../../src/engine/risk/kupiec.js';
import { binomialCdf, trafficLightZone } from '../../../src/engine/risk/traffic-light.js';
import { marketAt, option, stock } from '../../fixtures/books.js';
import { loadAligned, readPriceCsv } from './fixtures.js';

describe('Kupiec proportion-of-failures test', () => {
  it('gives LR = 7.7336 and p-value 0.0054 for 8 exceptions in 250 days at p = 1%', () => {
    // By hand: −2[242 ln 0.99 + 8 ln 0.01] + 2[242 ln(242/250) + 8 ln(8/250)] = 78.5471 − 70.8135.
    const k = kupiecPof(250, 8, 0.01);
    expect(k.lr).toBeCloseTo(7.73355072449452, 9);
    expect(k.pValue).toBeCloseTo(0.0054204051941, 9);
  });

  it('reproduces the 95% non-rejection regions of Kupiec (1995) as tabulated in Jorion, Value at Risk, Table 6-3', () => {
    const region = (t: number, p: number): number[] => {
      const out: number[] = [];
      for (let x = 0; x <= t; x++) if (kupiecPof(t, x, p).lr < 3.841458820694124) out.push(x);
      return out;
    };
    const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);
    expect(region(510, 0.01)).toEqual(range(2, 10)); // 1 < N < 11
    expect(region(1000, 0.01)).toEqual(range(5, 16)); // 4 < N < 17
    expect(region(255, 0.05)).toEqual(range(7, 20)); // 6 < N < 21
    expect(region(510, 0.05)).toEqual(range(17, 35)); // 16 < N < 36
    expect(region(1000, 0.05)).toEqual(range(38, 64)); // 37 < N < 65
    expect(Math.max(...region(255, 0.01))).toBe(6); // N < 7
  });

  it('handles no exceptions and all exceptions without NaN', () => {
    expect(kupiecPof(250, 0, 0.01).lr).toBeCloseTo(-2 * 250 * Math.log(0.99), 12);
    expect(kupiecPof(10, 10, 0.01).lr).toBeCloseTo(-2 * 10 * Math.log(0.01), 12);
    expect(kupiecPof(100, 1, 0.01).lr).toBe(0);
    expect(kupiecPof(100, 1, 0.01).pValue).toBe(1);
  });
});

describe('Basel traffic light', () => {
  it('reproduces the Basel table for 250 days at 99%: green 0–4, yellow 5–9, red 10 or more', () => {
    const zones = Array.from({ length: 16 }, (_, x) => trafficLightZone(250, x, 0.99));
    expect(zones).toEqual([
      'green', 'green', 'green', 'green', 'green',
      'yellow', 'yellow', 'yellow', 'yellow', 'yellow',
      'red', 'red', 'red', 'red', 'red', 'red',
    ]);
  });

  it('reproduces the cumulative probabilities printed in the Basel table (250 days, 99%)', () => {
    const table = [8.11, 28.58, 54.32, 75.81, 89.22, 95.88, 98.63, 99.6, 99.89, 99.97, 99.99];
    table.forEach((pct, x) => expect(binomialCdf(x, 250, 0.01) * 100).toBeCloseTo(pct, 2));
  });

  it('generalises: more days at the same confidence allow more exceptions in green', () => {
    expect(trafficLightZone(500, 8, 0.99)).toBe('green');
    expect(trafficLightZone(500, 9, 0.99)).toBe('yellow');
  });
});

describe('runBacktest', () => {
  const asOf = '2014-12-31';
  const aligned = loadAligned(['SPY'], asOf);
  // SPY has no adj_close: the close column is its price series.
  const close = readPriceCsv('SPY').trim().split('\n').slice(1).map((l) => l.split(',')).filter((r) => r[0]! <= asOf).map((r) => Number(r[4]));
  const spot = close[close.length - 1]!;
  const market = marketAt({ SPY: spot }, asOf, 0.01);

  it('counts the exceptions of 100 SPY shares over 250 days with a 500-day window exactly as an independent computation', () => {
    const n = close.length;
    let exceptions = 0;
    for (let d = n - 250; d < n; d++) {
      const losses: number[] = [];
      for (let i = d - 500; i < d; i++) losses.push(-100 * close[d - 1]! * (close[i]! / close[i - 1]! - 1));
      losses.sort((a, b) => b - a);
      const varD = losses[5]!; // 99%, 500 scenarios → 6th largest
      const loss = -100 * (close[d]! - close[d - 1]!);
      if (loss > varD) exceptions++;
    }
    const r = runBacktest({ positions: [stock('SPY', 100)], market, histories: aligned, confidence: 0.99, window: 500, days: 250 });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.days).toBe(250);
    expect(r.value.exceptions).toBe(exceptions);
    expect(r.value.kupiecLR).toBeCloseTo(kupiecPof(250, exceptions, 0.01).lr, 12);
    expect(r.value.zone).toBe(trafficLightZone(250, exceptions, 0.99));
    expect(r.value.exceptionDates).toHaveLength(exceptions);
  });

  it('backtests an option book on real data and returns a zone', () => {
    const book = [stock('SPY', 500), option('SPY', 'call', 205, -5, { expiry: '2015-06-19', vol: 0.16 })];
    const r = runBacktest({ positions: book, market, histories: aligned, confidence: 0.99, window: 250, days: 250 });
    expect(r.ok && ['green', 'yellow', 'red'].includes(r.value.zone)).toBe(true);
  });

  it('says how much history a backtest needs', () => {
    const r = runBacktest({ positions: [stock('SPY', 100)], market, histories: aligned, confidence: 0.99, window: 5000, days: 250 });
    expect(!r.ok && r.message).toBe(`not enough history: a 250-day backtest with a 5000-day window needs 5251 prices, ${close.length} available`);
  });
});
