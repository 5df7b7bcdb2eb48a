import { afterEach, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../../src/engine/runtime/engine-api.js';
import type { LogFn } from '../../../src/engine/log.js';
import { Engine } from '../../../src/engine/runtime/engine.js';
import type { RiskCalculator } from '../../../src/engine/runtime/risk-calculator.js';

const NOW_MS = Date.UTC(2026, 0, 15, 15);
/** Risk figures play no part here: a calculator that computes none. */
const noFigures: RiskCalculator = {
  recalculate: async () => [], stats: () => ({ threads: 0, utilization: 0, queueSize: 0, completedTasks: 0, recalculations: 0 }),
  close: async () => {}, varConfidence: 0.99, esConfidence: 0.975, capacity: 1,
};

let engine: Engine | undefined;
afterEach(async () => engine?.close());

describe('engine: an actor that throws is restarted and isolated', () => {
  it('answers the order it threw on with ACTOR_FAILED, keeps the portfolio as it was, and goes on with the next order and the other portfolios', async () => {
    let estimatorDown = true;
    const logs: string[] = [];
    const log: LogFn = (level, msg) => logs.push(`${level} ${msg}`);
    // The pre-trade VaR check calls the estimator for a portfolio whose maxVar is finite; one that
    // throws makes that portfolio's transition throw.
    const e = (engine = new Engine({
      calculator: noFigures, clock: { nowMs: () => NOW_MS }, rate: 0.04, log,
      varEstimator: () => { if (estimatorDown) throw new Error('VaR estimator down'); return 0; },
    }));
    const events: EngineEvent['type'][] = [];
    e.onEvent((ev) => events.push(ev.type));
    e.tick('AAA', 100, NOW_MS);
    expect((await e.createPortfolio({ portfolioId: 'VAR', cash: 1e6, limits: { maxVar: 1e9 } }, 'test')).ok).toBe(true);
    expect((await e.createPortfolio({ portfolioId: 'OTHER', cash: 1e6 }, 'test')).ok).toBe(true);
    const order = { instrument: 'AAA', side: 'buy' as const, qty: 5, orderType: 'market' as const };

    expect(await e.submitOrder('VAR', { ...order, clientOrderId: 'v1' }, 'tom')).toMatchObject({
      ok: false, kind: 'reject', code: 'ACTOR_FAILED', clientOrderId: 'v1', message: expect.stringMatching(/VaR estimator down/),
    });
    expect(e.getPortfolio('VAR')).toMatchObject({ cash: 1e6, holdings: [], openOrders: [] });
    expect(logs).toContain('error portfolio actor failed; restarted from its last consistent state');
    expect(events).not.toContain('fill');

    expect(await e.submitOrder('OTHER', { ...order, clientOrderId: 'o1' }, 'tom')).toMatchObject({ ok: true, kind: 'ack', order: { status: 'filled' } });
    estimatorDown = false;
    expect(await e.submitOrder('VAR', { ...order, clientOrderId: 'v2' }, 'tom')).toMatchObject({ ok: true, kind: 'ack', order: { status: 'filled' } });
    expect(e.getPortfolio('VAR')?.holdings).toMatchObject([{ qty: 5 }]);
  });
});
