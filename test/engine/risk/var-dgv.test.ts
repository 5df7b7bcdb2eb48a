import { describe, expect, it } from 'vitest';
import { allocDgvAggregates, type DgvAggregates, dgvAggregatesInto, dgvLosses, dgvTailRisk } from '../../../src/engine/risk/var-dgv.js';
import { tailRisk } from '../../../src/engine/risk/tail-risk.js';

function seededRandom(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 48271) % 2147483647;
    return x / 2147483647;
  };
}

/** The plain loops var-dgv.ts had before its four-scenario step: one scenario, then the vega pass. */
function referenceLosses(agg: DgvAggregates, returns: Float64Array, nScen: number, volChanges?: Float64Array): Float64Array {
  const nU = agg.tickers.length, out = new Float64Array(nScen);
  let k = 0;
  for (let s = 0; s < nScen; s++) {
    let pnl = 0;
    for (let u = 0; u < nU; u++, k++) {
      const r = returns[k]!;
      pnl += r * (agg.dollarDelta[u]! + 0.5 * agg.dollarGamma[u]! * r);
    }
    out[s] = -pnl;
  }
  if (volChanges) {
    k = 0;
    for (let s = 0; s < nScen; s++) {
      let pnl = 0;
      for (let u = 0; u < nU; u++, k++) pnl += agg.vega[u]! * volChanges[k]!;
      out[s] = out[s]! - pnl;
    }
  }
  return out;
}

/** VaR and ES by a full sort, the conventions of tail-risk.ts spelled out. */
function referenceTail(losses: Float64Array, c: number, cEs: number): { var: number; es: number } {
  const n = losses.length, desc = losses.slice().sort().reverse();
  const m = n * (1 - cEs), mm = Math.abs(m - Math.round(m)) < 1e-9 ? Math.round(m) : m, whole = Math.floor(mm);
  let sum = 0;
  for (let i = 0; i < whole; i++) sum += desc[i]!;
  if (mm - whole > 0) sum += (mm - whole) * desc[whole]!;
  return { var: desc[Math.min(n - 1, Math.floor(n * (1 - c) + 1e-9))]!, es: sum / mm };
}

function randomCase(nU: number, nScen: number, seed: number) {
  const rnd = seededRandom(seed);
  const agg = allocDgvAggregates(Array.from({ length: nU }, (_, u) => `U${u}`));
  for (let u = 0; u < nU; u++) {
    agg.dollarDelta[u] = (rnd() - 0.5) * 4e5;
    agg.dollarGamma[u] = (rnd() - 0.5) * 4e6;
    agg.vega[u] = (rnd() - 0.5) * 2e4;
  }
  const returns = Float64Array.from({ length: nScen * nU }, () => (rnd() - 0.5) * 0.1);
  const volChanges = Float64Array.from({ length: nScen * nU }, () => (rnd() - 0.5) * 0.02);
  return { agg, returns, volChanges };
}

describe('dgv losses and tail', () => {
  it('gives bit-identical losses to the one-scenario-at-a-time loop, with and without the vega term', () => {
    for (const nU of [1, 2, 3, 4, 5, 6, 7, 17]) {
      for (const nScen of [1, 2, 3, 4, 5, 7, 250, 499, 500, 501]) {
        const { agg, returns, volChanges } = randomCase(nU, nScen, 1000 * nU + nScen);
        for (const vc of [undefined, volChanges]) {
          const got = dgvLosses(agg, returns, nScen, vc, new Float64Array(nScen));
          const want = referenceLosses(agg, returns, nScen, vc);
          for (let s = 0; s < nScen; s++) expect(Object.is(got[s], want[s]), `nU ${nU} nScen ${nScen} s ${s}`).toBe(true);
        }
      }
    }
  });

  it('gives the sorted-sample VaR and ES exactly, calls after calls with a reused scratch', () => {
    const scratch = new Float64Array(600);
    for (const [c, cEs] of [[0.99, 0.975], [0.95, 0.95], [0.999, 0.99], [0.5, 0.6]] as const) {
      for (const nScen of [20, 250, 500, 501]) {
        const { agg, returns, volChanges } = randomCase(6, nScen, nScen);
        const got = dgvTailRisk(agg, returns, nScen, c, cEs, volChanges, scratch);
        const want = referenceTail(referenceLosses(agg, returns, nScen, volChanges), c, cEs);
        expect(got).toEqual(want);
      }
    }
  });

  it('keeps ties, -Infinity and NaN losses out of the way as the insertion tail always did', () => {
    // 40 losses, a tail of 3 (k·8 <= n: the insertion path, which skips NaN).
    const losses = Float64Array.from([3, NaN, 3, -Infinity, 7, 7, 1, NaN, 2, 3, 0, 5, 5, 5, 4, 6, 8, 8, 9, 1, ...new Array<number>(20).fill(0)]);
    const r = tailRisk(losses, 0.95, 0.95);
    expect(r).toEqual({ var: 8, es: (9 + 8) / 2 });
  });

  it('sums the positions per underlying from the stock dollar delta, overwriting the last state', () => {
    const agg = allocDgvAggregates(['A', 'B']);
    agg.dollarGamma[0] = 99; // stale state of an earlier request
    const pos = {
      count: 3, underlying: Int32Array.from([1, 0, 1]),
      dollarDelta: Float64Array.from([10, 20, 30]), dollarGamma: Float64Array.from([1, 2, 3]), vega: Float64Array.from([4, 5, 6]),
    };
    dgvAggregatesInto(agg, Float64Array.from([100, 200]), pos);
    expect([...agg.dollarDelta]).toEqual([120, 240]);
    expect([...agg.dollarGamma]).toEqual([2, 4]);
    expect([...agg.vega]).toEqual([5, 10]);
  });
});
