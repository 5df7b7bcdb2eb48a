import { describe, expect, it } from 'vitest';
import type { Holding } from '../../../src/engine/actors/types.js';
import { spanMargin } from '../../../src/engine/margin/span-grid.js';
import { portfolioRisk } from '../../../src/engine/portfolio/portfolio-risk.js';
import { grossExposure } from '../../../src/engine/risk/gross-exposure.js';
import { computeRiskBatch, DEFAULT_REALTIME_RISK_CONFIG, largestWithHint, PORTFOLIO_OUT, PORTFOLIO_STRIDE, type PackedBatch, type RealtimeRiskConfig, type ScenarioSet, outputLength } from '../../../src/engine/risk/realtime-risk.js';
import { createDgvKernel } from '../../../src/engine/risk/realtime-dgv-wasm.js';
import { scenarioSetFromHistories, syntheticScenarioSet } from '../../../src/engine/risk/realtime-scenarios.js';
import { historicalReturnScenarios } from '../../../src/engine/risk/return-scenarios.js';
import { prepareBook } from '../../../src/engine/risk/risk-book.js';
import { dgvAggregates, dgvTailRisk } from '../../../src/engine/risk/var-dgv.js';
import type { RecalcInput, RecalcOutput } from '../../../src/engine/runtime/risk-calculator.js';
import { viewTask } from '../../../src/workers/risk-pool/leg-store-layout.js';
import { LegStore } from '../../../src/workers/risk-pool/leg-store.js';
import { LegStoreTaskRunner } from '../../../src/workers/risk-pool/leg-store-task.js';
import { held, option, stock } from '../../fixtures/books.js';
import { loadAligned } from './fixtures.js';
import { createRng } from '../../../src/engine/risk/prng.js';
import { AS_OF, NOW_MS, TICKERS, holdingsOf, inputOf, marketOf, spotsOf } from '../../workers/realtime-fixtures.js';

function scenarios(tickers = TICKERS): ScenarioSet {
  const r = syntheticScenarioSet({ underlyings: tickers, dailyVol: 0.02, correlation: 0.4, seed: 7 });
  if (!r.ok) throw new Error(r.message);
  return r.value;
}

/** The inputs through the leg store and the worker's task runner, in this thread. */
function run(inputs: RecalcInput[], sc = scenarios(), simd = false, config?: RealtimeRiskConfig): RecalcOutput[] {
  const store = new LegStore(sc.underlyings);
  const task = store.prepare(inputs);
  new LegStoreTaskRunner(store.sab, sc, config, simd ? createDgvKernel(sc) : undefined).run(viewTask(task.buffer));
  return store.deliver(task, task.buffer);
}

/** Outputs as plain data (their figures, not the store objects behind them). */
const plain = (x: readonly RecalcOutput[]): unknown => JSON.parse(JSON.stringify(x));

/** The PackedBatch the worker's runner gathers for these inputs. */
function gathered(inputs: RecalcInput[], sc: ScenarioSet): PackedBatch {
  const store = new LegStore(sc.underlyings);
  return new LegStoreTaskRunner(store.sab, sc).gather(viewTask(store.prepare(inputs).buffer));
}

/** Scenario-major matrix of `sc` for the columns `tickers` (what var-dgv.ts reads). */
function scenarioMajor(sc: ScenarioSet, tickers: readonly string[], fallbackFor: ReadonlySet<string> = new Set()): Float64Array {
  const n = sc.nScenarios;
  const m = new Float64Array(n * tickers.length);
  tickers.forEach((t, c) => {
    const u = sc.underlyings.indexOf(t);
    for (let s = 0; s < n; s++) {
      m[s * tickers.length + c] = fallbackFor.has(t) ? (sc.fallbackReturns?.[s] as number) : (sc.returns[u * n + s] as number);
    }
  });
  return m;
}

const expectClose = (actual: number, expected: number, rel = 1e-9): void => {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(expected)));
};

function expectedVar(holdings: readonly Holding[], sc: ScenarioSet, spots = spotsOf(), fallbackFor: ReadonlySet<string> = new Set()) {
  const book = prepareBook(holdings, marketOf(spots));
  if (!book.ok) throw new Error(book.message);
  const agg = dgvAggregates(book.value);
  return dgvTailRisk(agg, scenarioMajor(sc, agg.tickers, fallbackFor), sc.nScenarios, DEFAULT_REALTIME_RISK_CONFIG.varConfidence, DEFAULT_REALTIME_RISK_CONFIG.esConfidence);
}

describe('computeRiskBatch', () => {
  const portfolios = [1, 2, 3, 4, 5].map((seed) => holdingsOf(seed, 20));
  const inputs = portfolios.map((h, i) => inputOf(`p${i}`, h, true));
  const outputs = run(inputs);

  it('gives per-underlying and total Greeks equal to portfolioRisk to 1e-9', () => {
    portfolios.forEach((h, i) => {
      const ref = portfolioRisk(h, marketOf());
      if (!ref.ok) throw new Error(ref.message);
      const o = outputs[i] as RecalcOutput;
      expect(Object.keys(o.byUnderlying).sort()).toEqual(ref.value.byUnderlying.map((u) => u.underlying).sort());
      let delta = 0, gamma = 0;
      for (const u of ref.value.byUnderlying) {
        const got = o.byUnderlying[u.underlying];
        if (!got) throw new Error(`missing ${u.underlying}`);
        expectClose(got.delta, u.delta); expectClose(got.gamma, u.gamma); expectClose(got.vega, u.vega);
        expectClose(got.thetaPerYear, u.thetaPerYear); expectClose(got.rho, u.rho);
        expectClose(got.dollarDelta, u.dollarDelta); expectClose(got.dollarGamma, u.dollarGamma);
        expect(got.spot).toBe(u.spot);
        delta += u.delta; gamma += u.gamma;
      }
      const t = ref.value.totals;
      expectClose(o.greeks.delta, delta); expectClose(o.greeks.gamma, gamma); expectClose(o.greeks.vega, t.vega);
      expectClose(o.greeks.thetaPerYear, t.thetaPerYear); expectClose(o.greeks.rho, t.rho);
      expectClose(o.marketValue, t.marketValue);
    });
  });

  it('gives gross exposure equal to grossExposure (no netting between positions)', () => {
    portfolios.forEach((h, i) => {
      const ref = grossExposure(h, marketOf());
      if (!ref.ok) throw new Error(ref.message);
      expectClose((outputs[i] as RecalcOutput).grossExposure, ref.value.total);
    });
  });

  it('gives VaR 99% and ES 97.5% equal to dgvTailRisk over the same scenarios', () => {
    const sc = scenarios();
    portfolios.forEach((h, i) => {
      const ref = expectedVar(h, sc);
      expectClose((outputs[i] as RecalcOutput).var, ref.var);
      expectClose((outputs[i] as RecalcOutput).es, ref.es);
      expect(ref.var).toBeGreaterThan(0);
    });
  });

  it('gives bit-identical VaR and ES with the WebAssembly SIMD loss kernel, unknown underlyings included', () => {
    expect(createDgvKernel(scenarios())).toBeDefined();
    expect(plain(run(inputs, scenarios(), true))).toEqual(plain(outputs));
    const odd = syntheticScenarioSet({ underlyings: TICKERS.slice(0, 4), dailyVol: 0.03, correlation: 0.2, seed: 9, nScenarios: 251 });
    if (!odd.ok) throw new Error(odd.message);
    const oddInputs = portfolios.map((h, i) => inputOf(`p${i}`, h)); // EEE, FFF unknown; odd scenario count
    expect(plain(run(oddInputs, odd.value, true))).toEqual(plain(run(oddInputs, odd.value, false)));
  });

  it('gives a margin requirement equal to spanMargin with the default grid', () => {
    portfolios.forEach((h, i) => {
      const ref = spanMargin(h, marketOf());
      expectClose((outputs[i] as RecalcOutput).marginRequirement as number, ref.requirement);
      expect(ref.requirement).toBeGreaterThan(0);
    });
  });

  it('prices American legs with the engine American pricer, for Greeks and margin', () => {
    const h = holdingsOf(11, 12, TICKERS, 1, true);
    expect(h.some((x) => x.style === 'american')).toBe(true);
    const [o] = run([inputOf('am', h, true)]) as [RecalcOutput];
    const ref = portfolioRisk(h, marketOf());
    if (!ref.ok) throw new Error(ref.message);
    expectClose(o.greeks.vega, ref.value.totals.vega);
    expectClose(o.marketValue, ref.value.totals.marketValue);
    expectClose(o.marginRequirement as number, spanMargin(h, marketOf()).requirement);
  });

  it('leaves out marginRequirement unless withMargin is asked', () => {
    const [o] = run([inputOf('p', portfolios[0] as Holding[], false)]) as [RecalcOutput];
    expect(o.marginRequirement).toBeUndefined();
  });

  it('values an empty portfolio at zero with zero VaR', () => {
    const [o, next] = run([inputOf('empty', []), inputOf('p', portfolios[1] as Holding[])]) as [RecalcOutput, RecalcOutput];
    expect(o).toMatchObject({ marketValue: 0, grossExposure: 0, var: 0, es: 0, byUnderlying: {} });
    expectClose(next.var, expectedVar(portfolios[1] as Holding[], scenarios()).var);
  });

  it('uses the fallback (cross-sectional mean) returns for an underlying the scenario set does not know', () => {
    const sc = scenarios(TICKERS.slice(0, 4)); // EEE and FFF unknown
    const h = holdingsOf(3, 20);
    const [o] = run([inputOf('p', h)], sc) as [RecalcOutput];
    const ref = expectedVar(h, sc, spotsOf(), new Set(['EEE', 'FFF']));
    expectClose(o.var, ref.var);
    expectClose(o.es, ref.es);
  });

  it('reads the scenario set underlying-major: a return on one column moves only that underlying', () => {
    const underlyings = ['AAA', 'BBB'];
    const n = 100;
    const returns = new Float64Array(2 * n);
    returns[n + 17] = -0.1; // BBB down 10% in scenario 17 and 5% in 42, everything else flat
    returns[n + 42] = -0.05;
    const sc: ScenarioSet = { nScenarios: n, returns, underlyings };
    const spots = new Map([['AAA', 100], ['BBB', 200]]);
    const [o] = run([inputOf('p', [held(stock('AAA', 1000)), held(stock('BBB', 10))], false, spots)], sc, false, { ...DEFAULT_REALTIME_RISK_CONFIG, varConfidence: 0.99 }) as [RecalcOutput];
    // n = 100 at 99%: VaR is the 2nd largest loss, 10 × 200 × 5%; ES(97.5%) = (200 + 100) / 2.5.
    expect(o.var).toBeCloseTo(100, 9);
    expect(o.es).toBeCloseTo(120, 9);
  });

  it('runs option time to expiry from nowMs to 21:00 UTC on the expiry date, floored at zero', () => {
    const opt = (expiry: string): Holding => held(option('AAA', 'call', 50, 1, { expiry, vol: 0.3 }));
    const sc = scenarios();
    const inputs = [{ ...inputOf('p', [opt(AS_OF), opt('2026-01-14'), opt('2026-01-16')]), nowMs: NOW_MS - 3_600_000 }];
    const batch = gathered(inputs, sc);
    expect(batch.tYears[0]).toBeCloseTo(1 / (365 * 24), 15);
    expect(batch.tYears[1]).toBe(0);
    expect(batch.tYears[2]).toBeCloseTo(25 / (365 * 24), 15);
  });

  it('throws a RangeError naming the portfolio when a spot is missing or a vol is absent', () => {
    const h = holdingsOf(1, 5);
    const noSpot = inputOf('q', h, false, new Map([['AAA', 100]]));
    expect(() => run([noSpot])).toThrow(/portfolio #0: spot NaN/);
    expect(() => run([inputOf('p', h), noSpot])).toThrow(/portfolio q prices \w+ differently from the rest of its batch/);
    const noVol: Holding = { ...(h[0] as Holding), vol: undefined };
    expect(() => run([inputOf('p', [noVol])])).toThrow(/portfolio #0: option leg 0 has vol NaN/);
  });

  it('refuses an output array shorter than the batch needs', () => {
    const sc = scenarios();
    const batch = gathered(inputs, sc);
    expect(() => computeRiskBatch(batch, sc, new Float64Array(outputLength(batch.nPortfolios, batch.nGroups) - 1))).toThrow(RangeError);
  });
});

describe('tail selection with a hint (largestWithHint)', () => {
  const n = 500, k = 13;
  const rng = createRng(11);
  const samples = Array.from({ length: 20 }, (_, i) => Float64Array.from({ length: n }, () => (rng.nextUniform() - 0.5 - 0.3 * (i % 3)) * 10 ** (i % 5)));
  const topOf = (losses: Float64Array, hint: number): number[] => {
    const top = new Float64Array(k);
    largestWithHint(losses, n, top, k, hint, new Float64Array(n));
    return [...top];
  };
  const sortedTop = (losses: Float64Array): number[] => [...losses].sort((a, b) => b - a).slice(0, k);

  it('gives the k largest losses in descending order whatever the hint: exact, stale, far off, NaN or infinite', () => {
    for (const losses of samples) {
      const want = sortedTop(losses);
      const floor = want[k - 1] as number;
      for (const hint of [floor, floor * 1.01, floor * 0.99, want[0] as number, 2 * Math.abs(floor), -1e300, 0, NaN, Infinity, -Infinity]) {
        expect(topOf(losses, hint)).toEqual(want);
      }
    }
  });

  it('keeps ties and negative tails exact (a book that gains in every scenario)', () => {
    const ties = new Float64Array(n).fill(-5);
    for (let i = 0; i < 20; i++) ties[i * 7] = -1;
    expect(topOf(ties, -1)).toEqual(sortedTop(ties));
    expect(topOf(ties, -5)).toEqual(sortedTop(ties));
  });

  it('makes computeRiskBatch give bit-identical figures with a hint as without, and reports the tail floor', () => {
    const sc = scenarios();
    const portfolios = [1, 2, 3, 4, 5].map((seed) => holdingsOf(seed, 20));
    const batch = gathered(portfolios.map((h, i) => inputOf(`p${i}`, h)), sc);
    const nP = batch.nPortfolios;
    const bare = new Float64Array(outputLength(nP, batch.nGroups));
    computeRiskBatch({ ...batch, tailHint: undefined }, sc, bare);
    for (const hints of [Float64Array.from({ length: nP }, (_, p) => bare[p * PORTFOLIO_STRIDE + PORTFOLIO_OUT.tailFloor] as number), new Float64Array(nP), new Float64Array(nP).fill(NaN)]) {
      const hinted = new Float64Array(bare.length);
      computeRiskBatch({ ...batch, tailHint: hints }, sc, hinted);
      expect([...hinted]).toEqual([...bare]);
    }
    // The floor is the smallest loss the tail read: VaR (the 6th largest of 500) is at or above it.
    for (let p = 0; p < nP; p++) expect(bare[p * PORTFOLIO_STRIDE + PORTFOLIO_OUT.var] as number).toBeGreaterThanOrEqual(bare[p * PORTFOLIO_STRIDE + PORTFOLIO_OUT.tailFloor] as number);
  });
});

describe('real-time scenario sets', () => {
  it('builds from real aligned histories: column u holds the same one-day returns as historicalReturnScenarios', () => {
    const tickers = ['GSPC', 'SPY', 'AAPL'];
    const aligned = loadAligned(tickers, '2014-12-31');
    const r = scenarioSetFromHistories(aligned, tickers);
    if (!r.ok) throw new Error(r.message);
    const ref = historicalReturnScenarios(aligned, tickers, 500);
    if (!ref.ok) throw new Error(ref.message);
    expect(r.value.nScenarios).toBe(500);
    expect(r.value.underlyings).toEqual(tickers);
    for (let u = 0; u < 3; u++) {
      for (let s = 0; s < 500; s++) expect(r.value.returns[u * 500 + s]).toBe(ref.value.returns[s * 3 + u]);
    }
    const spyLast = (aligned.prices.get('SPY') as Float64Array).at(-1) as number;
    const spyPrev = (aligned.prices.get('SPY') as Float64Array).at(-2) as number;
    expect(r.value.returns[1 * 500 + 499]).toBe(spyLast / spyPrev - 1);
  });

  it('passes on a history error as a value (too little history for the window)', () => {
    const aligned = loadAligned(['SPY'], '2014-12-31');
    const r = scenarioSetFromHistories(aligned, ['SPY'], { window: aligned.dates.length + 5 });
    expect(r).toMatchObject({ ok: false, code: 'INSUFFICIENT_HISTORY' });
  });

  it('draws the same synthetic set for the same seed and a different one for another seed', () => {
    const opts = { underlyings: ['A', 'B'], dailyVol: 0.02, correlation: 0.5, seed: 1 };
    const a = syntheticScenarioSet(opts), b = syntheticScenarioSet(opts), c = syntheticScenarioSet({ ...opts, seed: 2 });
    if (!a.ok || !b.ok || !c.ok) throw new Error('build failed');
    expect(a.value.returns).toEqual(b.value.returns);
    expect(a.value.returns).not.toEqual(c.value.returns);
    expect(a.value.nScenarios).toBe(500);
  });

  it('gives synthetic returns the requested daily vols and one-factor correlation', () => {
    const n = 40_000;
    const r = syntheticScenarioSet({ underlyings: ['A', 'B', 'C'], dailyVol: [0.01, 0.02, 0.04], correlation: 0.3, seed: 5, nScenarios: n });
    if (!r.ok) throw new Error(r.message);
    const col = (u: number): Float64Array => r.value.returns.subarray(u * n, (u + 1) * n);
    const sd = (x: Float64Array): number => Math.sqrt(x.reduce((a, v) => a + v * v, 0) / n);
    const corr = (x: Float64Array, y: Float64Array): number => x.reduce((a, v, i) => a + v * (y[i] as number), 0) / n / (sd(x) * sd(y));
    expect(sd(col(0))).toBeCloseTo(0.01, 3);
    expect(sd(col(2))).toBeCloseTo(0.04, 2);
    expect(corr(col(0), col(1))).toBeCloseTo(0.3, 1);
    expect(corr(col(1), col(2))).toBeCloseTo(0.3, 1);
    // The fallback column is the cross-sectional mean.
    expect(r.value.fallbackReturns?.[7]).toBeCloseTo(((col(0)[7] as number) + (col(1)[7] as number) + (col(2)[7] as number)) / 3, 15);
  });

  it('rejects a correlation outside [0, 1] or a vol per underlying of the wrong length', () => {
    expect(syntheticScenarioSet({ underlyings: ['A'], dailyVol: 0.02, correlation: 1.2, seed: 1 })).toMatchObject({ ok: false, code: 'BAD_SCENARIOS' });
    expect(syntheticScenarioSet({ underlyings: ['A', 'B'], dailyVol: [0.02], correlation: 0.2, seed: 1 })).toMatchObject({ ok: false, code: 'BAD_SCENARIOS' });
  });
});
