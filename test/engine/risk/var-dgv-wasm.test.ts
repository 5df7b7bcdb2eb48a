import { describe, expect, it } from 'vitest';
import { createDgvVarKernel, dgvTailRiskFast, largestWithHint, MAX_WASM_UNDERLYINGS } from '../../../src/engine/risk/var-dgv-wasm.js';
import { largestDescending } from '../../../src/engine/risk/tail-risk.js';
import { allocDgvAggregates, dgvLosses, dgvTailRisk } from '../../../src/engine/risk/var-dgv.js';

function seededRandom(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 48271) % 2147483647;
    return x / 2147483647;
  };
}

function randomCase(nU: number, nScen: number, seed: number) {
  const rnd = seededRandom(seed);
  const agg = allocDgvAggregates(Array.from({ length: nU }, (_, u) => `U${u}`));
  for (let u = 0; u < nU; u++) {
    agg.dollarDelta[u] = (rnd() - 0.5) * 4e5;
    agg.dollarGamma[u] = (rnd() - 0.5) * 4e6;
    agg.vega[u] = (rnd() - 0.5) * 2e4;
  }
  // Some exact zeros, as in real data (an unchanged close), to exercise signed zeros.
  const returns = Float64Array.from({ length: nScen * nU }, () => (rnd() < 0.05 ? 0 : (rnd() - 0.5) * 0.1));
  const volChanges = Float64Array.from({ length: nScen * nU }, () => (rnd() < 0.05 ? 0 : (rnd() - 0.5) * 0.02));
  return { agg, returns, volChanges };
}

describe('dgv VaR wasm kernel', () => {
  it('gives bit-identical losses to dgvLosses, with and without the vega term', () => {
    for (const nU of [1, 2, 3, 5, 6, 7, 17, MAX_WASM_UNDERLYINGS]) {
      for (const nScen of [1, 2, 3, 4, 5, 250, 499, 500, 501]) {
        const { agg, returns, volChanges } = randomCase(nU, nScen, 1000 * nU + nScen);
        const kernel = createDgvVarKernel(nU, nScen);
        expect(kernel, 'Node 20 has WebAssembly SIMD').toBeDefined();
        for (const vc of [undefined, volChanges, undefined]) {
          kernel!.load(returns, vc);
          const got = kernel!.losses(agg);
          const want = dgvLosses(agg, returns, nScen, vc, new Float64Array(nScen));
          expect(got.length).toBe(nScen);
          for (let s = 0; s < nScen; s++) expect(Object.is(got[s], want[s]), `nU ${nU} nScen ${nScen} s ${s}`).toBe(true);
        }
      }
    }
  });

  it('gives signed zeros like dgvLosses when every return is zero', () => {
    for (const nU of [1, 3]) {
      const agg = allocDgvAggregates(Array.from({ length: nU }, (_, u) => `U${u}`));
      agg.dollarDelta.fill(-5);
      agg.vega.fill(-2);
      const zeros = new Float64Array(4 * nU);
      const kernel = createDgvVarKernel(nU, 4)!;
      for (const vc of [undefined, zeros]) {
        kernel.load(zeros, vc);
        const got = kernel.losses(agg), want = dgvLosses(agg, zeros, 4, vc);
        for (let s = 0; s < 4; s++) expect(Object.is(got[s], want[s]), `nU ${nU} s ${s}`).toBe(true);
      }
    }
  });

  it('gives dgvTailRisk exactly, new aggregates on the same loaded scenarios and through the one-off path', () => {
    for (const [c, cEs] of [[0.99, 0.975], [0.95, 0.95], [0.999, 0.99], [0.5, 0.6]] as const) {
      for (const nScen of [20, 250, 500, 501]) {
        const first = randomCase(6, nScen, nScen);
        const kernel = createDgvVarKernel(6, nScen)!;
        kernel.load(first.returns, first.volChanges);
        for (let seed = 0; seed < 3; seed++) {
          const { agg } = randomCase(6, nScen, 7 + seed);
          const want = dgvTailRisk(agg, first.returns, nScen, c, cEs, first.volChanges);
          expect(kernel.tailRisk(agg, c, cEs)).toEqual(want);
          expect(dgvTailRiskFast(agg, first.returns, nScen, c, cEs, first.volChanges)).toEqual(want);
          expect(dgvTailRiskFast(agg, first.returns, nScen, c, cEs)).toEqual(dgvTailRisk(agg, first.returns, nScen, c, cEs));
        }
      }
    }
  });

  it('declines shapes it is not built for, and the one-off path then falls back to JS', () => {
    expect(createDgvVarKernel(0, 500)).toBeUndefined();
    expect(createDgvVarKernel(MAX_WASM_UNDERLYINGS + 1, 500)).toBeUndefined();
    expect(createDgvVarKernel(6, 0)).toBeUndefined();
    const nU = MAX_WASM_UNDERLYINGS + 1;
    const { agg, returns, volChanges } = randomCase(nU, 100, 3);
    expect(dgvTailRiskFast(agg, returns, 100, 0.99, 0.975, volChanges)).toEqual(dgvTailRisk(agg, returns, 100, 0.99, 0.975, volChanges));
  });

  it('refuses a scenario matrix shorter than its shape', () => {
    expect(() => createDgvVarKernel(6, 500)!.load(new Float64Array(100))).toThrow(RangeError);
  });

  it('selects exactly the tail of the insertion scan whenever its hint lets at least k through, ties and NaN included', () => {
    const rnd = seededRandom(99);
    const top = new Float64Array(40), cand = new Float64Array(500);
    let used = 0;
    for (let trial = 0; trial < 400; trial++) {
      const n = 20 + Math.floor(rnd() * 480), k = 1 + Math.floor(rnd() * Math.min(30, Math.floor(n / 8)));
      // Coarse values so ties are common; a few NaN, which the insertion scan (k·8 ≤ n) skips.
      const losses = Float64Array.from({ length: n }, () => (rnd() < 0.02 ? NaN : Math.round((rnd() - 0.5) * 40)));
      const hint = Math.round((rnd() - 0.2) * 25);
      const want = largestDescending(losses, k, n);
      if (largestWithHint(losses, n, k, hint, top, cand)) {
        used++;
        expect(Array.from(top.subarray(0, k))).toEqual(Array.from(want));
      } else {
        expect(losses.filter((x) => x >= hint).length).toBeLessThan(k);
      }
    }
    expect(used).toBeGreaterThan(50);
    expect(largestWithHint(new Float64Array(10), 10, 3, NaN, top, cand)).toBe(false);
  });

  it('keeps VaR and ES exact across requests whose losses move, so the previous tail is a good or a bad hint', () => {
    const nScen = 500;
    const { agg, returns, volChanges } = randomCase(6, nScen, 5);
    const kernel = createDgvVarKernel(6, nScen)!;
    kernel.load(returns, volChanges);
    const rnd = seededRandom(17);
    for (let step = 0; step < 200; step++) {
      const u = step % 6;
      // Small drifts most of the time, now and then a jump (a trade that reshapes the book).
      agg.dollarDelta[u] = agg.dollarDelta[u]! * (step % 25 === 0 ? -3 : 1 + (rnd() - 0.5) * 0.02);
      expect(kernel.tailRisk(agg, 0.99, 0.975)).toEqual(dgvTailRisk(agg, returns, nScen, 0.99, 0.975, volChanges));
    }
  });
});
