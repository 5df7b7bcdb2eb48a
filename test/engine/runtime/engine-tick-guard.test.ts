/**
 * The engine behind its market-data checks (src/engine/market/tick-guard.ts): a held tick moves no
 * money — it fills no resting order, fires no stop and revalues no book — until a second tick
 * confirms it or a risk manager's band covers it. Risk from the in-process calculator.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Fill } from '../../../src/engine/actors/types.js';
import { syntheticScenarioSet } from '../../../src/engine/risk/realtime-scenarios.js';
import type { EngineApi, EngineEvent } from '../../../src/engine/runtime/engine-api.js';
import { Engine } from '../../../src/engine/runtime/engine.js';
import { InProcessRiskCalculator } from '../../../src/engine/risk/in-process-calculator.js';

const START_MS = Date.UTC(2026, 0, 15, 15);

let engine: EngineApi;
let clock: { now: number; nowMs(): number };
let events: EngineEvent[];
let logs: { level: string; msg: string; fields?: Record<string, unknown> }[];

const fills = (): Fill[] => events.flatMap((e) => (e.type === 'fill' ? [e.fill] : []));
const riskTickTs = (portfolioId: string): number[] => events.flatMap((e) => (e.type === 'risk' && e.portfolioId === portfolioId ? [e.risk.tickTs] : []));
const settle = (ms = 60): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A tick stamped with the engine clock, which moves 1 ms per tick. */
function tick(symbol: string, price: number) {
  clock.now += 1;
  return { ts: clock.now, out: engine.tick(symbol, price, clock.now) };
}

/** Waits until every portfolio's risk includes the tick at `ts`, so nothing is in flight. */
async function quiet(ts: number, ids: readonly string[]): Promise<void> {
  for (let i = 0; i < 200 && !ids.every((id) => (engine.getRisk(id)?.tickTs ?? 0) >= ts); i++) await settle(10);
  await settle();
}

beforeEach(async () => {
  const sc = syntheticScenarioSet({ underlyings: ['AAA', 'BBB'], dailyVol: 0.02, correlation: 0.3, seed: 3 });
  if (!sc.ok) throw new Error(sc.message);
  clock = { now: START_MS, nowMs() { return this.now; } };
  logs = [];
  engine = new Engine({
    calculator: new InProcessRiskCalculator({ scenarios: sc.value }), clock, rate: 0.04,
    log: (level, msg, fields) => logs.push({ level, msg, ...(fields ? { fields } : {}) }),
  });
  events = [];
  engine.onEvent((e) => events.push(e));
  for (const id of ['HOLD', 'LIMIT', 'STOP']) {
    expect((await engine.createPortfolio({ portfolioId: id, cash: 1_000_000, positions: [{ instrument: 'AAA', qty: 100 }] }, 'test')).ok).toBe(true);
  }
  expect(tick('AAA', 100).out).toEqual({ ok: true, value: 'accepted' });
  // A buy limit at 95 and a stop-loss sell at 93: a print at 70 would cross both.
  expect(await engine.submitOrder('LIMIT', { clientOrderId: 'l1', instrument: 'AAA', side: 'buy', qty: 10, orderType: 'limit', limitPrice: 95 }, 'tom')).toMatchObject({ kind: 'ack', order: { status: 'open' } });
  expect(await engine.submitOrder('STOP', { clientOrderId: 's1', instrument: 'AAA', side: 'sell', qty: 10, orderType: 'stop', stopPrice: 93 }, 'tom')).toMatchObject({ kind: 'ack', order: { status: 'open' } });
  await quiet(clock.now, ['HOLD', 'LIMIT', 'STOP']);
  events = [];
});

afterEach(async () => {
  await engine.close();
});

describe('engine: a held tick moves no money until it is confirmed', () => {
  it('neither fills a resting limit, nor fires a stop, nor revalues a book, nor reaches the market stream', async () => {
    const recalcsBefore = engine.stats().recalculations;
    const riskBefore = engine.getRisk('HOLD');
    const held = tick('AAA', 70); // −30%, beyond the 25% band
    expect(held.out).toEqual({ ok: true, value: 'held' });
    await settle(150);
    expect(fills()).toEqual([]);
    expect(engine.listOrders().map((o) => [o.clientOrderId, o.status])).toEqual([['l1', 'open'], ['s1', 'open']]);
    expect(engine.stats().recalculations).toBe(recalcsBefore);
    expect(riskTickTs('HOLD')).toEqual([]);
    expect(engine.getRisk('HOLD')).toEqual(riskBefore);
    expect(events.filter((e) => e.type === 'tick')).toEqual([]);
    expect(engine.stats()).toMatchObject({ ticks: 1, tickGuard: { held: 1, heldNow: 1, confirmed: 0 } });
  });

  it('fills the limit, fires the stop and revalues the books once a second tick confirms the move', async () => {
    tick('AAA', 70);
    const confirm = tick('AAA', 71); // within 25% of the held 70
    expect(confirm.out).toEqual({ ok: true, value: 'accepted' });
    await quiet(confirm.ts, ['HOLD', 'LIMIT', 'STOP']);
    expect(fills().map((f) => `${f.portfolioId}:${f.side}@${f.price}`).sort()).toEqual(['LIMIT:buy@71', 'STOP:sell@71']);
    expect(riskTickTs('HOLD')).toContain(confirm.ts);
    expect(events.filter((e) => e.type === 'tick')).toEqual([{ type: 'tick', symbol: 'AAA', price: 71, ts: confirm.ts }]);
    expect(engine.stats().tickGuard).toMatchObject({ held: 1, confirmed: 1, heldNow: 0 });
  });

  it('drops the held tick when the next one is back near the old price: only that one is applied', async () => {
    tick('AAA', 70);
    const back = tick('AAA', 99);
    expect(back.out).toEqual({ ok: true, value: 'accepted' });
    await quiet(back.ts, ['HOLD']);
    expect(fills()).toEqual([]);
    expect(engine.getRisk('HOLD')?.tickTs).toBe(back.ts);
    expect(engine.heldTicks()).toMatchObject({ counts: { held: 1, dropped: 1, confirmed: 0 }, symbols: [{ symbol: 'AAA', lastPrice: 99, heldTick: null }] });
  });

  it('applies a held tick when a risk manager widens the band over it, and audits who did', async () => {
    const held = tick('AAA', 70);
    await settle();
    expect(fills()).toEqual([]);
    expect(await engine.setTickBand('AAA', 0.5, 'rita')).toEqual({ ok: true, value: { symbol: 'AAA', maxJump: 0.5, released: { price: 70, ts: held.ts } } });
    await quiet(held.ts, ['HOLD', 'LIMIT', 'STOP']);
    expect(fills().map((f) => `${f.portfolioId}@${f.price}`).sort()).toEqual(['LIMIT@70', 'STOP@70']);
    expect(logs).toContainEqual(expect.objectContaining({ level: 'info', msg: 'tick band changed', fields: expect.objectContaining({ symbol: 'AAA', by: 'rita', before: 0.25, after: 0.5 }) }));
    expect(await engine.setTickBand('AAA', 0, 'rita')).toMatchObject({ ok: false, code: 'INVALID_BAND' });
  });
});

describe('engine: refused and held ticks are answered with codes, counted and logged', () => {
  it('refuses a bad price with TICK_PRICE_INVALID and a ts off the clock with TICK_CLOCK_SKEW, changing nothing', async () => {
    for (const p of [0, -5, NaN, Infinity]) expect(engine.tick('AAA', p, clock.now)).toMatchObject({ ok: false, code: 'TICK_PRICE_INVALID' });
    expect(engine.tick('AAA', 101, clock.now - 5001)).toMatchObject({ ok: false, code: 'TICK_CLOCK_SKEW' });
    expect(engine.tick('AAA', 101, clock.now + 5001)).toMatchObject({ ok: false, code: 'TICK_CLOCK_SKEW' });
    expect(engine.tick('AAA', 101, 1)).toMatchObject({ ok: false, code: 'TICK_CLOCK_SKEW', message: expect.stringMatching(/5000 ms/) });
    await settle();
    expect(events).toEqual([]);
    expect(engine.stats()).toMatchObject({ ticks: 1, tickGuard: { refused: 7, held: 0 } });
  });

  it('takes the skew limit from its options', () => {
    const e = new Engine({ calculator: { recalculate: async () => [], stats: () => ({}) as never, close: async () => {}, varConfidence: 0.99, esConfidence: 0.975, capacity: 1 }, clock, rate: 0, tickGuard: { maxSkewMs: 100, maxJump: 0.01 } });
    expect(e.tick('AAA', 100, clock.now - 101)).toMatchObject({ ok: false, code: 'TICK_CLOCK_SKEW' });
    expect(e.tick('AAA', 100, clock.now - 99)).toMatchObject({ ok: true, value: 'accepted' });
    expect(e.tick('AAA', 102, clock.now)).toMatchObject({ ok: true, value: 'held' });
    void e.close();
  });

  it('logs held ticks at most once per symbol per 10 s, saying how many went unlogged', () => {
    for (let i = 0; i < 100; i++) expect(tick('AAA', i % 2 ? 10 : 1000).out).toEqual({ ok: true, value: 'held' });
    const heldLogs = () => logs.filter((l) => l.msg.startsWith('tick held'));
    expect(heldLogs()).toHaveLength(1);
    expect(heldLogs()[0]).toMatchObject({ level: 'warn', fields: { symbol: 'AAA', price: 1000, lastPrice: 100, maxJump: 0.25, heldNotLogged: 0 } });
    clock.now += 10_000;
    tick('AAA', 1000);
    expect(heldLogs()).toHaveLength(2);
    expect(heldLogs()[1]).toMatchObject({ fields: { heldNotLogged: 99 } });
    expect(engine.stats().tickGuard).toMatchObject({ held: 101, dropped: 100, heldNow: 1 });
  });
});
