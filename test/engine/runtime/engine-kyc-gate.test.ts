/**
 * The KYC gate and the trading-state reason in process: the real engine over the in-process risk
 * calculator, with a KYC gate that is a plain set of approved customers (as the server's
 * KycApprovals is). An owned portfolio whose owner is not approved is reduce-only (KYC_REQUIRED);
 * a portfolio without an owner is a house or demo portfolio and is not gated; without a gate
 * nothing is asked. haltOwner halts every portfolio of one customer, with its reason.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Fill } from '../../../src/engine/actors/types.js';
import type { KycGate } from '../../../src/engine/limits/kyc-gate.js';
import { InProcessRiskCalculator } from '../../../src/engine/risk/in-process-calculator.js';
import { syntheticScenarioSet } from '../../../src/engine/risk/realtime-scenarios.js';
import type { OrderOutcome } from '../../../src/engine/runtime/engine-api.js';
import { Engine } from '../../../src/engine/runtime/engine.js';

const START_MS = Date.UTC(2026, 0, 15, 15);

const engines: Engine[] = [];
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.close()));
});

let ts = 0;
let cid = 0;

/** An engine (with a gate unless told otherwise) whose AAA is at 100. */
function start(kycGate?: KycGate, blockedOwners?: { isBlocked(ownerId: string): boolean }): Engine {
  const sc = syntheticScenarioSet({ underlyings: ['AAA'], dailyVol: 0.02, correlation: 0.3, seed: 3 });
  if (!sc.ok) throw new Error(sc.message);
  // Ticks here carry sequence numbers as ts, not times: the clock-skew check is off.
  const engine = new Engine({
    calculator: new InProcessRiskCalculator({ scenarios: sc.value }), clock: { nowMs: () => START_MS }, rate: 0.04, tickGuard: { maxSkewMs: Infinity },
    ...(kycGate ? { kycGate } : {}), ...(blockedOwners ? { blockedOwners } : {}),
  });
  engines.push(engine);
  expect(engine.tick('AAA', 100, ++ts).ok).toBe(true);
  return engine;
}

/** A gate over a set of approved user ids that also counts its questions. */
function gateOf(approved: Set<string>): KycGate & { asked: number } {
  return { asked: 0, isApproved(ownerId) { this.asked++; return approved.has(ownerId); } };
}

async function create(engine: Engine, portfolioId: string, ownerId?: string, heldAAA = 100): Promise<void> {
  const r = await engine.createPortfolio({ portfolioId, cash: 1_000_000, positions: heldAAA === 0 ? [] : [{ instrument: 'AAA', qty: heldAAA }], ...(ownerId ? { ownerId } : {}) }, 'admin');
  expect(r.ok).toBe(true);
}

function market(engine: Engine, portfolioId: string, side: 'buy' | 'sell', qty: number): Promise<OrderOutcome> {
  return engine.submitOrder(portfolioId, { clientOrderId: `c${++cid}`, instrument: 'AAA', side, qty, orderType: 'market' }, 'tom');
}

const codeOf = (o: OrderOutcome): string => (o.kind === 'ack' ? 'ack' : o.code);

describe('the KYC gate at the pre-trade check', () => {
  it('rejects an order that opens or increases a position of an unapproved customer with KYC_REQUIRED, saying why', async () => {
    const engine = start(gateOf(new Set()));
    await create(engine, 'P', 'cust-1');
    const out = await market(engine, 'P', 'buy', 10);
    expect(out).toMatchObject({ kind: 'reject', code: 'KYC_REQUIRED' });
    expect(out.kind === 'reject' && out.message).toBe(
      "the portfolio's owner has no approved KYC: only orders that reduce a position are accepted; order +10 would take position 100 to 110",
    );
    expect(codeOf(await market(engine, 'P', 'sell', 150))).toBe('KYC_REQUIRED'); // would flip it short
  });

  it('accepts an order of an unapproved customer that only reduces a position', async () => {
    const engine = start(gateOf(new Set()));
    await create(engine, 'P', 'cust-1');
    expect(codeOf(await market(engine, 'P', 'sell', 40))).toBe('ack');
    expect(codeOf(await market(engine, 'P', 'sell', 60))).toBe('ack'); // to flat
    expect(engine.getPortfolio('P')?.holdings).toEqual([]);
    expect(codeOf(await market(engine, 'P', 'buy', 1))).toBe('KYC_REQUIRED'); // a new position from flat
  });

  it('cancels a resting order of an unapproved customer, and does not fill one that would add to the position', async () => {
    const approved = new Set(['cust-1']);
    const engine = start(gateOf(approved));
    await create(engine, 'P', 'cust-1');
    const fills: Fill[] = [];
    engine.onEvent((e) => { if (e.type === 'fill') fills.push(e.fill); });
    const resting = await engine.submitOrder('P', { clientOrderId: 'r1', instrument: 'AAA', side: 'buy', qty: 10, orderType: 'limit', limitPrice: 95 }, 'tom');
    expect(resting).toMatchObject({ kind: 'ack', order: { status: 'open' } });
    approved.delete('cust-1'); // KYC no longer approved (the gate is asked at every order)
    expect(engine.tick('AAA', 94, ++ts).ok).toBe(true);
    await new Promise((r) => setTimeout(r, 20));
    expect(fills).toEqual([]);
    const orderId = resting.kind === 'ack' ? resting.order.orderId : '';
    expect(await engine.cancelOrder('P', orderId, 'tom')).toMatchObject({ kind: 'ack', order: { status: 'cancelled' } });
  });

  it('passes an approved customer\'s orders', async () => {
    const engine = start(gateOf(new Set(['cust-1'])));
    await create(engine, 'P', 'cust-1');
    expect(codeOf(await market(engine, 'P', 'buy', 10))).toBe('ack');
    expect(codeOf(await market(engine, 'P', 'sell', 200))).toBe('ack');
  });

  it('does not gate a portfolio without an owner (a house or demo portfolio), and does not ask about it', async () => {
    const gate = gateOf(new Set());
    const engine = start(gate);
    await create(engine, 'HOUSE');
    expect(codeOf(await market(engine, 'HOUSE', 'buy', 10))).toBe('ack');
    expect(gate.asked).toBe(0);
  });

  it('checks nothing without a gate (KYC not required): an unapproved owner trades freely', async () => {
    const engine = start();
    await create(engine, 'P', 'cust-1');
    expect(codeOf(await market(engine, 'P', 'buy', 10))).toBe('ack');
  });

  it('answers a halt before the KYC gate: a halted unapproved portfolio is rejected TRADING_HALTED', async () => {
    const engine = start(gateOf(new Set()));
    await create(engine, 'P', 'cust-1');
    expect((await engine.setTradingState('P', 'halted', 'rita')).ok).toBe(true);
    expect(codeOf(await market(engine, 'P', 'sell', 10))).toBe('TRADING_HALTED');
  });
});

describe('portfolio owners and trading-state reasons', () => {
  it('shows the owner in the portfolio view and lists an owner\'s portfolios', async () => {
    const engine = start();
    await create(engine, 'P1', 'cust-1');
    await create(engine, 'P2', 'cust-1');
    await create(engine, 'Q', 'cust-2');
    await create(engine, 'HOUSE');
    expect(engine.getPortfolio('P1')).toMatchObject({ portfolioId: 'P1', ownerId: 'cust-1' });
    expect(engine.getPortfolio('HOUSE')).not.toHaveProperty('ownerId');
    expect(engine.portfoliosOf('cust-1')).toEqual(['P1', 'P2']);
    expect(engine.portfoliosOf('nobody')).toEqual([]);
  });

  it('refuses an empty ownerId', async () => {
    const engine = start();
    expect(await engine.createPortfolio({ portfolioId: 'P', cash: 1, ownerId: '' }, 'admin')).toMatchObject({ ok: false, code: 'INVALID_PORTFOLIO' });
  });

  it('halts every portfolio of an owner with haltOwner, names the reason in the reject and the view, and leaves other owners alone', async () => {
    const engine = start();
    await create(engine, 'P1', 'cust-1');
    await create(engine, 'P2', 'cust-1');
    await create(engine, 'Q', 'cust-2');
    expect(await engine.haltOwner('cust-1', 'SANCTIONS', 'compliance')).toEqual({ ok: true, value: { ownerId: 'cust-1', portfolioIds: ['P1', 'P2'] } });
    for (const id of ['P1', 'P2']) {
      expect(engine.getPortfolio(id)).toMatchObject({ tradingState: 'halted', tradingStateReason: 'SANCTIONS' });
      const out = await market(engine, id, 'buy', 1);
      expect(out).toMatchObject({ kind: 'reject', code: 'TRADING_HALTED', message: 'trading is halted (SANCTIONS): submit refused, only cancels are accepted' });
    }
    expect(codeOf(await market(engine, 'Q', 'buy', 1))).toBe('ack');
    expect(engine.getPortfolio('Q')).not.toHaveProperty('tradingStateReason');
  });

  it('keeps the message of a manual halt as it was, and shows MANUAL as its reason', async () => {
    const engine = start();
    await create(engine, 'P', 'cust-1');
    expect((await engine.setTradingState('P', 'halted', 'rita')).ok).toBe(true);
    expect(engine.getPortfolio('P')).toMatchObject({ tradingState: 'halted', tradingStateReason: 'MANUAL' });
    expect(await market(engine, 'P', 'buy', 1)).toMatchObject({ code: 'TRADING_HALTED', message: 'trading is halted: submit refused, only cancels are accepted' });
  });

  it('halts nothing for an owner without portfolios', async () => {
    const engine = start();
    expect(await engine.haltOwner('nobody', 'SANCTIONS', 'compliance')).toEqual({ ok: true, value: { ownerId: 'nobody', portfolioIds: [] } });
  });

  it('opens a portfolio of a customer a screening blocked already halted for SANCTIONS, before any order of it is handled', async () => {
    const blocked = new Set(['cust-blocked']);
    const engine = start(undefined, { isBlocked: (o) => blocked.has(o) });
    // Created and ordered at once: the order finds the portfolio halted.
    const [created, out] = await Promise.all([
      engine.createPortfolio({ portfolioId: 'PB', cash: 1_000_000, positions: [], ownerId: 'cust-blocked' }, 'admin'),
      (async () => { await Promise.resolve(); return market(engine, 'PB', 'buy', 1); })(),
    ]);
    expect(created.ok).toBe(true);
    expect(codeOf(out)).toBe('TRADING_HALTED');
    expect(engine.getPortfolio('PB')).toMatchObject({ ownerId: 'cust-blocked', tradingState: 'halted', tradingStateReason: 'SANCTIONS' });
    await create(engine, 'PF', 'cust-free');
    expect(engine.getPortfolio('PF')?.tradingState).toBe('active');
  });

  it('opens a new portfolio halted for an owner with one halted for SANCTIONS, and not for one halted by hand', async () => {
    const engine = start();
    await create(engine, 'PS1', 'cust-s');
    await create(engine, 'PM1', 'cust-m');
    await engine.haltOwner('cust-s', 'SANCTIONS', 'compliance');
    expect((await engine.setTradingState('PM1', 'halted', 'risk-rita')).ok).toBe(true);
    await create(engine, 'PS2', 'cust-s');
    await create(engine, 'PM2', 'cust-m');
    expect(engine.getPortfolio('PS2')).toMatchObject({ tradingState: 'halted', tradingStateReason: 'SANCTIONS' });
    expect(engine.getPortfolio('PM2')?.tradingState).toBe('active');
  });
});
