/**
 * Recalculation coalescing in the engine runtime, in process: the real engine over the in-process
 * risk calculator, no gateway (the one-in-flight rule under the pool's concurrent batches is in
 * test/workers/engine-on-risk-pool.test.ts). The engine's clock is fixed so that option time to
 * expiry does not move between recalculations.
 */
import { describe, expect, it } from 'vitest';
import { InProcessRiskCalculator } from '../../../src/engine/risk/in-process-calculator.js';
import { CALL_AAA, engineStarter, nextRisk, scenarios, settle } from './engine-harness.js';

const startEngine = engineStarter();



describe('engine runtime: coalescing of recalculations', () => {
  it('turns a synchronous burst of 10,000 ticks into one or two recalculations whose snapshot carries the last tick', async () => {
    const calculator = new InProcessRiskCalculator({ scenarios: scenarios() });
    const engine = startEngine(calculator);
    expect((await engine.createPortfolio({ portfolioId: 'HOLD', cash: 1_000_000, positions: [{ instrument: 'AAA', qty: 100 }, { instrument: CALL_AAA, qty: 10, vol: 0.25 }] }, 'test')).ok).toBe(true);
    expect((await engine.createPortfolio({ portfolioId: 'ELSEWHERE', cash: 1_000_000, positions: [{ instrument: 'BBB', qty: 10 }] }, 'test')).ok).toBe(true);
    const first = nextRisk(engine, 'HOLD');
    const firstBbb = nextRisk(engine, 'ELSEWHERE');
    engine.tick('AAA', 100, 1);
    engine.tick('BBB', 50, 1);
    await Promise.all([first, firstBbb]);
    await settle(20); // nothing of the warm-up left in flight

    const before = engine.stats();
    const elsewhereSeq = engine.getRisk('ELSEWHERE')?.seq;
    let riskEvents = 0;
    const off = engine.onEvent((e) => { if (e.type === 'risk') riskEvents++; });
    const N = 10_000;
    const lastTs = 1 + N;
    const lastPrice = 100 + ((N - 1) % 500) * 0.01 + 0.005;
    const done = nextRisk(engine, 'HOLD', (r) => r.tickTs === lastTs);
    for (let i = 0; i < N; i++) {
      expect(engine.tick('AAA', 100 + (i % 500) * 0.01 + 0.005, 2 + i).ok).toBe(true);
    }
    const final = await done;
    await settle(50); // a second recalculation, if any, would have been owed and run by now
    off();
    const after = engine.stats();

    expect(after.ticks - before.ticks).toBe(N);
    const recalcs = after.recalculations - before.recalculations;
    expect(recalcs).toBeGreaterThanOrEqual(1);
    expect(recalcs).toBeLessThanOrEqual(2);
    expect(riskEvents).toBe(recalcs);
    expect(after.coalesced - before.coalesced).toBeGreaterThanOrEqual(N - 2);
    expect(after.coalesced - before.coalesced).toBeLessThanOrEqual(N);
    expect(after.pool.completedTasks - before.pool.completedTasks).toBe(recalcs);

    expect(final.tickTs).toBe(lastTs);
    expect(final.byUnderlying.AAA?.spot).toBe(lastPrice);
    expect(engine.getRisk('HOLD')).toMatchObject({ seq: final.seq, tickTs: lastTs });
    // A portfolio without AAA was not recalculated by the burst.
    expect(engine.getRisk('ELSEWHERE')?.seq).toBe(elsewhereSeq);
  });

  it('follows every fill with a new risk snapshot whose delta includes the filled position', async () => {
    const calculator = new InProcessRiskCalculator({ scenarios: scenarios() });
    const engine = startEngine(calculator);
    expect((await engine.createPortfolio({ portfolioId: 'T', cash: 1_000_000, positions: [{ instrument: 'AAA', qty: 100 }] }, 'test')).ok).toBe(true);
    const initial = nextRisk(engine, 'T');
    engine.tick('AAA', 100, 1);
    const r0 = await initial;
    expect(r0.greeks.delta).toBe(100);

    // No tick follows the orders: only the fill can cause the updates.
    let prev = r0;
    for (const [i, [side, qty, deltaAfter]] of ([['buy', 50, 150], ['sell', 200, -50], ['buy', 50, 0]] as const).entries()) {
      const update = nextRisk(engine, 'T', (r) => r.seq > prev.seq);
      // One clientOrderId per order: the third would otherwise be a copy of the first, not executed again.
      const out = await engine.submitOrder('T', { clientOrderId: `${side}${qty}-${i}`, instrument: 'AAA', side, qty, orderType: 'market' }, 'tom');
      expect(out).toMatchObject({ kind: 'ack', order: { status: 'filled' } });
      const r = await update;
      expect(r.seq).toBe(prev.seq + 1);
      expect(r.greeks.delta).toBe(deltaAfter);
      expect(r.tickTs).toBe(1);
      prev = r;
    }

    // An option fill: the new contracts' delta (per the calculator's own figures for one contract held
    // before) enters the next snapshot.
    expect((await engine.createPortfolio({ portfolioId: 'OPT', cash: 1_000_000, positions: [{ instrument: CALL_AAA, qty: 1, vol: 0.25 }] }, 'test')).ok).toBe(true);
    const o0 = await nextRisk(engine, 'OPT');
    const perContract = o0.greeks.delta;
    expect(perContract).toBeGreaterThan(0);
    expect(perContract).toBeLessThan(100);
    const update = nextRisk(engine, 'OPT', (r) => r.seq > o0.seq);
    expect(await engine.submitOrder('OPT', { clientOrderId: 'c', instrument: CALL_AAA, side: 'buy', qty: 4, orderType: 'market' }, 'tom')).toMatchObject({ kind: 'ack' });
    const o1 = await update;
    expect(o1.seq).toBe(o0.seq + 1);
    expect(o1.greeks.delta).toBeCloseTo(5 * perContract, 9);
  });
});
