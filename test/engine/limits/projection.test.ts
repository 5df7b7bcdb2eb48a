import { describe, expect, it } from 'vitest';
import { type RiskFigures, riskFigures } from '../../../src/engine/limits/exposure.js';
import { isRejection, priceOrder, sameInstrument } from '../../../src/engine/limits/order-terms.js';
import { projectOrder, type Projection } from '../../../src/engine/limits/projection.js';
import type { Order } from '../../../src/engine/limits/types.js';
import type { MarketSnapshot, Position } from '../../../src/engine/portfolio/types.js';
import { underlyingOf } from '../../../src/engine/portfolio/types.js';
import { optionInputsOf } from '../../../src/engine/portfolio/valuation.js';
import { optionGreeks } from '../../../src/engine/pricing/option-pricer.js';
import { createRng, type Rng } from '../../../src/engine/risk/prng.js';
import { option, stock, ticker } from '../../fixtures/books.js';
import { buy, request, sell } from './fixtures.js';

/** riskFigures as it was before positions were priced once per projection: one pass over the positions. */
function onePassRiskFigures(positions: readonly Position[], cash: number, market: MarketSnapshot): RiskFigures {
  let dollarDelta = 0, dollarGamma = 0, vega = 0, equity = cash;
  const exposureByUnderlying = new Map<string, number>();
  let grossExposure = 0;
  for (const p of positions) {
    const u = underlyingOf(p.instrument);
    const s = market.spots.get(u) ?? NaN;
    const units = p.qty * p.multiplier;
    let dd: number;
    if (p.instrument.kind === 'underlying') {
      dd = units * s;
      equity += units * s;
    } else {
      const op = p as Position & { instrument: { kind: 'option' } };
      const g = optionGreeks(optionInputsOf(op, market, s, p.vol ?? NaN), p.style);
      dd = units * g.delta * s;
      dollarGamma += units * g.gamma * s * s;
      vega += units * g.vega;
      equity += units * g.price;
    }
    dollarDelta += dd;
    exposureByUnderlying.set(u, (exposureByUnderlying.get(u) ?? 0) + Math.abs(dd));
    grossExposure += Math.abs(dd);
  }
  return { dollarDelta, dollarGamma, vega, equity, exposureByUnderlying, grossExposure };
}

/** Same bits in every field (Object.is: NaN equals NaN, −0 differs from 0) and the same exposure keys in the same order. */
function expectIdentical(got: RiskFigures, want: RiskFigures): void {
  for (const k of ['dollarDelta', 'dollarGamma', 'vega', 'equity', 'grossExposure'] as const) expect(Object.is(got[k], want[k]), k).toBe(true);
  expect([...got.exposureByUnderlying.keys()]).toEqual([...want.exposureByUnderlying.keys()]);
  for (const [u, x] of want.exposureByUnderlying) expect(Object.is(got.exposureByUnderlying.get(u), x), u).toBe(true);
}

const UNDERLYINGS = ['XYZ', 'ABC', 'DEF', 'GHI'];
const SPOTS = { XYZ: 100, ABC: 50, DEF: 12.34, GHI: 431.7 };
const EXPIRIES = ['2025-01-02', '2025-01-17', '2025-03-21', '2025-07-02', '2026-01-16'];

function randomPosition(rng: Rng): Position {
  const u = UNDERLYINGS[Math.floor(rng.nextUniform() * UNDERLYINGS.length)] as string;
  // |qty| >= 2, so that every held position can be reduced without closing it.
  const qty = (rng.nextUniform() < 0.5 ? -1 : 1) * (2 + Math.floor(rng.nextUniform() * 19));
  if (rng.nextUniform() < 0.2) return stock(u, qty * 37);
  const spot = SPOTS[u as keyof typeof SPOTS];
  const strike = Math.round(spot * (0.7 + 0.6 * rng.nextUniform()) * 2) / 2;
  return option(u, rng.nextUniform() < 0.5 ? 'call' : 'put', strike, qty, {
    expiry: EXPIRIES[Math.floor(rng.nextUniform() * EXPIRIES.length)] as string,
    vol: 0.05 + 0.8 * rng.nextUniform(),
  });
}

function randomPortfolio(rng: Rng, n: number): Position[] {
  const out: Position[] = [];
  while (out.length < n) {
    const p = randomPosition(rng);
    if (!out.some((q) => sameInstrument(q.instrument, p.instrument))) out.push(p);
  }
  return out;
}

type Case = 'add' | 'reduce' | 'close' | 'flip' | 'new option' | 'new stock';
const CASES: readonly Case[] = ['add', 'reduce', 'close', 'flip', 'new option', 'new stock'];

/** An order of the given kind against the held position `held` (or a new instrument). */
function orderFor(kind: Case, held: Position, rng: Rng, positions: readonly Position[]): Order {
  const q = held.qty, side = (toward: number) => (toward > 0 ? buy : sell);
  const limit = rng.nextUniform() < 0.5 ? { orderType: 'limit' as const, limitPrice: 0.5 + 10 * rng.nextUniform() } : {};
  switch (kind) {
    case 'add': return side(q)(held.instrument, 1 + Math.floor(rng.nextUniform() * 9), limit);
    case 'reduce': return side(-q)(held.instrument, 1 + Math.floor(rng.nextUniform() * (Math.abs(q) - 1)), limit);
    case 'close': return side(-q)(held.instrument, Math.abs(q), limit);
    case 'flip': return side(-q)(held.instrument, Math.abs(q) + 1 + Math.floor(rng.nextUniform() * 5), limit);
    case 'new stock': {
      const fresh = UNDERLYINGS.find((u) => !positions.some((p) => sameInstrument(p.instrument, ticker(u)))) ?? 'NEW';
      return buy(ticker(fresh), 3, { ...limit, ...(fresh === 'NEW' ? { orderType: 'limit', limitPrice: 9 } : {}) });
    }
    case 'new option': {
      let p: Position;
      do p = randomPosition(rng);
      while (p.instrument.kind !== 'option' || positions.some((x) => sameInstrument(x.instrument, p.instrument)));
      return sell(p.instrument, 4, limit);
    }
  }
}

function project(positions: Position[], order: Order, cash: number): { projection: Projection; market: MarketSnapshot; cashAfter: number } {
  const spots = order.instrument.kind === 'underlying' && order.instrument.symbol === 'NEW' ? { ...SPOTS, NEW: 9 } : SPOTS;
  const termsOf = () => ({ multiplier: 100, vol: 0.42, dividendYield: 0.01, style: 'european' as const });
  const ctx = request(order, { positions, cash, spots, termsOf });
  const priced = priceOrder(ctx);
  if (isRejection(priced)) throw new Error(priced.message);
  const projection = projectOrder(ctx, priced);
  if (isRejection(projection)) throw new Error(projection.message);
  return { projection, market: ctx.market, cashAfter: cash - priced.signedQty * priced.terms.multiplier * priced.fillPrice };
}

describe('projectOrder prices each position once', () => {
  it('gives bit-identical figures before and after to the one-pass computation on seeded portfolios, for add, reduce, close, flip and new positions', () => {
    const seen = new Set<string>();
    for (let seed = 1; seed <= 60; seed++) {
      const rng = createRng(seed);
      const positions = randomPortfolio(rng, 1 + Math.floor(rng.nextUniform() * 25));
      const cash = (rng.nextUniform() - 0.3) * 2e6;
      for (const kind of CASES) {
        const held = positions[Math.floor(rng.nextUniform() * positions.length)] as Position;
        const { projection: p, market, cashAfter } = project(positions, orderFor(kind, held, rng, positions), cash);
        expectIdentical(p.before.risk, onePassRiskFigures(positions, cash, market));
        expectIdentical(p.after.risk, onePassRiskFigures(p.after.positions, cashAfter, market));
        const delta = p.after.positions.length - positions.length;
        seen.add(`${kind}:${delta}`);
      }
    }
    // Every shape of change was exercised: one replaced, one removed, one appended.
    expect([...seen].sort()).toEqual(['add:0', 'close:-1', 'flip:0', 'new option:1', 'new stock:1', 'reduce:0']);
  });

  it('keeps the positions after the positions before with only the traded one replaced, removed or appended, in order', () => {
    const positions = [option('XYZ', 'call', 100, 5), stock('ABC', 10), option('XYZ', 'put', 90, -3)];
    const [call, shares, put] = positions as [Position, Position, Position];
    expect(project(positions, buy(shares.instrument, 5), 1e5).projection.after.positions).toEqual([call, { ...shares, qty: 15 }, put]);
    const closed = project(positions, sell(call.instrument, 5), 1e5).projection.after.positions;
    expect(closed).toEqual([shares, put]);
    expect(closed[0]).toBe(shares);
    const added = project(positions, buy(ticker('XYZ'), 2), 1e5).projection.after.positions;
    expect(added.slice(0, 3).every((p, i) => p === positions[i])).toBe(true);
    expect(added[3]).toMatchObject({ instrument: ticker('XYZ'), qty: 2 });
  });

  it('gives riskFigures the same bits as the one-pass computation, American legs and an empty portfolio included', () => {
    const m = request(buy(ticker('XYZ'), 1), { spots: SPOTS }).market;
    const american = { ...option('XYZ', 'put', 105, -2), style: 'american' as const };
    for (const positions of [[], [american, stock('XYZ', 100), option('ABC', 'call', 45, 3)], randomPortfolio(createRng(99), 20)]) {
      expectIdentical(riskFigures(positions, 1234.5, m), onePassRiskFigures(positions, 1234.5, m));
    }
  });
});
