/**
 * Ticks reaching resting orders, in process: the real engine over the in-process risk
 * calculator, no gateway. The engine routes a tick to the actors with
 * open orders on its symbol from a per-symbol list kept as orders come and go; these tests follow
 * that list through accepts, fills, cancels and replaces across several portfolios.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Fill } from '../../../src/engine/actors/types.js';
import { syntheticScenarioSet } from '../../../src/engine/risk/realtime-scenarios.js';
import type { EngineApi, OrderOutcome } from '../../../src/engine/runtime/engine-api.js';
import { Engine } from '../../../src/engine/runtime/engine.js';
import { InProcessRiskCalculator } from '../../../src/engine/risk/in-process-calculator.js';

const START_MS = Date.UTC(2026, 0, 15, 15);

let engine: EngineApi;
let fills: Fill[];
let ts = 0;

beforeEach(async () => {
  const sc = syntheticScenarioSet({ underlyings: ['AAA', 'BBB'], dailyVol: 0.02, correlation: 0.3, seed: 3 });
  if (!sc.ok) throw new Error(sc.message);
  // Ticks here carry sequence numbers as ts, not times: the clock-skew check is off.
  engine = new Engine({ calculator: new InProcessRiskCalculator({ scenarios: sc.value }), clock: { nowMs: () => START_MS }, rate: 0.04, tickGuard: { maxSkewMs: Infinity } });
  fills = [];
  engine.onEvent((e) => { if (e.type === 'fill') fills.push(e.fill); });
  for (const id of ['A', 'B', 'C']) {
    expect((await engine.createPortfolio({ portfolioId: id, cash: 1_000_000, positions: [{ instrument: 'AAA', qty: 100 }, { instrument: 'BBB', qty: 100 }] }, 'test')).ok).toBe(true);
  }
  tick('AAA', 100);
  tick('BBB', 50);
});

afterEach(async () => {
  await engine.close();
});

function tick(symbol: string, price: number): void {
  expect(engine.tick(symbol, price, ++ts).ok).toBe(true);
}

async function rest(portfolioId: string, clientOrderId: string, instrument: string, side: 'buy' | 'sell', limitPrice: number): Promise<string> {
  const out: OrderOutcome = await engine.submitOrder(portfolioId, { clientOrderId, instrument, side, qty: 10, orderType: 'limit', limitPrice }, 'tom');
  if (out.kind !== 'ack' || out.order.status !== 'open') throw new Error(`expected a resting order, got ${JSON.stringify(out)}`);
  return out.order.orderId;
}

/** The fills so far after the actors have handled what the last ticks delivered. */
async function fillsNow(): Promise<string[]> {
  await new Promise((r) => setTimeout(r, 20));
  return fills.map((f) => `${f.portfolioId}:${f.instrument}@${f.price}`);
}

describe('engine runtime: ticks reach the portfolios with resting orders on their symbol', () => {
  it('fills each portfolio\'s limit when a tick crosses it, and only that one', async () => {
    await rest('A', 'a1', 'AAA', 'buy', 95);
    await rest('B', 'b1', 'AAA', 'buy', 90);
    tick('AAA', 96); // crosses neither
    expect(await fillsNow()).toEqual([]);
    tick('AAA', 94.5); // A's only
    expect(await fillsNow()).toEqual(['A:AAA@94.5']);
    tick('AAA', 89); // B's; A has nothing left resting
    expect(await fillsNow()).toEqual(['A:AAA@94.5', 'B:AAA@89']);
  });

  it('stops reaching a portfolio whose order was cancelled, and reaches it again for a new one', async () => {
    const a1 = await rest('A', 'a1', 'AAA', 'buy', 95);
    await rest('B', 'b1', 'AAA', 'buy', 91);
    expect(await engine.cancelOrder('A', a1, 'tom')).toMatchObject({ kind: 'ack', order: { status: 'cancelled' } });
    tick('AAA', 94);
    expect(await fillsNow()).toEqual([]);
    await rest('A', 'a2', 'AAA', 'sell', 97);
    tick('AAA', 97.5);
    expect(await fillsNow()).toEqual(['A:AAA@97.5']);
    tick('AAA', 90.5);
    expect(await fillsNow()).toEqual(['A:AAA@97.5', 'B:AAA@90.5']);
  });

  it('follows a replaced limit and keeps orders on two symbols of one portfolio apart', async () => {
    const c1 = await rest('C', 'c1', 'AAA', 'buy', 90);
    await rest('C', 'c2', 'BBB', 'sell', 55);
    expect(await engine.replaceOrder('C', c1, { limitPrice: 98 }, 'tom')).toMatchObject({ kind: 'ack', order: { limitPrice: 98 } });
    tick('BBB', 54); // under C's sell on BBB
    tick('AAA', 97.5); // crosses the replaced limit, not the old one
    expect(await fillsNow()).toEqual(['C:AAA@97.5']);
    tick('BBB', 56);
    expect(await fillsNow()).toEqual(['C:AAA@97.5', 'C:BBB@56']);
  });
});
