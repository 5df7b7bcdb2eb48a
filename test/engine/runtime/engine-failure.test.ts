/**
 * A failing risk task does not disturb other portfolios. Two engines run side by side, each on an
 * in-process risk calculator, with the same fixed clock and the same ticks and orders: the
 * reference engine's calculator answers every batch; the other engine's is wrapped in a fault
 * injector that, while switched on, fails every batch containing portfolio 'BAD' as a crashed
 * worker task would (the engine sees a rejected recalculate). This injects a task failure at the
 * RiskCalculator seam; every batch that is not failed is computed by the real calculator.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GreekTotals, RiskSnapshot } from '../../../src/engine/actors/types.js';
import type { EngineApi } from '../../../src/engine/runtime/engine-api.js';
import { Engine } from '../../../src/engine/runtime/engine.js';
import { InProcessRiskCalculator } from '../../../src/engine/risk/in-process-calculator.js';
import { CALL_AAA, nextRisk, scenarios, settle, START_MS } from './engine-harness.js';
import { InstrumentedCalculator } from './instrumented-calculator.js';

const PUT_AAA = 'AAA   260618P00090000';
const IDS = ['A', 'B', 'BAD', 'C'] as const;



/** Same figures, to the last bits a different batch layout could change. */
function expectSameFigures(actual: RiskSnapshot, expected: RiskSnapshot): void {
  for (const k of ['delta', 'gamma', 'vega', 'thetaPerYear', 'rho'] as (keyof GreekTotals)[]) {
    expect(actual.greeks[k]).toBeCloseTo(expected.greeks[k], 8);
  }
  expect(actual.marketValue).toBeCloseTo(expected.marketValue, 6);
  expect(actual.var.value).toBeCloseTo(expected.var.value, 6);
  expect(actual.byUnderlying.AAA?.spot).toBe(expected.byUnderlying.AAA?.spot);
  expect(actual.tickTs).toBe(expected.tickTs);
}

let faulty: InstrumentedCalculator;
let engine: EngineApi;
let reference: EngineApi;
const logs: { level: string; msg: string; fields?: Record<string, unknown> }[] = [];

/** The same tick to both engines; resolves with both engines' updates of the given portfolios. */
async function tickBoth(price: number, ts: number, ids: readonly string[]): Promise<{ got: Map<string, RiskSnapshot>; want: Map<string, RiskSnapshot> }> {
  const got = Promise.all(ids.map((id) => nextRisk(engine, id, (r) => r.tickTs === ts)));
  const want = Promise.all(ids.map((id) => nextRisk(reference, id, (r) => r.tickTs === ts)));
  expect(engine.tick('AAA', price, ts).ok).toBe(true);
  expect(reference.tick('AAA', price, ts).ok).toBe(true);
  const [g, w] = await Promise.all([got, want]);
  return { got: new Map(g.map((r) => [r.portfolioId, r])), want: new Map(w.map((r) => [r.portfolioId, r])) };
}

beforeAll(async () => {
  const clock = { nowMs: () => START_MS };
  faulty = new InstrumentedCalculator(new InProcessRiskCalculator({ scenarios: scenarios(5) }));
  // Ticks here carry sequence numbers as ts, not times: the clock-skew check is off.
  engine = new Engine({ calculator: faulty, clock, rate: 0.04, tickGuard: { maxSkewMs: Infinity }, log: (level, msg, fields) => logs.push({ level, msg, ...(fields ? { fields } : {}) }) });
  reference = new Engine({ calculator: new InProcessRiskCalculator({ scenarios: scenarios(5) }), clock, rate: 0.04, tickGuard: { maxSkewMs: Infinity } });
  for (const [k, id] of IDS.entries()) {
    const req = {
      portfolioId: id, cash: 1_000_000,
      positions: [
        { instrument: 'AAA', qty: 100 * (k + 1) },
        { instrument: CALL_AAA, qty: 5 + k, vol: 0.25 },
        { instrument: PUT_AAA, qty: -(2 + k), vol: 0.3 },
      ],
    };
    expect((await engine.createPortfolio(req, 'test')).ok).toBe(true);
    expect((await reference.createPortfolio(req, 'test')).ok).toBe(true);
  }
  const { got, want } = await tickBoth(100, 1, IDS);
  for (const id of IDS) expectSameFigures(got.get(id)!, want.get(id)!);
});

afterAll(async () => {
  await engine?.close();
  await reference?.close();
});

describe('engine runtime: a failing risk task', () => {
  it('leaves the other portfolios of the failed batch and of later batches with correct risk, and BAD with its last consistent risk', async () => {
    const badBefore = structuredClone(engine.getRisk('BAD')!);
    expect(badBefore).toMatchObject({ tickTs: 1, byUnderlying: { AAA: { spot: 100 } } });
    faulty.failing = true;

    const others = IDS.filter((id) => id !== 'BAD');
    // BAD, A, B and C all hold AAA: the tick puts them in one batch, which fails as a whole.
    for (const [price, ts] of [[101, 2], [99.5, 3]] as const) {
      const failedBefore = faulty.failedBatches.length;
      const { got, want } = await tickBoth(price, ts, others);
      for (const id of others) expectSameFigures(got.get(id)!, want.get(id)!);
      await settle(30); // BAD's one-portfolio retry has failed by now
      const failed = faulty.failedBatches.slice(failedBefore);
      expect(failed[0]?.slice().sort()).toEqual([...IDS].sort()); // the shared batch
      expect(failed.slice(1)).toEqual([['BAD']]); // the isolating retry of BAD alone
      // Unchanged: same seq, tick and figures as before the fault.
      expect(engine.getRisk('BAD')).toEqual(badBefore);
      expect(engine.getRisk('BAD')?.seq).toBe(badBefore.seq);
    }
    expect(logs.filter((l) => l.msg === 'risk recalculation failed for a portfolio').map((l) => l.fields?.portfolioId)).toEqual(['BAD', 'BAD']);
    expect(engine.getPortfolio('BAD')?.risk?.seq).toBe(badBefore.seq);
  });

  it('keeps accepting and filling orders of a portfolio, with a risk update after the fill, while another portfolio\'s recalculations fail', async () => {
    expect(faulty.failing).toBe(true);
    const aBefore = engine.getRisk('A')!;
    const aSeq = aBefore.seq;
    const update = nextRisk(engine, 'A', (r) => r.seq > aSeq);
    const refSeq = reference.getRisk('A')!.seq;
    const refUpdate = nextRisk(reference, 'A', (r) => r.seq > refSeq);
    const order = { clientOrderId: 'a1', instrument: 'AAA', side: 'buy' as const, qty: 25, orderType: 'market' as const };
    const out = await engine.submitOrder('A', order, 'tom');
    expect(out).toMatchObject({ kind: 'ack', order: { status: 'filled' }, fills: [{ qty: 25, price: 99.5 }] });
    expect(await reference.submitOrder('A', order, 'tom')).toMatchObject({ kind: 'ack', order: { status: 'filled' } });
    const [a, ref] = await Promise.all([update, refUpdate]);
    expect(a.seq).toBe(aSeq + 1);
    // Same spot and clock as the previous snapshot: the delta grows by exactly the 25 shares bought.
    expect(a.tickTs).toBe(aBefore.tickTs);
    expect(a.greeks.delta - aBefore.greeks.delta).toBeCloseTo(25, 9);
    expectSameFigures(a, ref);
    // A limit order rests and is cancelled as usual.
    const rest = await engine.submitOrder('A', { clientOrderId: 'a2', instrument: 'AAA', side: 'buy', qty: 1, orderType: 'limit', limitPrice: 95 }, 'tom');
    expect(rest).toMatchObject({ kind: 'ack', order: { status: 'open' } });
    if (rest.kind !== 'ack') throw new Error('expected an ack');
    expect(await engine.cancelOrder('A', rest.order.orderId, 'tom')).toMatchObject({ kind: 'ack', order: { status: 'cancelled' } });
  });

  it('recalculates BAD with a fresh update once the fault clears and it is ticked again', async () => {
    const badBefore = engine.getRisk('BAD')!;
    faulty.failing = false;
    const { got, want } = await tickBoth(102, 4, IDS);
    const bad = got.get('BAD')!;
    expect(bad.seq).toBe(badBefore.seq + 1);
    expect(bad.tickTs).toBe(4);
    expectSameFigures(bad, want.get('BAD')!);
    for (const id of IDS) expectSameFigures(got.get(id)!, want.get(id)!);
    expect(engine.getRisk('BAD')).toMatchObject({ seq: bad.seq, tickTs: 4, byUnderlying: { AAA: { spot: 102 } } });
  });
});
