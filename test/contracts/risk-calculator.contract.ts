/**
 * The RiskCalculator port's contract (src/engine/runtime/risk-calculator.ts), written once and run
 * against every implementation (risk-pool.contract.test.ts, in-process-calculator.contract.test.ts),
 * as BullMQ's adapter-conformance tests run one suite against each queue backend. The figures are
 * checked against the engine's scalar reference functions (portfolioRisk, grossExposure, the dgv
 * VaR of var-dgv.ts, spanMargin), not against another calculator.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Holding } from '../../src/engine/actors/types.js';
import { spanMargin } from '../../src/engine/margin/span-grid.js';
import { portfolioRisk } from '../../src/engine/portfolio/portfolio-risk.js';
import { grossExposure } from '../../src/engine/risk/gross-exposure.js';
import type { ScenarioSet } from '../../src/engine/risk/realtime-risk.js';
import { syntheticScenarioSet } from '../../src/engine/risk/realtime-scenarios.js';
import { prepareBook } from '../../src/engine/risk/risk-book.js';
import { dgvAggregates, dgvTailRisk } from '../../src/engine/risk/var-dgv.js';
import type { RecalcInput, RecalcOutput, RiskCalculator } from '../../src/engine/runtime/risk-calculator.js';
import { holdingsOf, inputOf, marketOf, spotsOf, TICKERS } from '../workers/realtime-fixtures.js';

export interface RiskCalculatorSettings {
  readonly scenarios: ScenarioSet;
  readonly varConfidence?: number;
  readonly esConfidence?: number;
}

/** Builds the implementation under test; the suite closes every calculator it makes. */
export type MakeRiskCalculator = (settings: RiskCalculatorSettings) => RiskCalculator;

export const CONTRACT_SCENARIOS = ((): ScenarioSet => {
  const r = syntheticScenarioSet({ underlyings: TICKERS, dailyVol: 0.02, correlation: 0.3, seed: 3 });
  if (!r.ok) throw new Error(r.message);
  return r.value;
})();

const UNKNOWN = 'ZZZ'; // an underlying outside the scenario set: valued against its fallback column
const SPOTS = new Map([...spotsOf(), [UNKNOWN, 42]]);

const stock = (symbol: string, qty: number): Holding => ({
  instrument: { kind: 'underlying', symbol }, qty, multiplier: 1, dividendYield: 0, style: 'european', avgPrice: 1, realisedPnl: 0,
});
const option = (underlying: string, type: 'call' | 'put', strike: number, qty: number, vol = 0.3): Holding => ({
  instrument: { kind: 'option', symbol: `${underlying}-${type}-${strike}`, underlying, expiry: '2026-03-20', type, strike },
  qty, multiplier: 100, vol, dividendYield: 0.01, style: 'european', avgPrice: 1, realisedPnl: 0,
});

/** The known books of the contract, by name. */
export const BOOKS: Readonly<Record<string, readonly Holding[]>> = {
  stock: [stock('AAA', 300)],
  call: [option('AAA', 'call', 55, 10)],
  put: [option('BBB', 'put', 80, -7)],
  multi: [stock('AAA', -150), option('AAA', 'put', 45, 4), option('CCC', 'call', 130, -3), stock('DDD', 60), option(UNKNOWN, 'call', 40, 2)],
  empty: [],
};

const input = (portfolioId: string, holdings: readonly Holding[], withMargin = false): RecalcInput => inputOf(portfolioId, holdings, withMargin, SPOTS);

const expectClose = (actual: number, expected: number, rel = 1e-9): void => {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(expected)));
};

/** Scenario-major returns of `tickers` (what var-dgv.ts reads), the fallback column for those outside the set. */
function scenarioMajor(sc: ScenarioSet, tickers: readonly string[]): Float64Array {
  const n = sc.nScenarios;
  const m = new Float64Array(n * tickers.length);
  tickers.forEach((t, c) => {
    const u = sc.underlyings.indexOf(t);
    for (let s = 0; s < n; s++) m[s * tickers.length + c] = (u >= 0 ? sc.returns[u * n + s] : sc.fallbackReturns?.[s]) as number;
  });
  return m;
}

/** What the port promises for a book, from the scalar reference functions. */
function expectFiguresOf(o: RecalcOutput, holdings: readonly Holding[], sc: ScenarioSet, varConfidence = 0.95, esConfidence = 0.975): void {
  const market = marketOf(SPOTS);
  const ref = portfolioRisk(holdings, market);
  if (!ref.ok) throw new Error(ref.message);
  const t = ref.value.totals;
  expect(Object.keys(o.byUnderlying).sort()).toEqual(ref.value.byUnderlying.map((u) => u.underlying).sort());
  for (const u of ref.value.byUnderlying) {
    const got = o.byUnderlying[u.underlying]!;
    expectClose(got.delta, u.delta); expectClose(got.gamma, u.gamma); expectClose(got.vega, u.vega);
    expectClose(got.thetaPerYear, u.thetaPerYear); expectClose(got.rho, u.rho);
    expectClose(got.dollarDelta, u.dollarDelta); expectClose(got.dollarGamma, u.dollarGamma);
    expect(got.spot).toBe(u.spot);
  }
  const sum = (k: 'delta' | 'gamma'): number => ref.value.byUnderlying.reduce((a, u) => a + u[k], 0);
  expectClose(o.greeks.delta, sum('delta')); expectClose(o.greeks.gamma, sum('gamma'));
  expectClose(o.greeks.vega, t.vega); expectClose(o.greeks.thetaPerYear, t.thetaPerYear); expectClose(o.greeks.rho, t.rho);
  expectClose(o.marketValue, t.marketValue);
  const gross = grossExposure(holdings, market);
  if (!gross.ok) throw new Error(gross.message);
  expectClose(o.grossExposure, gross.value.total);
  const book = prepareBook(holdings, market);
  if (!book.ok) throw new Error(book.message);
  const agg = dgvAggregates(book.value);
  const tail = dgvTailRisk(agg, scenarioMajor(sc, agg.tickers), sc.nScenarios, varConfidence, esConfidence);
  expectClose(o.var, tail.var);
  expectClose(o.es, tail.es);
}

/** Outputs as plain data (their figures, not the objects an implementation may reuse). */
export const plain = (x: readonly RecalcOutput[]): unknown => JSON.parse(JSON.stringify(x));

export function describeRiskCalculatorContract(name: string, make: MakeRiskCalculator): void {
  describe(`RiskCalculator contract: ${name}`, () => {
    const made: RiskCalculator[] = [];
    const calculator = (settings: Partial<RiskCalculatorSettings> = {}): RiskCalculator => {
      const c = make({ scenarios: CONTRACT_SCENARIOS, ...settings });
      made.push(c);
      return c;
    };
    afterAll(async () => {
      for (const c of made) await c.close();
    });

    it('answers one output per input, in input order, for a batch of any size', async () => {
      const c = calculator();
      const inputs = Array.from({ length: 70 }, (_, i) => input(`p${i}`, holdingsOf(200 + i, 12), i % 3 === 0));
      const out = await c.recalculate(inputs);
      expect(out.map((o) => o.portfolioId)).toEqual(inputs.map((x) => x.portfolioId));
      expect(await c.recalculate([])).toEqual([]);
    });

    for (const book of Object.keys(BOOKS)) {
      it(`values the ${book} book as the reference functions do (Greeks by underlying, market value, gross exposure, VaR, ES)`, async () => {
        const [o] = (await calculator().recalculate([input(book, BOOKS[book]!)])) as [RecalcOutput];
        expect(o.portfolioId).toBe(book);
        expectFiguresOf(o, BOOKS[book]!, CONTRACT_SCENARIOS);
      });
    }

    it('values a stock exactly: delta is its quantity, market value and gross exposure quantity × spot, no other Greek', async () => {
      const [o] = (await calculator().recalculate([input('s', BOOKS.stock!)])) as [RecalcOutput];
      expect(o.greeks).toEqual({ delta: 300, gamma: 0, vega: 0, thetaPerYear: 0, rho: 0 });
      expect(o.marketValue).toBe(300 * 50);
      expect(o.grossExposure).toBe(300 * 50);
      expect(o.byUnderlying).toEqual({ AAA: { delta: 300, gamma: 0, vega: 0, thetaPerYear: 0, rho: 0, spot: 50, dollarDelta: 15_000, dollarGamma: 0 } });
      expect(o.var).toBeGreaterThan(0);
      expect(o.es).toBeGreaterThanOrEqual(o.var * 0.9); // ES 97.5 % and VaR 99 % are close for a linear book
    });

    it('values an empty book at zero', async () => {
      const [o] = (await calculator().recalculate([input('e', [])])) as [RecalcOutput];
      expect(plain([o])).toEqual([{ portfolioId: 'e', greeks: { delta: 0, gamma: 0, vega: 0, thetaPerYear: 0, rho: 0 }, byUnderlying: {}, marketValue: 0, grossExposure: 0, var: 0, es: 0 }]);
    });

    it('gives a call positive delta and a put negative delta, both long gamma and vega', async () => {
      const [call, put] = (await calculator().recalculate([input('c', [option('AAA', 'call', 50, 1)]), input('p', [option('AAA', 'put', 50, 1)])])) as [RecalcOutput, RecalcOutput];
      expect(call.greeks.delta).toBeGreaterThan(0);
      expect(put.greeks.delta).toBeLessThan(0);
      expectClose(call.greeks.delta - put.greeks.delta, 100 * Math.exp(-0.01 * (64 / 365))); // put-call parity: Δc − Δp = e^{−qT} per share
      for (const o of [call, put]) {
        expect(o.greeks.gamma).toBeGreaterThan(0);
        expect(o.greeks.vega).toBeGreaterThan(0);
      }
    });

    it('runs the margin grid only when asked, and asking changes no other figure', async () => {
      const c = calculator();
      const [without, withMargin] = (await c.recalculate([input('m0', BOOKS.multi!, false), input('m1', BOOKS.multi!, true)])) as [RecalcOutput, RecalcOutput];
      expect(without.marginRequirement).toBeUndefined();
      expectClose(withMargin.marginRequirement as number, spanMargin(BOOKS.multi!, marketOf(SPOTS)).requirement);
      expect(withMargin.marginRequirement).toBeGreaterThan(0);
      const { marginRequirement: _m, portfolioId: _p, ...rest } = (plain([withMargin]) as RecalcOutput[])[0]!;
      const { portfolioId: _q, ...restWithout } = (plain([without]) as RecalcOutput[])[0]!;
      expect(rest).toEqual(restWithout);
    });

    it('reports the confidences it was configured with, and values VaR and ES at them', async () => {
      const c = calculator({ varConfidence: 0.99, esConfidence: 0.9 });
      expect(c.varConfidence).toBe(0.99);
      expect(c.esConfidence).toBe(0.9);
      const [o] = (await c.recalculate([input('v', BOOKS.multi!)])) as [RecalcOutput];
      expectFiguresOf(o, BOOKS.multi!, CONTRACT_SCENARIOS, 0.99, 0.9);
      const d = calculator(); // VAR_CONFIDENCE_LEVEL's documented default, and the live ES's
      expect([d.varConfidence, d.esConfidence]).toEqual([0.95, 0.975]);
      expect(d.capacity).toBeGreaterThanOrEqual(1);
    });

    it('keeps an output readable after later batches, until the same portfolio is recalculated', async () => {
      const c = calculator();
      const [a] = (await c.recalculate([input('A', BOOKS.call!)])) as [RecalcOutput];
      await c.recalculate([input('B', BOOKS.put!), input('C', BOOKS.multi!)]);
      expectFiguresOf(a, BOOKS.call!, CONTRACT_SCENARIOS); // greeks and byUnderlying read only now
    });

    it('reads its inputs when called: spots and holdings changed afterwards do not reach the figures', async () => {
      const c = calculator();
      const spots = new Map(SPOTS);
      const x: { -readonly [K in keyof RecalcInput]: RecalcInput[K] } = { ...input('R', BOOKS.call!), spots };
      const answer = c.recalculate([x]);
      spots.set('AAA', 80); // the engine refills one live price map and one input record per portfolio
      x.holdings = BOOKS.put!;
      const [o] = (await answer) as [RecalcOutput];
      expect(o.byUnderlying.AAA?.spot).toBe(50);
      expectFiguresOf(o, BOOKS.call!, CONTRACT_SCENARIOS);
    });

    it('values a portfolio again from its new holdings', async () => {
      const c = calculator();
      await c.recalculate([input('X', BOOKS.call!)]);
      const [o] = (await c.recalculate([input('X', BOOKS.put!)])) as [RecalcOutput];
      expectFiguresOf(o, BOOKS.put!, CONTRACT_SCENARIOS);
    });

    it('rejects a batch with an option without a vol, naming the portfolio, then serves the next batch', async () => {
      const c = calculator();
      const { vol: _vol, ...noVol } = option('AAA', 'call', 55, 1);
      const bad = [noVol];
      await expect(c.recalculate([input('ok', BOOKS.stock!), input('novol', bad)])).rejects.toThrow(/portfolio novol\).*vol NaN/);
      const [o] = (await c.recalculate([input('ok', BOOKS.stock!)])) as [RecalcOutput];
      expect(o.greeks.delta).toBe(300);
    });

    it('rejects a batch with a negative vol, or an underlying without a spot, naming the portfolio', async () => {
      const c = calculator();
      await expect(c.recalculate([input('neg', [option('AAA', 'put', 55, 1, -0.2)])])).rejects.toThrow(/portfolio neg\).*vol -0.2/);
      await expect(c.recalculate([input('fine', BOOKS.call!), input('nospot', [stock('QQQ', 1)])])).rejects.toThrow(/portfolio nospot\).*spot NaN/);
    });

    it('settles a rejected batch only once none of its portfolios is still being valued: each can be recalculated at once', async () => {
      const c = calculator();
      // A batch larger than any task, the broken portfolio first and slow American books after it.
      const heavy = Array.from({ length: 24 }, (_, i) => input(`h${i}`, holdingsOf(400 + i, 24, TICKERS, 2, true), true));
      await expect(c.recalculate([input('broken', [option('AAA', 'call', 55, 1, -1)]), ...heavy])).rejects.toThrow(/portfolio broken\)/);
      const again = await Promise.all(heavy.map((x) => c.recalculate([x])));
      expect(again.map(([o]) => o?.portfolioId)).toEqual(heavy.map((x) => x.portfolioId));
    });

    it('counts batches and portfolios in its stats, with nothing queued once answered', async () => {
      const c = calculator();
      const before = c.stats();
      await c.recalculate([input('s1', BOOKS.stock!), input('s2', BOOKS.call!)]);
      await c.recalculate([input('s3', BOOKS.put!)]);
      await c.recalculate([]); // no task
      const after = c.stats();
      expect(after.recalculations - before.recalculations).toBe(3);
      expect(after.completedTasks - before.completedTasks).toBe(2);
      expect(after.queueSize).toBe(0);
      expect(after.threads).toBeGreaterThanOrEqual(0);
      expect(after.utilization).toBeGreaterThanOrEqual(0);
      expect(after.utilization).toBeLessThanOrEqual(1);
    });

    it('rejects recalculate once closed, and closes twice without error', async () => {
      const c = calculator();
      await c.recalculate([input('z', BOOKS.stock!)]);
      await c.close();
      await expect(c.recalculate([input('z', BOOKS.stock!)])).rejects.toThrow(/is closed/);
      await expect(c.close()).resolves.toBeUndefined();
    });
  });
}
