import { describe, expect, it } from 'vitest';
import { allocBsmBatchOutputs, bsmBatch } from '../../../src/engine/pricing/bsm-batch.js';
import { bsmGreeks } from '../../../src/engine/pricing/bsm.js';

function seededRandom(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 48271) % 2147483647;
    return x / 2147483647;
  };
}

const fields = ['price', 'delta', 'gamma', 'vega', 'thetaPerYear', 'rho'] as const;

function randomBook(n: number, seed: number) {
  const rnd = seededRandom(seed);
  const spot = new Float64Array(n), strike = new Float64Array(n), tYears = new Float64Array(n), vol = new Float64Array(n);
  const rate = new Float64Array(n), dividendYield = new Float64Array(n), isCall = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    spot[i] = 1 + rnd() * 999;
    strike[i] = spot[i]! * Math.exp((rnd() - 0.5) * 3); // moneyness 0.22..4.5
    tYears[i] = Math.exp(Math.log(1 / (365 * 24)) + rnd() * Math.log(5 * 365 * 24)); // 1 hour .. 5 years
    vol[i] = 0.01 + rnd() * 2;
    rate[i] = -0.01 + rnd() * 0.15;
    dividendYield[i] = rnd() * 0.1;
    isCall[i] = rnd() < 0.5 ? 1 : 0;
  }
  return { spot, strike, tYears, vol, rate, dividendYield, isCall };
}

/**
 * Relative 1e-12 against bsmGreeks. Price and theta are sums of terms of opposite sign, so near a
 * cancellation neither implementation knows them better than a few ulps of the terms; for those
 * two the 1e-12 is relative to the sum of the terms' magnitudes (read back from the scalar
 * Greeks: S e^{-qt} N = |delta| S, K e^{-rt} N = |rho| / t, S e^{-qt} n v / (2 sqrt t) = vega v / (2t)).
 * Delta, gamma, vega and rho are products, so they get plain relative 1e-12.
 */
function assertAgrees(book: ReturnType<typeof randomBook>, useBookRates: boolean): number {
  const n = book.spot.length;
  const out = allocBsmBatchOutputs(n);
  const r0 = 0.03, q0 = 0.01;
  bsmBatch({ ...book, rate: useBookRates ? r0 : book.rate, dividendYield: useBookRates ? q0 : book.dividendYield }, out);
  let worst = 0;
  for (let i = 0; i < n; i++) {
    const o = {
      type: book.isCall[i] === 1 ? ('call' as const) : ('put' as const),
      spot: book.spot[i]!, strike: book.strike[i]!, tYears: book.tYears[i]!, vol: book.vol[i]!,
      rate: useBookRates ? r0 : book.rate[i]!, dividendYield: useBookRates ? q0 : book.dividendYield[i]!,
    };
    const g = bsmGreeks(o);
    const sTerm = Math.abs(g.delta) * o.spot, kTerm = Math.abs(g.rho) / o.tYears;
    const scale: Record<(typeof fields)[number], number> = {
      price: sTerm + kTerm, delta: 0, gamma: 0, vega: 0, rho: 0,
      thetaPerYear: (g.vega * o.vol) / (2 * o.tYears) + Math.abs(o.dividendYield) * sTerm + Math.abs(o.rate) * kTerm,
    };
    for (const f of fields) {
      const err = Math.abs(out[f][i]! - g[f]);
      const tol = 1e-12 * Math.max(Math.abs(g[f]), scale[f]);
      if (!(err <= tol || err <= 1e-300)) throw new Error(`${f} at ${JSON.stringify(o)}: batch ${out[f][i]} vs scalar ${g[f]}`);
      if (Math.abs(g[f]) > 0) worst = Math.max(worst, err / Math.abs(g[f]));
    }
  }
  return worst;
}

describe('bsmBatch (structure-of-arrays kernel)', () => {
  it('agrees with bsmGreeks to 1e-12 relative on 20k random options with per-option rates and yields', () => {
    assertAgrees(randomBook(20_000, 42), false);
  });

  it('agrees with bsmGreeks to 1e-12 relative with one rate and yield for the whole book', () => {
    assertAgrees(randomBook(20_000, 7), true);
  });

  it('writes bsmGreeks limit values for options at expiry or with zero vol', () => {
    const spot = Float64Array.of(110, 110, 90, 110);
    const strike = Float64Array.of(100, 100, 100, 100);
    const tYears = Float64Array.of(0, 0.5, 0.5, -1);
    const vol = Float64Array.of(0.2, 0, 0, 0.2);
    const isCall = Uint8Array.of(1, 1, 1, 0);
    const out = allocBsmBatchOutputs(4);
    bsmBatch({ spot, strike, tYears, vol, isCall, rate: 0.05, dividendYield: 0.01 }, out);
    for (let i = 0; i < 4; i++) {
      const g = bsmGreeks({ type: isCall[i] ? 'call' : 'put', spot: spot[i]!, strike: strike[i]!, tYears: tYears[i]!, vol: vol[i]!, rate: 0.05, dividendYield: 0.01 });
      for (const f of fields) expect(out[f][i]).toBeCloseTo(g[f], 14);
    }
  });

  it('only writes the first n entries when n is smaller than the arrays', () => {
    const book = randomBook(10, 3);
    const out = allocBsmBatchOutputs(10);
    out.price.fill(-1);
    bsmBatch(book, out, 4);
    expect(Array.from(out.price.subarray(4))).toEqual(new Array(6).fill(-1));
    expect(out.price[3]).toBeGreaterThanOrEqual(0);
  });
});

describe('bsmBatch argument checks', () => {
  it('throws a RangeError when n exceeds an input or output array (a caller bug, not market data)', () => {
    const book = randomBook(4, 1);
    expect(() => bsmBatch(book, allocBsmBatchOutputs(3))).toThrow(RangeError);
    expect(() => bsmBatch({ ...book, rate: 0.01, dividendYield: 0 }, allocBsmBatchOutputs(4), 5)).toThrow(/shortest/);
  });
});
